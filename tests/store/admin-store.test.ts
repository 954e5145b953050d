import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

describe.each(BACKENDS)("admin store operations on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let wave: WaveRecord;
  let questionnaireId: string;
  const responseIds: string[] = [];
  const t0 = new Date("2026-11-01T08:00:00Z");

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    await store.upsertRegion({ code: "D", name: { "zh-CN": "区" } });
    await store.upsertRegion({ code: "T1", name: { "zh-CN": "镇一" }, parentCode: "D" });
    await store.upsertRegion({ code: "T10", name: { "zh-CN": "镇十" }, parentCode: "D" });
    await store.upsertRegion({ code: "V1", name: { "zh-CN": "村一" }, parentCode: "T1" });
    const q = await store.saveQuestionnaire({ key: "q", version: 1, title: "Q", definition: {}, checksum: "c" });
    questionnaireId = q.record.id;
    wave = await store.createWave({ name: "W", questionnaireId, opensAt: t0 });
    const texts = ["More patrols at NIGHT", "路灯坏了，晚上不安全", "100% sure: fix the lights", "Nothing", "防诈骗宣传要多"];
    const regions = ["V1", "V1", "T1", "T10", "T10"];
    for (const [i, text] of texts.entries()) {
      const { resident } = await store.resolveIdentity({ platform: "web", platformUserId: `u${i}`, chatId: `u${i}` });
      await store.commitTurn({
        residentId: resident.id,
        channel: i % 2 === 0 ? "web" : "telegram",
        state: {},
        expectedRevision: 0,
        now: new Date(t0.getTime() + i * 3_600_000),
        writes: [
          { type: "response.start", waveId: wave.id, questionnaireId },
          { type: "answer.put", waveId: wave.id, questionId: "a", value: { kind: "choice", option: "x" } },
          { type: "response.region", waveId: wave.id, regionCode: regions[i] as string },
          { type: "suggestion.add", waveId: wave.id, text, lang: "zh-CN" },
          ...(i < 4 ? [{ type: "response.complete" as const, waveId: wave.id }] : []),
        ],
      });
      const response = await store.getResponse(resident.id, wave.id);
      responseIds.push(response?.id as string);
      if (i === 0) await store.setResidentPhone(resident.id, "13800000000");
    }
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("filters suggestions by region subtree (a path prefix, not a code prefix)", async () => {
    const t1 = await store.getRegionByCode("T1");
    const rows = await store.querySuggestions({ regionPath: t1?.path as string });
    expect(rows.map((r) => r.regionCode).sort()).toEqual(["T1", "V1", "V1"]);
    expect(rows[0]?.regionName).toEqual({ "zh-CN": rows[0]?.regionCode === "T1" ? "镇一" : "村一" });
    expect(await store.countSuggestions({ regionPath: t1?.path as string })).toBe(3);
  });

  it("searches text case-insensitively and literally", async () => {
    expect((await store.querySuggestions({ search: "night" })).map((r) => r.text)).toEqual(["More patrols at NIGHT"]);
    expect((await store.querySuggestions({ search: "晚上" })).map((r) => r.text)).toEqual(["路灯坏了，晚上不安全"]);
    // % and _ are text, not wildcards.
    expect((await store.querySuggestions({ search: "100%" })).map((r) => r.text)).toEqual(["100% sure: fix the lights"]);
    expect(await store.querySuggestions({ search: "_" })).toEqual([]);
    expect(await store.querySuggestions({ search: "0%" })).toHaveLength(1);
    expect(await store.querySuggestions({ search: "\\" })).toEqual([]);
  });

  it("filters by time window, newest first, and pages by cursor", async () => {
    const since = new Date(t0.getTime() + 3_600_000);
    const until = new Date(t0.getTime() + 4 * 3_600_000);
    expect((await store.querySuggestions({ since, until })).map((r) => r.text)).toEqual(["Nothing", "100% sure: fix the lights", "路灯坏了，晚上不安全"]);
    const first = await store.querySuggestions({ limit: 2 });
    const second = await store.querySuggestions({ limit: 2, cursor: first[1]?.id as string });
    const third = await store.querySuggestions({ limit: 2, cursor: second[1]?.id as string });
    expect([...first, ...second, ...third].map((r) => r.text)).toEqual(["防诈骗宣传要多", "Nothing", "100% sure: fix the lights", "路灯坏了，晚上不安全", "More patrols at NIGHT"]);
  });

  it("updates status and tags (audited) and filters by them", async () => {
    const [one] = await store.querySuggestions({ search: "night" });
    const updated = await store.updateSuggestion(one?.id as string, { status: "forwarded", tags: [" 巡逻 ", "night", "巡逻"] }, null);
    expect(updated).toMatchObject({ status: "forwarded", tags: ["巡逻", "night"] });
    expect((await store.querySuggestions({ tag: "巡逻" })).map((r) => r.id)).toEqual([one?.id]);
    // A tag that is a substring of another tag does not match it.
    expect(await store.querySuggestions({ tag: "巡" })).toEqual([]);
    expect((await store.querySuggestions({ status: ["forwarded", "answered"] })).length).toBe(1);
    expect((await store.querySuggestions({ status: "new" })).length).toBe(4);
    await expect(store.updateSuggestion(one?.id as string, { tags: ['bad"tag'] }, null)).rejects.toThrow(/invalid tag/);
    expect(await store.updateSuggestion("missing", { status: "read" }, null)).toBeNull();
    expect((await store.listAudit()).some((a) => a.action === "suggestion.update" && a.target === one?.id)).toBe(true);
  });

  it("pages responses by id with answers and region paths", async () => {
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await store.pageResponses({ waveIds: [wave.id] }, after, 2);
      all.push(...page.map((r) => r.id));
      if (page.length < 2) break;
      after = page[page.length - 1]?.id ?? null;
    }
    expect(all).toEqual([...responseIds].sort());
    const t1 = await store.getRegionByCode("T1");
    const inT1 = await store.pageResponses({ regionPath: t1?.path as string, statuses: ["completed"] }, null, 10);
    expect(inT1.map((r) => r.regionCode).sort()).toEqual(["T1", "V1", "V1"]);
    expect(inT1.find((r) => r.regionCode === "V1")?.regionPath).toBe("/D/T1/V1/");
    expect(inT1[0]?.answers).toEqual({ a: { kind: "choice", option: "x" } });
    expect(await store.countResponses({ waveIds: [wave.id], statuses: ["completed"] })).toBe(4);
    expect(await store.countResponses({ channel: "telegram" })).toBe(2);
    const byRegion = await store.countResponsesByRegion({ waveIds: [wave.id] });
    const v1 = await store.getRegionByCode("V1");
    expect(byRegion.find((r) => r.regionId === v1?.id)?.count).toBe(2);
  });

  it("stores spot checks with their seed once, lists phones and records outcomes", async () => {
    const first = await store.createSpotChecks({ waveId: wave.id, seed: "s1", responseIds: responseIds.slice(0, 3), now: t0 });
    expect(first).toEqual({ created: 3, existing: 0 });
    const again = await store.createSpotChecks({ waveId: wave.id, seed: "s2", responseIds: responseIds.slice(0, 4), now: t0 });
    expect(again).toEqual({ created: 1, existing: 3 });
    const list = await store.listSpotChecks(wave.id);
    expect(list).toHaveLength(4);
    expect(list.filter((c) => c.seed === "s1")).toHaveLength(3);
    const withPhone = list.find((c) => c.responseId === responseIds[0]);
    expect(withPhone?.phone).toBe("13800000000");
    expect(withPhone?.regionPath).toBe("/D/T1/V1/");
    const recorded = await store.recordSpotCheck(withPhone?.id as string, { outcome: "consistent", verifier: "李", notes: "ok", now: t0 });
    expect(recorded).toMatchObject({ outcome: "consistent", verifier: "李", notes: "ok" });
    expect(recorded?.checkedAt?.toISOString()).toBe(t0.toISOString());
    expect(await store.recordSpotCheck("missing", { outcome: "unreachable", now: t0 })).toBeNull();
  });
});
