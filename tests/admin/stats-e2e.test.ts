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
import { computeReport, waveMeasures, type StatsReport } from "../../core/admin/stats-service.js";
import { responsesTable } from "../../core/admin/tables.js";
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

function group(report: StatsReport, list: "trend" | "byRegion" | "byChannel" | "byMode", id: string, key: string): Figure | undefined {
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

/**
 * Survey modes: the fixture's 40 self-completed W2 responses plus 12 interviews an officer
 * entered for households in B1 (stored through FieldStore.storeInterview: mode interviewer,
 * channel field, no resident). Interview answers, safety_overall: vs×5 s×4 bs nv dont_know →
 * n = 11, x (top three) = 10; scores 100×5 + 80×4 + 60 + 40 = 920, mean 83.636364,
 * s = 19.632996, t(0.975; 10) = 2.228139.
 */
describe.each(BACKENDS)("admin statistics by survey mode on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let fx: Fixture;
  let report: StatsReport;
  const households: string[] = [];
  const levels = ["very_safe", "very_safe", "very_safe", "very_safe", "very_safe", "safe", "safe", "safe", "safe", "basically_safe", "not_very_safe", "dont_know"];
  const now = new Date("2026-11-20T08:00:00Z");

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    fx = await seedFixture(store);
    await store.resolveIdentity({ platform: "cli", platformUserId: "officer-1", chatId: "officer-1" });
    const officer = await store.setRole("cli", "officer-1", "officer");
    for (const [i, level] of levels.entries()) {
      const { household } = await store.addHousehold({ regionCode: REGIONS.b1, address: `东坡路 ${i + 1} 号`, officerId: officer.id, actorId: officer.id, now });
      households.push(household.id);
      const outcome = await store.storeInterview({
        clientId: `interview-${String(i).padStart(2, "0")}`,
        officerId: officer.id,
        householdId: household.id,
        visitClientId: null,
        waveId: fx.w2.id,
        questionnaireId: fx.questionnaireId,
        lang: "zh-CN",
        regionId: null,
        answers: { safety_overall: { kind: "choice", option: level } },
        startedAt: new Date(now.getTime() - 3600_000 + i * 60_000),
        completedAt: new Date(now.getTime() - 3000_000 + i * 60_000),
        now,
      });
      expect(outcome.outcome).toBe("stored");
    }
    report = await computeReport(store, { waveId: fx.w2.id, level: 2, now });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("breaks the rate and the index down by mode, self first", () => {
    const rate = report.byMode.find((b) => b.measureId === "safety_overall.rate");
    expect(rate?.groups.map((g) => g.key)).toEqual(["self", "interviewer"]);
    expectRate(group(report, "byMode", "safety_overall.rate", "self"), 32, 39, [0.820513, 0.67332, 0.910227]);
    expectRate(group(report, "byMode", "safety_overall.rate", "interviewer"), 10, 11, [0.909091, 0.622642, 0.983768]);
    const index = shown(group(report, "byMode", "safety_overall.index", "interviewer"));
    const hand = tInterval([...rep(100, 5), ...rep(80, 4), 60, 40], 2.228139);
    expect(index.n).toBe(11);
    expectClose(index.value, 83.636364);
    expectClose(hand[0], 83.636364);
    expectClose(index.sd as number, 19.632996);
    expectClose(index.lower, 70.446736);
    expectClose(index.upper, 96.825991);
    expect(Math.abs(hand[2] - 70.446736)).toBeLessThan(2e-5);
    // Every scalar measure has its by-mode breakdown, beside the by-channel one.
    expect(report.byMode.map((b) => b.measureId)).toEqual(report.byChannel.map((b) => b.measureId));
  });

  it("counts the interviews in the overall figure and as the field channel", async () => {
    expectRate(overall(report, "safety_overall.rate"), 42, 50, [0.84, 0.714858, 0.916626]);
    expect(report.counts.completed).toBe(52);
    // wechat (9 valid answers) is suppressed, so the smallest shown channel goes with it: field
    // and web both rest on 11, and field comes first — web (8/11) is shown this time.
    expect(report.byChannel.find((b) => b.measureId === "safety_overall.rate")?.groups.map((g) => g.key)).toEqual(["field", "telegram", "web", "wechat"]);
    expect(group(report, "byChannel", "safety_overall.rate", "field")).toMatchObject({ suppressed: true, n: undefined });
    expectRate(group(report, "byChannel", "safety_overall.rate", "web"), 8, 11, [0.727273, 0.434355, 0.902539]);
    const min9 = await computeReport(store, { waveId: fx.w2.id, now, settings: { minGroupSize: 9 } });
    expectRate(group(min9, "byChannel", "safety_overall.rate", "field"), 10, 11, [0.909091, 0.622642, 0.983768]);
  });

  it("suppresses a small mode, and the other with it", async () => {
    // A minimum of 12: the interviews' 11 valid answers are too few, and self would give them away.
    const strict = await computeReport(store, { waveId: fx.w2.id, level: 2, now, settings: { minGroupSize: 12 } });
    expect(isShown(overall(strict, "safety_overall.rate") as Figure)).toBe(true);
    for (const key of ["self", "interviewer"]) expect(group(strict, "byMode", "safety_overall.rate", key)).toMatchObject({ suppressed: true, n: undefined });
    // Town A has no interviews: the interviewer group is listed, empty and suppressed; self shows.
    const townA = await computeReport(store, { waveId: fx.w2.id, regionCode: REGIONS.townA, now });
    expect(townA.byMode.find((b) => b.measureId === "safety_overall.rate")?.groups.map((g) => g.key)).toEqual(["self", "interviewer"]);
    expect(group(townA, "byMode", "safety_overall.rate", "interviewer")).toMatchObject({ suppressed: true, n: undefined });
    expectRate(group(townA, "byMode", "safety_overall.rate", "self"), 21, 25, [0.84, 0.653464, 0.935965]);
  });

  it("gives the same by-mode figures through the plain-SQL reader, and exports mode and household per response", async () => {
    const reader = await BulkReader.open(db.target);
    try {
      expect((await computeReport(reader, { waveId: fx.w2.id, level: 2, now })).byMode).toEqual(report.byMode);
      const { questionnaire, quality } = await waveMeasures(reader, fx.w2);
      const table = await responsesTable(reader, { query: { waveIds: [fx.w2.id] }, questionnaire, lang: "en", regions: await reader.listRegions(), quality, minGroupSize: 10 });
      const keys = table.columns.map((c) => c.key);
      expect(keys.slice(0, 8)).toEqual(["response_id", "wave", "status", "channel", "mode", "household", "region_code", "region"]);
      const rows: Record<string, unknown>[] = [];
      for await (const row of table.rows) rows.push(Object.fromEntries(keys.map((k, i) => [k, row[i]])));
      const interviews = rows.filter((r) => r.mode === "Interviewer (household visit)");
      expect(interviews).toHaveLength(12);
      expect(interviews.every((r) => r.channel === "field")).toBe(true);
      expect(interviews.map((r) => r.household).sort()).toEqual([...households].sort());
      // 40 completed + 3 in progress + 2 abandoned self responses, none linked to a household.
      const own = rows.filter((r) => r.mode === "Self (chat)");
      expect(own).toHaveLength(45);
      expect(own.every((r) => r.household === null)).toBe(true);
    } finally {
      await reader.close();
    }
  });
});
