/**
 * What the runner offers adapters besides turns, so that no adapter reads the store: session
 * info, `onlyIfActive` decided inside the resident's queue, claims of hint-only messages, account
 * events, the web chat's session opening from a leaflet (one household, attributed once), the
 * web inbox, the staff leaflet rules — and the memory that answers a redelivery without a query.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConversationRunner, type InboundMessage } from "../../core/survey/runner.js";
import { createOutreach } from "../../core/outreach/index.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import { signHouseholdCode } from "../../core/outreach/codes.js";
import { EMPTY_TIP_LIBRARY } from "../../core/outreach/tip-library.js";
import type { Input } from "../../core/engine/types.js";
import type { ResidentRecord, Store } from "../../core/model/index.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";

const SECRET = "channel-services-secret-0123456789abcdef";

let fx: SurveyFixture;
/** Every store call the runner under test made, by method name. */
const calls: string[] = [];
let counted: Store;
let runner: ConversationRunner;

beforeAll(async () => {
  fx = await surveyFixture();
  counted = new Proxy(fx.store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  runner = new ConversationRunner({ store: counted });
});
afterAll(async () => {
  await fx?.close();
});

let counter = 0;
function message(user: string, input: Input, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { platform: "test", platformUserId: user, chatId: user, messageId: `cs${++counter}`, langCode: "en", input, ...extra };
}
const text = (user: string, body: string, extra: Partial<InboundMessage> = {}) => message(user, { kind: "text", text: body }, extra);
const button = (user: string, payload: string) => message(user, { kind: "button", payload });

async function revisionOf(user: string): Promise<number | undefined> {
  const identity = await fx.store.findIdentity("test", user);
  return identity ? (await fx.store.loadConversation(identity.residentId))?.revision : undefined;
}

describe("session info", () => {
  it("is null for an account the runner never saw, and creates nothing", async () => {
    expect(await runner.session("test", "nobody")).toBeNull();
    expect(await fx.store.findIdentity("test", "nobody")).toBeNull();
  });

  it("says whose the account is and where their conversation stands", async () => {
    const first = await runner.handle(message("info", { kind: "start" }));
    const consent = await runner.session("test", "info");
    expect(consent).toEqual({ residentId: first.residentId, residentLang: "en", started: true, mode: "consent", lang: "en", optedOut: false, active: true });
    await runner.handle(button("info", "c:n"));
    expect(await runner.session("test", "info")).toMatchObject({ mode: "menu", active: false });
  });
});

describe("handle(…, { onlyIfActive })", () => {
  it("passes a message of an account it never saw, creating no resident", async () => {
    const reply = await runner.handle(text("stranger", "hello host"), { onlyIfActive: true });
    expect(reply).toMatchObject({ passed: true, duplicate: false, messages: [], events: [] });
    expect(await fx.store.findIdentity("test", "stranger")).toBeNull();
  });

  it("decides inside the resident's queue: a message sent right after one that ends the conversation is passed", async () => {
    await runner.handle(message("atomic", { kind: "start" }));
    expect((await runner.session("test", "atomic"))?.active).toBe(true);
    const before = await revisionOf("atomic");
    // Both are handed over at once; the check of the second must see the first's commit.
    const [decline, host] = await Promise.all([runner.handle(button("atomic", "c:n")), runner.handle(text("atomic", "hello host"), { onlyIfActive: true })]);
    expect(decline.passed).toBeUndefined();
    expect(decline.events.map((e) => e.type)).toContain("ConsentDeclined");
    expect(host).toMatchObject({ passed: true, messages: [] });
    expect(await revisionOf("atomic")).toBe((before ?? 0) + 1);
  });

  it("takes the message while the resident is in an Anxin conversation", async () => {
    await runner.handle(message("active", { kind: "start" }));
    const reply = await runner.handle(text("active", "/back"), { onlyIfActive: true });
    expect(reply.passed).toBeUndefined();
    expect(reply.messages.length).toBeGreaterThan(0);
  });
});

describe("claims of messages answered without a turn", () => {
  it("take the message's place, remember its id, and pass when the resident is not talking to Anxin", async () => {
    const unknown = await runner.claim({ platform: "test", platformUserId: "claimer", messageId: "claim-1" });
    expect(unknown).toEqual({ outcome: "claimed", session: null });
    expect(await runner.claim({ platform: "test", platformUserId: "claimer", messageId: "claim-1" })).toEqual({ outcome: "duplicate" });
    expect(await runner.claim({ platform: "test", platformUserId: "claimer", messageId: "claim-2" }, { onlyIfActive: true })).toEqual({ outcome: "passed" });
    await runner.handle(message("claimer", { kind: "start" }));
    // A passed message was not remembered: once the resident talks to Anxin it is claimed.
    const claimed = await runner.claim({ platform: "test", platformUserId: "claimer", messageId: "claim-2" }, { onlyIfActive: true });
    expect(claimed).toMatchObject({ outcome: "claimed", session: { mode: "consent", lang: "en", active: true } });
  });
});

describe("account events", () => {
  it("record reachability of known accounts only, once per event id", async () => {
    expect(await runner.accountReachable("test", "ghost", false, "blocked the bot")).toBe("unknown");
    expect(await fx.store.findIdentity("test", "ghost")).toBeNull();

    await runner.handle(message("reach", { kind: "start" }));
    expect(await runner.accountReachable("test", "reach", false, "blocked the bot", { messageId: "member-1" })).toBe("changed");
    expect((await fx.store.findIdentity("test", "reach"))?.reachable).toBe(false);
    expect(await runner.accountReachable("test", "reach", false, "blocked the bot")).toBe("unchanged");
    expect(await runner.accountReachable("test", "reach", true, "blocked the bot", { messageId: "member-2" })).toBe("changed");
    // A redelivered "blocked" event changes nothing: the later "back" stands.
    expect(await runner.accountReachable("test", "reach", false, "blocked the bot", { messageId: "member-1" })).toBe("duplicate");
    expect(await runner.accountStatus("test", "reach")).toEqual({ reachable: true, lastInboundAt: null });
  });

  it("note inbound messages (WeChat's reply window) and make the account reachable again", async () => {
    expect(await runner.inboundSeen("test", "ghost", new Date())).toBe(false);
    expect(await runner.accountStatus("test", "ghost")).toBeNull();
    await runner.handle(message("inbound", { kind: "start" }));
    await runner.accountReachable("test", "inbound", false, "unfollowed");
    const at = new Date("2026-03-01T08:00:00Z");
    expect(await runner.inboundSeen("test", "inbound", at)).toBe(true);
    expect(await runner.accountStatus("test", "inbound")).toEqual({ reachable: true, lastInboundAt: at });
  });
});

describe("de-duplication", () => {
  it("answers a redelivered message from memory, without a database query", async () => {
    const first = await runner.handle(text("dedupe", "/start", { messageId: "dedupe-1" }));
    expect(first.duplicate).toBe(false);
    calls.length = 0;
    const again = await runner.handle(text("dedupe", "/start", { messageId: "dedupe-1" }));
    expect(again).toMatchObject({ duplicate: true, residentId: first.residentId, messages: [] });
    expect(calls).toEqual([]);
  });

  it("still refuses a redelivery the runner does not remember: the store's key is the guarantee", async () => {
    await runner.handle(message("dedupe-store", { kind: "start" }));
    const accept = button("dedupe-store", "c:y");
    expect((await runner.handle(accept)).duplicate).toBe(false);
    // Another process (or this one after a restart) has no memory of it.
    const fresh = new ConversationRunner({ store: fx.store });
    expect(await fresh.handle(accept)).toMatchObject({ duplicate: true, messages: [] });
  });
});

describe("households", () => {
  let officer: ResidentRecord;
  let outreachRunner: ConversationRunner;

  beforeAll(async () => {
    await fx.store.resolveIdentity({ platform: "test", platformUserId: "officer-wang", chatId: "officer-wang" });
    officer = await fx.store.setRole("test", "officer-wang", "officer");
    // With the outreach interceptor too, as `anxin start` wires it: attribution must not double.
    const outreach = createOutreach({ store: counted, secret: SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }), tips: EMPTY_TIP_LIBRARY });
    outreachRunner = new ConversationRunner({ store: counted, interceptors: outreach.interceptors, staffCommands: outreach.staffCommands });
  });

  it("a leaflet makes the visitor the officer's household once, and their response the officer's", async () => {
    const leaflet = { officerId: officer.id, regionCode: "330102001" };
    const open = { platform: "web", platformUserId: "sess-leaflet", chatId: "sess-leaflet", lang: "zh-TW" as const, leaflet };
    calls.length = 0;
    const opened = await outreachRunner.openSession(open);
    expect(opened).toMatchObject({ ok: true, session: { started: false, residentLang: "zh-TW", active: false } });
    expect(calls.filter((c) => c === "assignHousehold")).toHaveLength(1);
    // The page opened again: the same household, not a second one.
    expect((await outreachRunner.openSession(open)).ok).toBe(true);
    const region = await fx.store.getRegionByCode("330102001");
    const households = await fx.store.listHouseholds(officer.id);
    expect(households.map((h) => [h.householdId, h.regionId])).toEqual([[opened.ok ? opened.session?.residentId : "", region?.id]]);

    const web = (input: Input): InboundMessage => ({ platform: "web", platformUserId: "sess-leaflet", chatId: "sess-leaflet", messageId: `web-${++counter}`, input });
    await outreachRunner.handle(web({ kind: "start", arg: "survey" }));
    calls.length = 0;
    const started = await outreachRunner.handle(web({ kind: "button", payload: "c:y" }));
    expect(started.events.map((e) => e.type)).toContain("ResponseStarted");
    expect(calls.filter((c) => c === "attributeResponses")).toHaveLength(1);
    const response = await fx.store.getResponse(started.residentId, fx.wave.id);
    expect(response).toMatchObject({ officerId: officer.id, regionId: region?.id });
  });

  it("a household link in a deep link takes the same path (the officer's own region)", async () => {
    const deep = (input: Input): InboundMessage => ({ platform: "test", platformUserId: "linked", chatId: "linked", messageId: `deep-${++counter}`, langCode: "en", input });
    calls.length = 0;
    await outreachRunner.handle(deep({ kind: "start", arg: signHouseholdCode(SECRET, officer.id) }));
    expect(calls.filter((c) => c === "assignHousehold")).toHaveLength(1);
    calls.length = 0;
    const started = await outreachRunner.handle(deep({ kind: "button", payload: "c:y" }));
    expect(calls.filter((c) => c === "attributeResponses")).toHaveLength(1);
    expect((await fx.store.getResponse(started.residentId, fx.wave.id))?.officerId).toBe(officer.id);
  });

  it("a stale leaflet changes nothing, and an officer's own leaflet makes no household", async () => {
    const stale = await runner.openSession({ platform: "web", platformUserId: "sess-stale", chatId: "sess-stale", lang: "en", leaflet: { officerId: "gone-officer", regionCode: "330102001" } });
    expect(stale).toEqual({ ok: false, reason: "stale-leaflet" });
    const badRegion = await runner.openSession({ platform: "web", platformUserId: "sess-stale", chatId: "sess-stale", lang: "en", leaflet: { officerId: officer.id, regionCode: "999" } });
    expect(badRegion).toEqual({ ok: false, reason: "stale-leaflet" });
    expect(await fx.store.findIdentity("web", "sess-stale")).toBeNull();

    const before = (await fx.store.listHouseholds(officer.id)).length;
    const identity = await fx.store.findIdentity("test", "officer-wang");
    const own = await runner.openSession({ platform: "test", platformUserId: "officer-wang", chatId: "officer-wang", lang: "en", leaflet: { officerId: officer.id, regionCode: "330102001" } });
    expect(own).toMatchObject({ ok: true, session: { residentId: identity?.residentId } });
    expect(await fx.store.listHouseholds(officer.id)).toHaveLength(before);
  });

  it("a plain visit opens nothing and creates nothing", async () => {
    expect(await runner.openSession({ platform: "web", platformUserId: "sess-plain", chatId: "sess-plain", lang: "en" })).toEqual({ ok: true, session: null });
    expect(await fx.store.findIdentity("web", "sess-plain")).toBeNull();
  });
});

