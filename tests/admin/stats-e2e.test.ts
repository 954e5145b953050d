/**
 * End to end: responses seeded through the store (tests/admin/fixture.ts), the admin statistics
 * service, compared with values worked out by hand from the counts in the fixture.
 *
 * Formulas (95 %, as tools/expected-stats/README.md specifies):
 * - Rate p = x / n over valid answers (dont_know excluded), Wilson score interval
 *     centre = (p + z²/2n) / (1 + z²/n),  half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n),
 *     z = 1.959963984540054.
 * - Index = mean of the level scores 100/80/60/40/20, s = sample SD (divisor n − 1),
 *     interval mean ± t(0.975; n−1)·s/√n with t from a t table: t(0.975; 38) = 2.024394,
 *     t(0.975; 11) = 2.200985, t(0.975; 36) = 2.028094.
 * - Groups with fewer than 10 selected responses, or whose figure rests on fewer than 10 valid
 *   answers, are suppressed.
 *
 * Counts (W2 completed, safety_overall): vs 16, s 11, bs 5, nv 5, u 2, dont_know 1 → n = 39,
 * x (top three) = 32, score sum = 1600 + 880 + 300 + 200 + 40 = 3020, mean = 77.435897.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { computeReport, type StatsReport } from "../../core/admin/stats-service.js";
import { drawSpotChecks } from "../../core/admin/spot-checks.js";
import { BulkReader } from "../../prisma/bulk-reader.js";
import { isScalarValue, isShown, type Figure } from "../../core/stats/index.js";
import { REGIONS, seedFixture, type Fixture } from "./fixture.js";

const Z = 1.959963984540054;

/** The Wilson interval written out, to check the hand-copied numbers below. */
function wilson(x: number, n: number): [number, number, number] {
  const p = x / n;
  const d = 1 + (Z * Z) / n;
  const centre = (p + (Z * Z) / (2 * n)) / d;
  const half = (Z * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n))) / d;
  return [p, centre - half, centre + half];
}

/** Mean, SD and t interval of scores written out. */
function tInterval(scores: number[], t: number): [number, number, number, number] {
  const n = scores.length;
  const mean = scores.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(scores.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  return [mean, sd, mean - (t * sd) / Math.sqrt(n), mean + (t * sd) / Math.sqrt(n)];
}

const rep = (value: number, times: number): number[] => Array.from({ length: times }, () => value);

function shown(figure: Figure | undefined): { n: number; value: number; lower: number; upper: number; numerator?: number; sd?: number } {
  if (!figure || !isShown(figure) || !isScalarValue(figure)) throw new Error("expected a shown scalar figure");
  return { n: figure.n, value: figure.value, lower: figure.ci.lower, upper: figure.ci.upper, ...(figure.kind === "index" ? { sd: figure.sd } : { numerator: figure.numerator }) };
}

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThan(5e-5);
}

function expectRate(figure: Figure | undefined, x: number, n: number, hand: [number, number, number]): void {
  const f = shown(figure);
  expect(f.n).toBe(n);
  expect(f.numerator).toBe(x);
  const formula = wilson(x, n);
  hand.forEach((v, i) => expectClose(formula[i] as number, v));
  expectClose(f.value, hand[0]);
  expectClose(f.lower, hand[1]);
  expectClose(f.upper, hand[2]);
}

function overall(report: StatsReport, id: string): Figure | undefined {
  return report.overall.find((o) => o.measure.spec.id === id)?.figure;
}

function group(report: StatsReport, list: "trend" | "byRegion" | "byChannel", id: string, key: string): Figure | undefined {
  return report[list].find((b) => b.measureId === id)?.groups.find((g) => g.key === key)?.figure;
}

