/**
 * Comparing figures with benchmark targets (provincial / municipal averages). Pure functions.
 *
 * - `difference = value − target` (rates as proportions 0–1, indices in score points);
 * - `direction`: `"equal"` when |difference| ≤ 1e-12, else `"above"` / `"below"`;
 * - `significant`: the target lies strictly outside the figure's 95 % interval. For a rate this
 *   is exactly the two-sided score test at the 5 % level (the Wilson interval is its inversion);
 *   for an index it is the two-sided one-sample t test at the 5 % level.
 */

import { trend, type StatOptions } from "./breakdown.js";
import { isShown, type Figure } from "./suppression.js";
import type { MeasureSpec, MeasureValue, ScalarValue, StatResponse, Target } from "./types.js";

/** Tolerance under which a figure counts as equal to its target. */
export const EQUAL_TOLERANCE = 1e-12;

/** The comparison of one figure with one target. */
export type TargetComparison =
  | {
      /** Target label, e.g. "provincial average". */
      label: string;
      /** Target value. */
      target: number;
      /** The figure is suppressed: nothing about it is disclosed. */
      suppressed: true;
    }
  | {
      /** Target label, e.g. "provincial average". */
      label: string;
      /** Target value. */
      target: number;
      /** The figure is shown. */
      suppressed: false;
      /** The figure's value. */
      value: number;
      /** value − target. */
      difference: number;
      /** Whether the figure is above, below or equal to the target. */
      direction: "above" | "below" | "equal";
      /** The target lies outside the figure's 95 % interval. */
      significant: boolean;
    };

/** Whether a value is a single number that can be compared with a target. */
export function isScalarValue(value: MeasureValue): value is ScalarValue {
  return value.kind !== "share" && value.kind !== "multi";
}

/** Compares one shown scalar value with one target value. */
export function compareValue(value: ScalarValue, label: string, target: number): TargetComparison {
  const difference = value.value - target;
  const direction = Math.abs(difference) <= EQUAL_TOLERANCE ? "equal" : difference > 0 ? "above" : "below";
  return {
    label,
    target,
    suppressed: false,
    value: value.value,
    difference,
    direction,
    significant: target < value.ci.lower || target > value.ci.upper,
  };
}

/**
 * Compares a figure with every target for its measure in `waveId` (in target order). A
 * suppressed figure yields `suppressed: true` comparisons (no direction, no difference).
 * Figures of `share`/`multi` measures have no single value and yield no comparisons.
 */
export function compareWithTargets(figure: Figure, targets: readonly Target[], measureId: string, waveId: string): TargetComparison[] {
  const relevant = targets.filter((t) => t.measureId === measureId && t.waveId === waveId);
  return relevant.flatMap((t): TargetComparison[] => {
    if (!isShown(figure)) return [{ label: t.label, target: t.value, suppressed: true }];
    if (!isScalarValue(figure)) return [];
    return [compareValue(figure, t.label, t.value)];
  });
}

/** A measure's figure in one wave together with its target comparisons. */
export interface WaveComparison {
  /** Wave id. */
  waveId: string;
  /** The wave's overall figure (shown or suppressed). */
  figure: Figure;
  /** Comparison with each target of this measure and wave. */
  comparisons: TargetComparison[];
}

/**
 * For one measure: the figure of every wave (trend order) compared with that wave's targets.
 * Pass responses already filtered to the unit being judged (e.g. one district).
 */
export function compareTrendWithTargets(
  responses: readonly StatResponse[],
  measure: MeasureSpec,
  targets: readonly Target[],
  waveOrder: readonly string[],
  options: StatOptions = {},
): WaveComparison[] {
  return trend(responses, measure, waveOrder, options).groups.map((g) => ({
    waveId: g.key,
    figure: g.figure,
    comparisons: compareWithTargets(g.figure, targets, measure.id, g.key),
  }));
}
