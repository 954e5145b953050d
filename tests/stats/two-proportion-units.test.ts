/**
 * The pooled two-proportion z test against values computed independently with python3's math
 * module (z by the formula, p = erfc(|z|/√2)), e.g. for 45/100 against 60/100 by hand:
 * p̂ = 105/200 = 0.525, SE = √(0.525·0.475·(1/100 + 1/100)) = 0.0706222, z = −0.15/0.0706222 = −2.1239770.
 */
import { describe, expect, it } from "vitest";
import { significantDrop, twoProportionTest, TwoProportionInputError } from "../../core/stats/two-proportion.js";

describe("twoProportionTest", () => {
  it.each([
    // x1, n1, x2, n2, z, p (python3: see the module comment)
    [45, 100, 60, 100, -2.1239769762143657, 0.033672068856345876],
    [10, 20, 20, 20, -3.651483716701107, 0.00026072963285531743],
    [7, 10, 8, 10, -0.5163977794943226, 0.6055766163353461],
    [300, 400, 330, 400, -2.5928148942086557, 0.009519399092901006],
    [17, 38, 40, 42, -4.983818822292057, 6.234145699162133e-7],
  ])("%i/%i against %i/%i", (x1, n1, x2, n2, z, p) => {
    const test = twoProportionTest(x1, n1, x2, n2);
    expect(test.z).toBeCloseTo(z, 10);
    expect(test.p / p).toBeCloseTo(1, 8);
    expect(test.p1).toBe(x1 / n1);
    expect(test.difference).toBeCloseTo(x1 / n1 - x2 / n2, 12);
    expect(test.pooled).toBe((x1 + x2) / (n1 + n2));
  });

  it("is symmetric: swapping the groups flips z and keeps p", () => {
    const a = twoProportionTest(45, 100, 60, 100);
    const b = twoProportionTest(60, 100, 45, 100);
    expect(b.z).toBeCloseTo(-a.z, 12);
    expect(b.p).toBeCloseTo(a.p, 15);
  });

  it("finds nothing to test when both groups are all-positive or all-negative", () => {
    expect(twoProportionTest(20, 20, 10, 10)).toMatchObject({ z: 0, p: 1, difference: 0 });
    expect(twoProportionTest(0, 5, 0, 50)).toMatchObject({ z: 0, p: 1 });
  });

  it.each([
    [-1, 10, 1, 10],
    [11, 10, 1, 10],
    [1.5, 10, 1, 10],
    [1, 0, 1, 10],
    [1, 10, 1, Number.NaN],
  ])("refuses counts that are no proportion: %s/%s against %s/%s", (x1, n1, x2, n2) => {
    expect(() => twoProportionTest(x1, n1, x2, n2)).toThrow(TwoProportionInputError);
  });
});

describe("significantDrop", () => {
  it("is a drop only when the current rate is lower and p < alpha", () => {
    expect(significantDrop({ numerator: 45, n: 100 }, { numerator: 60, n: 100 }).drop).toBe(true);
    // A rise as large is no drop.
    expect(significantDrop({ numerator: 60, n: 100 }, { numerator: 45, n: 100 }).drop).toBe(false);
    // Lower, but within sampling error.
    expect(significantDrop({ numerator: 7, n: 10 }, { numerator: 8, n: 10 }).drop).toBe(false);
    // p = 0.0337: significant at 5 %, not at 1 %.
    expect(significantDrop({ numerator: 45, n: 100 }, { numerator: 60, n: 100 }, 0.01).drop).toBe(false);
  });

  it("refuses an alpha outside (0, 1)", () => {
    expect(() => significantDrop({ numerator: 1, n: 10 }, { numerator: 2, n: 10 }, 0)).toThrow(TwoProportionInputError);
    expect(() => significantDrop({ numerator: 1, n: 10 }, { numerator: 2, n: 10 }, 1)).toThrow(TwoProportionInputError);
  });
});
