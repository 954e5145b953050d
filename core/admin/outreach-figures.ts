/**
 * The outreach figures of the admin dashboard, printable report and statistics export, besides
 * the survey's: awareness from safety-tip quizzes (per tip) and satisfaction with case feedback
 * (overall and by region), both with 95 % intervals and small-group suppression.
 *
 * They are computed from a deliberately narrow read interface, {@link OutreachFiguresReader}:
 * two list methods returning plain data. The Prisma store and the plain-SQL reader of CLI exports
 * (prisma/bulk-reader.ts) both implement it. Everything else —
 * the region filter, the region breakdown, first-answer reduction, suppression — happens here,
 * so every reader gives the same figures.
 *
 * Loading: nothing here loads Prisma (case statuses come from the core's model), so a CLI
 * export computes these figures without it.
 *
 * Suppression follows core/stats: a tip with fewer than `minGroupSize` first answers, and a
 * region (or the whole area) with fewer than `minGroupSize` ratings, become `Suppressed` values
 * that carry no number at all, so no page, chart, API or export can show one.
 */
import type { LocalizedText } from "../engine/types.js";
import type { ClosedCaseRating, FirstQuizAnswer, OutreachFiguresReader, ReminderStore } from "../model/index.js";
import { applySuppression, comparePaths, complementSuppression, type Figure, type MeanEstimate, type Proportion } from "../stats/index.js";
import { awarenessFromQuizzes, firstQuizAnswers, listTips } from "../outreach/tips.js";
import { caseFeedbackSatisfaction } from "../outreach/cases.js";
import { regionCodes } from "./convert.js";
import type { StatsReport } from "./stats-service.js";

/** A stretch of time: `from` inclusive, `to` exclusive (null: open-ended). */
export interface Period {
  from: Date;
  to: Date | null;
}

// ---------------------------------------------------------------------------------------------
// The figures
// ---------------------------------------------------------------------------------------------

/** A tip as the awareness table names it. */
export interface TipInfo {
  id: string;
  title?: LocalizedText;
}

/** Awareness of one tip: the share of residents whose first quiz answer was right. */
export interface TipAwarenessFigure {
  tipId: string;
  /** The tip's title (null for a tip no longer in the library). */
  title: LocalizedText | null;
  /** n = residents who answered, numerator = answered right, with a 95 % Wilson interval; suppressed below the minimum. */
  figure: Figure<Proportion>;
}

/** Satisfaction of one group of closed cases (shown only with at least the minimum of ratings). */
export interface CaseSatisfactionValue {
  /** Ratings (the base of the suppression rule). */
  n: number;
  /** Closed cases. */
  closed: number;
  /** Rated of closed, 95 % Wilson interval. */
  responseRate: Proportion;
  /** Rated in the top three levels (5, 4, 3) of all rated, 95 % Wilson interval. */
  rate: Proportion;
  /** Scores 100/80/60/40/20 averaged, 95 % Student t interval. */
  index: MeanEstimate;
  /** Mean rating 1–5. */
  meanRating: number;
}

/** One region of the case-satisfaction breakdown. */
export interface RegionCaseSatisfaction {
  /** The region's code at the breakdown level. */
  key: string;
  /** Region codes from the top down to `key`. */
  path: string[];
  figure: Figure<CaseSatisfactionValue>;
}

/** Everything {@link computeOutreachFigures} returns. */
export interface OutreachFigures {
  minGroupSize: number;
  /** The region filter (a `Region.path`), or null for everywhere. */
  regionPath: string | null;
  /** Region level of the case-satisfaction breakdown. */
  level: number;
  /** Only cases closed and first quiz answers given in this period (the wave's), or null for all time. */
  period: Period | null;
  /** Per tip: every tip with a quiz in library order, then other answered tips by id. */
  awareness: TipAwarenessFigure[];
  satisfaction: {
    /** All closed cases in the region filter. */
    overall: Figure<CaseSatisfactionValue>;
    /** By the case's region at {@link level}, ordered by region path; cases without a region that deep are only in `overall`. */
    byRegion: RegionCaseSatisfaction[];
  };
}

/** Options of {@link computeOutreachFigures}. */
export interface OutreachFiguresOptions {
  /** Tips and region groups below this many answers / ratings are suppressed. */
  minGroupSize: number;
  /** Only cases and answers in this region subtree (a `Region.path`). */
  regionPath?: string | null;
  /** Region level of the satisfaction breakdown (0 = top). */
  level: number;
  /** Only cases closed, and first quiz answers given, in this period (default: all time). */
  period?: Period | null;
  /** The tips to report, in order (default: the bundled library's tips that have a quiz). */
  tips?: readonly TipInfo[];
}

/**
 * The options that match a survey report: its minimum group size, region filter and breakdown
 * level, and its wave's period — the cases closed and the quizzes first answered while the wave ran.
 */
export function outreachOptionsFor(report: Pick<StatsReport, "settings" | "region" | "level" | "wave">): OutreachFiguresOptions {
  return {
    minGroupSize: report.settings.minGroupSize,
    regionPath: report.region?.path ?? null,
    level: report.level,
    period: { from: report.wave.opensAt, to: report.wave.closesAt },
  };
}

/** Whether `at` lies in `period` (no period: always; no time: never within one). */
export function inPeriod(at: Date | null | undefined, period: Period | null | undefined): boolean {
  if (!period) return true;
  if (!at) return false;
  return at.getTime() >= period.from.getTime() && (period.to === null || at.getTime() < period.to.getTime());
}

