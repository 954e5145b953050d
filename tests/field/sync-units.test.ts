/**
 * FieldService.sync on the in-memory store (tests/field/fake-store.ts): each item on its own,
 * idempotent by client id (the same body twice, an interrupted sync sent again), interviews
 * replayed on the server (tampered inputs refused), waves, scoping between officers, re-checks.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { FieldService, FieldSyncError, type SyncItemResult } from "../../core/field/service.js";
import { FieldRequestError, VISIT_EDIT_WINDOW_MS } from "../../core/model/index.js";
import { FakeFieldStore, interviewInputs, NOW, PEOPLE, staffOf, TIPS } from "./fake-store.js";

let store: FakeFieldStore;
let clock: Date;
let service: FieldService;

beforeEach(() => {
  store = new FakeFieldStore();
  clock = NOW;
  service = new FieldService({ store, tips: TIPS, timeZone: "Asia/Shanghai", now: () => clock });
});

const A = staffOf(PEOPLE.a);
const B = staffOf(PEOPLE.b);

const household = (n: number, over: Record<string, unknown> = {}) => ({ clientId: `h-client-${n}`, regionCode: "V1", address: `${n}号`, headName: "张三", phone: "13812345678", ...over });
const visit = (n: number, over: Record<string, unknown> = {}) => ({
  clientId: `v-client-${n}`,
  householdClientId: `h-client-${n}`,
  visitedAt: "2026-12-07T07:00:00.000Z",
  handedOver: { leaflet: true, tips: ["telecom-fraud"] },
  survey: "interview",
  notes: null,
  ...over,
});
const interview = (householdId: string, over: Record<string, unknown> = {}) => ({
  clientId: "i-client-1",
  householdId,
  waveId: "wave-1",
  questionnaireId: "mini",
  version: 1,
  lang: "zh-CN",
  inputs: interviewInputs(),
  startedAt: "2026-12-07T07:00:00.000Z",
  completedAt: "2026-12-07T07:05:00.000Z",
  ...over,
});

/** The status (and reason) of each result, e.g. "stored", "refused:not-yours". */
const statuses = (results: SyncItemResult[]): string[] => results.map((r) => (r.status === "refused" ? `refused:${r.reason}` : r.status));

describe("the request", () => {
  it("throws FieldSyncError for a body that is not a sync body, and not-staff for someone no longer staff", async () => {
    await expect(service.sync(A, "households", "zh-CN")).rejects.toThrow(FieldSyncError);
    // The routes tell a malformed body (400) from a failure (500) by this code.
    await expect(service.sync(A, [], "zh-CN")).rejects.toMatchObject({ code: "bad_sync_body" });
    await expect(service.sync(A, { visits: new Array(201).fill(visit(1)) }, "zh-CN")).rejects.toThrow(FieldSyncError);
    await expect(service.sync(staffOf(PEOPLE.resident), {}, "zh-CN")).rejects.toSatisfy((e) => e instanceof FieldRequestError && e.reason === "not-staff");
    expect(store.households).toEqual([]);
  });

  it("handles every item on its own: a refused one stops nothing, results keep the order", async () => {
    const { results } = await service.sync(A, { households: [household(1), { clientId: "h-client-2", regionCode: "V1", address: 12 }, household(3)], visits: ["nonsense", visit(1), visit(3)] }, "en");
    expect(statuses(results.households)).toEqual(["stored", "refused:bad-input", "stored"]);
    expect(results.households[1]).toMatchObject({ clientId: "h-client-2", message: "This item could not be read: “address” is missing or has the wrong type." });
    expect(statuses(results.visits)).toEqual(["refused:bad-input", "stored", "stored"]);
    expect(results.visits[0]).toMatchObject({ clientId: null });
    expect(results.interviews).toEqual([]);
  });
});

