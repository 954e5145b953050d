/**
 * The dashboard's Regions page (/admin/regions): the tree with names and what hangs on each region
 * (residents, responses, officers), an upload form for a CSV or XLSX file (multipart; --replace and
 * --dry-run as checkboxes), and the names of one region to change. Plain HTML, no script. A whole
 * province has ~25,000 regions, so the page shows at most {@link TREE_ROWS_SHOWN} rows and each
 * code links to its own subtree.
 *
 * Also the overview's banner while the office has no regions yet.
 */
import type { Lang } from "../../core/engine/types.js";
import type { RegionRecord } from "../../core/model/index.js";
import type { RegionTreeEntry } from "../../core/admin/service.js";
import { regionName } from "../../core/admin/tables.js";
import { rt } from "../../core/regions/i18n.js";
import { at } from "../../core/admin/i18n.js";
import { html, type SafeHtml } from "./html.js";
import { layout, type PageContext } from "./pages.js";

/** The most tree rows one page shows. */
export const TREE_ROWS_SHOWN = 2000;

/** The largest upload, in MB. */
export const UPLOAD_MAX_MB = 10;

/** Everything the Regions page shows. */
export interface RegionsPageInput {
  /** The tree (below `under` when given). */
  tree: RegionTreeEntry[];
  /** The region whose subtree is shown, if any. */
  under?: RegionRecord | undefined;
  /** The region whose names are being edited, if any. */
  editing?: RegionRecord | undefined;
  /** What a change did, one line each. */
  notice?: string[] | undefined;
  /** Why a change was refused: a headline and its lines (issues with their line numbers). */
  error?: string[] | undefined;
}

/** The overview's banner while there is no region: where to import them. */
export function noRegionsBanner(lang: Lang): SafeHtml {
  return html`<div class="notice" role="status" id="no-regions"><p>${rt(lang, "page.banner")}</p><p><a href="/admin/regions?lang=${lang}">${rt(lang, "page.banner_link")}</a></p></div>`;
}

function uploadForm(ctx: PageContext): SafeHtml {
  const { lang } = ctx;
  // The CSRF field comes before the file so that it arrives first in the multipart body.
  return html`<section class="card" id="import"><h2>${rt(lang, "page.upload_title")}</h2>
<p class="muted">${rt(lang, "page.upload_hint", { max: UPLOAD_MAX_MB })}</p>
<form method="post" action="/admin/regions/import?lang=${lang}" enctype="multipart/form-data" class="filters" id="import-form"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<label>${rt(lang, "page.file")} <input type="file" name="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></label>
<label class="check"><input type="checkbox" name="replace" value="1"> ${rt(lang, "page.replace")}</label>
<label class="check"><input type="checkbox" name="dryRun" value="1"> ${rt(lang, "page.dry_run")}</label>
<button type="submit">${rt(lang, "page.submit")}</button>
</form>
<p class="muted" id="cli-hint">${rt(lang, "page.cli_hint")}</p></section>`;
}

function renameForm(ctx: PageContext, region: RegionRecord): SafeHtml {
  const { lang } = ctx;
  const field = (name: string, label: string, value: string | undefined, required: boolean) =>
    html`<label>${label} <input name="${name}" value="${value ?? ""}" maxlength="100" size="20"${required ? html` required` : ""}></label>`;
  return html`<section class="card" id="rename"><h2>${rt(lang, "page.rename_title", { code: region.code })}</h2>
<form method="post" action="/admin/regions/rename?lang=${lang}" class="filters" id="rename-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="code" value="${region.code}">
${field("zhCN", rt(lang, "page.name_zh_cn"), region.name["zh-CN"], true)}
${field("zhTW", rt(lang, "page.name_zh_tw"), region.name["zh-TW"], false)}
${field("en", rt(lang, "page.name_en"), region.name.en, false)}
<button type="submit">${rt(lang, "page.rename")}</button></form></section>`;
}

function treeTable(ctx: PageContext, input: RegionsPageInput): SafeHtml {
  const { lang } = ctx;
  if (input.tree.length === 0) return html`<p class="muted" id="regions-none">${rt(lang, "page.none")}</p>`;
  const shown = input.tree.slice(0, TREE_ROWS_SHOWN);
  const under = input.under ? `&amp;under=${encodeURIComponent(input.under.code)}` : "";
  return html`<p class="muted">${rt(lang, "page.count", { count: input.tree.length })}</p>
<table class="list" id="regions-table"><thead><tr><th>${rt(lang, "page.code")}</th><th>${rt(lang, "page.name")}</th><th class="num">${rt(lang, "page.residents")}</th><th class="num">${rt(lang, "page.responses")}</th><th class="num">${rt(lang, "page.officers")}</th><th>${at(lang, "waves.actions")}</th></tr></thead><tbody>
${shown.map(
  ({ region, depth, counts }) => html`<tr data-region="${region.code}"><td><a href="/admin/regions?lang=${lang}&amp;under=${encodeURIComponent(region.code)}">${region.code}</a></td>
<th scope="row">${"\u3000".repeat(depth)}${regionName(region, lang)}</th><td class="num">${counts.residents}</td><td class="num">${counts.responses}</td><td class="num">${counts.officers}</td>
<td><a href="/admin/regions?lang=${lang}${under}&amp;edit=${encodeURIComponent(region.code)}#rename">${rt(lang, "page.rename")}</a></td></tr>`,
)}</tbody></table>
${input.tree.length > shown.length ? html`<p class="muted" id="regions-more">${rt(lang, "report.more", { count: input.tree.length - shown.length })}</p>` : ""}`;
}

/** The Regions page. */
export function regionsPage(ctx: PageContext, input: RegionsPageInput): string {
  const { lang } = ctx;
  const [headline, ...lines] = input.error ?? [];
  const body = html`<h1>${rt(lang, "page.title")}${input.under ? html` · ${regionName(input.under, lang)} <a class="muted" href="/admin/regions?lang=${lang}">↑</a>` : ""}</h1>
${headline ? html`<div class="notice error" role="alert" id="regions-error"><p><strong>${headline}</strong></p>${lines.map((l) => html`<p>${l}</p>`)}</div>` : ""}
${input.notice && input.notice.length > 0 ? html`<div class="notice" role="status" id="regions-notice">${input.notice.map((l) => html`<p>${l}</p>`)}</div>` : ""}
<p class="muted">${rt(lang, "page.intro")}</p>
${input.editing ? renameForm(ctx, input.editing) : ""}
${treeTable(ctx, input)}
${uploadForm(ctx)}`;
  return layout({ ...ctx, active: "regions" }, rt(lang, "page.title"), body);
}