describe("web inbox and staff leaflets", () => {
  it("keeps pushes for a closed page, tied to the session's resident", async () => {
    await runner.openSession({ platform: "web", platformUserId: "sess-inbox", chatId: "sess-inbox", lang: "en" });
    await runner.webInbox.put("sess-inbox", "zh-CN", [{ kind: "info", text: "您报的案子有进展了" }], new Date());
    expect(await runner.webInbox.take("sess-inbox", 10)).toEqual([{ lang: "zh-CN", messages: [{ kind: "info", text: "您报的案子有进展了" }] }]);
    expect(await runner.webInbox.take("sess-inbox", 10)).toEqual([]);
  });

  it("decide whose leaflet a staff member may print", async () => {
    const resident = await runner.handle(message("plain-resident", { kind: "start" }));
    expect(await runner.staffLeaflet({ staffId: resident.residentId })).toEqual({ ok: false, refusal: "staff-only" });
    await fx.store.resolveIdentity({ platform: "test", platformUserId: "officer-zhao", chatId: "officer-zhao" });
    const zhao = await fx.store.setRole("test", "officer-zhao", "officer");
    expect(await runner.staffLeaflet({ staffId: zhao.id })).toEqual({ ok: false, refusal: "no-region" });
    const target = await runner.staffLeaflet({ staffId: zhao.id, regionCode: "330102002" });
    expect(target).toMatchObject({ ok: true, staff: { id: zhao.id }, officer: { id: zhao.id }, region: { code: "330102002" } });
    const other = await fx.store.findIdentity("test", "officer-wang");
    expect(await runner.staffLeaflet({ staffId: zhao.id, officerId: other?.residentId ?? "" })).toEqual({ ok: false, refusal: "other-officer" });
  });
});
