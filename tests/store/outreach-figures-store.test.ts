/**
 * The store as the outreach figures' reader (core/admin/outreach-figures.ts), on SQLite and
 * PostgreSQL: a resident's region, closed cases with their rating and region path, first quiz
 * answers with the resident's region path — and the figures computed from them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { DomainWrite, Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { computeOutreachFigures } from "../../core/admin/outreach-figures.js";
import type { OutreachFiguresReader } from "../../core/model/index.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { BulkReader } from "../../prisma/bulk-reader.js";

describe.each(BACKENDS)("outreach figures from the store on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  const t0 = new Date("2026-05-01T08:00:00Z");
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const revisions = new Map<string, number>();

  async function turn(residentId: string, writes: DomainWrite[], now: Date): Promise<void> {
    const revision = revisions.get(residentId) ?? 0;
    expect(await store.commitTurn({ residentId, channel: "test", state: { v: 1 }, expectedRevision: revision, writes, now })).toBe("committed");
    revisions.set(residentId, revision + 1);
  }

  async function resident(id: string, region: string | null): Promise<string> {
    const { resident: r } = await store.resolveIdentity({ platform: "test", platformUserId: id, chatId: id });
    if (region) expect(await store.setResidentRegion(r.id, region)).toMatchObject({ id: r.id });
    return r.id;
  }

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    await store.upsertRegion({ code: "T", name: { "zh-CN": "镇" } });
    await store.upsertRegion({ code: "V1", name: { "zh-CN": "一村" }, parentCode: "T" });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("records a resident's region, refusing unknown codes, and clears it", async () => {
    const id = await resident("someone", null);
    expect(await store.setResidentRegion(id, "nowhere")).toBeNull();
    const region = await store.getRegionByCode("V1");
    expect((await store.setResidentRegion(id, "V1"))?.regionId).toBe(region?.id);
    expect((await store.setResidentRegion(id, null))?.regionId).toBeNull();
    expect(await store.setResidentRegion("no-such-resident", "V1")).toBeNull();
  });

  it("gives a resident the region they answer in the survey, and an officer's household the leaflet's region until then", async () => {
    const { record: q } = await store.saveQuestionnaire({ key: "rq", version: 1, title: "t", definition: {}, checksum: "c" });
    const wave = await store.createWave({ name: "region-wave", questionnaireId: q.id, opensAt: t0 });
    const [v1, t] = [await store.getRegionByCode("V1"), await store.getRegionByCode("T")];
    const officer = (await store.setRole("leaflet-officer", "officer", "officer")).id;
    const household = await resident("household", null);
    await store.assignHousehold({ officerId: officer, householdId: household, regionId: t?.id ?? null });
    expect((await store.getResident(household))?.regionId).toBe(t?.id);
    await turn(household, [{ type: "response.start", waveId: wave.id, questionnaireId: q.id }, { type: "response.region", waveId: wave.id, regionCode: "V1" }], at(1));
    expect((await store.getResident(household))?.regionId).toBe(v1?.id);
    // A later leaflet does not overwrite what the resident said.
    await store.assignHousehold({ officerId: officer, householdId: household, regionId: t?.id ?? null });
    expect((await store.getResident(household))?.regionId).toBe(v1?.id);
  });

  it("lists closed cases with rating and region path, and first quiz answers with the resident's region", async () => {
    const officer = (await store.setRole("test", "officer", "officer")).id;
    let serial = 0;
    const kase = async (region: string | null, status: "closed" | "solved", rating: number | null): Promise<void> => {
      serial += 1;
      const code = `K${serial}`;
      const reporter = await resident(`reporter-${serial}`, region);
      await store.createCase({ code, reporterId: reporter, officerId: officer, title: "t", now: at(serial) });
      await store.addCaseUpdate({ code, status, note: null, authorId: officer, now: at(serial + 50) });
      if (rating !== null) await turn(reporter, [{ type: "case.rate", code, rating }], at(serial + 100));
    };
    await kase("V1", "closed", 5);
    await kase("V1", "closed", 2);
    await kase("V1", "closed", null);
    await kase(null, "closed", 4);
    await kase("V1", "solved", null);
    const cases = await store.listClosedCaseRatings();
    expect(cases.map((c) => [c.rating, c.regionPath]).sort((a, b) => String(a).localeCompare(String(b)))).toEqual(
      [
        [5, "/T/V1/"],
        [2, "/T/V1/"],
        [null, "/T/V1/"],
        [4, null],
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );

    const a = await resident("quiz-a", "V1");
    const b = await resident("quiz-b", null);
    await turn(a, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "transfer", correct: false }], at(200));
    await turn(a, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "hang-up", correct: true }], at(201));
    await turn(b, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "hang-up", correct: true }], at(202));
    const answers = await store.listFirstQuizAnswers();
    expect(answers.map((x) => [x.residentId === a ? "a" : "b", x.tipId, x.correct, x.regionPath, x.answeredAt.toISOString()]).sort()).toEqual([
      ["a", "fraud-safe-account", false, "/T/V1/", at(200).toISOString()],
      ["b", "fraud-safe-account", true, null, at(202).toISOString()],
    ]);

    // The store is the figures' reader as it is.
    const reader: OutreachFiguresReader = store;
    const figures = await computeOutreachFigures(reader, { minGroupSize: 2, level: 1, tips: [{ id: "fraud-safe-account" }] });
    const overall = figures.satisfaction.overall;
    expect(overall.suppressed ? null : [overall.closed, overall.n, overall.rate.numerator]).toEqual([4, 3, 2]);
    expect(figures.satisfaction.byRegion.map((g) => [g.key, g.figure.suppressed ? null : g.figure.n])).toEqual([["V1", 2]]);
    const tip = figures.awareness[0]?.figure;
    expect(tip && !tip.suppressed ? [tip.n, tip.numerator] : null).toEqual([2, 1]);
    const inV1 = await computeOutreachFigures(reader, { minGroupSize: 2, level: 1, regionPath: "/T/V1/", tips: [{ id: "fraud-safe-account" }] });
    expect(inV1.awareness[0]?.figure).toEqual({ suppressed: true, n: undefined, minGroupSize: 2 });
  });

  it("reads the same rows through the plain-SQL reader of CLI exports", async () => {
    const reader = await BulkReader.open(db.target);
    try {
      const byKey = <T>(list: T[]): T[] => [...list].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      const cases = await store.listClosedCaseRatings();
      expect(cases.length).toBeGreaterThan(0);
      expect(byKey(await reader.listClosedCaseRatings())).toEqual(byKey(cases));
      const answers = await store.listFirstQuizAnswers();
      expect(answers.length).toBeGreaterThan(0);
      expect(byKey(await reader.listFirstQuizAnswers())).toEqual(byKey(answers));
    } finally {
      await reader.close();
    }
  });
});
