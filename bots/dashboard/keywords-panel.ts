/**
 * "What these suggestions say" on the Suggestions page: the terms most of the listed suggestions
 * use, as a word cloud (size by how many suggestions use a term) and as a ranked list with counts —
 * every term a link to the suggestions that use it (the page's own text search). No script: the
 * admin pages' CSP allows none, and sizes are classes because it allows no inline style either.
 */
import type { Lang } from "../../core/engine/types.js";
import { at } from "../../core/admin/i18n.js";
import type { Keyword } from "../../core/insight/keywords.js";
import type { SuggestionKeywords } from "../../core/insight/keywords-table.js";
import { html, type SafeHtml } from "./html.js";

/** How many terms the cloud and the list show. */
export const PANEL_TERMS = 30;

/** Size class 1–5 of a term: its count in fifths of the most used term's (the most used is 5). */
function tier(keyword: Keyword, most: number): number {
  return Math.max(1, Math.min(5, Math.ceil((5 * keyword.suggestions) / Math.max(1, most))));
}

function percent(share: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

/**
 * The panel for `found` (the whole group only). `query` is the page's filter (without `q` and
 * `cursor`): each term's link adds `q=<term>` to it.
 */
export function keywordsPanel(lang: Lang, found: SuggestionKeywords, query: URLSearchParams): SafeHtml {
  const keywords = found.groups[0]?.keywords.slice(0, PANEL_TERMS) ?? [];
  const link = (term: string) => {
    const params = new URLSearchParams(query);
    params.set("q", term);
    params.delete("cursor");
    return `/admin/suggestions?${params.toString()}`;
  };
  const most = keywords[0]?.suggestions ?? 0;
  const byTerm = [...keywords].sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  return html`<section class="keywords" id="keywords" aria-labelledby="keywords-title">
<h2 id="keywords-title">${at(lang, "keywords.title")}</h2>
${
  keywords.length === 0
    ? html`<p class="muted">${at(lang, "keywords.none", { min: 2 })}</p>`
    : html`<p class="muted">${at(lang, found.truncated ? "keywords.based_on_newest" : "keywords.based_on", { count: found.read })}</p>
<ul class="keyword-cloud" aria-label="${at(lang, "keywords.cloud")}">${byTerm.map(
        (k) => html`<li><a class="kw kw-${tier(k, most)}" href="${link(k.term)}">${k.term} <span class="kw-count">${at(lang, "keywords.count", { count: k.suggestions })}</span></a></li>`,
      )}</ul>
<table class="list keyword-list"><caption>${at(lang, "keywords.ranked")}</caption><thead><tr><th scope="col">${at(lang, "table.rank")}</th><th scope="col">${at(lang, "keywords.keyword")}</th><th scope="col">${at(lang, "keywords.suggestions")}</th><th scope="col">${at(lang, "keywords.share")}</th></tr></thead><tbody>
${keywords.map((k, i) => html`<tr><td>${i + 1}</td><td><a href="${link(k.term)}">${k.term}</a></td><td class="num">${k.suggestions}</td><td class="num">${percent(k.share, lang)}</td></tr>`)}
</tbody></table>`
}
</section>`;
}
