/**
 * The dashboard's headline: the two rates an office is judged by — the sense of security and the
 * satisfaction with the police — each with its 95 % interval and its gap to every target (the
 * provincial and municipal averages), in words an admin can read without a statistics course.
 *
 * Which measures: the sense-of-security rate is the questionnaire's first scale rate (as for the
 * region chart, see charts.ts `headlineMeasureId`); the satisfaction rate is the first scale rate
 * of a question in a section whose id contains "satisf", else of a question whose id starts with
 * "sat". A questionnaire without such a question has a one-card headline.
 */
import type { Lang, Questionnaire } from "../engine/types.js";
import { isShown, type TargetComparison } from "../stats/index.js";
import { at } from "./i18n.js";
import { measureName, type AdminMeasure } from "./measures.js";
import type { MeasureFigures, StatsReport } from "./stats-service.js";

/** One headline card, already in words. */
export interface HeadlineCard {
  /** "security" or "satisfaction" (element ids, tests). */
  role: "security" | "satisfaction";
  measureId: string;
  /** The measure's name in the page's language. */
  title: string;
  /** "92.5%", or null when the figure is suppressed (too few responses). */
  value: string | null;
  /** "95% 置信区间 88.1–95.3%，共 40 份" (null when suppressed). */
  interval: string | null;
  /** Why no value is shown (suppressed), else null. */
  suppressedNote: string | null;
  /** One line per target: the gap, and whether it is significant, in words. */
  targets: HeadlineTarget[];
}

/** One target of a headline card. */
export interface HeadlineTarget {
  label: string;
  /** "above" | "below" | "equal", or "suppressed" when the figure is not shown. */
  direction: "above" | "below" | "equal" | "suppressed";
  significant: boolean;
  /** "低于省均 95.3，差 2.8 个百分点". */
  gap: string;
  /** "差异显著：省均在 95% 置信区间之外，不太可能只是抽样误差。" (empty when suppressed). */
  meaning: string;
}

const SATISFACTION_SECTION = /satisf/i;

/** The measure ids of the headline: the sense-of-security rate and the satisfaction rate (when the questionnaire has one). */
export function headlineMeasureIds(measures: readonly AdminMeasure[], questionnaire: Pick<Questionnaire, "questions">): { security?: string; satisfaction?: string } {
  const rates = measures.filter((m) => m.spec.kind === "rate");
  const sectionOf = new Map(questionnaire.questions.map((q) => [q.id, q.section ?? ""]));
  const security = rates[0];
  const satisfaction =
    rates.find((m) => m !== security && SATISFACTION_SECTION.test(sectionOf.get(m.questionId) ?? "")) ?? rates.find((m) => m !== security && /^sat/i.test(m.questionId));
  return { ...(security ? { security: security.spec.id } : {}), ...(satisfaction ? { satisfaction: satisfaction.spec.id } : {}) };
}

/** Percentage points with one decimal, from proportions. */
const points = (x: number): string => (Math.round(Math.abs(x) * 1000) / 10).toFixed(1);
const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

function targetLine(c: TargetComparison, lang: Lang): HeadlineTarget {
  const target = points(c.target);
  if (c.suppressed) return { label: c.label, direction: "suppressed", significant: false, gap: at(lang, "headline.gap_suppressed", { label: c.label, target }), meaning: "" };
  const gap = points(c.difference);
  const text = c.direction === "equal" ? at(lang, "headline.gap_equal", { label: c.label, target }) : at(lang, `headline.gap_${c.direction}`, { label: c.label, target, gap });
  // "Equal" can never be significant: the value itself is inside its own interval.
  const meaning = at(lang, c.significant ? "headline.significant" : "headline.not_significant", { label: c.label });
  return { label: c.label, direction: c.direction, significant: c.significant, gap: text, meaning };
}

function card(role: HeadlineCard["role"], entry: MeasureFigures, report: StatsReport, lang: Lang): HeadlineCard {
  const figure = entry.figure;
  const base = { role, measureId: entry.measure.spec.id, title: measureName(entry.measure, lang), targets: entry.comparisons.map((c) => targetLine(c, lang)) };
  if (!isShown(figure) || figure.kind !== "rate") {
    return { ...base, value: null, interval: null, suppressedNote: at(lang, "headline.suppressed", { min: report.settings.minGroupSize }) };
  }
  return {
    ...base,
    value: percent(figure.value),
    interval: at(lang, "headline.interval", { lower: percent(figure.ci.lower), upper: percent(figure.ci.upper), n: figure.n }),
    suppressedNote: null,
  };
}

/** The headline cards of a report, security first. */
export function headlineCards(report: StatsReport, lang: Lang): HeadlineCard[] {
  const ids = headlineMeasureIds(report.measures, report.questionnaire);
  const roles: [HeadlineCard["role"], string | undefined][] = [
    ["security", ids.security],
    ["satisfaction", ids.satisfaction],
  ];
  return roles.flatMap(([role, id]) => {
    const entry = id ? report.overall.find((o) => o.measure.spec.id === id) : undefined;
    return entry ? [card(role, entry, report, lang)] : [];
  });
}
