/**
 * The field service on the real store (a fresh SQLite database): a sync sent twice stores each
 * item once, an interview replayed and stored as an interviewer response, the household's survey
 * state in the next bootstrap, another officer verifying it at the door, scoping between officers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { questionnaireChecksum } from "../../core/engine/definition.js";
import type { QuestionnaireDefinition } from "../../core/engine/types.js";
import { computeReport } from "../../core/admin/stats-service.js";
import { FieldService, type SyncItemResult } from "../../core/field/service.js";
import type { ResidentRecord, WaveRecord } from "../../core/model/index.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { interviewInputs, MINI_DEFINITION, TIPS } from "./fake-store.js";

let env: TestStore;
let service: FieldService;
let wave: WaveRecord;
let a: ResidentRecord;
let b: ResidentRecord;
const now = new Date();
const iso = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();

/** The fake store's world as regions (the same names: region payloads are checked against the tree). */
const REGION_SEEDS = [
  { code: "C", name: { "zh-CN": "县", en: "C-en" } },
  { code: "T1", parentCode: "C", name: { "zh-CN": "一镇", en: "T1-en" } },
  { code: "V1", parentCode: "T1", name: { "zh-CN": "一村", en: "V1-en" } },
  { code: "V2", parentCode: "T1", name: { "zh-CN": "二村", en: "V2-en" } },
  { code: "T2", parentCode: "C", name: { "zh-CN": "二镇", en: "T2-en" } },
  { code: "V3", parentCode: "T2", name: { "zh-CN": "三村", en: "V3-en" } },
];

async function officer(userId: string, name: string, regionCode: string): Promise<ResidentRecord> {
  const { resident } = await env.store.resolveIdentity({ platform: "telegram", platformUserId: userId, chatId: userId, displayName: name });
  await env.store.setRole("telegram", userId, "officer");
  return (await env.store.setResidentRegion(resident.id, regionCode)) as ResidentRecord;
}

beforeAll(async () => {
  env = await openTestStore({ regions: REGION_SEEDS });
  const { record } = await env.store.saveQuestionnaire({ key: "mini", version: 1, title: "Test", definition: MINI_DEFINITION, checksum: questionnaireChecksum(MINI_DEFINITION as unknown as QuestionnaireDefinition) });
  wave = await env.store.createWave({ name: "2026 下半年", questionnaireId: record.id, opensAt: new Date(now.getTime() - 86_400_000) });
  a = await officer("a", "王警官", "T1");
  b = await officer("b", "李警官", "T1");
  service = new FieldService({ store: env.store, tips: TIPS, timeZone: "Asia/Shanghai", now: () => new Date() });
});
afterAll(async () => {
  await env?.close();
});

const statuses = (results: SyncItemResult[]): string[] => results.map((r) => (r.status === "refused" ? `refused:${r.reason}` : r.status));
const staff = (who: ResidentRecord) => ({ id: who.id, role: who.role });

