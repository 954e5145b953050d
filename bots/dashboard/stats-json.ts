/**
 * The survey and outreach figures as the JSON API returns them. Suppressed figures carry no
 * numbers and suppressed groups are left out and only counted, so that the API never tells more
 * than the dashboard shows.
 */
import type { Lang } from "../../core/engine/types.js";
import type { StatsReport } from "../../core/admin/stats-service.js";
import { groupLabel, regionName, tipTitle } from "../../core/admin/tables.js";
import type { CaseSatisfactionValue, OutreachFigures } from "../../core/admin/outreach-figures.js";
import { measureName } from "../../core/admin/measures.js";
import { figureRows, isShown, type Breakdown } from "../../core/stats/index.js";
import { DEFAULT_OFFICE_TIME_ZONE, formatIsoInZone } from "../../core/util/time-zone.js";

/** Serialises one breakdown for the API: suppressed groups are left out and only counted. */
function breakdownJson(report: StatsReport, b: Breakdown, lang: Lang) {
  const shown = b.groups.filter((g) => isShown(g.figure));
  return {
    measureId: b.measureId,
    by: b.by.kind,
    groups: shown.map((g) => ({ key: g.key, label: groupLabel(report, b, g.key, lang), rows: figureRows(g.figure) })),
    suppressedGroups: b.groups.length - shown.length,
  };
}

/**
 * The report as JSON (suppressed figures carry no numbers; suppressed groups are left out); times
 * in ISO 8601 with the office's offset in `timeZone` (default Asia/Shanghai).
 */
export function reportJson(report: StatsReport, lang: Lang, timeZone: string = DEFAULT_OFFICE_TIME_ZONE) {
  return {
    wave: { id: report.wave.id, name: report.wave.name },
    waves: report.waves.map((w) => ({ id: w.id, name: w.name })),
    region: report.region ? { code: report.region.code, level: report.region.level } : null,
    level: report.level,
    minGroupSize: report.settings.minGroupSize,
    excludeFlagged: report.excludeFlagged,
    counts: report.counts,
    overall: report.overall.map((o) => ({
      measureId: o.measure.spec.id,
      name: measureName(o.measure, lang),
      kind: o.measure.spec.kind,
      suppressed: !isShown(o.figure),
      rows: isShown(o.figure) ? figureRows(o.figure) : [],
      comparisons: o.comparisons,
    })),
    trend: report.trend.map((b) => breakdownJson(report, b, lang)),
    byRegion: report.byRegion.map((b) => breakdownJson(report, b, lang)),
    byChannel: report.byChannel.map((b) => breakdownJson(report, b, lang)),
    // Modes are always both listed in the report; a suppressed one is counted like any group.
    byMode: report.byMode.map((b) => breakdownJson(report, b, lang)),
    quality: report.quality,
    consistency: report.consistency,
    generatedAt: formatIsoInZone(report.generatedAt, timeZone),
  };
}

function satisfactionJson(v: CaseSatisfactionValue) {
  return {
    closed: v.closed,
    rated: v.n,
    responseRate: { value: v.responseRate.value, ci: { lower: v.responseRate.ci.lower, upper: v.responseRate.ci.upper } },
    rate: { numerator: v.rate.numerator, value: v.rate.value, ci: { lower: v.rate.ci.lower, upper: v.rate.ci.upper } },
    index: { mean: v.index.mean, sd: v.index.sd, ci: { lower: v.index.ci.lower, upper: v.index.ci.upper } },
    meanRating: v.meanRating,
  };
}

/**
 * The outreach figures as JSON: a suppressed tip is listed by id and title with no number; the
 * suppressed case-satisfaction regions are left out and only counted (as the stats API does).
 */
export function outreachJson(report: StatsReport, outreach: OutreachFigures, lang: Lang) {
  const overall = outreach.satisfaction.overall;
  const shownRegions = outreach.satisfaction.byRegion.flatMap((g) => (isShown(g.figure) ? [{ key: g.key, label: regionName(report.regions.get(g.key), lang, g.key), ...satisfactionJson(g.figure) }] : []));
  return {
    region: report.region ? { code: report.region.code, level: report.region.level } : null,
    level: outreach.level,
    minGroupSize: outreach.minGroupSize,
    awareness: outreach.awareness.map((t) =>
      isShown(t.figure)
        ? { tipId: t.tipId, title: tipTitle(t, lang), suppressed: false as const, n: t.figure.n, correct: t.figure.numerator, rate: t.figure.value, ci: { lower: t.figure.ci.lower, upper: t.figure.ci.upper } }
        : { tipId: t.tipId, title: tipTitle(t, lang), suppressed: true as const },
    ),
    caseSatisfaction: {
      overall: isShown(overall) ? { suppressed: false as const, ...satisfactionJson(overall) } : { suppressed: true as const },
      byRegion: {
        groups: shownRegions,
        suppressedGroups: outreach.satisfaction.byRegion.length - shownRegions.length,
      },
    },
  };
}

