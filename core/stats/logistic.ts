/**
 * Binary logistic regression by maximum likelihood: Newton–Raphson (= IRLS for the logit link)
 * with step-halving, standard errors from the inverse Fisher information, Wald 95 % intervals and
 * two-sided normal p-values. Pure, no dependencies.
 *
 * A fit that has no finite maximum likelihood estimate is reported as such — never as numbers:
 * - `singular`: the design's columns are linearly dependent (one is a sum of others);
 * - `separation`: some combination of the columns predicts the outcome perfectly (the estimates
 *   run off to ±∞), detected by fitted probabilities reaching 0 or 1 while the coefficients grow;
 * - `not_converged`: no convergence within the iteration limit for another reason.
 *
 * Numerics: probabilities and the log-likelihood are computed from the linear predictor in a
 * form that neither overflows nor loses precision (log1p of exp of the negative magnitude); the
 * Newton system is solved by a Cholesky factorisation of X'WX with a relative pivot threshold.
 */

import { Z_95 } from "./distributions.js";

/** Options of {@link fitLogistic}. */
export interface LogisticOptions {
  /** Newton iterations at most (default 100). */
  maxIterations?: number;
  /** Converged when no coefficient moves by more than this in an iteration (default 1e-10). */
  tolerance?: number;
}

/** A converged fit. Index j of every array is column j of the design. */
export interface LogisticFit {
  status: "ok";
  /** Coefficients (log odds ratios; column 0 is usually the intercept). */
  coefficients: number[];
  /** Standard errors: √ of the diagonal of the inverse Fisher information. */
  standardErrors: number[];
  /** Wald statistics coefficient / SE. */
  z: number[];
  /** Two-sided p-values 2·(1 − Φ(|z|)). */
  p: number[];
  /** Wald 95 % intervals of the coefficients: coefficient ± 1.959964 · SE. */
  lower: number[];
  upper: number[];
  /** Maximised log-likelihood. */
  logLikelihood: number;
  /** Newton iterations used. */
  iterations: number;
}

/** A fit without finite estimates; `columns` names the columns involved (by index). */
export interface LogisticFailure {
  status: "singular" | "separation" | "not_converged";
  columns: number[];
  iterations: number;
}

/** The result of {@link fitLogistic}. */
export type LogisticResult = LogisticFit | LogisticFailure;

/** log(1 + e^x) without overflow or cancellation. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The logistic function 1 / (1 + e^−x), computed on the side that cannot overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Regularised upper incomplete gamma Q(a, x) (series below a + 1, Lentz continued fraction
 * above), for a > 0, x ≥ 0.
 */
function upperGammaQ(a: number, x: number, logGammaA: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - logGammaA);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * front;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return front * h;
}

const LOG_GAMMA_HALF = 0.5 * Math.log(Math.PI);

/** erfc(x) for x ≥ 0, as Q(1/2, x²): accurate in the far tail (no 1 − Φ cancellation). */
function erfcPositive(x: number): number {
  return upperGammaQ(0.5, x * x, LOG_GAMMA_HALF);
}

/** Two-sided p-value of a standard normal statistic: 2·(1 − Φ(|z|)) = erfc(|z|/√2). */
export function normalTwoSidedP(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  return Math.min(1, erfcPositive(Math.abs(z) / Math.SQRT2));
}

/** Φ(x), the standard normal cumulative distribution function. */
export function normalCdf(x: number): number {
  const tail = 0.5 * erfcPositive(Math.abs(x) / Math.SQRT2);
  return x >= 0 ? 1 - tail : tail;
}

/**
 * Cholesky factor L (row-major, lower) of a symmetric positive definite p × p matrix, or the
 * first column whose pivot is not positive relative to the matrix's scale: a pivot below
 * 1e-10 of its original diagonal means that column is (numerically) a combination of the
 * earlier ones.
 */
function cholesky(a: Float64Array, p: number): { ok: true; l: Float64Array } | { ok: false; column: number } {
  const l = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let diag = a[j * p + j]!;
    for (let k = 0; k < j; k++) diag -= l[j * p + k]! * l[j * p + k]!;
    if (!(diag > 1e-10 * Math.max(a[j * p + j]!, Number.MIN_VALUE))) return { ok: false, column: j };
    const root = Math.sqrt(diag);
    l[j * p + j] = root;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      l[i * p + j] = s / root;
    }
  }
  return { ok: true, l };
}

/** Solves L·L'·x = b. */
function choleskySolve(l: Float64Array, p: number, b: readonly number[]): number[] {
  const y = new Array<number>(p).fill(0);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * y[k]!;
    y[i] = s / l[i * p + i]!;
  }
  const x = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  return x;
}

/** Diagonal of (L·L')⁻¹, column by column. */
function inverseDiagonal(l: Float64Array, p: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < p; j++) {
    const e = new Array<number>(p).fill(0);
    e[j] = 1;
    out.push(choleskySolve(l, p, e)[j]!);
  }
  return out;
}

