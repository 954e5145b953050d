/**
 * Reading the phone's sync body (core/field/sync-input.ts): every malformed item is one `bad-input`
 * with what is wrong, a body that is not a sync body throws FieldSyncError, nothing else throws.
 */
import { describe, expect, it } from "vitest";
import { FieldSyncError, MAX_SYNC_ITEMS, readHousehold, readInterview, readRecheck, readTime, readVisit, syncLists } from "../../core/field/sync-input.js";
import { NOW } from "./fake-store.js";

const visit = (over: Record<string, unknown> = {}) => ({
  clientId: "v-00000001",
  householdId: "h-1",
  visitedAt: "2026-12-07T07:00:00.000Z",
  handedOver: { leaflet: true, tips: ["telecom-fraud"] },
  survey: "qr_left",
  notes: "门口贴了二维码",
  ...over,
});

const interview = (over: Record<string, unknown> = {}) => ({
  clientId: "i-00000001",
  householdId: "h-1",
  waveId: "wave-1",
  questionnaireId: "mini",
  version: 1,
  lang: "zh-CN",
  inputs: [{ kind: "button", payload: "a:1:x:0:0" }],
  startedAt: "2026-12-07T07:00:00.000Z",
  completedAt: "2026-12-07T15:05:00+08:00",
  ...over,
});

/** The `bad.*` key an item is refused with, or "ok". */
const why = (parsed: { ok: true } | { ok: false; bad: { key: string } }): string => (parsed.ok ? "ok" : parsed.bad.key);

