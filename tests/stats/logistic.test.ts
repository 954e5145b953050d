/**
 * The logistic regression of core/stats: a small published-style example (values from
 * statsmodels 0.13.5, `Logit(y, add_constant(x)).fit()`), the normal tail it takes p-values from
 * (values from scipy's `norm.sf`), and every way a fit can have no finite estimate.
 */

import { describe, expect, it } from "vitest";
import { fitLogistic, normalCdf, normalTwoSidedP, sigmoid, softplus } from "../../core/stats/index.js";

const X = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3];
const Y = [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1];
const withIntercept = (xs: readonly number[]): number[][] => xs.map((x) => [1, x]);

describe("normal distribution", () => {
  it("two-sided p-values match scipy, far into the tail", () => {
    const cases: [number, number][] = [
      [0.5, 0.6170750774519738],
      [1.959963984540054, 0.05],
      [3, 0.0026997960632601866],
      [8, 1.244192114854348e-15],
      [20, 5.507248237212311e-89],
    ];
    for (const [z, p] of cases) {
      expect(Math.abs(normalTwoSidedP(z) - p) / p, `z = ${z}`).toBeLessThan(1e-12);
      expect(normalTwoSidedP(-z)).toBe(normalTwoSidedP(z));
    }
    expect(normalTwoSidedP(0)).toBe(1);
  });

  it("Φ is symmetric and monotone", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 15);
    expect(normalCdf(-3) + normalCdf(3)).toBeCloseTo(1, 15);
    expect(normalCdf(1)).toBeGreaterThan(normalCdf(0.99));
  });

  it("softplus and sigmoid neither overflow nor lose the far tails", () => {
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    expect(softplus(-40)).toBeCloseTo(Math.exp(-40), 30);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(-40)).toBeGreaterThan(0);
  });
});

describe("fitLogistic", () => {
  it("matches statsmodels on a small example", () => {
    const fit = fitLogistic(withIntercept(X), Y);
    if (fit.status !== "ok") throw new Error(fit.status);
    const want = {
      coefficients: [-1.362276393840142, 0.9081842625600949],
      standardErrors: [0.9874414747743742, 0.5425960561284667],
      p: [0.16770917129269913, 0.09417462858733161],
      lower: [-3.2976261212390314, -0.1552844656051735],
      upper: [0.5730733335587475, 1.9716529907253633],
    };
    for (const key of Object.keys(want) as (keyof typeof want)[]) {
      fit[key].forEach((v, j) => expect(Math.abs(v - want[key][j]!), `${key}[${j}]`).toBeLessThan(1e-9));
    }
    expect(fit.logLikelihood).toBeCloseTo(-9.389946140485382, 9);
  });

  it("gives the same coefficients and √50 times smaller standard errors when every row is repeated 50 times", () => {
    const xs = Array.from({ length: 50 }, () => X).flat();
    const ys = Array.from({ length: 50 }, () => Y).flat();
    const fit = fitLogistic(withIntercept(xs), ys);
    if (fit.status !== "ok") throw new Error(fit.status);
    expect(fit.coefficients[1]).toBeCloseTo(0.9081842625600949, 9);
    // √50 times smaller standard errors.
    expect(fit.standardErrors[1]! * Math.sqrt(50)).toBeCloseTo(0.5425960561284667, 9);
  });

  it("reports collinear columns as a singular design", () => {
    const design = X.map((x) => [1, x, 2 * x + 1]);
    expect(fitLogistic(design, Y)).toMatchObject({ status: "singular", columns: [2] });
    expect(fitLogistic(X.map(() => [1, 0]), Y)).toMatchObject({ status: "singular", columns: [1] });
  });

  it("reports complete separation (x predicts y exactly) instead of huge numbers", () => {
    const ys = X.map((x) => (x >= 2 ? 1 : 0));
    const fit = fitLogistic(withIntercept(X), ys);
    expect(fit.status).toBe("separation");
    if (fit.status === "separation") expect(fit.columns).toContain(1);
  });

  it("reports quasi-complete separation (one group all 0, the others mixed)", () => {
    const xs = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1];
    const ys = [0, 1, 0, 1, 1, 0, 1, 1, 1, 1];
    const fit = fitLogistic(withIntercept(xs), ys);
    expect(fit.status).toBe("separation");
    if (fit.status === "separation") expect(fit.columns).toEqual([1]);
  });

  it("says when the iterations run out before convergence", () => {
    expect(fitLogistic(withIntercept(X), Y, { maxIterations: 1 })).toMatchObject({ status: "not_converged" });
  });

  it("refuses inconsistent input with a clear message", () => {
    expect(() => fitLogistic([], [])).toThrow(/at least one row/);
    expect(() => fitLogistic([[1, 0]], [2])).toThrow(/0 or 1/);
    expect(() => fitLogistic([[1, 0], [1]], [0, 1])).toThrow(/same number/);
    expect(() => fitLogistic([[1, 0]], [0, 1])).toThrow(/1 rows but 2 outcomes/);
  });
});