describe("the store's refusals and failures", () => {
  it("turns a store refusal into a refused item in the page's words, but lets a failing database throw", async () => {
    store.addHousehold = async () => {
      throw new FieldRequestError("bad-input", "internal detail: column headName too long");
    };
    const { results } = await service.sync(A, { households: [household(1)] }, "en");
    expect(results.households).toEqual([{ clientId: "h-client-1", status: "refused", reason: "bad-input", message: "This item could not be read: the server could not accept it as sent." }]);
    store.addHousehold = async () => {
      throw new Error("SQLITE_BUSY");
    };
    // Thrown, not refused: the phone keeps the item and tries again later.
    await expect(service.sync(A, { households: [household(1)] }, "en")).rejects.toThrow("SQLITE_BUSY");
  });
});

describe("households", () => {
  it("adds one in a village of the area; the same again is a duplicate with the same id", async () => {
    const first = await service.sync(A, { households: [household(1)] }, "zh-CN");
    expect(first.results.households).toEqual([{ clientId: "h-client-1", status: "stored", id: store.households[0]?.id }]);
    expect(store.households[0]).toMatchObject({ officerId: "off-a", regionCode: "V1", address: "1号", phone: "13812345678" });
    const again = await service.sync(A, { households: [household(1)] }, "zh-CN");
    expect(again.results.households).toEqual(first.results.households.map((r) => ({ ...r, status: "duplicate" })));
    expect(store.households).toHaveLength(1);
  });

  it("refuses an unknown region, a town and a village outside the area, naming the code", async () => {
    const { results } = await service.sync(A, { households: [household(1, { regionCode: "X9" }), household(2, { regionCode: "T1" }), household(3, { regionCode: "V3" })] }, "zh-CN");
    expect(statuses(results.households)).toEqual(["refused:unknown-region", "refused:not-a-village", "refused:outside-area"]);
    expect(results.households.map((r) => (r.status === "refused" ? r.message : ""))).toEqual(["没有编码为 X9 的村（社区）。", "T1 不是村（社区）：它下面还有区域，请选择具体的村（社区）。", "村（社区）V3 不在您的辖区内。"]);
    expect(store.households).toEqual([]);
  });

  it("refuses another officer's address in the same village (compared width-insensitively)", async () => {
    store.seedHousehold(PEOPLE.b, "V1", "１号");
    const { results } = await service.sync(A, { households: [household(1)] }, "zh-CN");
    expect(statuses(results.households)).toEqual(["refused:duplicate-address"]);
  });

  it("lets an officer without a region add households only in the villages of their households", async () => {
    store.seedHousehold(PEOPLE.d, "V3", "1号");
    const { results } = await service.sync(staffOf(PEOPLE.d), { households: [household(2, { regionCode: "V3" }), household(3, { regionCode: "V1" })] }, "zh-CN");
    expect(statuses(results.households)).toEqual(["stored", "refused:outside-area"]);
  });
});

