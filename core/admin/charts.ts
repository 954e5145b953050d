/**
 * Charts of a report as SVG, rendered on the server by ECharts (no browser script, so the
 * dashboard keeps a strict CSP; chat gets the same charts rasterised). Suppressed groups are
 * never drawn: only figures core/stats shows make it into a series.
 */
import * as echarts from "echarts";
import type { CustomSeriesRenderItem, EChartsOption } from "echarts";
import { isScalarValue, isShown, type Breakdown, type Figure, type ScalarValue, type Shown } from "../stats/index.js";
import type { Lang } from "../engine/types.js";
import { at } from "./i18n.js";
import { measureName, optionName, type AdminMeasure } from "./measures.js";
import type { StatsReport } from "./stats-service.js";
import { groupLabel, regionName, tipTitle } from "./tables.js";
// Types only: the figures module loads Prisma through core/outreach/cases.ts (see its header).
import type { OutreachFigures } from "./outreach-figures.js";

/** A rendered chart. */
export interface Chart {
  /** Stable id (file names, element ids). */
  id: string;
  title: string;
  svg: string;
  width: number;
  height: number;
  /** Groups left out because they are suppressed (for a footnote; no other detail). */
  suppressedGroups: number;
}

const FONT = "'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei','PingFang SC','Source Han Sans SC',sans-serif";
const COLORS = ["#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d"];
const TARGET_SYMBOLS = ["diamond", "triangle", "rect", "pin"];
const TARGET_COLORS = ["#c0392b", "#8e44ad", "#16a085", "#7f8c8d"];

/**
 * zrender caches text widths in an LRU keyed by the text in a plain object: a label line reading
 * "__proto__" (or "constructor" …) — a region or target named so — links Object.prototype into its
 * list and pollutes every object of the process (Prisma then overflows its stack). A zero-width
 * space after the first character of such a line keeps it looking the same and off those keys.
 */
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype);

function safeLine(line: string): string {
  return PROTOTYPE_KEYS.some((key) => line.startsWith(key)) ? `${line.slice(0, 1)}\u200b${line.slice(1)}` : line;
}