/** X'WX (row-major p × p) for weights w. */
function weightedGram(x: readonly (readonly number[])[], w: readonly number[], p: number): Float64Array {
  const g = new Float64Array(p * p);
  for (let r = 0; r < x.length; r++) {
    const row = x[r]!;
    const wr = w[r]!;
    if (wr === 0) continue;
    for (let i = 0; i < p; i++) {
      const xi = row[i]! * wr;
      if (xi === 0) continue;
      for (let j = 0; j <= i; j++) g[i * p + j] = g[i * p + j]! + xi * row[j]!;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < i; j++) g[j * p + i] = g[i * p + j]!;
  return g;
}

function linearPredictor(x: readonly (readonly number[])[], beta: readonly number[]): number[] {
  return x.map((row) => row.reduce((s, v, j) => s + v * beta[j]!, 0));
}

function logLikelihoodOf(eta: readonly number[], y: readonly number[]): number {
  let ll = 0;
  for (let r = 0; r < eta.length; r++) ll += y[r]! * eta[r]! - softplus(eta[r]!);
  return ll;
}

/** The columns with the largest coefficients: the ones running off to infinity. */
function divergingColumns(beta: readonly number[]): number[] {
  const biggest = Math.max(...beta.map(Math.abs));
  return beta.flatMap((b, j) => (Math.abs(b) >= Math.max(5, biggest / 4) ? [j] : []));
}

/**
 * Fits P(y = 1) = 1 / (1 + e^−Xβ) by maximum likelihood. `x` holds one row per observation
 * (include a column of ones for an intercept); `y` is 0 or 1.
 * @throws RangeError for inconsistent input (ragged rows, y not 0/1, no rows or columns).
 */
export function fitLogistic(x: readonly (readonly number[])[], y: readonly number[], options: LogisticOptions = {}): LogisticResult {
  const n = x.length;
  const p = x[0]?.length ?? 0;
  if (n === 0 || p === 0) throw new RangeError("fitLogistic: the design needs at least one row and one column");
  if (y.length !== n) throw new RangeError(`fitLogistic: ${n} rows but ${y.length} outcomes`);
  if (x.some((row) => row.length !== p || row.some((v) => !Number.isFinite(v)))) throw new RangeError("fitLogistic: every row needs the same number of finite values");
  if (y.some((v) => v !== 0 && v !== 1)) throw new RangeError("fitLogistic: outcomes must be 0 or 1");
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-10;

  // A rank-deficient design has no unique estimate whatever the outcome: check X'X first.
  const gram = cholesky(weightedGram(x, new Array<number>(n).fill(1), p), p);
  if (!gram.ok) return { status: "singular", columns: [gram.column], iterations: 0 };

  let beta = new Array<number>(p).fill(0);
  let eta = linearPredictor(x, beta);
  let ll = logLikelihoodOf(eta, y);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const prob = eta.map(sigmoid);
    const w = prob.map((q) => q * (1 - q));
    const score = new Array<number>(p).fill(0);
    for (let r = 0; r < n; r++) {
      const residual = y[r]! - prob[r]!;
      const row = x[r]!;
      for (let j = 0; j < p; j++) score[j] = score[j]! + row[j]! * residual;
    }
    const factor = cholesky(weightedGram(x, w, p), p);
    // X'X is regular, so a singular X'WX means weights that vanished: fitted probabilities of 0 or 1.
    if (!factor.ok) return { status: "separation", columns: divergingColumns(beta), iterations: iteration };
    const step = choleskySolve(factor.l, p, score);
    let scale = 1;
    let next = beta.map((b, j) => b + step[j]!);
    let nextEta = linearPredictor(x, next);
    let nextLl = logLikelihoodOf(nextEta, y);
    // Step-halving: Newton's step may overshoot far from the optimum; the likelihood never falls.
    for (let halving = 0; halving < 40 && !(nextLl >= ll - 1e-12 * Math.abs(ll)); halving++) {
      scale /= 2;
      next = beta.map((b, j) => b + scale * step[j]!);
      nextEta = linearPredictor(x, next);
      nextLl = logLikelihoodOf(nextEta, y);
    }
    const moved = Math.max(...step.map((s) => Math.abs(scale * s)));
    beta = next;
    eta = nextEta;
    ll = nextLl;
    if (moved < tolerance) {
      const extreme = eta.some((e) => Math.abs(e) > 30);
      if (extreme) return { status: "separation", columns: divergingColumns(beta), iterations: iteration };
      const finalProb = eta.map(sigmoid);
      const info = cholesky(weightedGram(x, finalProb.map((q) => q * (1 - q)), p), p);
      if (!info.ok) return { status: "separation", columns: divergingColumns(beta), iterations: iteration };
      const variances = inverseDiagonal(info.l, p);
      const standardErrors = variances.map((v) => Math.sqrt(v));
      const z = beta.map((b, j) => b / standardErrors[j]!);
      return {
        status: "ok",
        coefficients: beta,
        standardErrors,
        z,
        p: z.map(normalTwoSidedP),
        lower: beta.map((b, j) => b - Z_95 * standardErrors[j]!),
        upper: beta.map((b, j) => b + Z_95 * standardErrors[j]!),
        logLikelihood: ll,
        iterations: iteration,
      };
    }
  }
  // Coefficients still moving after many Newton steps: under separation they grow without bound
  // while the fitted probabilities go to 0 or 1.
  if (eta.some((e) => Math.abs(e) > 15)) return { status: "separation", columns: divergingColumns(beta), iterations: maxIterations };
  return { status: "not_converged", columns: [], iterations: maxIterations };
}
