/**
 * Running tallies (core/stats/tally.ts) are what the streamed report counts with: the figures must
 * not depend on the order responses arrive in, nor on how a stream is split, and the index from
 * level counts must equal the index from the expanded scores.
 */
import { describe, expect, it } from "vitest";
import { BreakdownTally, breakdownAll, meanFromCounts, meanWithInterval, MeasureTally, measureValue, mulberry32, StatsConfigError, type GroupBy } from "../../core/stats/index.js";
import { loadFixture } from "./load.js";

const fixture = loadFixture();
const completed = fixture.responses.filter((r) => r.status === "completed");

function shuffled<T>(list: readonly T[], seed: number): T[] {
  const random = mulberry32(seed);
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("BreakdownTally", () => {
  const groupings: GroupBy[] = [{ kind: "overall" }, { kind: "region", level: 1 }, { kind: "region", level: 2 }, { kind: "wave", order: [...fixture.waves].reverse() }, { kind: "channel" }, { kind: "mode" }];
  it.each(groupings)("gives the same figures in any arrival order ($kind)", (by) => {
    const reference = breakdownAll(completed, fixture.measures, by);
    for (const seed of [1, 2, 3]) {
      const tally = new BreakdownTally(fixture.measures, by);
      for (const r of shuffled(completed, seed)) tally.add(r);
      expect(tally.breakdowns(10)).toEqual(reference);
    }
  });

  it("reports the figure so far at any point of a stream", () => {
    const spec = fixture.measures.find((m) => m.id === "safety_index");
    if (!spec) throw new Error("fixture lacks safety_index");
    const tally = new MeasureTally(spec);
    completed.forEach((r, i) => {
      tally.add(r);
      if (i % 97 === 0) expect(tally.value()).toEqual(measureValue(completed.slice(0, i + 1), spec));
    });
  });

  it("refuses an invalid grouping or measure before counting anything", () => {
    expect(() => new BreakdownTally(fixture.measures, { kind: "region", level: -1 })).toThrow(StatsConfigError);
    expect(() => new BreakdownTally(fixture.measures, { kind: "region", level: 1, paths: [["only-one-level"]] })).toThrow(StatsConfigError);
    expect(() => new MeasureTally({ id: "x", kind: "rate", questionId: "q", levels: ["a"], positive: ["b"] })).toThrow(StatsConfigError);
    expect(() => new BreakdownTally(fixture.measures, { kind: "overall" }).breakdowns(1)).toThrow(StatsConfigError);
  });
});

describe("meanFromCounts", () => {
  it("equals the mean, SD and t interval of the expanded scores", () => {
    const pairs: [number, number][] = [
      [100, 16],
      [80, 11],
      [60, 5],
      [40, 5],
      [20, 2],
    ];
    const expanded = pairs.flatMap(([score, count]) => Array.from({ length: count }, () => score));
    const fromCounts = meanFromCounts(pairs);
    const fromValues = meanWithInterval(expanded);
    expect(fromCounts?.n).toBe(39);
    expect(fromCounts?.mean).toBeCloseTo(fromValues?.mean ?? NaN, 12);
    expect(fromCounts?.sd).toBeCloseTo(fromValues?.sd ?? NaN, 12);
    expect(fromCounts?.ci.lower).toBeCloseTo(fromValues?.ci.lower ?? NaN, 12);
    expect(fromCounts?.ci.upper).toBeCloseTo(fromValues?.ci.upper ?? NaN, 12);
  });

  it("has no figure below two scores, and ignores levels nobody chose", () => {
    expect(meanFromCounts([[100, 1]])).toBeNull();
    expect(meanFromCounts([])).toBeNull();
    expect(meanFromCounts([
      [100, 2],
      [20, 0],
    ])).toMatchObject({ n: 2, mean: 100, sd: 0 });
  });
});
