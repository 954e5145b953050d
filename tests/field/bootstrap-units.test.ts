/**
 * FieldService.bootstrap on the in-memory store: what an officer's phone gets (their households
 * with masked phones and this wave's survey state, recent visits with their edit window, tips,
 * villages of their area, the open wave with the chat's own region tree, re-checks of others'
 * work only), what an admin gets (everything, capped), and that the survey it hands out replays.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { FieldService } from "../../core/field/service.js";
import { replayInterview } from "../../core/field/interview.js";
import { ADMIN_LIST_CAP } from "../../core/field/area.js";
import { FieldRequestError, VISIT_EDIT_WINDOW_MS, type VisitRecord } from "../../core/model/index.js";
import { FakeFieldStore, interviewInputs, NOW, PEOPLE, staffOf, TIPS } from "./fake-store.js";

let store: FakeFieldStore;
let service: FieldService;

beforeEach(() => {
  store = new FakeFieldStore();
  service = new FieldService({ store, tips: TIPS, timeZone: "Asia/Shanghai", now: () => NOW });
});

const DAY = 24 * 3600_000;

function seedVisit(officerId: string, householdId: string, daysAgo: number, clientId: string): VisitRecord {
  const at = new Date(NOW.getTime() - daysAgo * DAY);
  const visit: VisitRecord = { id: `v-${clientId}`, clientId, householdId, visitedAt: at, handedOver: { leaflet: true, tips: ["burglary"] }, survey: "qr_left", notes: null, officerId, responseId: null, createdAt: at, updatedAt: at };
  store.visits.push(visit);
  return visit;
}

describe("an officer's bootstrap", () => {
  it("has who they are, the office's zone and the server's time", async () => {
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    expect(boot).toMatchObject({ me: { id: "off-a", name: "王警官", role: "officer" }, lang: "zh-CN", timeZone: "Asia/Shanghai", serverTime: NOW.toISOString(), truncated: false });
  });

  it("lists only their households, phones masked, with this wave's survey state and their visits", async () => {
    const h1 = store.seedHousehold(PEOPLE.a, "V1", "1号", { headName: "张三", phone: "13812345678" });
    const h2 = store.seedHousehold(PEOPLE.a, "V2", "2号", { residentId: "res-1" });
    store.seedHousehold(PEOPLE.b, "V1", "3号");
    store.seedResponse({ waveId: "wave-1", householdId: h1.id, mode: "interviewer", officerId: "off-a", clientId: "i-1", regionId: "r-v1", answers: {}, completedAt: NOW });
    store.seedResponse({ waveId: "wave-0", householdId: h2.id, mode: "self", officerId: null, clientId: null, regionId: "r-v2", answers: {}, completedAt: NOW });
    seedVisit("off-a", h1.id, 40, "old-visit-1");
    seedVisit("off-a", h1.id, 2, "new-visit-1");
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    expect(boot.households).toEqual([
      { id: h1.id, regionCode: "V1", regionName: "一村", address: "1号", headName: "张三", phone: "138****5678", linked: false, surveyed: "interviewer", lastVisitAt: new Date(NOW.getTime() - 2 * DAY).toISOString(), visits: 2, officerId: "off-a" },
      // The wave-0 answer is not this wave's.
      { id: h2.id, regionCode: "V2", regionName: "二村", address: "2号", headName: null, phone: null, linked: true, surveyed: null, lastVisitAt: null, visits: 0, officerId: "off-a" },
    ]);
  });

  it("lists their visits of the last 30 days, newest first, editable for a day after first storing", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    seedVisit("off-a", h.id, 40, "old-visit-1");
    const older = seedVisit("off-a", h.id, 3, "mid-visit-1");
    const recent = seedVisit("off-a", h.id, 0.25, "new-visit-1");
    seedVisit("off-b", store.seedHousehold(PEOPLE.b, "V1", "2号").id, 1, "b-visit-1");
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "en");
    expect(boot.visits.map((v) => v.clientId)).toEqual(["new-visit-1", "mid-visit-1"]);
    expect(boot.visits[0]).toEqual({
      id: recent.id,
      clientId: "new-visit-1",
      householdId: h.id,
      visitedAt: recent.visitedAt.toISOString(),
      handedOver: { leaflet: true, tips: ["burglary"] },
      survey: "qr_left",
      notes: null,
      responseId: null,
      editableUntil: new Date(recent.createdAt.getTime() + VISIT_EDIT_WINDOW_MS).toISOString(),
    });
    expect(boot.visits[1]?.id).toBe(older.id);
    expect(boot.visits[1]?.editableUntil).toBeNull();
  });

  it("has the tips' titles in the language asked, and the villages of their area with their path", async () => {
    const zh = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    expect(zh.tips).toEqual([
      { id: "telecom-fraud", title: "防范电信诈骗" },
      { id: "burglary", title: "防盗" },
    ]);
    expect(zh.villages).toEqual([
      { code: "V1", name: "一村", path: ["县", "一镇", "一村"] },
      { code: "V2", name: "二村", path: ["县", "一镇", "二村"] },
    ]);
    const en = await service.bootstrap(staffOf(PEOPLE.c), "en");
    expect(en.tips.map((t) => t.title)).toEqual(["Telecom fraud", "Burglary"]);
    expect(en.villages).toEqual([{ code: "V3", name: "V3-en", path: ["C-en", "T2-en", "V3-en"] }]);
  });

  it("gives an officer without a region the villages of their households", async () => {
    expect((await service.bootstrap(staffOf(PEOPLE.d), "zh-CN")).villages).toEqual([]);
    store.seedHousehold(PEOPLE.d, "V3", "1号");
    expect((await service.bootstrap(staffOf(PEOPLE.d), "zh-CN")).villages.map((v) => v.code)).toEqual(["V3"]);
  });

  it("has the open wave, its validated questionnaire and the chat's region tree — and an interview on them replays", async () => {
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    const survey = boot.survey;
    expect(survey?.wave).toEqual({ id: "wave-1", name: "2026 下半年", questionnaireId: "mini", version: 1, open: true });
    expect(survey?.questionnaire.questions.map((q) => q.id)).toEqual(["safety", "victim", "region"]);
    // The county alone at the top is not asked: the tree starts at its towns, as in the chat.
    expect(survey?.regions.map((r) => r.code)).toEqual(["T1", "T2"]);
    if (!survey) throw new Error("no survey");
    const replay = replayInterview({ wave: survey.wave, questionnaire: survey.questionnaire, regions: survey.regions, lang: "zh-CN" }, interviewInputs(), NOW.toISOString());
    expect(replay).toMatchObject({ ok: true, regionCode: "V1" });
  });

  it("has no survey and no re-checks while no wave is open", async () => {
    store.waves = store.waves.filter((w) => w.id !== "wave-1");
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    expect(boot.survey).toBeNull();
    expect(boot.rechecks).toEqual([]);
  });

  it("lists re-checks of others' work in their area only, with up to 5 closed questions read aloud and the stored answers", async () => {
    const hb = store.seedHousehold(PEOPLE.b, "V1", "1号", { headName: "张三", phone: "13812345678" });
    const ha = store.seedHousehold(PEOPLE.a, "V2", "2号");
    const hc = store.seedHousehold(PEOPLE.c, "V3", "3号");
    const answers = { safety: { kind: "choice", option: "b" }, victim: { kind: "bool", value: true }, region: { kind: "region", code: "V1", path: ["T1", "V1"] } };
    const ofB = store.seedRecheck(store.seedResponse({ waveId: "wave-1", householdId: hb.id, mode: "interviewer", officerId: "off-b", clientId: "i-b", regionId: "r-v1", answers, completedAt: NOW }));
    store.seedRecheck(store.seedResponse({ waveId: "wave-1", householdId: ha.id, mode: "interviewer", officerId: "off-a", clientId: "i-a", regionId: "r-v2", answers, completedAt: NOW }));
    store.seedRecheck(store.seedResponse({ waveId: "wave-1", householdId: hc.id, mode: "interviewer", officerId: "off-c", clientId: "i-c", regionId: "r-v3", answers, completedAt: NOW }));
    store.seedRecheck(store.seedResponse({ waveId: "wave-0", householdId: hb.id, mode: "interviewer", officerId: "off-b", clientId: "i-b0", regionId: "r-v1", answers, completedAt: NOW }));
    const boot = await service.bootstrap(staffOf(PEOPLE.a), "zh-CN");
    expect(boot.rechecks).toEqual([
      {
        spotCheckId: ofB,
        waveName: "2026 下半年",
        mode: "interviewer",
        household: { address: "1号", headName: "张三", phone: "13812345678" },
        regionName: "一村",
        // The region answer is not a closed question: it is never re-asked.
        questions: [
          { id: "safety", text: "您觉得安全吗？", answer: "选b" },
          { id: "victim", text: "受害过吗？", answer: "是" },
        ],
        outcome: null,
        checkedAt: null,
      },
    ]);
    const admin = await service.bootstrap(staffOf(PEOPLE.admin), "en");
    expect(admin.rechecks).toHaveLength(3);
    expect(admin.rechecks[0]?.questions[0]).toEqual({ id: "safety", text: "Do you feel safe?", answer: "opt b" });
  });

  it("refuses someone who is no longer staff", async () => {
    await expect(service.bootstrap(staffOf(PEOPLE.resident), "zh-CN")).rejects.toSatisfy((e) => e instanceof FieldRequestError && e.reason === "not-staff");
    await expect(service.bootstrap({ id: "nobody", role: "officer" }, "zh-CN")).rejects.toThrow(FieldRequestError);
  });
});

describe("an admin's bootstrap", () => {
  it("has every household and every village", async () => {
    store.seedHousehold(PEOPLE.a, "V1", "1号");
    store.seedHousehold(PEOPLE.c, "V3", "2号");
    store.seedHousehold(null, "V2", "3号");
    const boot = await service.bootstrap(staffOf(PEOPLE.admin), "zh-CN");
    expect(boot.me.role).toBe("admin");
    expect(boot.households.map((h) => h.address)).toEqual(["1号", "3号", "2号"]);
    expect(boot.villages.map((v) => v.code)).toEqual(["V1", "V2", "V3"]);
    expect(boot.truncated).toBe(false);
  });

  it(`is capped at ${ADMIN_LIST_CAP} households, and says so`, async () => {
    for (let i = 0; i <= ADMIN_LIST_CAP; i++) store.seedHousehold(PEOPLE.a, "V1", `${String(i).padStart(5, "0")}号`);
    const boot = await service.bootstrap(staffOf(PEOPLE.admin), "zh-CN");
    expect(boot.households).toHaveLength(ADMIN_LIST_CAP);
    expect(boot.truncated).toBe(true);
    // An officer's own list is never cut.
    expect((await service.bootstrap(staffOf(PEOPLE.a), "zh-CN")).households).toHaveLength(ADMIN_LIST_CAP + 1);
  });
});

describe("staff members", () => {
  it("are officers and admins with their name and session epoch; residents and strangers are not", async () => {
    expect(await service.staffMember("off-a")).toEqual({ id: "off-a", role: "officer", name: "王警官", sessionEpoch: 0 });
    expect(await service.staffMember("adm")).toEqual({ id: "adm", role: "admin", name: "管理员", sessionEpoch: 0 });
    expect(await service.staffMember("res-1")).toBeNull();
    expect(await service.staffMember("nobody")).toBeNull();
  });
});
