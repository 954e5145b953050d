/**
 * Confidence intervals and the distribution functions behind them. Pure functions.
 *
 * - Proportions: **Wilson score interval**, 95 %, z = 1.959963984540054 (the 0.975 quantile of
 *   the standard normal distribution). The lower bound at p = 0 and the upper bound at p = 1 are
 *   exactly 0 and 1 (as in the closed form); other bounds are clamped to [0, 1].
 * - Means: **Student t interval**, 95 %, `mean ± t(0.975; n − 1) · s / √n` with the sample
 *   standard deviation s (divisor n − 1), for every n ≥ 2 (no switch to the normal quantile).
 *   The t quantile is computed here by inverting the t CDF, which is expressed through the
 *   regularised incomplete beta function.
 */

import type { Interval, Proportion } from "./types.js";

/** The 0.975 quantile of the standard normal distribution, used by every Wilson interval. */
export const Z_95 = 1.959963984540054;

/**
 * 95 % Wilson score interval of a proportion `numerator / n`:
 * `(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n)` with z = {@link Z_95}, clamped to [0, 1]
 * (exactly 0 / 1 at p = 0 / p = 1).
 * @throws RangeError when n is not a positive integer or numerator is not an integer in [0, n].
 */
export function wilsonInterval(numerator: number, n: number): Interval {
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`wilsonInterval: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(numerator) || numerator < 0 || numerator > n) {
    throw new RangeError(`wilsonInterval: numerator must be an integer in [0, ${n}], got ${numerator}`);
  }
  const p = numerator / n;
  const z2 = Z_95 * Z_95;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (Z_95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return {
    lower: numerator === 0 ? 0 : Math.max(0, centre - half),
    upper: numerator === n ? 1 : Math.min(1, centre + half),
    method: "wilson",
  };
}

/**
 * A proportion with its 95 % Wilson interval, or `null` when n = 0 (no valid answers: no
 * figure exists).
 */
export function proportion(numerator: number, n: number): Proportion | null {
  if (n === 0) return null;
  return { n, numerator, value: numerator / n, ci: wilsonInterval(numerator, n) };
}

// ---------------------------------------------------------------------------------------------
// Student t
// ---------------------------------------------------------------------------------------------

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** Natural logarithm of the gamma function for x > 0 (Lanczos approximation, g = 7, n = 9). */
export function logGamma(x: number): number {
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1−x) = π / sin(πx)
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  }
  const y = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz's method). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  const eps = 1e-16;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < eps) return h;
  }
  return h;
}

/** Regularised incomplete beta function I_x(a, b) for 0 ≤ x ≤ 1, a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** Cumulative distribution function of Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTCdf: df must be positive, got ${df}`);
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

const tQuantileCache = new Map<string, number>();

/**
 * Quantile of Student's t distribution: the t with `studentTCdf(t, df) = p`, for 0.5 ≤ p < 1
 * (lower quantiles follow by symmetry). Found by bisection on [0, 1e7] to full double precision.
 * Results are memoised (the function stays pure).
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`studentTQuantile: df must be positive, got ${df}`);
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  if (p === 0.5) return 0;
  const key = `${p}|${df}`;
  const cached = tQuantileCache.get(key);
  if (cached !== undefined) return cached;
  let lo = 0;
  let hi = 1e7;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  const result = (lo + hi) / 2;
  tQuantileCache.set(key, result);
  return result;
}

/** Mean, sample standard deviation and 95 % Student t interval of a list of scores. */
export interface MeanEstimate {
  /** Number of scores. */
  n: number;
  /** Arithmetic mean. */
  mean: number;
  /** Sample standard deviation (divisor n − 1). */
  sd: number;
  /** `mean ± t(0.975; n − 1) · sd / √n`. */
  ci: Interval;
}

/**
 * Mean of `values` with a 95 % Student t interval (`mean ± t(0.975; n−1)·s/√n`, s with divisor
 * n − 1; two-pass computation). Returns `null` when n < 2 (no standard deviation exists). The
 * interval is not clamped to the score range.
 */
export function meanWithInterval(values: readonly number[]): MeanEstimate | null {
  return meanFromCounts(values.map((v) => [v, 1] as const));
}

/**
 * {@link meanWithInterval} of scores given as `[score, count]` pairs (e.g. the five levels of a
 * scale and how many residents chose each), computed from the counts without expanding them:
 * the same two-pass formulas, in memory independent of n.
 */
export function meanFromCounts(pairs: readonly (readonly [number, number])[]): MeanEstimate | null {
  let n = 0;
  let sum = 0;
  for (const [score, count] of pairs) {
    n += count;
    sum += score * count;
  }
  if (n < 2) return null;
  const mean = sum / n;
  let squares = 0;
  for (const [score, count] of pairs) squares += count * (score - mean) * (score - mean);
  const sd = Math.sqrt(squares / (n - 1));
  const half = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, ci: { lower: mean - half, upper: mean + half, method: "t" } };
}
