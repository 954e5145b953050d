/**
 * Selecting responses, grouping them (overall, by region at any level, by wave, by channel)
 * and computing suppressed-or-shown figures per group. Pure functions.
 */

import { measureValue, StatsConfigError } from "./measures.js";
import { checkQualityConfig, flagResponses, type ExcludeFlagged } from "./quality.js";
import { applySuppression, checkMinGroupSize, DEFAULT_MIN_GROUP_SIZE, type Figure } from "./suppression.js";
import type { MeasureSpec, MeasureValue, StatResponse } from "./types.js";

/** Which responses enter the figures. */
export interface StatOptions {
  /** Also count in-progress responses (their answers so far). Default false. Abandoned never count. */
  includeInProgress?: boolean;
  /** Groups and figure bases below this size are suppressed. Default {@link DEFAULT_MIN_GROUP_SIZE}. */
  minGroupSize?: number;
  /** Leave out flagged responses (speeders and/or straight-liners). Default: keep all. */
  exclude?: ExcludeFlagged;
}

/** How to group responses. */
export type GroupBy =
  | { kind: "overall" }
  /** By `regionPath[level]` (0 = root); `paths` lists expected region paths so that empty ones still appear. */
  | { kind: "region"; level: number; paths?: readonly (readonly string[])[] }
  /** By wave; `order` gives the trend order (other waves follow, sorted). */
  | { kind: "wave"; order?: readonly string[] }
  /** By channel; `order` gives the display order (other channels follow, sorted). */
  | { kind: "channel"; order?: readonly string[] };

/** One group of a breakdown. */
export interface BreakdownGroup<T extends { n: number } = MeasureValue> {
  /** Group key: the region code, wave id or channel (`"all"` for overall). */
  key: string;
  /** Region groups: the region path from the root down to this region; otherwise `[key]`. */
  path: string[];
  /** The figure, shown or suppressed. */
  figure: Figure<T>;
}

/** A measure broken down by one grouping. */
export interface Breakdown<T extends { n: number } = MeasureValue> {
  /** Measure id. */
  measureId: string;
  /** The grouping used. */
  by: GroupBy;
  /** Groups in order (regions by path, waves/channels by `order` then sorted). */
  groups: BreakdownGroup<T>[];
}

/** Code-unit string comparison (locale-independent). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareKeys(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * The responses that enter figures: completed (and in-progress if asked), minus flagged
 * responses when `exclude` is set. Input order is kept.
 */
export function selectResponses(responses: readonly StatResponse[], options: StatOptions = {}): StatResponse[] {
  const statuses = options.includeInProgress ? ["completed", "in_progress"] : ["completed"];
  let selected = responses.filter((r) => statuses.includes(r.status));
  const exclude = options.exclude;
  if (exclude && (exclude.speeders || exclude.straightLiners)) {
    checkQualityConfig(exclude.quality);
    const flags = flagResponses(selected, exclude.quality);
    selected = selected.filter((r) => {
      const f = flags.get(r.id);
      return !(f && ((exclude.speeders && f.speeder) || (exclude.straightLiners && f.straightLiner)));
    });
  }
  return selected;
}

/** A filter on region, wave and channel (all optional). */
export interface ResponseFilter {
  /** Keep responses whose region path starts with this prefix (e.g. one town's villages). */
  regionPrefix?: readonly string[];
  /** Keep one wave. */
  waveId?: string;
  /** Keep one channel. */
  channel?: string;
}

/** Responses matching a {@link ResponseFilter} (e.g. for a trend within one village). */
export function filterResponses(responses: readonly StatResponse[], filter: ResponseFilter): StatResponse[] {
  const prefix = filter.regionPrefix ?? [];
  return responses.filter(
    (r) =>
      prefix.every((code, i) => r.regionPath[i] === code) &&
      (filter.waveId === undefined || r.waveId === filter.waveId) &&
      (filter.channel === undefined || r.channel === filter.channel),
  );
}

interface RawGroup {
  key: string;
  path: string[];
  members: StatResponse[];
}

/**
 * Partitions responses into groups. Region groups are identified by their full path prefix
 * `regionPath[0..level]` (so equal codes under different parents stay apart) and keyed by
 * `regionPath[level]`; responses whose path is shorter than `level + 1` belong to no region
 * group at that level.
 */
export function groupResponses(responses: readonly StatResponse[], by: GroupBy): { key: string; path: string[]; members: StatResponse[] }[] {
  switch (by.kind) {
    case "overall":
      return [{ key: "all", path: ["all"], members: [...responses] }];
    case "region": {
      if (!Number.isInteger(by.level) || by.level < 0) throw new StatsConfigError(`region level must be an integer ≥ 0, got ${by.level}`);
      const groups = new Map<string, RawGroup>();
      const idOf = (path: readonly string[]): string => JSON.stringify(path);
      for (const p of by.paths ?? []) {
        if (p.length !== by.level + 1) throw new StatsConfigError(`region path ${JSON.stringify(p)} is not at level ${by.level}`);
        groups.set(idOf(p), { key: p[by.level] as string, path: [...p], members: [] });
      }
      for (const r of responses) {
        if (r.regionPath.length <= by.level) continue;
        const path = r.regionPath.slice(0, by.level + 1);
        const id = idOf(path);
        let g = groups.get(id);
        if (!g) {
          g = { key: path[by.level] as string, path, members: [] };
          groups.set(id, g);
        }
        g.members.push(r);
      }
      return [...groups.values()].sort((a, b) => comparePaths(a.path, b.path));
    }
    case "wave":
    case "channel": {
      const keyOf = (r: StatResponse): string => (by.kind === "wave" ? r.waveId : r.channel);
      const order = by.order ?? [];
      const groups = new Map<string, RawGroup>();
      for (const k of order) if (!groups.has(k)) groups.set(k, { key: k, path: [k], members: [] });
      for (const r of responses) {
        const k = keyOf(r);
        let g = groups.get(k);
        if (!g) {
          g = { key: k, path: [k], members: [] };
          groups.set(k, g);
        }
        g.members.push(r);
      }
      const ordered = order.filter((k, i) => order.indexOf(k) === i).map((k) => groups.get(k) as RawGroup);
      const rest = [...groups.values()].filter((g) => !order.includes(g.key)).sort((a, b) => compareKeys(a.key, b.key));
      return [...ordered, ...rest];
    }
  }
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
  const min = checkMinGroupSize(options.minGroupSize ?? DEFAULT_MIN_GROUP_SIZE);
  const selected = selectResponses(responses, options);
  return {
    measureId: measure.id,
    by,
    groups: groupResponses(selected, by).map((g) => ({
      key: g.key,
      path: g.path,
      figure: applySuppression(measureValue(g.members, measure), g.members.length, min),
    })),
  };
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
  return measures.map((m) => breakdown(responses, m, by, options));
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