describe.each(BACKENDS)("admin statistics end to end on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let fx: Fixture;
  let report: StatsReport;

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    fx = await seedFixture(store);
    report = await computeReport(store, { waveId: fx.w2.id, level: 2 });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("computes the overall rate and index of W2", () => {
    // 32 of 39 valid answers in the top three levels.
    expectRate(overall(report, "safety_overall.rate"), 32, 39, [0.820513, 0.67332, 0.910227]);
    const index = shown(overall(report, "safety_overall.index"));
    const scores = [...rep(100, 16), ...rep(80, 11), ...rep(60, 5), ...rep(40, 5), ...rep(20, 2)];
    const hand = tInterval(scores, 2.024394);
    expect(index.n).toBe(39);
    expectClose(index.value, 77.435897);
    expectClose(hand[0], 77.435897);
    expectClose(index.sd as number, 24.785177);
    expectClose(hand[1], 24.785177);
    // t rounded to 6 decimals moves the bound by < 1e-5.
    expectClose(index.lower, 69.401473);
    expectClose(index.upper, 85.470322);
    expect(Math.abs(hand[2] - 69.401473)).toBeLessThan(2e-5);
  });

  it("leaves abandoned and in-progress responses out, and counts the wave", () => {
    expect(report.counts).toEqual({ completed: 40, inProgress: null, abandoned: null });
  });

  it("compares with the wave's targets", () => {
    const comparisons = report.overall.find((o) => o.measure.spec.id === "safety_overall.rate")?.comparisons ?? [];
    const byLabel = Object.fromEntries(comparisons.map((c) => [c.label, c]));
    expect(byLabel["省均"]).toMatchObject({ suppressed: false, direction: "below", significant: false });
    expect(byLabel["市均"]).toMatchObject({ suppressed: false, direction: "above", significant: false });
    if (byLabel["省均"]?.suppressed === false) expectClose(byLabel["省均"].difference, 0.820513 - 0.85);
  });

  it("breaks down by village with suppression", () => {
    expectRate(group(report, "byRegion", "safety_overall.rate", REGIONS.a1), 10, 12, [0.833333, 0.551969, 0.953035]);
    expectRate(group(report, "byRegion", "safety_overall.rate", REGIONS.b1), 11, 14, [0.785714, 0.524108, 0.924286]);
    // A2: 10 responses but only 9 valid answers (one dont_know); A-small: 4 responses.
    expect(group(report, "byRegion", "safety_overall.rate", REGIONS.a2)).toMatchObject({ suppressed: true, n: undefined });
    expect(group(report, "byRegion", "safety_overall.rate", REGIONS.aSmall)).toMatchObject({ suppressed: true, n: undefined });
    const a1Index = shown(group(report, "byRegion", "safety_overall.index", REGIONS.a1));
    const hand = tInterval([...rep(100, 4), ...rep(80, 4), ...rep(60, 2), 40, 20], 2.200985);
    expectClose(a1Index.value, 75);
    expectClose(a1Index.lower, 58.632152);
    expectClose(a1Index.upper, 91.367848);
    expect(Math.abs(hand[2] - 58.632152)).toBeLessThan(2e-5);
  });

  it("breaks down by town (level 1) for a region filter", async () => {
    const towns = await computeReport(store, { waveId: fx.w2.id, regionCode: REGIONS.district, level: 1 });
    // Town A: 21 of 25 (A1 10/12, A2 7/9, A-small 4/4); town B: 11 of 14.
    expectRate(group(towns, "byRegion", "safety_overall.rate", REGIONS.townA), 21, 25, [0.84, 0.653464, 0.935965]);
    expectRate(group(towns, "byRegion", "safety_overall.rate", REGIONS.townB), 11, 14, [0.785714, 0.524108, 0.924286]);
    const onlyB = await computeReport(store, { waveId: fx.w2.id, regionCode: REGIONS.townB });
    expectRate(overall(onlyB, "safety_overall.rate"), 11, 14, [0.785714, 0.524108, 0.924286]);
  });

  it("breaks down by channel", async () => {
    // telegram: A1 (10/12) + B1 k 26–32 (vs×6, s) → 17/19; web: A-small 4/4 + B1 k 33–39 (s s s bs nv nv u) 4/7 → 8/11.
    expectRate(group(report, "byChannel", "safety_overall.rate", "telegram"), 17, 19, [0.894737, 0.686059, 0.970641]);
    // wechat: A2's 10 responses give 9 valid answers, so it is suppressed — and web (8/11, the
    // smallest shown) with it, or wechat would be the overall figure minus telegram and web.
    expect(group(report, "byChannel", "safety_overall.rate", "wechat")).toMatchObject({ suppressed: true, n: undefined });
    expect(group(report, "byChannel", "safety_overall.rate", "web")).toMatchObject({ suppressed: true, n: undefined });
    // With a minimum of 9 all three show; web is then 8/11.
    const min9 = await computeReport(store, { waveId: fx.w2.id, settings: { minGroupSize: 9 } });
    expectRate(group(min9, "byChannel", "safety_overall.rate", "web"), 8, 11, [0.727273, 0.434355, 0.902539]);
    expectRate(group(min9, "byChannel", "safety_overall.rate", "wechat"), 7, 9, [0.777778, 0.452589, 0.936775]);
  });

  it("shows the trend over waves", () => {
    expect(report.waves.map((w) => w.name)).toEqual(["2026-H1", "2026-H2"]);
    expectRate(group(report, "trend", "safety_overall.rate", fx.w1.id), 14, 20, [0.7, 0.481027, 0.854523]);
    expectRate(group(report, "trend", "safety_overall.rate", fx.w2.id), 32, 39, [0.820513, 0.67332, 0.910227]);
  });

  it("computes yes-shares, the reporting rate among victims and the hot problems", () => {
    // heard_campaign: "no" for k = 0, 4, …, 36 (10 of 40).
    expectRate(overall(report, "heard_campaign.yes"), 30, 40, [0.75, 0.59806, 0.858129]);
    // 8 victims (k % 5 == 0) of whom 4 reported: a base of 8 < 10 is suppressed.
    expect(overall(report, "reported.yes")).toMatchObject({ suppressed: true });
    const victims = overall(report, "victim.yes");
    expect(shown(victims)).toMatchObject({ n: 40, numerator: 8 });
    const hot = overall(report, "hot_issues.multi");
    if (!hot || !isShown(hot) || hot.kind !== "multi") throw new Error("hot problems suppressed");
    expect(hot.options.slice(0, 3).map((o) => [o.option, o.numerator, o.rank])).toEqual([
      ["fraud", 20, 1],
      ["theft", 14, 2],
      ["none", 13, 3],
    ]);
    expectClose(hot.options[0]?.ci.lower as number, 0.351995);
    expectClose(hot.options[1]?.ci.upper as number, 0.504941);
  });

  it("flags one speeder and one straight-liner, and can leave them out", async () => {
    expect(report.quality).toEqual({ completed: 40, speeders: 1, straightLiners: 1, flagged: 2 });
    const clean = await computeReport(store, { waveId: fx.w2.id, level: 2, excludeFlagged: true });
    // Without k = 38 (nv) and k = 39 (u): 32 of 37; B1 11 of 12; index 2960 / 37 = 80.
    expectRate(overall(clean, "safety_overall.rate"), 32, 37, [0.864865, 0.720226, 0.940867]);
    expectRate(group(clean, "byRegion", "safety_overall.rate", REGIONS.b1), 11, 12, [0.916667, 0.64612, 0.985135]);
    const index = shown(overall(clean, "safety_overall.index"));
    expectClose(index.value, 80);
    expectClose(index.lower, 72.462195);
    expectClose(index.upper, 87.537805);
  });

  it("honours a configurable minimum group size", async () => {
    const strict = await computeReport(store, { waveId: fx.w2.id, level: 2, settings: { minGroupSize: 13 } });
    expect(group(strict, "byRegion", "safety_overall.rate", REGIONS.a1)).toMatchObject({ suppressed: true });
    expectRate(group(strict, "byRegion", "safety_overall.rate", REGIONS.b1), 11, 14, [0.785714, 0.524108, 0.924286]);
  });

  it("gives the same report, targets and spot checks through the plain-SQL reader the CLI exports use", async () => {
    const now = new Date("2026-11-29T08:00:00Z");
    const drawn = await drawSpotChecks(store, { waveId: fx.w2.id, share: 0.2, minPerStratum: 1, level: 2, seed: "e2e", now });
    expect(drawn.created).toBeGreaterThan(0);
    const checks = await store.listSpotChecks(fx.w2.id);
    await store.recordSpotCheck((checks[0] as { id: string }).id, { outcome: "consistent", verifier: "v", now });
    const reader = await BulkReader.open(db.target);
    try {
      expect(await reader.listSpotChecks(fx.w2.id)).toEqual(await store.listSpotChecks(fx.w2.id));
      expect(sortTargets(await reader.waveTargets(fx.w2.id))).toEqual(sortTargets(await store.waveTargets(fx.w2.id)));
      for (const request of [{ level: 2 }, { level: 1, excludeFlagged: true }, { regionCode: REGIONS.a1, includeInProgress: true }]) {
        const viaStore = await computeReport(store, { waveId: fx.w2.id, now, ...request });
        const viaReader = await computeReport(reader, { waveId: fx.w2.id, now, ...request });
        expect(viaReader).toEqual(viaStore);
        expect(viaStore.consistency.consistent).toBeGreaterThan(0);
      }
    } finally {
      await reader.close();
    }
  });
});

function sortTargets<T extends { measureId: string; label: string }>(list: T[]): T[] {
  return [...list].sort((a, b) => (a.measureId + a.label < b.measureId + b.label ? -1 : 1));
}
