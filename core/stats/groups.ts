/**
 * The shape of a breakdown: how responses are grouped and what each group holds. Apart from
 * breakdown.ts (which selects responses) and tally.ts (which counts them), both of which use it.
 */
import type { Figure } from "./suppression.js";
import type { MeasureValue } from "./types.js";

/** How to group responses. */
export type GroupBy =
  | { kind: "overall" }
  /** By `regionPath[level]` (0 = root); `paths` lists expected region paths so that empty ones still appear. */
  | { kind: "region"; level: number; paths?: readonly (readonly string[])[] }
  /** By wave; `order` gives the trend order (other waves follow, sorted). */
  | { kind: "wave"; order?: readonly string[] }
  /** By channel; `order` gives the display order (other channels follow, sorted). */
  | { kind: "channel"; order?: readonly string[] }
  /** By survey mode: always both groups, `self` then `interviewer`, even when one is empty. */
  | { kind: "mode" };

/** One group of a breakdown. */
export interface BreakdownGroup<T extends { n: number } = MeasureValue> {
  /** Group key: the region code, wave id, channel or mode (`"all"` for overall). */
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
  /** Groups in order (regions by path, waves/channels by `order` then sorted, modes self then interviewer). */
  groups: BreakdownGroup<T>[];
}