describe("the body", () => {
  it("takes missing lists as empty and refuses what is not a sync body", () => {
    expect(syncLists({})).toEqual({ households: [], visits: [], interviews: [], rechecks: [] });
    expect(syncLists({ visits: [1, 2], extra: "ignored" }).visits).toEqual([1, 2]);
    for (const body of [null, undefined, "x", 3, [], [{ visits: [] }]]) expect(() => syncLists(body), JSON.stringify(body)).toThrow(FieldSyncError);
    expect(() => syncLists({ visits: {} })).toThrow(/“visits” must be a list/);
    expect(() => syncLists({ households: "[]" })).toThrow(FieldSyncError);
  });

  it(`refuses more than ${MAX_SYNC_ITEMS} items of a kind, with the message in the page's language`, () => {
    expect(syncLists({ rechecks: new Array(MAX_SYNC_ITEMS).fill({}) }).rechecks).toHaveLength(MAX_SYNC_ITEMS);
    let error: unknown;
    try {
      syncLists({ interviews: new Array(10_000).fill({}) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FieldSyncError);
    expect((error as FieldSyncError).messageIn("zh-CN")).toBe("“interviews”超过 200 条，请分几次发送。");
    expect((error as FieldSyncError).messageIn("en")).toContain("more than 200 items");
  });
});

describe("times", () => {
  it("takes ISO 8601 with a zone", () => {
    expect(readTime("2026-12-07T08:00:00.000Z", "t", NOW).toISOString()).toBe("2026-12-07T08:00:00.000Z");
    expect(readTime("2026-12-07T16:00+08:00", "t", NOW).toISOString()).toBe("2026-12-07T08:00:00.000Z");
  });

  it.each([
    ["2026-13-45T00:00:00Z", "bad.date"],
    ["2026-02-30T08:00:00Z", "bad.date"],
    ["2026-12-07T24:00:00Z", "bad.date"],
    ["2026-12-07T08:00:00", "bad.date"],
    ["2026-12-07", "bad.date"],
    ["yesterday", "bad.date"],
    [1733558400000, "bad.date"],
    ["2026-12-07T08:00:00+15:00", "bad.date"],
    [`2026-12-07T08:00:00.${"0".repeat(100)}Z`, "bad.date"],
    ["2026-12-08T08:00:01Z", "bad.future"],
    ["2025-12-01T08:00:00Z", "bad.past"],
  ])("refuses %j (%s)", (value, key) => {
    expect(why(readVisit(visit({ visitedAt: value }), NOW))).toBe(key);
  });

  it("accepts a phone a little ahead (within a day)", () => {
    expect(why(readVisit(visit({ visitedAt: "2026-12-08T07:59:00Z" }), NOW))).toBe("ok");
  });
});

describe("households", () => {
  const household = (over: Record<string, unknown> = {}) => ({ clientId: "h-00000001", regionCode: "V1", address: " 12号 ", headName: "张三", phone: "138 1234 5678", ...over });

  it("reads a household, trimmed, with the phone in canonical form", () => {
    expect(readHousehold(household())).toEqual({ ok: true, item: { clientId: "h-00000001", regionCode: "V1", address: "12号", headName: "张三", phone: "13812345678" } });
    expect(readHousehold(household({ headName: null, phone: "" }))).toMatchObject({ ok: true, item: { headName: null, phone: null } });
  });

  it.each([
    ["a list", [], "bad.not_object"],
    ["a short client id", { clientId: "h-1" }, "bad.client_id"],
    ["a client id with a slash", { clientId: "h-0000/001" }, "bad.client_id"],
    ["no region", { regionCode: undefined }, "bad.missing"],
    ["a region that is a number", { regionCode: 330106 }, "bad.missing"],
    ["an empty address", { address: "   " }, "bad.empty"],
    ["an address of 201 characters", { address: "号".repeat(201) }, "bad.too_long"],
    ["a megabyte of spaces", { address: " ".repeat(1_000_000) }, "bad.too_long"],
    ["an address with a lone surrogate", { address: "12\uD800号" }, "bad.text"],
    ["an address with a line break", { address: "12\n号" }, "bad.text"],
    ["a head name that is an object", { headName: { name: "x" } }, "bad.missing"],
    ["a phone that is none", { phone: "12345" }, "bad.phone"],
  ])("refuses %s", (_name, over, key) => {
    const raw = Array.isArray(over) ? over : household(over as Record<string, unknown>);
    expect(why(readHousehold(raw))).toBe(key);
  });

  it("answers with the client id when it is readable, else null", () => {
    expect(readHousehold(household({ address: "" }))).toMatchObject({ ok: false, clientId: "h-00000001" });
    expect(readHousehold(household({ clientId: 42 }))).toMatchObject({ ok: false, clientId: null });
    expect(readHousehold("h-00000001")).toMatchObject({ ok: false, clientId: null });
  });
});

describe("visits", () => {
  it("reads a visit; a household added offline is named by its client id; a tip named twice counts once", () => {
    const parsed = readVisit(visit({ householdId: undefined, householdClientId: "h-00000001", handedOver: { leaflet: false, tips: ["burglary", "burglary"] } }), NOW);
    expect(parsed).toMatchObject({ ok: true, item: { household: { clientId: "h-00000001" }, handedOver: { leaflet: false, tips: ["burglary"] }, notes: "门口贴了二维码" } });
  });

  it("keeps line breaks in notes but not lone surrogates or NUL", () => {
    expect(why(readVisit(visit({ notes: "第一行\n第二行" }), NOW))).toBe("ok");
    expect(why(readVisit(visit({ notes: "\uDC00" }), NOW))).toBe("bad.text");
    expect(why(readVisit(visit({ notes: "a\u0000b" }), NOW))).toBe("bad.text");
    expect(why(readVisit(visit({ notes: "x".repeat(1001) }), NOW))).toBe("bad.too_long");
  });

  it.each([
    ["both household fields", { householdClientId: "h-00000001" }, "bad.household_both"],
    ["no household", { householdId: undefined }, "bad.missing"],
    ["a household id of 101 characters", { householdId: "h".repeat(101) }, "bad.missing"],
    ["a bad household client id", { householdId: undefined, householdClientId: "short" }, "bad.client_id"],
    ["no handedOver", { handedOver: undefined }, "bad.missing"],
    ["a leaflet that is a string", { handedOver: { leaflet: "yes", tips: [] } }, "bad.missing"],
    ["tips that are not a list", { handedOver: { leaflet: true, tips: "burglary" } }, "bad.tips"],
    ["a tip id with capitals", { handedOver: { leaflet: true, tips: ["Burglary"] } }, "bad.tips"],
    ["21 tips", { handedOver: { leaflet: true, tips: Array.from({ length: 21 }, (_, i) => `t${i}`) } }, "bad.tips"],
    ["an unknown survey outcome", { survey: "maybe" }, "bad.choice"],
    ["notes that are a number", { notes: 5 }, "bad.missing"],
  ])("refuses %s", (_name, over, key) => {
    expect(why(readVisit(visit(over), NOW))).toBe(key);
  });
});

describe("interviews", () => {
  it("reads an interview", () => {
    expect(readInterview(interview({ visitClientId: "v-00000001" }), NOW)).toMatchObject({ ok: true, item: { version: 1, lang: "zh-CN", visitClientId: "v-00000001", household: { id: "h-1" } } });
  });

  it.each([
    ["a version that is a string", { version: "1" }, "bad.missing"],
    ["version 0", { version: 0 }, "bad.missing"],
    ["a language not offered", { lang: "fr" }, "bad.choice"],
    ["inputs that are not a list", { inputs: "1,1,1" }, "bad.inputs"],
    ["an input of another kind", { inputs: [{ kind: "start" }] }, "bad.inputs"],
    ["a button payload of 201 characters", { inputs: [{ kind: "button", payload: "x".repeat(201) }] }, "bad.inputs"],
    ["2001 inputs", { inputs: new Array(2001).fill({ kind: "text", text: "1" }) }, "bad.inputs"],
    ["completion before the start", { completedAt: "2026-12-07T06:00:00Z" }, "bad.order"],
    ["a completion two days ahead", { completedAt: "2026-12-09T08:00:00Z" }, "bad.future"],
    ["no wave", { waveId: null }, "bad.missing"],
    ["a questionnaire key with spaces", { questionnaireId: "mini survey" }, "bad.missing"],
    ["a bad visit client id", { visitClientId: "v" }, "bad.client_id"],
  ])("refuses %s", (_name, over, key) => {
    expect(why(readInterview(interview(over), NOW))).toBe(key);
  });
});

describe("re-checks", () => {
  const recheck = (over: Record<string, unknown> = {}) => ({ clientId: "r-00000001", spotCheckId: "sc-1", outcome: "differs", differs: ["safety"], notes: "说法有出入", ...over });

  it("reads a re-check", () => {
    expect(readRecheck(recheck())).toEqual({ ok: true, item: { clientId: "r-00000001", spotCheckId: "sc-1", outcome: "differs", differs: ["safety"], notes: "说法有出入" } });
    expect(readRecheck(recheck({ outcome: "confirmed", differs: [], notes: null }))).toMatchObject({ ok: true });
  });

  it.each([
    ["an unknown outcome", { outcome: "consistent" }, "bad.choice"],
    ["differs with a confirmation", { outcome: "confirmed" }, "bad.differs"],
    ["differs that is not a list", { differs: "safety" }, "bad.differs"],
    ["no spot check", { spotCheckId: "" }, "bad.missing"],
    ["notes with a lone surrogate", { notes: "\uD83D" }, "bad.text"],
  ])("refuses %s", (_name, over, key) => {
    expect(why(readRecheck(recheck(over)))).toBe(key);
  });
});