/** Every string in a chart option with its lines made safe for zrender's text cache (see {@link safeLine}). */
export function safeChartText<T>(value: T): T {
  if (typeof value === "string") return value.split("\n").map(safeLine).join("\n") as T;
  if (Array.isArray(value)) return value.map((item: unknown) => safeChartText(item)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    // defineProperty: an own "__proto__" key must stay a key, not become the prototype.
    for (const [key, item] of Object.entries(value)) Object.defineProperty(out, key, { value: safeChartText(item), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}

/** An option rendered to SVG on the server (every chart of the dashboard and the chat goes through here). */
export function render(option: EChartsOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
  try {
    chart.setOption(safeChartText({ animation: false, color: COLORS, textStyle: { fontFamily: FONT }, backgroundColor: "#ffffff", ...option }));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Percent scale for proportions, raw for an index (both read 0–100). */
function scaled(measure: AdminMeasure, x: number): number {
  return Math.round((measure.spec.kind === "index" ? x : x * 100) * 10) / 10;
}

/** Every text of a chart at least this size (px at the chart's own width), readable on the dashboard and in chat. */
export const CHART_FONT_SIZE = 14;
/** Dark text on the white background: labels sit outside the bars, never white on a colour. */
const LABEL_COLOR = "#1d2733";
const AXIS_LABEL = { fontSize: CHART_FONT_SIZE, color: LABEL_COLOR };

/**
 * Vertical (or horizontal) error bars from [category index, lower, upper, label] data, with the
 * label (the bar's value) written just beyond the interval's upper end: outside the bar and clear
 * of the whiskers, so a short bar's value is as readable as a long one's.
 */
function errorBars(horizontal: boolean): CustomSeriesRenderItem {
  return (_params, api) => {
    const category = api.value(0) as number;
    const low = api.value(1) as number;
    const high = api.value(2) as number;
    const label = String(api.value(3) ?? "");
    const a = horizontal ? api.coord([low, category]) : api.coord([category, low]);
    const b = horizontal ? api.coord([high, category]) : api.coord([category, high]);
    const size = api.size?.([1, 1]) as number[] | undefined;
    const cap = Math.max(3, ((horizontal ? size?.[1] : size?.[0]) ?? 20) * 0.12);
    const style = { stroke: "#222", lineWidth: 1.4 };
    const [x1, y1] = a as [number, number];
    const [x2, y2] = b as [number, number];
    const text = {
      type: "text" as const,
      x: horizontal ? x2 + 6 : x2,
      y: horizontal ? y2 : y2 - 4,
      style: { text: label, fill: LABEL_COLOR, fontSize: CHART_FONT_SIZE, fontWeight: "bold" as const, align: horizontal ? ("left" as const) : ("center" as const), verticalAlign: horizontal ? ("middle" as const) : ("bottom" as const) },
    };
    return {
      type: "group",
      children: horizontal
        ? [
            { type: "line", shape: { x1, y1, x2, y2 }, style },
            { type: "line", shape: { x1, y1: y1 - cap, x2: x1, y2: y1 + cap }, style },
            { type: "line", shape: { x1: x2, y1: y2 - cap, x2, y2: y2 + cap }, style },
            text,
          ]
        : [
            { type: "line", shape: { x1, y1, x2, y2 }, style },
            { type: "line", shape: { x1: x1 - cap, y1, x2: x1 + cap, y2: y1 }, style },
            { type: "line", shape: { x1: x2 - cap, y1: y2, x2: x2 + cap, y2 }, style },
            text,
          ],
    };
  };
}

function scalarOf(figure: Figure): Shown<ScalarValue> | null {
  if (!isShown(figure) || !isScalarValue(figure)) return null;
  return figure;
}

/** Rates and indices of the wave with 95 % intervals and the wave's targets. */
export function ratesChart(report: StatsReport, lang: Lang): Chart | null {
  const items = report.overall.flatMap(({ measure, figure, comparisons }) => {
    const shown = scalarOf(figure);
    if (!shown || !measure.scalar) return [];
    if (measure.spec.kind === "victimisation" || measure.spec.kind === "reporting") return [];
    return [{ measure, value: shown, comparisons }];
  });
  if (items.length === 0) return null;
  const labels = [...new Set(items.flatMap((i) => i.comparisons.map((c) => c.label)))];
  const width = Math.max(720, items.length * 108);
  const height = 440;
  const svg = render(
    {
      title: { text: at(lang, "chat.chart_rates"), left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      legend: { bottom: 0, data: labels, textStyle: AXIS_LABEL },
      grid: { left: 50, right: 20, top: 70, bottom: 100 },
      xAxis: { type: "category", data: items.map((i) => measureName(i.measure, lang)), axisLabel: { interval: 0, width: 96, overflow: "break", ...AXIS_LABEL } },
      yAxis: { type: "value", min: (v: { min: number }) => Math.max(0, Math.floor(Math.min(v.min, 100) / 10) * 10 - 10), max: 100, axisLabel: AXIS_LABEL },
      series: [
        {
          type: "bar",
          barMaxWidth: 46,
          data: items.map((i) => scaled(i.measure, i.value.value)),
          itemStyle: { color: COLORS[0] },
        },
        {
          type: "custom",
          renderItem: errorBars(false),
          data: items.map((i, k) => [k, scaled(i.measure, i.value.ci.lower), scaled(i.measure, i.value.ci.upper), scaled(i.measure, i.value.value)]),
          z: 10,
          silent: true,
        },
        ...labels.map((label, k) => ({
          type: "scatter" as const,
          name: label,
          symbol: TARGET_SYMBOLS[k % TARGET_SYMBOLS.length],
          symbolSize: 13,
          itemStyle: { color: TARGET_COLORS[k % TARGET_COLORS.length] },
          z: 11,
          data: items.map((i, idx) => {
            const c = i.comparisons.find((x) => x.label === label);
            return c ? [idx, scaled(i.measure, c.target)] : [idx, null];
          }),
        })),
      ],
    },
    width,
    height,
  );
  return { id: "rates", title: at(lang, "chat.chart_rates"), svg, width, height, suppressedGroups: report.overall.filter((o) => o.measure.scalar && !isShown(o.figure)).length };
}

/** Headline rates (scale rates and yes-shares) by wave, oldest first; suppressed waves are gaps. */
export function trendChart(report: StatsReport, lang: Lang): Chart | null {
  const lines = report.trend.flatMap((b) => {
    const measure = report.measures.find((m) => m.spec.id === b.measureId);
    if (!measure || measure.spec.kind !== "rate") return [];
    return [{ measure, b }];
  });
  let suppressed = 0;
  const series = lines.map(({ measure, b }) => ({
    type: "line" as const,
    name: measureName(measure, lang),
    connectNulls: false,
    symbolSize: 8,
    label: { show: true, fontSize: CHART_FONT_SIZE, color: LABEL_COLOR, formatter: "{c}" },
    data: b.groups.map((g) => {
      const shown = scalarOf(g.figure);
      if (!shown) {
        suppressed += 1;
        return null;
      }
      return scaled(measure, shown.value);
    }),
  }));
  // A measure with no shown wave at all would only add an empty legend entry.
  const drawn = series.filter((s) => s.data.some((v) => v !== null));
  if (drawn.length === 0) return null;
  const width = 720;
  const height = 380;
  const svg = render(
    {
      title: { text: at(lang, "chat.chart_trend"), left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      legend: { bottom: 0, textStyle: AXIS_LABEL },
      grid: { left: 50, right: 30, top: 60, bottom: 80 },
      xAxis: { type: "category", data: report.waves.map((w) => w.name), axisLabel: { interval: 0, ...AXIS_LABEL } },
      yAxis: { type: "value", min: (v: { min: number }) => Math.max(0, Math.floor(v.min / 10) * 10 - 10), max: 100, axisLabel: AXIS_LABEL },
      series: drawn,
    },
    width,
    height,
  );
  return { id: "trend", title: at(lang, "chat.chart_trend"), svg, width, height, suppressedGroups: suppressed };
}

/** One scalar measure by region, with intervals and the wave's targets as lines. */
export function regionChart(report: StatsReport, measureId: string, lang: Lang): Chart | null {
  const b: Breakdown | undefined = report.byRegion.find((x) => x.measureId === measureId);
  const measure = report.measures.find((m) => m.spec.id === measureId);
  if (!b || !measure || !measure.scalar) return null;
  const shown = b.groups.flatMap((g) => {
    const s = scalarOf(g.figure);
    return s ? [{ key: g.key, value: s }] : [];
  });
  if (shown.length === 0) return null;
  const targets = report.targets.filter((t) => t.waveId === report.wave.id && t.measureId === measureId);
  const width = Math.max(720, shown.length * 84);
  const height = 440;
  const title = `${at(lang, "chat.chart_regions")} — ${measureName(measure, lang)}`;
  const svg = render(
    {
      title: { text: title, left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      grid: { left: 50, right: 110, top: 70, bottom: 100 },
      xAxis: { type: "category", data: shown.map((s) => groupLabel(report, b, s.key, lang)), axisLabel: { interval: 0, width: 80, overflow: "break", ...AXIS_LABEL } },
      yAxis: { type: "value", min: (v: { min: number }) => Math.max(0, Math.floor(v.min / 10) * 10 - 10), max: 100, axisLabel: AXIS_LABEL },
      series: [
        {
          type: "bar",
          barMaxWidth: 40,
          data: shown.map((s) => scaled(measure, s.value.value)),
          itemStyle: { color: COLORS[0] },
          markLine: {
            symbol: "none",
            label: { formatter: "{b}: {c}", position: "end", fontSize: CHART_FONT_SIZE, color: LABEL_COLOR },
            lineStyle: { type: "dashed" },
            data: targets.map((t, k) => ({ name: t.label, yAxis: scaled(measure, t.value), lineStyle: { color: TARGET_COLORS[k % TARGET_COLORS.length] } })),
          },
        },
        {
          type: "custom",
          renderItem: errorBars(false),
          data: shown.map((s, k) => [k, scaled(measure, s.value.ci.lower), scaled(measure, s.value.ci.upper), scaled(measure, s.value.value)]),
          z: 10,
          silent: true,
        },
      ],
    },
    width,
    height,
  );
  return { id: `region-${measureId}`, title, svg, width, height, suppressedGroups: b.groups.length - shown.length };
}

/** The hot problems: ranked shares of residents naming each, with intervals. */
export function hotChart(report: StatsReport, lang: Lang): Chart | null {
  const entry = report.overall.find((o) => o.measure.spec.kind === "multi");
  if (!entry || !isShown(entry.figure) || entry.figure.kind !== "multi") return null;
  const options = [...entry.figure.options].reverse();
  const width = 720;
  const height = Math.max(320, options.length * 34 + 90);
  const svg = render(
    {
      title: { text: at(lang, "chat.chart_hot"), left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      grid: { left: 180, right: 80, top: 50, bottom: 40 },
      yAxis: { type: "category", data: options.map((o) => optionName(entry.measure, o.option, lang)), axisLabel: { width: 170, overflow: "truncate", ...AXIS_LABEL } },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: AXIS_LABEL },
      series: [
        { type: "bar", barMaxWidth: 20, data: options.map((o) => Math.round(o.value * 1000) / 10), itemStyle: { color: COLORS[1] } },
        {
          type: "custom",
          renderItem: errorBars(true),
          data: options.map((o, k) => [k, Math.round(o.ci.lower * 1000) / 10, Math.round(o.ci.upper * 1000) / 10, `${Math.round(o.value * 1000) / 10}%`]),
          encode: { x: [1, 2], y: 0 },
          z: 10,
          silent: true,
        },
      ],
    },
    width,
    height,
  );
  return { id: "hot", title: at(lang, "chat.chart_hot"), svg, width, height, suppressedGroups: 0 };
}

/** The headline measure for region charts: the first rate (the sense of security). */
export function headlineMeasureId(report: StatsReport): string | undefined {
  return report.measures.find((m) => m.spec.kind === "rate")?.spec.id;
}

/** Every chart of the report that has something to show. */
export function reportCharts(report: StatsReport, lang: Lang, regionMeasureId = headlineMeasureId(report)): Chart[] {
  return [ratesChart(report, lang), trendChart(report, lang), regionMeasureId ? regionChart(report, regionMeasureId, lang) : null, hotChart(report, lang)].filter(
    (c): c is Chart => c !== null,
  );
}

/**
 * Awareness from safety-tip quizzes: the share answering right per tip with its 95 % Wilson
 * interval, horizontal (tip titles are long). Suppressed tips are left out and only counted.
 */
export function awarenessChart(outreach: OutreachFigures, lang: Lang): Chart | null {
  const shown = outreach.awareness.flatMap((tip) => (isShown(tip.figure) ? [{ label: tipTitle(tip, lang), value: tip.figure }] : []));
  if (shown.length === 0) return null;
  // Top to bottom in library order: a category axis draws its first item at the bottom.
  const items = [...shown].reverse();
  const pct = (x: number): number => Math.round(x * 1000) / 10;
  const width = 720;
  const height = Math.max(280, items.length * 38 + 90);
  const title = at(lang, "outreach.chart_awareness");
  const svg = render(
    {
      title: { text: title, left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      grid: { left: 220, right: 80, top: 50, bottom: 40 },
      yAxis: { type: "category", data: items.map((i) => i.label), axisLabel: { width: 210, overflow: "truncate", ...AXIS_LABEL } },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: AXIS_LABEL },
      series: [
        {
          type: "bar",
          barMaxWidth: 20,
          data: items.map((i) => pct(i.value.value)),
          itemStyle: { color: COLORS[2] },
        },
        {
          type: "custom",
          renderItem: errorBars(true),
          data: items.map((i, k) => [k, pct(i.value.ci.lower), pct(i.value.ci.upper), `${pct(i.value.value)}%`]),
          encode: { x: [1, 2], y: 0 },
          z: 10,
          silent: true,
        },
      ],
    },
    width,
    height,
  );
  return { id: "awareness", title, svg, width, height, suppressedGroups: outreach.awareness.length - shown.length };
}

/**
 * Case-feedback satisfaction rate by region (the report's breakdown level) with 95 % Wilson
 * intervals; suppressed regions are left out and only counted.
 */
export function caseSatisfactionChart(report: Pick<StatsReport, "regions">, outreach: OutreachFigures, lang: Lang): Chart | null {
  const shown = outreach.satisfaction.byRegion.flatMap((g) => (isShown(g.figure) ? [{ label: regionName(report.regions.get(g.key), lang, g.key), rate: g.figure.rate }] : []));
  if (shown.length === 0) return null;
  const pct = (x: number): number => Math.round(x * 1000) / 10;
  const width = Math.max(720, shown.length * 84);
  const height = 420;
  const title = at(lang, "outreach.chart_case_satisfaction");
  const svg = render(
    {
      title: { text: title, left: "center", textStyle: { fontSize: 18, color: LABEL_COLOR } },
      grid: { left: 50, right: 30, top: 70, bottom: 100 },
      xAxis: { type: "category", data: shown.map((s) => s.label), axisLabel: { interval: 0, width: 80, overflow: "break", ...AXIS_LABEL } },
      yAxis: { type: "value", min: (v: { min: number }) => Math.max(0, Math.floor(v.min / 10) * 10 - 10), max: 100, axisLabel: AXIS_LABEL },
      series: [
        {
          type: "bar",
          barMaxWidth: 40,
          data: shown.map((s) => pct(s.rate.value)),
          itemStyle: { color: COLORS[3] },
        },
        {
          type: "custom",
          renderItem: errorBars(false),
          data: shown.map((s, k) => [k, pct(s.rate.ci.lower), pct(s.rate.ci.upper), pct(s.rate.value)]),
          z: 10,
          silent: true,
        },
      ],
    },
    width,
    height,
  );
  return { id: "case-satisfaction", title, svg, width, height, suppressedGroups: outreach.satisfaction.byRegion.length - shown.length };
}

/** Every outreach chart that has something to show. */
export function outreachCharts(report: Pick<StatsReport, "regions">, outreach: OutreachFigures, lang: Lang): Chart[] {
  return [awarenessChart(outreach, lang), caseSatisfactionChart(report, outreach, lang)].filter((c): c is Chart => c !== null);
}

/** A data: URI of an SVG (for <img> under a CSP without inline styles). */
export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
}