describe("visits", () => {
  it("stores a visit of a household added in the same request; the same body twice stores each once", async () => {
    const body = { households: [household(1), household(2)], visits: [visit(1), visit(2, { survey: "nobody_home", handedOver: { leaflet: false, tips: [] } })] };
    const first = await service.sync(A, body, "zh-CN");
    expect(statuses(first.results.visits)).toEqual(["stored", "stored"]);
    const second = await service.sync(A, body, "zh-CN");
    expect(statuses(second.results.households)).toEqual(["duplicate", "duplicate"]);
    expect(statuses(second.results.visits)).toEqual(["duplicate", "duplicate"]);
    expect(second.results.visits.map((r) => r.status !== "refused" && r.id)).toEqual(first.results.visits.map((r) => r.status !== "refused" && r.id));
    expect(store.households).toHaveLength(2);
    expect(store.visits).toHaveLength(2);
    expect(store.visits[0]).toMatchObject({ officerId: "off-a", householdId: store.households[0]?.id, survey: "interview", handedOver: { leaflet: true, tips: ["telecom-fraud"] } });
  });

  it("an interrupted sync (half the items) and then all of them again stores each item once", async () => {
    const households = [1, 2, 3, 4].map((n) => household(n));
    const visits = [1, 2, 3, 4].map((n) => visit(n));
    const half = await service.sync(A, { households: households.slice(0, 2), visits: visits.slice(0, 2) }, "zh-CN");
    expect(statuses(half.results.visits)).toEqual(["stored", "stored"]);
    const all = await service.sync(A, { households, visits }, "zh-CN");
    expect(statuses(all.results.households)).toEqual(["duplicate", "duplicate", "stored", "stored"]);
    expect(statuses(all.results.visits)).toEqual(["duplicate", "duplicate", "stored", "stored"]);
    expect(store.households).toHaveLength(4);
    expect(store.visits).toHaveLength(4);
  });

  it("names a household stored earlier by its id; an unknown client id is unknown-household", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V2", "9号");
    const { results } = await service.sync(A, { visits: [visit(1, { householdClientId: undefined, householdId: h.id }), visit(2, { householdClientId: "h-never-sent" })] }, "en");
    expect(statuses(results.visits)).toEqual(["stored", "refused:unknown-household"]);
    expect(store.visits.map((v) => v.householdId)).toEqual([h.id]);
  });

  it("refuses a tip the library does not have, naming it", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    const { results } = await service.sync(A, { visits: [visit(1, { householdClientId: undefined, householdId: h.id, handedOver: { leaflet: true, tips: ["burglary", "moon-landing"] } })] }, "zh-CN");
    expect(results.visits).toEqual([{ clientId: "v-client-1", status: "refused", reason: "unknown-tip", message: "防范提示库中没有“moon-landing”。" }]);
    expect(store.visits).toEqual([]);
  });

  it("officer A cannot save a visit for officer B's household", async () => {
    const hb = store.seedHousehold(PEOPLE.b, "V1", "1号");
    const { results } = await service.sync(A, { visits: [visit(1, { householdClientId: undefined, householdId: hb.id })] }, "zh-CN");
    expect(statuses(results.visits)).toEqual(["refused:not-yours"]);
    expect(store.visits).toEqual([]);
  });

  it("an edit within a day is updated; after that, too-late", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    const base = { householdClientId: undefined, householdId: h.id };
    await service.sync(A, { visits: [visit(1, base)] }, "zh-CN");
    clock = new Date(NOW.getTime() + 3600_000);
    expect(statuses((await service.sync(A, { visits: [visit(1, { ...base, notes: "补充" })] }, "zh-CN")).results.visits)).toEqual(["updated"]);
    clock = new Date(NOW.getTime() + VISIT_EDIT_WINDOW_MS + 60_000);
    expect(statuses((await service.sync(A, { visits: [visit(1, { ...base, notes: "再改" })] }, "zh-CN")).results.visits)).toEqual(["refused:too-late"]);
    expect(store.visits[0]?.notes).toBe("补充");
  });
});