/** The bundled library's tips that have a quiz, in library order. */
export function quizTips(): TipInfo[] {
  return listTips()
    .filter((tip) => tip.quiz !== undefined)
    .map((tip) => ({ id: tip.id, title: tip.title }));
}

function inRegion(path: string | null, filter: string | null | undefined): boolean {
  return !filter || (path ?? "").startsWith(filter);
}

/** Satisfaction of a group of closed cases, suppressed with fewer than `min` ratings; `rated` is the group size. */
function satisfactionOf(cases: readonly ClosedCaseRating[], min: number): { figure: Figure<CaseSatisfactionValue>; rated: number } {
  const s = caseFeedbackSatisfaction(cases.map((c) => ({ status: "closed", rating: c.rating })));
  const value: CaseSatisfactionValue | null =
    s.responseRate && s.rate && s.index && s.meanRating !== null
      ? { n: s.rated, closed: s.closed, responseRate: s.responseRate, rate: s.rate, index: s.index, meanRating: s.meanRating }
      : null;
  // The group size is the number of ratings: closed-but-unrated cases say nothing about anyone's satisfaction.
  return { figure: applySuppression(value, s.rated, min), rated: s.rated };
}

/**
 * The outreach figures from plain rows (no I/O): what {@link computeOutreachFigures} does after
 * reading, exposed for readers that already hold the rows and for the expected-values test.
 */
export function outreachFiguresFrom(cases: readonly ClosedCaseRating[], answers: readonly FirstQuizAnswer[], options: OutreachFiguresOptions): OutreachFigures {
  const min = options.minGroupSize;
  const regionPath = options.regionPath ?? null;
  const tips = options.tips ?? quizTips();
  const titles = new Map(tips.map((tip) => [tip.id, tip.title ?? null]));

  const period = options.period ?? null;
  // First answers over all time, then those given in the period: a resident who first answered
  // before the wave has no first answer in it (the store keeps first answers only).
  const firsts = firstQuizAnswers(answers.filter((a) => inRegion(a.regionPath, regionPath))).filter((a) => inPeriod(a.answeredAt, period));
  const awareness = awarenessFromQuizzes(
    firsts.map((a) => ({ tipId: a.tipId, correct: a.correct, residentId: a.residentId, answeredAt: a.answeredAt })),
    tips,
  ).map(
    (a): TipAwarenessFigure => ({
      tipId: a.tipId,
      title: titles.get(a.tipId) ?? null,
      figure: applySuppression(a.ci && a.rate !== null ? { n: a.n, numerator: a.correct, value: a.rate, ci: a.ci } : null, a.n, min),
    }),
  );

  const closed = cases.filter((c) => inRegion(c.regionPath, regionPath) && inPeriod(c.closedAt, period));
  const groups = new Map<string, { path: string[]; cases: ClosedCaseRating[] }>();
  for (const c of closed) {
    const codes = regionCodes(c.regionPath);
    // As the survey's region breakdown: a case known only above the level is in no group.
    if (codes.length <= options.level) continue;
    const path = codes.slice(0, options.level + 1);
    const key = path.join("/");
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { path, cases: [] }));
    group.cases.push(c);
  }
  const sorted = [...groups.values()].sort((a, b) => comparePaths(a.path, b.path));
  // Regions of one parent add up to the parent's figure (shown one level up or overall).
  const figures = complementSuppression(
    sorted.map((g) => {
      const { figure, rated } = satisfactionOf(g.cases, min);
      return { figure, size: rated, parent: g.path.slice(0, -1).join("/") };
    }),
    min,
  );
  const byRegion = sorted.map((g, i): RegionCaseSatisfaction => ({ key: g.path[g.path.length - 1] as string, path: g.path, figure: figures[i]! }));

  return { minGroupSize: min, regionPath, level: options.level, period, awareness, satisfaction: { overall: satisfactionOf(closed, min).figure, byRegion } };
}

/**
 * The reminders to residents (core/outreach/reminders.ts) of a report's wave and region: how many
 * were reminded, how many of those finished since, how many reminders wait in the outbox or could
 * not be delivered, and how many were not sent because WeChat's window had closed. A count below
 * the minimum group size is null, like the wave's response counts.
 */
export interface ReminderFigures {
  minGroupSize: number;
  reminded: number | null;
  finishedAfterReminder: number | null;
  pending: number | null;
  undelivered: number | null;
  outsideWindow: number | null;
}

/** Reads and suppresses the {@link ReminderFigures} that go with a report. */
export async function computeReminderFigures(reader: Pick<ReminderStore, "reminderFigures">, report: Pick<StatsReport, "settings" | "region" | "wave">): Promise<ReminderFigures> {
  const min = report.settings.minGroupSize;
  const counts = await reader.reminderFigures({ waveId: report.wave.id, ...(report.region ? { regionPath: report.region.path } : {}) });
  const shown = (n: number): number | null => (n >= min ? n : null);
  return {
    minGroupSize: min,
    reminded: shown(counts.reminded),
    finishedAfterReminder: shown(counts.finishedAfterReminder),
    pending: shown(counts.pending),
    undelivered: shown(counts.undelivered),
    outsideWindow: shown(counts.outsideWindow),
  };
}

/** Reads the rows and computes the outreach figures. */
export async function computeOutreachFigures(reader: OutreachFiguresReader, options: OutreachFiguresOptions): Promise<OutreachFigures> {
  const [cases, answers] = await Promise.all([reader.listClosedCaseRatings(), reader.listFirstQuizAnswers()]);
  return outreachFiguresFrom(cases, answers, options);
}
