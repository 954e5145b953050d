/**
 * What goes with feeling unsafe or dissatisfied, on the dashboard: per outcome a forest plot of
 * the odds ratios with their 95% intervals (core/admin/forest-plot.ts, an SVG image: the admin
 * pages' CSP allows images from data: URIs and no script) and the table behind it — the Drivers
 * page (/admin/drivers) and a section of the printable report.
 */
import type { Lang } from "../../core/engine/types.js";
import type { RegionRecord, WaveRecord } from "../../core/model/index.js";
import { at } from "../../core/admin/i18n.js";
import { driversForestPlot, factorName, levelName, outcomeName, referenceName, statusName, type DriversReport } from "../../core/admin/drivers.js";
import { regionName } from "../../core/admin/tables.js";
import { html, trusted, type SafeHtml } from "./html.js";
import { layout, selectOptions, type PageContext } from "./pages.js";

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const fmtP = (p: number): string => (p < 0.001 ? "<0.001" : p.toFixed(3));

/** One outcome's plot and table, or why there is none. */
function modelBlock(report: DriversReport, model: DriversReport["models"][number], lang: Lang, idPrefix: string, heading: "h2" | "h3"): SafeHtml {
  const [open, close] = [trusted(`<${heading}>`), trusted(`</${heading}>`)];
  const r = model.result;
  const min = report.settings.minGroupSize;
  const title = outcomeName(report, model, lang);
  const id = `${idPrefix}${model.outcome}`;
  if (r.status === "suppressed") return html`<section class="card drivers" id="${id}">${open}${title}${close}<p class="muted">${statusName("suppressed", lang, min)}</p></section>`;
  const plot = driversForestPlot(report, model, lang, 760);
  const src = `data:image/svg+xml;base64,${Buffer.from(plot.svg, "utf8").toString("base64")}`;
  return html`<section class="card drivers" id="${id}">${open}${title}${close}
<p class="muted">${at(lang, "drivers.chat_model", { n: r.n, events: r.events })}</p>
${r.status === "ok" ? html`<figure class="chart forest"><img src="${trusted(src)}" width="${plot.width}" height="${plot.height}" alt="${at(lang, "drivers.forest_alt", { title })}"></figure>` : html`<p>${statusName(r.status, lang, min)}</p>`}
${
  r.status === "ok" && r.estimates.length > 0
    ? html`<table class="list drivers-table"><caption>${at(lang, "drivers.table_caption")}</caption><thead><tr><th scope="col">${at(lang, "table.rank")}</th><th scope="col">${at(lang, "drivers.col_factor")}</th><th scope="col">${at(lang, "drivers.col_level")}</th><th scope="col">${at(lang, "drivers.col_reference")}</th><th scope="col" class="num">${at(lang, "table.n")}</th><th scope="col" class="num">${at(lang, "drivers.col_odds_ratio")}</th><th scope="col">${at(lang, "table.ci")}</th><th scope="col" class="num">${at(lang, "drivers.col_p")}</th></tr></thead><tbody>
${r.estimates.map(
  (e) => html`<tr class="${e.p < 0.05 ? "significant" : ""}"><td>${e.rank}</td><td>${factorName(e.factorId, lang)}</td><td>${levelName(report, model, e, lang)}</td><td>${referenceName(report, model, e.factorId, lang)}</td><td class="num">${e.n}</td><td class="num">${fmt(e.oddsRatio)}</td><td>${fmt(e.lower)}–${fmt(e.upper)}</td><td class="num">${fmtP(e.p)}</td></tr>`,
)}</tbody></table>`
    : ""
}
${r.separated.length > 0 ? html`<p class="muted">${at(lang, "drivers.page_separated")} ${r.separated.map((s) => `${factorName(s.factorId, lang)}: ${levelName(report, model, s, lang)}`).join(lang === "en" ? "; " : "；")}</p>` : ""}
${r.suppressed.length > 0 ? html`<p class="muted">${statusName("suppressed_level", lang, min)}: ${r.suppressed.map((s) => `${factorName(s.factorId, lang)}: ${levelName(report, model, s, lang)}`).join(lang === "en" ? "; " : "；")}</p>` : ""}
</section>`;
}

/**
 * The drivers of every outcome the questionnaire has, with the method in a sentence; each outcome
 * headed `heading` (h2 on its own page, h3 inside the report's section).
 */
export function driversSection(report: DriversReport, lang: Lang, idPrefix = "drivers-", heading: "h2" | "h3" = "h2"): SafeHtml {
  return html`${report.models.length === 0 ? html`<p class="muted">${at(lang, "drivers.no_outcome")}</p>` : report.models.map((m) => modelBlock(report, m, lang, idPrefix, heading))}
<p class="method">${at(lang, "drivers.page_method", { min: report.settings.minGroupSize })}</p>`;
}

/** The Drivers page: wave and region filters, then {@link driversSection}. */
export function driversPage(ctx: PageContext, input: { report: DriversReport; waves: WaveRecord[]; regions: RegionRecord[] }): string {
  const { lang } = ctx;
  const { report } = input;
  const regionOptions = [{ value: "", label: at(lang, "app.all") }, ...input.regions.map((r) => ({ value: r.code, label: `${"　".repeat(Math.max(0, r.path.split("/").filter(Boolean).length - 1))}${regionName(r, lang)}` }))];
  const body = html`<h1>${at(lang, "drivers.title")} · ${report.wave.name}${report.region ? ` · ${regionName(report.region, lang)}` : ""}</h1>
<form method="get" action="/admin/drivers" class="filters"><input type="hidden" name="lang" value="${lang}">
<label>${at(lang, "filters.wave")} <select name="wave">${selectOptions(input.waves.map((w) => ({ value: w.id, label: w.name })), report.wave.id)}</select></label>
<label>${at(lang, "filters.region")} <select name="region">${selectOptions(regionOptions, report.region?.code ?? "")}</select></label>
<button type="submit">${at(lang, "app.apply")}</button></form>
<p>${at(lang, "drivers.page_intro")}</p>
${driversSection(report, lang)}
<p><a href="/admin/api/export/drivers?lang=${lang}&amp;wave=${report.wave.id}${report.region ? `&region=${report.region.code}` : ""}&amp;format=csv">CSV</a> · <a href="/admin/api/export/drivers?lang=${lang}&amp;wave=${report.wave.id}${report.region ? `&region=${report.region.code}` : ""}&amp;format=xlsx">Excel</a></p>`;
  return layout({ ...ctx, active: "drivers" }, at(lang, "drivers.title"), body);
}
