/**
 * The admin pages, rendered on the server: no script at all (charts are server-rendered SVG in
 * <img> data URIs), so the strict CSP holds. Suppressed figures render as "suppressed" in tables
 * and are left out of charts — the survey's, and the outreach figures' (tip awareness, case
 * satisfaction), which arrive already suppressed from core/admin/outreach-figures.ts.
 */
import { SUGGESTION_STATUSES, type AdminSuggestionRecord, type BroadcastSummary, type RegionRecord, type SpotCheckRecord, type WaveRecord } from "../../core/model/index.js";
import { SUPPORTED_LANGS, type Lang } from "../../core/engine/types.js";
import { formatFigure, isShown, type Breakdown, type ConsistencyRate, type Figure } from "../../core/stats/index.js";
import { at, type AdminKey } from "../../core/admin/i18n.js";
import { measureName, optionName } from "../../core/admin/measures.js";
import type { StatsReport } from "../../core/admin/stats-service.js";
import { groupLabel, regionName, tipTitle } from "../../core/admin/tables.js";
import { outreachCharts, reportCharts, svgDataUri, type Chart } from "../../core/admin/charts.js";
import { coverageShare, villageName, type CoverageCounts, type CoverageReport, type CoverageTotals, type VillageCoverage } from "../../core/outreach/coverage.js";
import type { CaseSatisfactionValue, OutreachFigures, ReminderFigures } from "../../core/admin/outreach-figures.js";
import { spotCheckMethodText } from "../../core/admin/spot-checks.js";
import { html, trusted, type HtmlValue, type SafeHtml } from "./html.js";
import { headlineSection, jumpNav, type SectionGroup } from "./headline.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatLocalDate, formatLocalDateTime } from "../../core/util/time-zone.js";

