/**
 * The two-proportion z test with a pooled standard error: is a rate in one group (this wave)
 * different from the rate in another (the previous wave) by more than sampling error explains?
 * Pure.
 *
 *   p₁ = x₁/n₁, p₂ = x₂/n₂, p̂ = (x₁ + x₂)/(n₁ + n₂)
 *   z  = (p₁ − p₂) / √(p̂ (1 − p̂) (1/n₁ + 1/n₂)),   p = 2 (1 − Φ(|z|))
 *
 * This is the test of `statsmodels.stats.proportion.proportions_ztest(count, nobs)` and, squared,
 * Pearson's χ² test of the 2×2 table without continuity correction.
 */
import { normalTwoSidedP } from "./logistic.js";

/** The outcome of {@link twoProportionTest}. */
export interface TwoProportionTest {
  /** x₁/n₁. */
  p1: number;
  /** x₂/n₂. */
  p2: number;
  /** p₁ − p₂ (negative: the first group's rate is lower). */
  difference: number;
  /** The pooled proportion (x₁ + x₂)/(n₁ + n₂). */
  pooled: number;
  /** The z statistic; 0 when both groups are all-positive or all-negative (no variance, no evidence). */
  z: number;
  /** Two-sided p-value; 1 when z is 0. */
  p: number;
}

/** Thrown for counts that are not a proportion of a group (negative, fractional, more than n, n of 0). */
export class TwoProportionInputError extends Error {}

function checkCounts(x: number, n: number, which: string): void {
  if (!Number.isInteger(x) || !Number.isInteger(n) || n < 1 || x < 0 || x > n) {
    throw new TwoProportionInputError(`group ${which}: need whole numbers 0 ≤ x ≤ n and n ≥ 1, got x=${x}, n=${n}`);
  }
}

/**
 * The pooled two-proportion z test of x₁ of n₁ against x₂ of n₂ (see the module comment).
 * @throws TwoProportionInputError for counts that are not a proportion
 */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): TwoProportionTest {
  checkCounts(x1, n1, "1");
  checkCounts(x2, n2, "2");
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  // With a pooled share of 0 or 1 both groups are identical: there is nothing to test.
  if (variance <= 0) return { p1, p2, difference: p1 - p2, pooled, z: 0, p: 1 };
  const z = (p1 - p2) / Math.sqrt(variance);
  return { p1, p2, difference: p1 - p2, pooled, z, p: normalTwoSidedP(z) };
}

/**
 * Whether the first rate is significantly lower than the second: x₁/n₁ < x₂/n₂ and the two-sided
 * p-value of {@link twoProportionTest} below `alpha` (default 0.05).
 * @throws TwoProportionInputError for counts that are not a proportion, or alpha outside (0, 1)
 */
export function significantDrop(current: { numerator: number; n: number }, previous: { numerator: number; n: number }, alpha = 0.05): { drop: boolean; test: TwoProportionTest } {
  if (!(alpha > 0 && alpha < 1)) throw new TwoProportionInputError(`alpha must be between 0 and 1, got ${alpha}`);
  const test = twoProportionTest(current.numerator, current.n, previous.numerator, previous.n);
  return { drop: test.difference < 0 && test.p < alpha, test };
}
