/**
 * The top of the overview: the headline cards (the sense-of-security and satisfaction rates with
 * their intervals and their gaps to the targets, in words) and the in-page navigation to the
 * groups of sections below, so that the figure the office is judged by is the first thing seen
 * and the rest is one click away instead of five screens down.
 */
import type { Lang } from "../../core/engine/types.js";
import { at, type AdminKey } from "../../core/admin/i18n.js";
import { headlineCards, type HeadlineCard } from "../../core/admin/headline.js";
import type { StatsReport } from "../../core/admin/stats-service.js";
import { html, type SafeHtml } from "./html.js";

function headlineCard(card: HeadlineCard, lang: Lang): SafeHtml {
  const titleId = `headline-${card.role}-title`;
  return html`<article class="headline-card" id="headline-${card.role}" aria-labelledby="${titleId}">
<h3 id="${titleId}">${card.title}</h3>
${card.value ? html`<p class="headline-value">${card.value}</p><p class="headline-interval">${card.interval}</p>` : html`<p class="headline-value suppressed">—</p><p class="headline-interval">${card.suppressedNote}</p>`}
${
  card.targets.length === 0
    ? html`<p class="headline-none">${at(lang, "headline.no_target")} <a href="/admin/waves?lang=${lang}">${at(lang, "headline.set_targets")}</a></p>`
    : html`<ul class="headline-targets">${card.targets.map(
        (t) => html`<li class="${t.direction}${t.significant ? " significant" : ""}"><strong>${card.value ? `${card.value} · ` : ""}${t.gap}</strong>${t.meaning ? html`<br><span class="meaning">${t.meaning}</span>` : ""}</li>`,
      )}</ul>`
}
</article>`;
}

/** The headline cards of the overview (nothing when the questionnaire has no rate). */
export function headlineSection(report: StatsReport, lang: Lang): SafeHtml {
  const cards = headlineCards(report, lang);
  if (cards.length === 0) return html``;
  return html`<section class="headline" id="headline" aria-labelledby="headline-title"><h2 id="headline-title" class="visually-hidden">${at(lang, "headline.title")}</h2>
<div class="headline-cards">${cards.map((c) => headlineCard(c, lang))}</div></section>`;
}

/** A group of overview sections: its id, title and the sections (id and title) it holds. */
export interface SectionGroup {
  id: string;
  title: AdminKey;
  sections: { id: string; title: string }[];
}

/** The in-page navigation: one line per group, a link per section. */
export function jumpNav(groups: readonly SectionGroup[], lang: Lang): SafeHtml {
  return html`<nav class="jump no-print" aria-label="${at(lang, "headline.jump")}"><ul>${groups.map(
    (g) => html`<li><a href="#group-${g.id}" class="group-link">${at(lang, g.title)}</a>: ${g.sections.map((s, i) => html`${i > 0 ? " · " : ""}<a href="#${s.id}">${s.title}</a>`)}</li>`,
  )}</ul></nav>`;
}