describe("the field service on the database", () => {
  const body = () => ({
    households: [
      { clientId: "h-store-0001", regionCode: "V1", address: "1号", headName: "张三", phone: "13812345678" },
      { clientId: "h-store-0002", regionCode: "V2", address: "2号" },
    ],
    visits: [
      { clientId: "v-store-0001", householdClientId: "h-store-0001", visitedAt: iso(30), handedOver: { leaflet: true, tips: ["telecom-fraud"] }, survey: "interview", notes: null },
      { clientId: "v-store-0002", householdClientId: "h-store-0002", visitedAt: iso(20), handedOver: { leaflet: true, tips: [] }, survey: "qr_left", notes: "贴了二维码" },
    ],
    interviews: [
      {
        clientId: "i-store-0001",
        householdClientId: "h-store-0001",
        visitClientId: "v-store-0001",
        waveId: wave.id,
        questionnaireId: "mini",
        version: 1,
        lang: "zh-CN",
        inputs: interviewInputs(["3", "2", "1", "2"]),
        startedAt: iso(29),
        completedAt: iso(25),
      },
    ],
  });

  it("stores a sync once, however often it is sent", async () => {
    const first = await service.sync(staff(a), body(), "zh-CN");
    expect(statuses(first.results.households)).toEqual(["stored", "stored"]);
    expect(statuses(first.results.visits)).toEqual(["stored", "stored"]);
    expect(statuses(first.results.interviews)).toEqual(["stored"]);
    const second = await service.sync(staff(a), body(), "zh-CN");
    expect(statuses([...second.results.households, ...second.results.visits, ...second.results.interviews])).toEqual(["duplicate", "duplicate", "duplicate", "duplicate", "duplicate"]);
    expect(await env.store.listFieldHouseholds({ officerId: a.id })).toHaveLength(2);
    expect(await env.store.listVisits({ officerId: a.id })).toHaveLength(2);
    const responses = await env.store.listResponses(wave.id, "completed");
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({
      mode: "interviewer",
      officerId: a.id,
      residentId: null,
      answers: { safety: { kind: "choice", option: "c" }, victim: { kind: "bool", value: false }, region: { kind: "region", code: "V2", path: ["T1", "V2"] } },
    });
    const visits = await env.store.listVisits({ officerId: a.id });
    expect(visits.find((v) => v.clientId === "v-store-0001")?.responseId).toBe(responses[0]?.id);
  });

  it("shows the household as surveyed in the next bootstrap, and refuses a second interview of it", async () => {
    const boot = await service.bootstrap(staff(a), "zh-CN");
    expect(boot.households.map((h) => [h.address, h.phone, h.surveyed, h.visits])).toEqual([
      ["1号", "138****5678", "interviewer", 1],
      ["2号", null, null, 1],
    ]);
    expect(boot.villages.map((v) => v.code)).toEqual(["V1", "V2"]);
    expect(boot.survey?.regions.map((r) => r.code)).toEqual(["T1", "T2"]);
    const [h1] = boot.households;
    const again = await service.sync(staff(a), { interviews: [{ ...body().interviews[0], clientId: "i-store-0002", householdClientId: undefined, householdId: h1?.id }] }, "zh-CN");
    expect(again.results.interviews).toEqual([{ clientId: "i-store-0002", status: "refused", reason: "already-surveyed", message: "这一户本轮已经答过问卷（民警入户访谈答的）。" }]);
  });

  it("refuses officer B a visit of A's household, and a village outside their area", async () => {
    const [h1] = await env.store.listFieldHouseholds({ officerId: a.id });
    const { results } = await service.sync(
      staff(b),
      {
        households: [{ clientId: "h-store-0003", regionCode: "V3", address: "3号" }],
        visits: [{ clientId: "v-store-0003", householdId: h1?.id, visitedAt: iso(5), handedOver: { leaflet: false, tips: [] }, survey: "none" }],
      },
      "en",
    );
    expect(statuses(results.households)).toEqual(["refused:outside-area"]);
    expect(statuses(results.visits)).toEqual(["refused:not-yours"]);
    expect(await env.store.listVisits({ officerId: b.id })).toEqual([]);
  });

  it("lets B, not A, verify A's interview at the door; the same result again is a duplicate", async () => {
    const [response] = await env.store.listResponses(wave.id, "completed");
    await env.store.createSpotChecks({ waveId: wave.id, seed: "field", method: "visit", responseIds: [response?.id ?? ""], now });
    const [spot] = await env.store.listSpotChecks(wave.id);
    const spotCheckId = spot?.id ?? "";
    expect((await service.bootstrap(staff(a), "zh-CN")).rechecks).toEqual([]);
    const forB = (await service.bootstrap(staff(b), "zh-CN")).rechecks;
    expect(forB).toMatchObject([{ spotCheckId, mode: "interviewer", household: { address: "1号", headName: "张三", phone: "13812345678" }, regionName: "二村", outcome: null }]);
    expect(forB[0]?.questions).toEqual([
      { id: "safety", text: "您觉得安全吗？", answer: "选c" },
      { id: "victim", text: "受害过吗？", answer: "否" },
    ]);
    const recheck = { clientId: "r-store-0001", spotCheckId, outcome: "confirmed" };
    expect(statuses((await service.sync(staff(a), { rechecks: [recheck] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect(statuses((await service.sync(staff(b), { rechecks: [recheck] }, "zh-CN")).results.rechecks)).toEqual(["stored"]);
    expect(statuses((await service.sync(staff(b), { rechecks: [recheck] }, "zh-CN")).results.rechecks)).toEqual(["duplicate"]);
    expect((await env.store.listSpotChecks(wave.id))[0]).toMatchObject({ outcome: "consistent", verifier: "李警官" });
    expect((await service.bootstrap(staff(b), "zh-CN")).rechecks[0]).toMatchObject({ outcome: "consistent" });
    // The door re-check counts in the office's consistency rate, beside the telephone checks.
    const report = await computeReport(env.store, { waveId: wave.id });
    expect(report.consistency).toMatchObject({ consistent: 1, inconsistent: 0, unreachable: 0, rate: { n: 1, numerator: 1, value: 1 } });
    const changed = { ...recheck, outcome: "differs", differs: ["safety"], notes: "说法不一样" };
    expect(statuses((await service.sync(staff(b), { rechecks: [changed] }, "zh-CN")).results.rechecks)).toEqual(["updated"]);
    expect((await computeReport(env.store, { waveId: wave.id })).consistency).toMatchObject({ consistent: 0, inconsistent: 1, unreachable: 0, rate: { n: 1, numerator: 0, value: 0 } });
  });
});