describe("interviews", () => {
  it("stores the answers of the server's replay, with the region the answers name; again is a duplicate", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V2", "1号");
    const { results } = await service.sync(A, { interviews: [interview(h.id, { inputs: interviewInputs(["2", "2", "1", "1"]) })] }, "zh-CN");
    expect(statuses(results.interviews)).toEqual(["stored"]);
    expect(store.responses).toHaveLength(1);
    expect(store.responses[0]).toMatchObject({
      householdId: h.id,
      officerId: "off-a",
      mode: "interviewer",
      // The region question answered V1, though the household is in V2: the answer wins.
      regionId: "r-v1",
      answers: { safety: { kind: "choice", option: "b" }, victim: { kind: "bool", value: false }, region: { kind: "region", code: "V1", path: ["T1", "V1"] } },
    });
    const again = await service.sync(A, { interviews: [interview(h.id, { inputs: interviewInputs(["2", "2", "1", "1"]) })] }, "zh-CN");
    expect(again.results.interviews).toEqual([{ clientId: "i-client-1", status: "duplicate", id: store.responses[0]?.id }]);
    expect(store.responses).toHaveLength(1);
  });

  it("links an interview to a household added (and a visit made) in the same request", async () => {
    const { results } = await service.sync(A, { households: [household(1)], visits: [visit(1)], interviews: [interview("", { householdId: undefined, householdClientId: "h-client-1", visitClientId: "v-client-1" })] }, "zh-CN");
    expect(statuses(results.interviews)).toEqual(["stored"]);
    expect(store.visits[0]?.responseId).toBe(store.responses[0]?.id);
  });

  it.each([
    ["one input short", (inputs: unknown[]) => inputs.slice(0, -1)],
    ["an input after the end", (inputs: unknown[]) => [...inputs, { kind: "text", text: "1" }]],
    ["a forged payload", (inputs: unknown[]) => [{ kind: "button", payload: "a:1:ffff:0:9" }, ...inputs.slice(1)]],
    ["a menu command in the middle", (inputs: unknown[]) => [inputs[0], { kind: "text", text: "/menu" }, ...inputs.slice(1)]],
    ["no inputs at all", () => []],
  ])("refuses tampered inputs (%s): interview-incomplete, nothing stored", async (_name, tamper) => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    const { results } = await service.sync(A, { interviews: [interview(h.id, { inputs: tamper(interviewInputs()) })] }, "en");
    expect(statuses(results.interviews)).toEqual(["refused:interview-incomplete"]);
    expect(store.responses).toEqual([]);
  });

  it("refuses a household that answered the wave already, naming how", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    store.seedResponse({ waveId: "wave-1", householdId: h.id, mode: "self", officerId: null, clientId: null, regionId: "r-v1", answers: {}, completedAt: NOW });
    const { results } = await service.sync(A, { interviews: [interview(h.id)] }, "zh-CN");
    expect(results.interviews).toEqual([{ clientId: "i-client-1", status: "refused", reason: "already-surveyed", message: "这一户本轮已经答过问卷（自己在手机上答的）。" }]);
    const en = await service.sync(A, { interviews: [interview(h.id, { clientId: "i-client-2" })] }, "en");
    expect(en.results.interviews[0]).toMatchObject({ message: "This household has already answered this wave (by themselves, on their phone)." });
    expect(store.responses).toHaveLength(1);
  });

  it("refuses an unknown wave, a completion outside the wave (a day's grace after it closed), another questionnaire", async () => {
    const h = store.seedHousehold(PEOPLE.a, "V1", "1号");
    const day = 24 * 3600_000;
    const at = (ms: number) => new Date(ms).toISOString();
    const closed = store.waves[1]?.closesAt?.getTime() ?? 0;
    const { results } = await service.sync(
      A,
      {
        interviews: [
          interview(h.id, { clientId: "i-client-1", waveId: "wave-9" }),
          interview(h.id, { clientId: "i-client-2", startedAt: at(NOW.getTime() - 12 * day), completedAt: at(NOW.getTime() - 11 * day) }),
          interview(h.id, { clientId: "i-client-3", waveId: "wave-0", startedAt: at(closed + day), completedAt: at(closed + day + 60_000) }),
          interview(h.id, { clientId: "i-client-4", version: 2 }),
          interview(h.id, { clientId: "i-client-5", waveId: "wave-0", startedAt: at(closed + day / 2), completedAt: at(closed + day / 2 + 60_000) }),
        ],
      },
      "zh-CN",
    );
    expect(statuses(results.interviews)).toEqual(["refused:unknown-wave", "refused:wave-closed", "refused:wave-closed", "refused:bad-input", "stored"]);
    expect(results.interviews[3]).toMatchObject({ message: "这一条无法读取：问卷 mini 第 2 版不是这一轮调查所用的问卷。" });
    expect(store.responses.map((r) => r.waveId)).toEqual(["wave-0"]);
  });

  it("refuses another officer's household (not-yours) but lets an admin interview any", async () => {
    const hb = store.seedHousehold(PEOPLE.b, "V1", "1号");
    expect(statuses((await service.sync(A, { interviews: [interview(hb.id)] }, "zh-CN")).results.interviews)).toEqual(["refused:not-yours"]);
    expect(statuses((await service.sync(staffOf(PEOPLE.admin), { interviews: [interview(hb.id)] }, "zh-CN")).results.interviews)).toEqual(["stored"]);
    expect(store.responses.map((r) => r.officerId)).toEqual(["adm"]);
  });

  it("refuses an interview of an unknown household", async () => {
    const { results } = await service.sync(A, { interviews: [interview("h-gone"), interview("", { clientId: "i-client-2", householdId: undefined, householdClientId: "h-never-sent" })] }, "zh-CN");
    expect(statuses(results.interviews)).toEqual(["refused:unknown-household", "refused:unknown-household"]);
  });
});