const LANG_NAMES: Record<Lang, string> = { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" };

/** Common page context. */
export interface PageContext {
  lang: Lang;
  csrf: string;
  /** Path and query of this page (for the language links). */
  url: string;
  /** The office's time zone (IANA name): every time on the page is office time; default Asia/Shanghai. */
  timeZone?: string;
  active?: "overview" | "waves" | "suggestions" | "drivers" | "spot" | "regions" | "report";
  /** The open alerts' banner (alerts-routes.ts), shown above every page's content. */
  alerts?: SafeHtml;
}

function withParam(url: string, key: string, value: string): string {
  const parsed = new URL(url, "http://x");
  parsed.searchParams.set(key, value);
  return `${parsed.pathname}${parsed.search}`;
}

/** The office time zone a page shows its times in. */
export function zoneOf(ctx: Pick<PageContext, "timeZone">): string {
  return ctx.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
}

/** "2026-12-08 09:00": an instant as office time on a page (the zone is named once, in the footer). */
export function pageTime(ctx: Pick<PageContext, "timeZone">, at: Date): string {
  return formatLocalDateTime(at, zoneOf(ctx));
}

/** The page frame: header, navigation, language links, sign-out; the office time zone named once at the foot. */
export function layout(ctx: PageContext, title: string, body: HtmlValue, options: { printable?: boolean } = {}): string {
  const nav: [PageContext["active"], string, string][] = [
    ["overview", "/admin", at(ctx.lang, "app.overview")],
    ["waves", "/admin/waves", at(ctx.lang, "app.waves")],
    ["suggestions", "/admin/suggestions", at(ctx.lang, "app.suggestions")],
    ["drivers", "/admin/drivers", at(ctx.lang, "drivers.title")],
    ["spot", "/admin/spot-checks", at(ctx.lang, "app.spot_checks")],
    ["regions", "/admin/regions", at(ctx.lang, "app.regions")],
    ["report", "/admin/report", at(ctx.lang, "app.report")],
  ];
  return `<!doctype html>${html`<html lang="${ctx.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title} — ${at(ctx.lang, "app.title")}</title>
<link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="${options.printable ? "printable" : ""}">
<header class="top no-print">
  <span class="brand">安心 Anxin</span>
  <nav>${nav.map(([key, href, label]) => html`<a href="${href}?lang=${ctx.lang}" class="${key === ctx.active ? "active" : ""}">${label}</a>`)}</nav>
  <span class="langs">${SUPPORTED_LANGS.map((l) => (l === ctx.lang ? html`<strong>${LANG_NAMES[l]}</strong>` : html`<a href="${withParam(ctx.url, "lang", l)}">${LANG_NAMES[l]}</a>`))}</span>
  <form method="post" action="/admin/logout" class="logout"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit">${at(ctx.lang, "app.logout")}</button></form>
</header>
<main>${ctx.alerts ?? ""}${body}</main>
<footer class="time-zone muted" id="time-zone">${at(ctx.lang, "app.time_zone", { zone: zoneOf(ctx) })}</footer>
</body></html>`}`;
}

/** The sign-in page; `csrf` is the pre-session's token (security.ts preSessionCsrf). */
export function loginPage(lang: Lang, csrf: string, message?: string): string {
  return `<!doctype html>${html`<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${at(lang, "login.title")}</title><link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="login"><main class="login-box">
<h1>安心 Anxin</h1><h2>${at(lang, "login.title")}</h2>
${message ? html`<p class="notice" role="alert">${message}</p>` : ""}
<form method="post" action="/admin/login">
<input type="hidden" name="_csrf" value="${csrf}">
<input type="hidden" name="lang" value="${lang}">
<label for="token">${at(lang, "login.token")}</label>
<input id="token" name="token" type="password" autocomplete="off" required>
<p class="hint">${at(lang, "login.hint")}</p>
<button type="submit">${at(lang, "login.submit")}</button>
</form>
<p class="langs">${SUPPORTED_LANGS.map((l) => html`<a href="/admin/login?lang=${l}">${LANG_NAMES[l]}</a> `)}</p>
</main></body></html>`}`;
}

/** A small page for 401/403 on HTML routes (a meta refresh needs no script). */
export function deniedPage(lang: Lang, status: 401 | 403): string {
  const text = at(lang, status === 401 ? "login.unauthorized" : "login.forbidden");
  return `<!doctype html>${html`<html lang="${lang}"><head><meta charset="utf-8">${status === 401 ? html`<meta http-equiv="refresh" content="0;url=/admin/login?lang=${lang}">` : ""}
<title>${text}</title><link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="login"><main class="login-box"><p class="notice">${text}</p><p><a href="/admin/login?lang=${lang}">${at(lang, "login.submit")}</a></p></main></body></html>`}`;
}

/** A page for an unknown wave or region (a link back to the overview). */
export function notFoundPage(lang: Lang, message: string): string {
  return `<!doctype html>${html`<html lang="${lang}"><head><meta charset="utf-8"><title>${message}</title><link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="login"><main class="login-box"><p class="notice" role="alert">${message}</p><p><a href="/admin?lang=${lang}">${at(lang, "app.overview")} →</a></p></main></body></html>`}`;
}

// ------------------------------------------------------------------------------------ pieces

function figureCells(figure: Figure, lang: Lang, min: number): SafeHtml {
  if (!isShown(figure)) return html`<td class="num suppressed" colspan="3" title="${at(lang, "overview.suppressed_note", { min })}">${at(lang, "table.suppressed")}</td>`;
  const [row] = formatFigure(figure, { decimals: 1 });
  if (!row) return html`<td colspan="3"></td>`;
  return html`<td class="num value">${row.value}</td><td class="num ci">${row.ci}</td><td class="num">${row.n}</td>`;
}

function chartImage(chart: Chart, lang: Lang, min: number): SafeHtml {
  return html`<figure class="chart" id="chart-${chart.id}"><img src="${trusted(svgDataUri(chart.svg))}" width="${chart.width}" height="${chart.height}" alt="${chart.title}">
${chart.suppressedGroups > 0 ? html`<figcaption>${at(lang, "overview.suppressed_groups", { count: chart.suppressedGroups, min })}</figcaption>` : ""}</figure>`;
}

/** `<option>`s with `selected` marked. */
export function selectOptions(options: readonly { value: string; label: string }[], selected: string | undefined): SafeHtml[] {
  return options.map((o) => html`<option value="${o.value}"${o.value === selected ? trusted(" selected") : ""}>${o.label}</option>`);
}

function regionOptions(regions: readonly RegionRecord[], lang: Lang): { value: string; label: string }[] {
  return [{ value: "", label: at(lang, "app.all") }, ...regions.map((r) => ({ value: r.code, label: `${"\u3000".repeat(r.level)}${regionName(r, lang)} (${r.code})` }))];
}

function waveOptions(waves: readonly WaveRecord[]): { value: string; label: string }[] {
  return waves.map((w) => ({ value: w.id, label: w.name }));
}

function ratesTable(report: StatsReport, lang: Lang): SafeHtml {
  const min = report.settings.minGroupSize;
  const rows = report.overall.filter((o) => o.measure.scalar);
  return html`<table class="figures" id="rates-table"><thead><tr><th>${at(lang, "table.measure")}</th><th class="num">${at(lang, "table.value")}</th><th class="num">${at(lang, "table.ci")}</th><th class="num">${at(lang, "table.n")}</th><th>${at(lang, "table.target_label")}</th></tr></thead><tbody>
${rows.map(
  (o) => html`<tr><th scope="row">${measureName(o.measure, lang)}</th>${figureCells(o.figure, lang, min)}<td>${o.comparisons.map((c) =>
    c.suppressed
      ? ""
      : html`<span class="target ${c.direction}">${c.label} ${o.measure.spec.kind === "index" ? c.target.toFixed(1) : `${(c.target * 100).toFixed(1)}%`}: ${at(lang, `direction.${c.direction}`)} · ${at(lang, c.significant ? "table.significant" : "table.not_significant")}</span> `,
  )}</td></tr>`,
)}
</tbody></table>${rows.some((o) => o.comparisons.some((c) => !c.suppressed)) ? html`<p class="muted" id="significance-note">${at(lang, "overview.significance_note")}</p>` : ""}`;
}

function breakdownTable(report: StatsReport, b: Breakdown | undefined, lang: Lang, id: string): SafeHtml {
  if (!b) return html``;
  const min = report.settings.minGroupSize;
  return html`<table class="figures" id="${id}"><thead><tr><th>${at(lang, "table.group")}</th><th class="num">${at(lang, "table.value")}</th><th class="num">${at(lang, "table.ci")}</th><th class="num">${at(lang, "table.n")}</th></tr></thead><tbody>
${b.groups.map((g) => html`<tr><th scope="row">${groupLabel(report, b, g.key, lang)}</th>${figureCells(g.figure, lang, min)}</tr>`)}
</tbody></table>`;
}

function hotTable(report: StatsReport, lang: Lang): SafeHtml {
  const entry = report.overall.find((o) => o.measure.spec.kind === "multi");
  if (!entry || !isShown(entry.figure) || entry.figure.kind !== "multi") return html`<p class="muted">${at(lang, "overview.no_figures")}</p>`;
  const rows = formatFigure(entry.figure, { decimals: 1 });
  return html`<table class="figures" id="hot-table"><thead><tr><th class="num">${at(lang, "table.rank")}</th><th>${at(lang, "table.option")}</th><th class="num">${at(lang, "table.value")}</th><th class="num">${at(lang, "table.ci")}</th></tr></thead><tbody>
${entry.figure.options.map((o, i) => html`<tr><td class="num">${o.rank}</td><th scope="row">${optionName(entry.measure, o.option, lang)}</th><td class="num">${rows[i]?.value}</td><td class="num">${rows[i]?.ci}</td></tr>`)}
</tbody></table>`;
}

function consistencyText(c: ConsistencyRate, lang: Lang): SafeHtml {
  if (!c.rate) return html`<p class="muted">${at(lang, "spot.consistency_none")}</p>`;
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return html`<p id="consistency">${at(lang, "spot.consistency")}: <strong>${pct(c.rate.value)}</strong> (95% CI ${pct(c.rate.ci.lower)}–${pct(c.rate.ci.upper)}, n=${c.rate.n}) · ${at(lang, "spot.consistent")} ${c.consistent} · ${at(lang, "spot.inconsistent")} ${c.inconsistent} · ${at(lang, "spot.unreachable")} ${c.unreachable}</p>`;
}

function countOrDash(value: number | null, min: number): string {
  return value === null ? `<${min}` : String(value);
}

// Reminders to residents (core/outreach/reminders.ts) next to the counts they move.
function reminderCounts(reminders: ReminderFigures | undefined, lang: Lang): SafeHtml {
  if (!reminders) return html``;
  const min = reminders.minGroupSize;
  return html`<div id="reminded"><dt>${at(lang, "overview.reminded")}</dt><dd>${countOrDash(reminders.reminded, min)}</dd></div>
<div id="finished-after-reminder"><dt>${at(lang, "overview.finished_after_reminder")}</dt><dd>${countOrDash(reminders.finishedAfterReminder, min)}</dd></div>
<div id="reminder-outside-window"><dt>${at(lang, "overview.reminder_outside_window")}</dt><dd>${countOrDash(reminders.outsideWindow, min)}</dd></div>`;
}

function waveCard(report: StatsReport, lang: Lang, reminders?: ReminderFigures): SafeHtml {
  const min = report.settings.minGroupSize;
  const q = report.quality;
  return html`<section class="card" id="wave"><h2>${at(lang, "overview.wave")}: ${report.wave.name}${report.region ? ` · ${regionName(report.region, lang)}` : ""}</h2>
<dl class="counts">
<div><dt>${at(lang, "overview.completed")}</dt><dd>${countOrDash(report.counts.completed, min)}</dd></div>
<div><dt>${at(lang, "overview.in_progress")}</dt><dd>${countOrDash(report.counts.inProgress, min)}</dd></div>
<div><dt>${at(lang, "overview.abandoned")}</dt><dd>${countOrDash(report.counts.abandoned, min)}</dd></div>
${reminderCounts(reminders, lang)}
${q ? html`<div><dt>${at(lang, "quality.speeders")}</dt><dd>${q.speeders}</dd></div><div><dt>${at(lang, "quality.straight_liners")}</dt><dd>${q.straightLiners}</dd></div>` : ""}
</dl>
<p class="muted">${at(lang, report.excludeFlagged ? "overview.flagged_excluded" : "overview.flagged_included")} ${at(lang, "overview.suppressed_note", { min })}</p>
</section>`;
}

// ------------------------------------------------------------------------------------ outreach

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const pctCi = (ci: { lower: number; upper: number }): string => `${(ci.lower * 100).toFixed(1)}–${(ci.upper * 100).toFixed(1)}%`;

function coverageFlags(village: VillageCoverage, minimum: number, lang: Lang): SafeHtml {
  return html`${village.visitsMeetMinimum ? "" : html`<span class="flag below-minimum below-visits">${at(lang, "outreach.below_visit_minimum", { min: minimum })}</span> `}${
    village.meetsMinimum ? "" : html`<span class="flag below-minimum">${at(lang, "outreach.below_minimum", { min: minimum })}</span> `
  }${village.complete ? html`<span class="flag complete">${at(lang, "outreach.complete")}</span>` : html`<span class="flag missing">${at(lang, "outreach.missing", { missing: village.missing })}</span>`}`;
}

const countWithShare = (part: number, whole: number): SafeHtml => html`<td class="num">${part} <span class="share">(${coverageShare(part, whole)})</span></td>`;

// The chat columns come first, in their old order: the field columns were added after them.
function coverageCells(t: CoverageCounts): SafeHtml {
  return html`<td class="num">${t.assigned}</td>${countWithShare(t.reached, t.assigned)}${countWithShare(t.confirmed, t.assigned)}${countWithShare(t.visited, t.assigned)}${countWithShare(t.materialDelivered, t.assigned)}${countWithShare(t.surveyed, t.assigned)}<td class="num">${t.surveyedSelf}</td><td class="num">${t.surveyedInterviewer}</td>`;
}

function coverageHead(coverage: CoverageReport, lang: Lang): SafeHtml {
  const col = (key: AdminKey): SafeHtml => html`<th scope="col" class="num">${at(lang, key)}</th>`;
  const survey = coverage.wave ? at(lang, "outreach.surveyed_wave", { wave: coverage.wave.name }) : at(lang, "outreach.surveyed_no_wave");
  return html`<colgroup span="3"></colgroup><colgroup span="2"></colgroup><colgroup span="2"></colgroup><colgroup span="3"></colgroup><colgroup span="1"></colgroup>
<thead><tr><th scope="col" rowspan="2">${at(lang, "outreach.officer")}</th><th scope="col" rowspan="2">${at(lang, "outreach.village")}</th><th scope="col" rowspan="2" class="num">${at(lang, "outreach.households")}</th><th scope="colgroup" colspan="2">${at(lang, "outreach.in_chat")}</th><th scope="colgroup" colspan="2">${at(lang, "outreach.door_to_door")}</th><th scope="colgroup" colspan="3">${survey}</th><th scope="col" rowspan="2">${at(lang, "outreach.status")}</th></tr>
<tr>${col("outreach.reached")}${col("outreach.confirmed")}${col("outreach.visited")}${col("outreach.material")}${col("outreach.surveyed")}${col("outreach.surveyed_self")}${col("outreach.surveyed_interviewer")}</tr></thead>`;
}

/**
 * Officers' coverage: per officer and village, households with the chat figures (reached,
 * confirmed), the door-to-door ones (visited, material delivered) and the wave's survey (self,
 * interviewer), each with its share of the households; villages short of the goal (fewer than the
 * minimum visited or assigned, or not every household reached) highlighted. Staff workload, not
 * residents' answers: no suppression applies.
 */
function coverageSection(coverage: CoverageReport, lang: Lang): SafeHtml {
  const min = coverage.minimumPerVillage;
  if (coverage.officers.length === 0) return html`<p class="muted" id="coverage-none">${at(lang, "outreach.coverage_none")}</p>`;
  const rows = coverage.officers.map((o) => {
    const name = o.officerName ?? o.officerId;
    return html`${o.villages.map(
      (v) =>
        html`<tr class="${v.complete && v.meetsMinimum && v.visitsMeetMinimum ? "" : "below-goal"}"><th scope="row">${name}</th><td>${v.regionCode ? villageName(v, lang) : at(lang, "outreach.no_region")}</td>${coverageCells(v)}<td>${coverageFlags(v, min, lang)}</td></tr>`,
    )}<tr class="subtotal"><th scope="row">${name}</th><td>${at(lang, "outreach.officer_total")}</td>${coverageCells(o.totals)}<td>${belowVisits(o.totals, min, lang)}</td></tr>`;
  });
  return html`<p class="muted">${at(lang, "outreach.coverage_goal", { min })}</p>
<table class="figures" id="coverage-table">${coverageHead(coverage, lang)}<tbody>${rows}</tbody>
<tfoot><tr class="total"><th scope="row">${at(lang, "outreach.all_total")}</th><td></td>${coverageCells(coverage.totals)}<td>${belowVisits(coverage.totals, min, lang)}</td></tr></tfoot></table>`;
}

function belowVisits(totals: CoverageTotals, minimum: number, lang: Lang): SafeHtml {
  return totals.villagesBelowVisitMinimum > 0 ? html`<span class="flag below-minimum">${at(lang, "outreach.villages_below_visits", { count: totals.villagesBelowVisitMinimum, min: minimum })}</span>` : html``;
}

function outreachChart(chart: Chart | undefined, caption: string): SafeHtml {
  if (!chart) return html``;
  return html`<figure class="chart" id="chart-${chart.id}"><img src="${trusted(svgDataUri(chart.svg))}" width="${chart.width}" height="${chart.height}" alt="${chart.title}">
${chart.suppressedGroups > 0 ? html`<figcaption>${caption}</figcaption>` : ""}</figure>`;
}

/** Awareness per tip; a suppressed tip shows the suppressed text, never a number. */
function awarenessTable(outreach: OutreachFigures, lang: Lang, id: string): SafeHtml {
  const min = outreach.minGroupSize;
  return html`<table class="figures" id="${id}"><thead><tr><th>${at(lang, "outreach.tip")}</th><th class="num">${at(lang, "outreach.correct_rate")}</th><th class="num">${at(lang, "table.ci")}</th><th class="num">${at(lang, "table.n")}</th></tr></thead><tbody>
${outreach.awareness.map(
  (tip) =>
    html`<tr><th scope="row">${tipTitle(tip, lang)}</th>${
      isShown(tip.figure)
        ? html`<td class="num value">${pct(tip.figure.value)}</td><td class="num ci">${pctCi(tip.figure.ci)}</td><td class="num">${tip.figure.n}</td>`
        : html`<td class="num suppressed" colspan="3" title="${at(lang, "outreach.awareness_note", { min })}">${at(lang, "table.suppressed")}</td>`
    }</tr>`,
)}
</tbody></table>`;
}

function satisfactionCells(figure: OutreachFigures["satisfaction"]["overall"], lang: Lang, min: number): SafeHtml {
  if (!isShown(figure)) return html`<td class="num suppressed" colspan="7" title="${at(lang, "outreach.case_note", { min })}">${at(lang, "table.suppressed")}</td>`;
  const v: CaseSatisfactionValue = figure;
  return html`<td class="num">${v.closed}</td><td class="num">${v.n}</td><td class="num">${pct(v.responseRate.value)}</td><td class="num value">${pct(v.rate.value)}</td><td class="num ci">${pctCi(v.rate.ci)}</td><td class="num value">${v.index.mean.toFixed(1)}</td><td class="num ci">${v.index.ci.lower.toFixed(1)}–${v.index.ci.upper.toFixed(1)}</td>`;
}

/** Case-feedback satisfaction: the whole area, then each region at the report's level. */
function satisfactionTable(report: StatsReport, outreach: OutreachFigures, lang: Lang, id: string): SafeHtml {
  const min = outreach.minGroupSize;
  return html`<table class="figures" id="${id}"><thead><tr><th>${at(lang, "table.group")}</th><th class="num">${at(lang, "outreach.closed")}</th><th class="num">${at(lang, "outreach.rated")}</th><th class="num">${at(lang, "outreach.response_rate")}</th><th class="num">${at(lang, "outreach.rate")}</th><th class="num">${at(lang, "table.ci")}</th><th class="num">${at(lang, "outreach.index")}</th><th class="num">${at(lang, "table.ci")}</th></tr></thead><tbody>
<tr class="total"><th scope="row">${report.region ? regionName(report.region, lang) : at(lang, "app.all")}</th>${satisfactionCells(outreach.satisfaction.overall, lang, min)}</tr>
${outreach.satisfaction.byRegion.map((g) => html`<tr><th scope="row">${regionName(report.regions.get(g.key), lang, g.key)}</th>${satisfactionCells(g.figure, lang, min)}</tr>`)}
</tbody></table>`;
}

/** The awareness and case-satisfaction contents: id (with the report's prefix), title, chart, table and note. */
function outreachParts(report: StatsReport, outreach: OutreachFigures, lang: Lang, prefix: "" | "report-"): { id: string; title: string; content: SafeHtml }[] {
  const min = outreach.minGroupSize;
  const charts = new Map(outreachCharts(report, outreach, lang).map((c) => [c.id, c]));
  const suppressedTips = outreach.awareness.filter((t) => !isShown(t.figure)).length;
  const suppressedRegions = outreach.satisfaction.byRegion.filter((g) => !isShown(g.figure)).length;
  return [
    {
      id: `${prefix}awareness`,
      title: at(lang, "outreach.awareness"),
      content: html`${outreachChart(charts.get("awareness"), at(lang, "outreach.suppressed_tips", { count: suppressedTips, min }))}
${awarenessTable(outreach, lang, `${prefix}awareness-table`)}
<p class="muted">${at(lang, "outreach.awareness_note", { min })}</p>`,
    },
    {
      id: `${prefix}case-satisfaction`,
      title: at(lang, "outreach.case_satisfaction"),
      content: html`${outreachChart(charts.get("case-satisfaction"), at(lang, "outreach.suppressed_regions", { count: suppressedRegions, min }))}
${satisfactionTable(report, outreach, lang, `${prefix}case-satisfaction-table`)}
<p class="muted">${at(lang, "outreach.case_note", { min })}</p>`,
    },
  ];
}

/** The awareness and case-satisfaction cards of the overview. */
function outreachCards(report: StatsReport, outreach: OutreachFigures, lang: Lang): { id: string; title: string; content: SafeHtml }[] {
  return outreachParts(report, outreach, lang, "");
}

/** The awareness and case-satisfaction sections of the printed report. */
function outreachSections(report: StatsReport, outreach: OutreachFigures, lang: Lang): SafeHtml {
  return html`${outreachParts(report, outreach, lang, "report-").map((p) => html`<section id="${p.id}"><h2>${p.title}</h2>
${p.content}</section>`)}`;
}

/** Query parameters of the overview and report pages. */
export interface OverviewParams {
  wave?: string;
  region?: string;
  level?: number;
  measure?: string;
  clean: boolean;
}

function filterForm(report: StatsReport, params: OverviewParams, allWaves: readonly WaveRecord[], lang: Lang, action: string): SafeHtml {
  const levels = [...new Set([...report.regions.values()].map((r) => r.level))].sort((a, b) => a - b);
  const scalar = report.measures.filter((m) => m.scalar);
  return html`<form method="get" action="${action}" class="filters no-print" id="filters">
<input type="hidden" name="lang" value="${lang}">
<label>${at(lang, "filters.wave")} <select name="wave">${selectOptions(waveOptions(allWaves), report.wave.id)}</select></label>
<label>${at(lang, "filters.region")} <select name="region">${selectOptions(regionOptions([...report.regions.values()], lang), report.region?.code ?? "")}</select></label>
<label>${at(lang, "filters.level")} <select name="level">${selectOptions(levels.map((l) => ({ value: String(l), label: String(l) })), String(report.level))}</select></label>
<label>${at(lang, "filters.measure")} <select name="measure">${selectOptions(scalar.map((m) => ({ value: m.spec.id, label: measureName(m, lang) })), params.measure ?? scalar[0]?.spec.id)}</select></label>
<label class="check"><input type="checkbox" name="clean" value="1"${params.clean ? trusted(" checked") : ""}> ${at(lang, "filters.exclude_flagged")}</label>
<button type="submit">${at(lang, "app.apply")}</button>
</form>`;
}

/** The dashboard overview. */
export function overviewPage(
  ctx: PageContext,
  input: { report: StatsReport; params: OverviewParams; waves: WaveRecord[]; suggestions: AdminSuggestionRecord[]; coverage: CoverageReport; outreach: OutreachFigures; reminders?: ReminderFigures; broadcasts?: readonly BroadcastSummary[]; banner?: SafeHtml },
): string {
  const { report, params, lang } = { ...input, lang: ctx.lang };
  const min = report.settings.minGroupSize;
  const measureId = params.measure && report.measures.some((m) => m.spec.id === params.measure && m.scalar) ? params.measure : report.measures.find((m) => m.scalar)?.spec.id;
  const charts = new Map(reportCharts(report, lang, measureId).map((c) => [c.id, c]));
  const chart = (id: string): HtmlValue => {
    const c = charts.get(id);
    return c ? chartImage(c, lang, min) : html`<p class="muted">${at(lang, "overview.no_figures")}</p>`;
  };
  const regionBreakdown = report.byRegion.find((b) => b.measureId === measureId);
  const headlineTrend = report.trend.find((b) => b.measureId === measureId);
  const zone = zoneOf(ctx);
  const card = (id: string, title: string, content: HtmlValue) => ({ id, title, content });
  const groups: (Omit<SectionGroup, "sections"> & { cards: { id: string; title: string; content: HtmlValue }[] })[] = [
    {
      id: "figures",
      title: "groups.figures",
      cards: [
        card("rates", at(lang, "overview.rates"), html`${chart("rates")}${ratesTable(report, lang)}`),
        card("trend", at(lang, "overview.trend"), html`${chart("trend")}${breakdownTable(report, headlineTrend, lang, "trend-table")}`),
        card("regions", at(lang, "overview.regions"), html`${measureId ? chart(`region-${measureId}`) : ""}${breakdownTable(report, regionBreakdown, lang, "region-table")}`),
        card("channels", at(lang, "overview.by_channel"), breakdownTable(report, report.byChannel.find((b) => b.measureId === measureId), lang, "channel-table")),
        card("modes", at(lang, "overview.by_mode"), html`${breakdownTable(report, report.byMode.find((b) => b.measureId === measureId), lang, "mode-table")}<p class="muted">${at(lang, "overview.mode_note")}</p>`),
      ],
    },
    {
      id: "problems",
      title: "groups.problems",
      cards: [
        card("hot", at(lang, "overview.hot"), html`${chart("hot")}${hotTable(report, lang)}`),
        card("latest", at(lang, "overview.latest_suggestions"), html`${suggestionList(input.suggestions, lang, zone)}<p><a href="/admin/suggestions?lang=${lang}&amp;wave=${report.wave.id}">${at(lang, "app.suggestions")} →</a></p>`),
      ],
    },
    {
      id: "outreach",
      title: "groups.outreach",
      cards: [
        card("coverage", at(lang, "overview.coverage"), coverageSection(input.coverage, lang)),
        ...(input.broadcasts ? [card("broadcasts", at(lang, "broadcasts.title"), broadcastTable(input.broadcasts, lang, zone))] : []),
        ...outreachCards(report, input.outreach, lang),
      ],
    },
    {
      id: "quality",
      title: "groups.quality",
      cards: [
        card(
          "quality",
          at(lang, "overview.quality"),
          html`${consistencyText(report.consistency, lang)}${report.quality ? html`<p>${at(lang, "quality.responses")} ${report.quality.completed} · ${at(lang, "quality.flagged")} ${report.quality.flagged}</p>` : ""}`,
        ),
      ],
    },
  ];
  const navGroups: SectionGroup[] = groups.map((g) => ({ id: g.id, title: g.title, sections: g.cards.map((c) => ({ id: c.id, title: c.title })) }));
  const body = html`${input.banner ?? ""}<h1>${at(lang, "app.overview")} <span class="h1-sub">${report.wave.name}${report.region ? ` · ${regionName(report.region, lang)}` : ""}</span></h1>
${headlineSection(report, lang)}
${jumpNav(navGroups, lang)}
${filterForm(report, params, input.waves, lang, "/admin")}
${waveCard(report, lang, input.reminders)}
${groups.map(
  (g) => html`<section class="group" id="group-${g.id}" aria-labelledby="group-${g.id}-title"><h2 id="group-${g.id}-title" class="group-title">${at(lang, g.title)}</h2>
${g.cards.map((c) => html`<section class="card" id="${c.id}" aria-labelledby="${c.id}-title"><h3 id="${c.id}-title">${c.title}</h3>${c.content}</section>`)}</section>`,
)}`;
  return layout(ctx, at(lang, "app.overview"), body);
}

/** Recent notices with their delivery counts; "possibly twice" counts residents sent a notice again after an interrupted send. */
function broadcastTable(list: readonly BroadcastSummary[], lang: Lang, zone: string): SafeHtml {
  if (list.length === 0) return html`<p class="muted">${at(lang, "broadcasts.none")}</p>`;
  return html`<table class="figures" id="broadcast-table"><thead><tr><th>${at(lang, "broadcasts.notice")}</th><th>${at(lang, "broadcasts.status")}</th><th class="num">${at(lang, "broadcasts.total")}</th><th class="num">${at(lang, "broadcasts.sent")}</th><th class="num">${at(lang, "broadcasts.read")}</th><th class="num">${at(lang, "broadcasts.waiting")}</th><th class="num" title="${at(lang, "broadcasts.possibly_duplicated_note")}">${at(lang, "broadcasts.possibly_duplicated")}</th></tr></thead><tbody>
${list.map(
  (b) =>
    html`<tr><th scope="row"><code>${b.id}</code> <span class="date">${formatLocalDateTime(b.scheduledAt ?? b.createdAt, zone)}</span></th><td>${b.status}</td><td class="num">${b.counts.total}</td><td class="num">${b.counts.sent}</td><td class="num">${b.counts.read}</td><td class="num">${b.counts.pending + b.counts.sending}</td><td class="num possibly-duplicated">${b.counts.possiblyDuplicated}</td></tr>`,
)}</tbody></table><p class="muted">${at(lang, "broadcasts.possibly_duplicated_note")}</p>`;
}

function suggestionList(list: readonly AdminSuggestionRecord[], lang: Lang, zone: string): SafeHtml {
  if (list.length === 0) return html`<p class="muted">${at(lang, "suggestions.none")}</p>`;
  return html`<ul class="suggestions">${list.map(
    (s) => html`<li><span class="date">${formatLocalDate(s.createdAt, zone)}</span> <span class="region">${s.regionName ? (s.regionName[lang] ?? s.regionName["zh-CN"] ?? "") : ""}</span> <span class="status ${s.status}">${at(lang, `status.${s.status}`)}</span> <q>${s.text}</q></li>`,
  )}</ul>`;
}

/** The printable report for superiors. */
export function reportPage(ctx: PageContext, input: { report: StatsReport; params: OverviewParams; waves: WaveRecord[]; outreach: OutreachFigures; drivers?: SafeHtml }): string {
  const { report, lang } = { report: input.report, lang: ctx.lang };
  const min = report.settings.minGroupSize;
  const measureId = input.params.measure ?? report.measures.find((m) => m.scalar)?.spec.id;
  const charts = reportCharts(report, lang, measureId);
  const regionBreakdown = report.byRegion.find((b) => b.measureId === measureId);
  const body = html`${filterForm(report, input.params, input.waves, lang, "/admin/report")}
<article class="report">
<header><h1>${at(lang, "report.title")}</h1>
<p class="subtitle">${report.wave.name}${report.region ? ` · ${regionName(report.region, lang)}` : ""} · ${at(lang, "app.generated_at", { at: `${pageTime(ctx, report.generatedAt)} (${zoneOf(ctx)})` })}</p>
<p class="prepared">${at(lang, "report.prepared_for")}</p></header>
${waveCard(report, lang)}
<section><h2>${at(lang, "overview.rates")}</h2>${ratesTable(report, lang)}</section>
${charts.map((c) => chartImage(c, lang, min))}
<section><h2>${at(lang, "overview.regions")}</h2>${breakdownTable(report, regionBreakdown, lang, "report-region-table")}</section>
<section><h2>${at(lang, "overview.by_mode")}</h2>${breakdownTable(report, report.byMode.find((b) => b.measureId === measureId), lang, "report-mode-table")}<p class="muted">${at(lang, "overview.mode_note")}</p></section>
<section><h2>${at(lang, "overview.hot")}</h2>${hotTable(report, lang)}</section>
<section><h2>${at(lang, "overview.quality")}</h2>${consistencyText(report.consistency, lang)}</section>
${outreachSections(report, input.outreach, lang)}
${input.drivers ? html`<section id="report-drivers"><h2>${at(lang, "drivers.title")}</h2>${input.drivers}</section>` : ""}
<p class="method">${at(lang, "report.method", { min })}</p>
<p class="muted no-print">${at(lang, "report.print")}</p>
</article>`;
  return layout({ ...ctx, active: "report" }, at(lang, "report.title"), body, { printable: true });
}

/** Filters of the suggestions page. */
export interface SuggestionFilters {
  wave?: string;
  region?: string;
  status?: string;
  tag?: string;
  q?: string;
  since?: string;
  cursor?: string;
}

/** The suggestions page: filters, export links, status and tag editing. */
export function suggestionsPage(
  ctx: PageContext,
  input: { list: AdminSuggestionRecord[]; total: number; filters: SuggestionFilters; waves: WaveRecord[]; regions: RegionRecord[]; nextCursor?: string; message?: string; keywords?: SafeHtml },
): string {
  const { lang } = ctx;
  const f = input.filters;
  const query = new URLSearchParams(Object.entries({ lang, wave: f.wave, region: f.region, status: f.status, tag: f.tag, q: f.q, since: f.since }).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  const body = html`<h1>${at(lang, "suggestions.title")}</h1>
${input.message ? html`<p class="notice" role="status">${input.message}</p>` : ""}
<form method="get" action="/admin/suggestions" class="filters" id="suggestion-filters">
<input type="hidden" name="lang" value="${lang}">
<label>${at(lang, "filters.wave")} <select name="wave">${selectOptions([{ value: "", label: at(lang, "app.all") }, ...waveOptions(input.waves)], f.wave ?? "")}</select></label>
<label>${at(lang, "filters.region")} <select name="region">${selectOptions(regionOptions(input.regions, lang), f.region ?? "")}</select></label>
<label>${at(lang, "filters.status")} <select name="status">${selectOptions([{ value: "", label: at(lang, "app.all") }, ...SUGGESTION_STATUSES.map((s) => ({ value: s, label: at(lang, `status.${s}`) }))], f.status ?? "")}</select></label>
<label>${at(lang, "filters.tag")} <input name="tag" value="${f.tag ?? ""}" size="8"></label>
<label>${at(lang, "filters.search")} <input name="q" type="search" value="${f.q ?? ""}"></label>
<label>${at(lang, "filters.since")} <input name="since" type="date" value="${f.since ?? ""}"></label>
<button type="submit">${at(lang, "app.apply")}</button>
</form>
${input.keywords ?? ""}
<p>${at(lang, "suggestions.count", { count: input.total })} · <a href="/admin/api/export/suggestions?${query.toString()}&amp;format=csv">CSV</a> · <a href="/admin/api/export/suggestions?${query.toString()}&amp;format=xlsx">Excel</a> · <a href="/admin/api/export/suggestions?${query.toString()}&amp;format=json">JSON</a></p>
${
  input.list.length === 0
    ? html`<p class="muted">${at(lang, "suggestions.none")}</p>`
    : html`<table class="list" id="suggestion-table"><thead><tr><th>${at(lang, "table.created_at")}</th><th>${at(lang, "table.region")}</th><th>${at(lang, "table.text")}</th><th>${at(lang, "table.status")} / ${at(lang, "table.tags")}</th></tr></thead><tbody>
${input.list.map(
  (s) => html`<tr><td class="date">${pageTime(ctx, s.createdAt)}</td><td>${s.regionName ? (s.regionName[lang] ?? s.regionName["zh-CN"] ?? s.regionCode) : ""}</td><td class="text">${s.text}</td>
<td><form method="post" action="/admin/suggestions/${s.id}?${query.toString()}" class="inline">
<input type="hidden" name="_csrf" value="${ctx.csrf}">
<select name="status" aria-label="${at(lang, "table.status")}">${selectOptions(SUGGESTION_STATUSES.map((st) => ({ value: st, label: at(lang, `status.${st}`) })), s.status)}</select>
<input name="tags" value="${s.tags.join(", ")}" placeholder="${at(lang, "suggestions.tags_hint")}" aria-label="${at(lang, "table.tags")}" size="12">
<button type="submit">${at(lang, "suggestions.save")}</button></form></td></tr>`,
)}</tbody></table>`
}
${input.nextCursor ? html`<p><a href="/admin/suggestions?${query.toString()}&amp;cursor=${input.nextCursor}">${at(lang, "app.next_page")} →</a></p>` : ""}`;
  return layout({ ...ctx, active: "suggestions" }, at(lang, "suggestions.title"), body);
}

/** The spot-check page: draw a sample, call the residents, record outcomes. */
export function spotChecksPage(ctx: PageContext, input: { wave: WaveRecord | null; waves: WaveRecord[]; checks: SpotCheckRecord[]; consistency: ConsistencyRate; regions: Map<string, RegionRecord>; message?: string }): string {
  const { lang } = ctx;
  const wave = input.wave;
  const body = html`<h1>${at(lang, "spot.title")}</h1>
${input.message ? html`<p class="notice" role="status">${input.message}</p>` : ""}
${
  wave
    ? html`<form method="get" action="/admin/spot-checks" class="filters"><input type="hidden" name="lang" value="${lang}">
<label>${at(lang, "filters.wave")} <select name="wave">${selectOptions(waveOptions(input.waves), wave.id)}</select></label><button type="submit">${at(lang, "app.apply")}</button></form>
<form method="post" action="/admin/spot-checks/draw?lang=${lang}&amp;wave=${wave.id}" class="filters" id="draw-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="wave" value="${wave.id}">
<label>${at(lang, "spot.share")} <input name="share" type="number" min="0" max="1" step="0.01" value="0.05"></label>
<label>${at(lang, "spot.min_per_stratum")} <input name="minPerStratum" type="number" min="0" step="1" value="2"></label>
<label>${at(lang, "spot.strata_level")} <input name="level" type="number" min="0" step="1" value="1"></label>
<label>${at(lang, "spot.seed")} <input name="seed" value=""></label>
<label>${at(lang, "spot.method")} <select name="method">${selectOptions(
    (["phone", "chat", "visit"] as const).map((m) => ({ value: m, label: at(lang, `spot.method_${m}`) })),
    "phone",
  )}</select></label>
<button type="submit">${at(lang, "spot.draw")}</button></form>
${
  input.checks.some((c) => c.method === "chat")
    ? html`<form method="post" action="/admin/spot-checks/reask?lang=${lang}&amp;wave=${wave.id}" class="filters" id="reask-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="wave" value="${wave.id}">
<p class="muted">${at(lang, "spot.reask_hint")}</p><button type="submit">${at(lang, "spot.reask")}</button></form>`
    : ""
}
${consistencyText(input.consistency, lang)}
<p><a href="/admin/api/export/spot-checks?wave=${wave.id}&amp;lang=${lang}&amp;format=xlsx">Excel</a> · <a href="/admin/api/export/spot-checks?wave=${wave.id}&amp;lang=${lang}&amp;format=csv">CSV</a></p>
${
  input.checks.length === 0
    ? html`<p class="muted">${at(lang, "spot.none")}</p>`
    : html`<table class="list" id="spot-table"><thead><tr><th>${at(lang, "table.region")}</th><th>${at(lang, "table.completed_at")}</th><th>${at(lang, "table.channel")}</th><th>${at(lang, "table.method")}</th><th>${at(lang, "table.phone")}</th><th>${at(lang, "table.outcome")}</th></tr></thead><tbody>
${input.checks.map(
  (c) => html`<tr><td>${c.regionCode ? regionName(input.regions.get(c.regionCode), lang, c.regionCode) : ""}</td><td class="date">${c.completedAt ? pageTime(ctx, c.completedAt) : ""}</td><td>${c.channel}</td>
<td>${spotCheckMethodText(c, lang)}</td>
<td class="phone">${c.phone ?? at(lang, "spot.no_phone")}</td>
<td><form method="post" action="/admin/spot-checks/${c.id}?lang=${lang}&amp;wave=${wave.id}" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<select name="outcome" aria-label="${at(lang, "table.outcome")}">${selectOptions(
    [
      { value: "", label: at(lang, "spot.pending") },
      { value: "consistent", label: at(lang, "spot.consistent") },
      { value: "inconsistent", label: at(lang, "spot.inconsistent") },
      { value: "unreachable", label: at(lang, "spot.unreachable") },
    ],
    c.outcome ?? "",
  )}</select>
<input name="notes" value="${c.notes ?? ""}" placeholder="${at(lang, "table.notes")}" size="14" aria-label="${at(lang, "table.notes")}">
<button type="submit">${at(lang, "spot.record")}</button></form></td></tr>`,
)}</tbody></table>`
}`
    : html`<p class="muted">${at(lang, "app.no_wave")}</p>`
}`;
  return layout({ ...ctx, active: "spot" }, at(lang, "spot.title"), body);
}
