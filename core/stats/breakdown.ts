/**
 * Selecting responses, grouping them (overall, by region at any level, by wave, by channel, by
 * survey mode) and computing suppressed-or-shown figures per group. Pure functions.
 */

import { checkQualityConfig, qualityFlags, type ExcludeFlagged } from "./quality.js";
import { DEFAULT_MIN_GROUP_SIZE, type Figure } from "./suppression.js";
import { BreakdownTally } from "./tally.js";
import type { MeasureSpec, StatMode, StatResponse } from "./types.js";
import type { Breakdown, BreakdownGroup, GroupBy } from "./groups.js";

/** Which responses enter the figures. */
export interface StatOptions {
  /** Also count in-progress responses (their answers so far). Default false. Abandoned never count. */
  includeInProgress?: boolean;
  /** Groups and figure bases below this size are suppressed. Default {@link DEFAULT_MIN_GROUP_SIZE}. */
  minGroupSize?: number;
  /** Leave out flagged responses (speeders and/or straight-liners). Default: keep all. */
  exclude?: ExcludeFlagged;
}

/**
 * Whether one response enters the figures: completed (and in-progress if asked), and not
 * flagged when `exclude` is set. The predicate behind {@link selectResponses}, for streams.
 */
export function responseSelector(options: StatOptions = {}): (response: StatResponse) => boolean {
  const statuses = options.includeInProgress ? ["completed", "in_progress"] : ["completed"];
  const exclude = options.exclude;
  if (!exclude || !(exclude.speeders || exclude.straightLiners)) return (r) => statuses.includes(r.status);
  checkQualityConfig(exclude.quality);
  return (r) => {
    if (!statuses.includes(r.status)) return false;
    const f = qualityFlags(r, exclude.quality);
    return !((exclude.speeders && f.speeder) || (exclude.straightLiners && f.straightLiner));
  };
}

/**
 * The responses that enter figures: completed (and in-progress if asked), minus flagged
 * responses when `exclude` is set. Input order is kept.
 */
export function selectResponses(responses: readonly StatResponse[], options: StatOptions = {}): StatResponse[] {
  return responses.filter(responseSelector(options));
}

/** A filter on region, wave, channel and survey mode (all optional). */
export interface ResponseFilter {
  /** Keep responses whose region path starts with this prefix (e.g. one town's villages). */
  regionPrefix?: readonly string[];
  /** Keep one wave. */
  waveId?: string;
  /** Keep one channel. */
  channel?: string;
  /** Keep one survey mode. */
  mode?: StatMode;
}

/** Responses matching a {@link ResponseFilter} (e.g. for a trend within one village). */
export function filterResponses(responses: readonly StatResponse[], filter: ResponseFilter): StatResponse[] {
  const prefix = filter.regionPrefix ?? [];
  return responses.filter(
    (r) =>
      prefix.every((code, i) => r.regionPath[i] === code) &&
      (filter.waveId === undefined || r.waveId === filter.waveId) &&
      (filter.channel === undefined || r.channel === filter.channel) &&
      (filter.mode === undefined || r.mode === filter.mode),
  );
}

/**
 * One measure broken down by one grouping, with suppression applied to every group: a group
 * with fewer selected responses than `minGroupSize`, or whose figure rests on fewer valid
 * answers, is {@link Suppressed}.
 */
export function breakdown(
  responses: readonly StatResponse[],
  measure: MeasureSpec,
  by: GroupBy,
  options: StatOptions = {},
): Breakdown {
  return breakdownAll(responses, [measure], by, options)[0] as Breakdown;
}

/** The overall figure of one measure (suppressed when too few responses or valid answers). */
export function computeFigure(responses: readonly StatResponse[], measure: MeasureSpec, options: StatOptions = {}): Figure {
  const group = breakdown(responses, measure, { kind: "overall" }, options).groups[0];
  return (group as BreakdownGroup).figure;
}

/** Overall figures of several measures, keyed by measure id. */
export function computeFigures(
  responses: readonly StatResponse[],
  measures: readonly MeasureSpec[],
  options: StatOptions = {},
): Record<string, Figure> {
  const result: Record<string, Figure> = {};
  for (const m of measures) result[m.id] = computeFigure(responses, m, options);
  return result;
}

/** Breakdowns of several measures by one grouping, in measure order. */
export function breakdownAll(
  responses: readonly StatResponse[],
  measures: readonly MeasureSpec[],
  by: GroupBy,
  options: StatOptions = {},
): Breakdown[] {
  const tally = new BreakdownTally(measures, by);
  const select = responseSelector(options);
  for (const r of responses) if (select(r)) tally.add(r);
  return tally.breakdowns(options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE);
}

/**
 * A trend: the measure by wave in the given wave order (waves without responses appear,
 * suppressed). Shorthand for `breakdown(…, { kind: "wave", order }, …)`.
 */
export function trend(
  responses: readonly StatResponse[],
  measure: MeasureSpec,
  waveOrder: readonly string[],
  options: StatOptions = {},
): Breakdown {
  return breakdown(responses, measure, { kind: "wave", order: waveOrder }, options);
}