describe("re-checks", () => {
  /** B's interview of B's household in V1, drawn for a field re-check. */
  function drawnOfB(): string {
    const hb = store.seedHousehold(PEOPLE.b, "V1", "1号", { phone: "13812345678" });
    const response = store.seedResponse({ waveId: "wave-1", householdId: hb.id, mode: "interviewer", officerId: "off-b", clientId: "i-b", regionId: "r-v1", answers: { safety: { kind: "choice", option: "a" } }, completedAt: NOW });
    return store.seedRecheck(response);
  }
  const recheck = (spotCheckId: string, over: Record<string, unknown> = {}) => ({ clientId: "r-client-1", spotCheckId, outcome: "confirmed", ...over });

  it("records another officer's interview as consistent, verifier the officer's name; the same again is a duplicate", async () => {
    const id = drawnOfB();
    expect((await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks).toEqual([{ clientId: "r-client-1", status: "stored", id }]);
    expect(store.spotChecks[0]).toMatchObject({ outcome: "consistent", verifier: "王警官", notes: null, checkedAt: NOW });
    expect(statuses((await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["duplicate"]);
  });

  it("a different outcome by the same verifier is updated, with the differing questions in the notes; not_found is unreachable", async () => {
    const id = drawnOfB();
    await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN");
    const { results } = await service.sync(A, { rechecks: [recheck(id, { outcome: "differs", differs: ["safety"], notes: "户主说很安全" })] }, "zh-CN");
    expect(statuses(results.rechecks)).toEqual(["updated"]);
    expect(store.spotChecks[0]).toMatchObject({ outcome: "inconsistent", notes: "现在回答不同的题目：safety。\n户主说很安全" });
    await service.sync(A, { rechecks: [recheck(id, { outcome: "not_found" })] }, "zh-CN");
    expect(store.spotChecks[0]?.outcome).toBe("unreachable");
  });

  it("refuses the officer's own work, another area, an unknown spot check, and one another verifier recorded", async () => {
    const id = drawnOfB();
    expect(statuses((await service.sync(B, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect(statuses((await service.sync(staffOf(PEOPLE.c), { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect(statuses((await service.sync(A, { rechecks: [recheck("sc-404")] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-found"]);
    expect(store.spotChecks[0]?.outcome).toBeNull();
    await service.sync(staffOf(PEOPLE.admin), { rechecks: [recheck(id, { outcome: "differs", differs: ["safety"] })] }, "zh-CN");
    expect(statuses((await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect(store.spotChecks[0]).toMatchObject({ outcome: "inconsistent", verifier: "管理员" });
  });

  it("refuses a re-check of an interview the officer made, even of a household no longer theirs", async () => {
    const moved = store.seedHousehold(null, "V1", "5号");
    const id = store.seedRecheck(store.seedResponse({ waveId: "wave-1", householdId: moved.id, mode: "interviewer", officerId: "off-b", clientId: "i-b", regionId: "r-v1", answers: {}, completedAt: NOW }));
    expect(statuses((await service.sync(B, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect((await service.bootstrap(B, "zh-CN")).rechecks).toEqual([]);
    expect((await service.bootstrap(A, "zh-CN")).rechecks.map((r) => r.spotCheckId)).toEqual([id]);
    expect(statuses((await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["stored"]);
  });

  it("refuses a re-check of a household of the officer's own, even made by someone else", async () => {
    const ha = store.seedHousehold(PEOPLE.a, "V1", "2号");
    const response = store.seedResponse({ waveId: "wave-1", householdId: ha.id, mode: "self", officerId: null, clientId: null, regionId: "r-v1", answers: {}, completedAt: NOW });
    const id = store.seedRecheck(response);
    // The fake names the household's officer when the response has none: clear it, so only the household tells.
    const listed = store.rechecks.find((r) => r.spotCheckId === id);
    if (listed) listed.officerId = null;
    expect(statuses((await service.sync(A, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["refused:not-yours"]);
    expect(statuses((await service.sync(B, { rechecks: [recheck(id)] }, "zh-CN")).results.rechecks)).toEqual(["stored"]);
  });
});
