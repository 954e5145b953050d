/**
 * The staff's /broadcast dialogue in the pure engine (core/engine/compose.ts): who may use it, the
 * draft in the session, its buttons and typed keys, the requests it waits on and how the results
 * resume it, times in the office's time zone, pausing and forgetting a draft, and a draft that
 * cannot be read.
 */
import { describe, expect, it } from "vitest";
import { formatSendTime, parseSendTime } from "../../core/engine/compose-time.js";
import { decodePayload, encodePayload, MAX_PAYLOAD_BYTES } from "../../core/engine/payload.js";
import type { Payload } from "../../core/engine/payload.js";
import { parseSessionState } from "../../core/engine/state.js";
import { step } from "../../core/engine/step.js";
import { COMPOSE_TTL_MS, isRequestEvent } from "../../core/engine/types.js";
import type { BroadcastTip, EngineContext, EngineRequestEvent, SessionState, SystemResult } from "../../core/engine/types.js";
import { Session, defaultQuestionnaire, makeCtx } from "./helpers.js";

const NOW = "2026-05-01T02:30:00.000Z"; // 10:30 in China (UTC+8)

const TIPS: BroadcastTip[] = [
  { id: "fraud-1", title: { "zh-CN": "公检法不会让您转账", en: "Police never ask for transfers" }, text: { "zh-CN": "接到自称公检法的电话要转账，一定是诈骗。", en: "A caller claiming to be police who asks for money is a fraudster." } },
];

function ctx(overrides: Partial<EngineContext> = {}): EngineContext {
  return { ...makeCtx(defaultQuestionnaire(), { now: NOW }), staff: { role: "officer", tips: TIPS }, timeZone: "Asia/Shanghai", ...overrides };
}

/** A session of a staff member (officer unless told) in `lang`. */
function officer(lang: "zh-CN" | "zh-TW" | "en" = "en", overrides: Partial<EngineContext> = {}): Session {
  return new Session(ctx(overrides), lang);
}

/** The request the last step emitted (the dialogue waits for its answer). */
function lastRequest(session: Session): EngineRequestEvent | undefined {
  return session.events.filter(isRequestEvent).at(-1);
}

const resume = (session: Session, result: SystemResult) => session.input({ kind: "system", result });

/** An officer at the preview of an English notice to their households (3 reach it, 1 not). */
function atPreview(overrides: Partial<EngineContext> = {}): Session {
  const s = officer("en", overrides);
  s.send("/broadcast Lock your doors at night.");
  s.tap("Choose recipients");
  s.tap("my households");
  resume(s, { type: "AudienceCounted", reach: 3, notReached: 1 });
  return s;
}

describe("who may write a broadcast", () => {
  it("residents are refused, and nothing is kept", () => {
    const s = new Session(makeCtx(defaultQuestionnaire(), { now: NOW }), "en");
    for (const input of ["/broadcast", "/broadcast hello", "/broadcast cancel"]) {
      s.send(input);
      expect(s.text).toBe("Sorry, only officers and staff can use this command.");
      expect(s.state.compose).toBeUndefined();
    }
    s.press("bc:aud:h");
    expect(s.text).toMatch(/only officers and staff/);
    expect(s.events).toEqual([]);
  });

  it("a draft of someone who is no longer staff is forgotten", () => {
    const s = officer();
    s.send("/broadcast Hello");
    expect(s.state.mode).toBe("compose");
    s.ctx = { ...s.ctx, staff: undefined };
    s.send("/menu");
    expect(s.state.compose).toBeUndefined();
    expect(s.state.mode).toBe("menu");
  });

  it("only admins are offered (and may choose) everyone", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.tap("Choose recipients");
    expect(s.last.flatMap((m) => m.options ?? []).map((o) => o.payload)).not.toContain("bc:aud:e");
    s.press("bc:aud:e");
    expect(s.text).toBe("You cannot send notices to these residents.");
    expect(lastRequest(s)).toBeUndefined();
    const admin = officer("en", { staff: { role: "admin" } });
    admin.send("/broadcast Hello");
    admin.tap("Choose recipients");
    admin.tap("all residents");
    expect(lastRequest(admin)).toEqual({ type: "AudienceCountRequested", audience: { kind: "everyone" } });
  });
});

describe("buttons", () => {
  it("are the old bc: payloads, at most 40 bytes, and decode back", () => {
    const payloads: Exclude<Payload, { op: "invalid" }>[] = [
      { op: "compose", action: "cancel" },
      { op: "compose", action: "menu" },
      { op: "compose", action: "image" },
      { op: "compose", action: "tips" },
      { op: "compose", action: "audience" },
      { op: "compose", action: "send" },
      { op: "compose", action: "schedule" },
      { op: "composeLang", lang: "zh-TW" },
      { op: "composeTip", id: "a".repeat(28) },
      { op: "composeAudience", choice: "r" },
    ];
    for (const p of payloads) {
      const encoded = encodePayload(p);
      expect(Buffer.byteLength(encoded, "ascii")).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
      expect(decodePayload(encoded)).toEqual(p);
    }
    expect(encodePayload({ op: "compose", action: "cancel" })).toBe("bc:x");
    expect(encodePayload({ op: "composeAudience", choice: "h" })).toBe("bc:aud:h");
    for (const bad of ["bc:", "bc:nope", "bc:aud:z", "bc:lang:fr", "bc:tip:Bad_Id", "bc:x:y:z"]) expect(decodePayload(bad), bad).toEqual({ op: "invalid" });
  });

  it("work from an older message, and resume a paused draft", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.send("/menu");
    expect(s.state.mode).toBe("menu");
    s.press("bc:aud");
    expect(s.state.mode).toBe("compose");
    expect(s.text).toBe("Who should get it?");
  });

  it("without a draft say there is none", () => {
    const s = officer();
    s.press("bc:send");
    expect(s.text).toBe("No notice being written. Send /broadcast to start one.");
    expect(s.events).toEqual([]);
  });
});

describe("writing the notice", () => {
  it("/broadcast asks for the text in the writer's language, with the tip library and discard", () => {
    const s = officer("zh-CN");
    s.send("/broadcast");
    expect(s.text).toBe("请发送通知的简体中文内容（最多 3500 字）。");
    expect(s.last[0]?.options?.map((o) => `${o.key} ${o.payload}`)).toEqual(["1 bc:tip", "0 bc:x"]);
    expect(s.state.compose).toMatchObject({ step: "text", lang: "zh-CN", draft: { text: {} }, startedAt: NOW, returnMode: "new" });
  });

  it("keeps texts per language; a typed text replaces a chosen tip", () => {
    const s = officer();
    s.send("/broadcast");
    s.tap("Pick from the tip library");
    s.tap("Police never ask for transfers");
    expect(s.text).toContain("Tip chosen: Police never ask for transfers");
    expect(s.state.compose?.draft).toEqual({ text: TIPS[0]!.text, tipId: "fraud-1" });
    s.tap("Add a Traditional Chinese version");
    expect(s.text).toBe("Please send the notice in Traditional Chinese (at most 3500 characters).");
    s.send("接到自稱警察的電話要轉帳，一定是詐騙。");
    expect(s.text).toContain("Traditional Chinese text saved.");
    expect(s.state.compose?.draft.tipId).toBeUndefined();
    expect(Object.keys(s.state.compose?.draft.text ?? {}).sort()).toEqual(["en", "zh-CN", "zh-TW"]);
    // Every language written: only recipients, a picture and discard are left.
    expect(s.last.at(-1)?.options?.map((o) => o.payload)).toEqual(["bc:aud", "bc:img", "bc:x"]);
  });

  it("refuses a text that is too long (shorter with a picture), and keeps waiting for it", () => {
    const s = officer();
    s.send("/broadcast");
    s.send("x".repeat(3501));
    expect(s.text).toBe("That is too long (at most 3500 characters). Please shorten it and send it again.");
    expect(s.state.compose?.step).toBe("text");
    s.send("x".repeat(3500));
    s.tap("Add a picture");
    s.send("https://example.org/a.png");
    expect(s.text).toBe("A notice with a picture may have at most 900 characters; please shorten it first.");
    s.send("skip");
    expect(s.state.compose?.draft.image).toBeUndefined();
    expect(s.state.compose?.step).toBe("menu");
  });

  it("takes keywords as the notice while waiting for it; slash commands stay commands", () => {
    const s = officer("zh-CN");
    s.send("/broadcast");
    s.send("菜单");
    expect(s.state.compose?.draft.text["zh-CN"]).toBe("菜单");
    s.tap("添加英文版本");
    s.send("/help");
    expect(s.state.compose?.draft.text.en).toBeUndefined();
    expect(s.state.compose?.step).toBe("text");
  });

  it("reads typed keys and labels of the options shown; anything else is asked again", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.send("１");
    expect(s.text).toBe("Who should get it?");
    s.send("Back");
    expect(s.text).toBe("What next?");
    s.send("whatever");
    expect(s.last[0]).toEqual({ kind: "error", text: "Please tap one of the buttons or type its number." });
    expect(s.last[1]?.text).toBe("What next?");
  });
});

describe("the preview and sending", () => {
  it("waits for the count, then shows the notice as residents see it", () => {
    const s = officer();
    s.send("/broadcast Lock your doors at night.");
    s.tap("Choose recipients");
    s.tap("my households");
    expect(s.last).toEqual([]);
    expect(lastRequest(s)).toEqual({ type: "AudienceCountRequested", audience: { kind: "households" } });
    expect(s.state.compose?.step).toBe("counting");
    resume(s, { type: "AudienceCounted", reach: 3, notReached: 1 });
    expect(s.last.map((m) => m.text)).toEqual([
      "Preview: to my households; 3 will receive it (1 more opted out or cannot be reached). Residents will see:",
      "[Anxin · Safety notice]\n\nLock your doors at night.\n\n[I've read it ✓]",
      "Send it?",
    ]);
    expect(s.state.compose).toMatchObject({ step: "preview", audience: { kind: "households" }, reach: { count: 3, notReached: 1 } });
  });

  it("sends now: the request carries the draft, the audience and now; the result ends the dialogue", () => {
    const s = atPreview();
    s.tap("Send now");
    expect(lastRequest(s)).toEqual({ type: "BroadcastRequested", content: { text: { en: "Lock your doors at night." } }, audience: { kind: "households" }, scheduledAt: NOW });
    resume(s, { type: "BroadcastScheduled", broadcastId: "cb1", scheduledAt: NOW });
    expect(s.text).toBe("Sending now (id cb1). Progress: /broadcast list; cancel: /broadcast cancel cb1");
    expect(s.state.compose).toBeUndefined();
    expect(s.state.mode).toBe("new");
  });

  it("schedules at a typed time in the office's time zone; a past or unreadable one is asked again", () => {
    const s = atPreview();
    s.tap("Send later");
    expect(s.text).toMatch(/^When should it go out\?/);
    for (const bad of ["yesterday", "2026-04-30 09:00", "25:00"]) {
      s.send(bad);
      expect(s.text, bad).toMatch(/^I cannot read that time/);
      expect(s.state.compose?.step).toBe("schedule");
    }
    s.send("tomorrow 9:00");
    expect(lastRequest(s)).toMatchObject({ type: "BroadcastRequested", scheduledAt: "2026-05-02T01:00:00.000Z" });
    resume(s, { type: "BroadcastScheduled", broadcastId: "cb2", scheduledAt: "2026-05-02T01:00:00.000Z" });
    expect(s.text).toBe("It will go out at 2026-05-02 09:00 (id cb2). Cancel: /broadcast cancel cb2");
  });

  it("asks under the context's fresh id and, once told it may go out, confirms it for the turn's commit", () => {
    const s = atPreview();
    s.ctx = { ...s.ctx, newBroadcastId: "cfresh1" };
    s.tap("Send now");
    expect(lastRequest(s)).toEqual({ type: "BroadcastRequested", broadcastId: "cfresh1", content: { text: { en: "Lock your doors at night." } }, audience: { kind: "households" }, scheduledAt: NOW });
    // A result for another id is not this step's.
    resume(s, { type: "BroadcastScheduled", broadcastId: "cother", scheduledAt: NOW });
    expect(s.last).toEqual([]);
    expect(s.state.compose?.step).toBe("sending");
    resume(s, { type: "BroadcastScheduled", broadcastId: "cfresh1", scheduledAt: NOW });
    expect(s.text).toBe("Sending now (id cfresh1). Progress: /broadcast list; cancel: /broadcast cancel cfresh1");
    expect(s.events.at(-1)).toEqual({ type: "BroadcastConfirmed", broadcastId: "cfresh1", content: { text: { en: "Lock your doors at night." } }, audience: { kind: "households" }, scheduledAt: NOW });
    expect(s.state.compose).toBeUndefined();
  });

  it("a refusal confirms nothing", () => {
    const s = atPreview();
    s.tap("Send now");
    resume(s, { type: "BroadcastRefused", reason: "failed" });
    expect(s.events.some((e) => e.type === "BroadcastConfirmed")).toBe(false);
    expect(s.state.compose?.step).toBe("preview");
  });

  it("a refusal goes back to the preview; a late or foreign result is ignored", () => {
    const s = atPreview();
    const before = s.state;
    resume(s, { type: "BroadcastScheduled", broadcastId: "x", scheduledAt: NOW });
    expect(s.last).toEqual([]);
    expect(s.state).toEqual(before);
    s.press("bc:send");
    resume(s, { type: "BroadcastRefused", reason: "not-allowed" });
    expect(s.text).toBe("You cannot send notices to these residents.");
    expect(s.state.compose?.step).toBe("preview");
    s.press("bc:send");
    resume(s, { type: "BroadcastRefused", reason: "failed" });
    expect(s.text).toBe("Sorry, the notice could not be saved. Please try again.");
  });

  it("an unanswered send is never repeated on its own: the next message shows the preview again", () => {
    const s = atPreview();
    s.tap("Send now");
    const requests = s.events.filter(isRequestEvent).length;
    s.send("hello?");
    expect(s.events.filter(isRequestEvent).length).toBe(requests);
    expect(s.text).toContain("Send it?");
    expect(s.state.compose?.step).toBe("preview");
  });

  it("a region is checked by the runner: refused codes are asked again", () => {
    const s = officer("zh-CN");
    s.send("/broadcast 注意防火");
    s.tap("选择接收人");
    s.tap("某个地区的居民");
    expect(s.text).toBe("请发送地区代码（例如 330102001）。");
    s.send("no such code!");
    expect(s.text).toBe("没有代码为 no such code! 的地区，或者它不在您的辖区内。");
    expect(lastRequest(s)).toBeUndefined();
    s.send("330106001");
    expect(lastRequest(s)).toEqual({ type: "AudienceCountRequested", audience: { kind: "region", code: "330106001" } });
    resume(s, { type: "AudienceRefused", reason: "unknown-region" });
    expect(s.text).toBe("没有代码为 330106001 的地区，或者它不在您的辖区内。");
    expect(s.state.compose).toMatchObject({ step: "region" });
    expect(s.state.compose?.audience).toBeUndefined();
    s.send("330102001001");
    resume(s, { type: "AudienceCounted", reach: 0, notReached: 0 });
    expect(s.text).toContain("预览：将发给地区 330102001001 的居民，0 人会收到");
  });
});

describe("pausing, discarding and forgetting", () => {
  it("/menu pauses, /broadcast continues; /back and /skip stay in the dialogue", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.tap("Add a picture");
    s.send("/skip");
    expect(s.text).toBe("What next?");
    s.tap("Choose recipients");
    s.send("/back");
    expect(s.text).toBe("What next?");
    s.send("/menu");
    expect(s.last[0]?.text).toBe("The notice you are writing is kept; send /broadcast to go on with it.");
    expect(s.state).toMatchObject({ mode: "menu", compose: { step: "menu" } });
    s.send("/broadcast");
    expect(s.last.map((m) => m.text)).toEqual(["Continuing the notice you have not sent yet.", "What next?"]);
  });

  it("the language picker comes back to the dialogue", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.send("/lang");
    s.tap("简体中文");
    expect(s.state.mode).toBe("compose");
    expect(s.text).toContain("接下来做什么？");
  });

  it("discarding goes back to where the staff member was", () => {
    const s = officer();
    s.start();
    s.send("1"); // consent → survey question 1
    s.send("/broadcast Hello");
    expect(s.state.compose?.returnMode).toBe("survey");
    s.tap("Discard");
    expect(s.text).toBe("Notice discarded.");
    expect(s.state.mode).toBe("survey");
    expect(s.state.compose).toBeUndefined();
  });

  it("a draft older than six hours is forgotten", () => {
    const s = officer();
    s.send("/broadcast Hello");
    s.ctx = { ...s.ctx, now: new Date(Date.parse(NOW) + COMPOSE_TTL_MS + 1000).toISOString() };
    s.send("/broadcast");
    expect(s.text).toMatch(/^Please send the notice in English/);
    expect(s.state.compose?.draft.text).toEqual({});
  });

  it("an unreadable draft is dropped; the rest of the session stays", () => {
    const s = officer();
    s.start();
    s.send("1");
    s.send("/broadcast Hello");
    const broken = { ...s.state, compose: { ...s.state.compose, step: "bogus" } } as unknown as SessionState;
    const parsed = parseSessionState(broken);
    expect(parsed.compose).toBeUndefined();
    expect(parsed.mode).toBe("menu");
    expect(parsed.consent).toBe("given");
    expect(parsed.survey).toEqual(s.state.survey);
    const result = step(s.ctx, broken, { kind: "text", text: "/broadcast" });
    expect(result.internalError).toBeUndefined();
    expect(result.messages[0]?.text).toMatch(/^Please send the notice/);
  });
});

describe("send times", () => {
  // 1 May 2026, 10:30 at UTC+8.
  const now = "2026-05-01T02:30:00.000Z";
  const local = (d: number, h: number, m: number) => new Date(Date.UTC(2026, 4, d, h - 8, m)).toISOString();
  it.each([
    ["2026-05-02 09:00", local(2, 9, 0)],
    ["05-02 09:00", local(2, 9, 0)],
    ["11:00", local(1, 11, 0)],
    ["09:00", local(2, 9, 0)],
    ["明天 9:00", local(2, 9, 0)],
    ["tomorrow 9:00", local(2, 9, 0)],
    ["+30m", local(1, 11, 0)],
    ["2小时后", local(1, 12, 30)],
    ["明天 9：00", local(2, 9, 0)],
  ])("read %s", (text, expected) => {
    expect(parseSendTime(text, now, "Asia/Shanghai")).toBe(expected);
  });

  it.each(["2026-04-30 09:00", "今天 9:00", "25:00", "2026-02-30 09:00", "soon", "+0m"])("refuse %s", (text) => {
    expect(parseSendTime(text, now, "Asia/Shanghai")).toBeUndefined();
  });

  it("show the office's wall clock", () => {
    expect(formatSendTime("2026-05-01T01:05:00.000Z", "Asia/Shanghai")).toBe("2026-05-01 09:05");
    expect(formatSendTime("2026-12-31T23:59:00.000Z", "Asia/Shanghai")).toBe("2027-01-01 07:59");
    expect(formatSendTime("2026-05-01T01:05:00.000Z", "UTC")).toBe("2026-05-01 01:05");
    expect(formatSendTime("2026-05-01T01:05:00.000Z")).toBe("2026-05-01 09:05");
  });
});

describe("send times in a zone with daylight saving (Europe/Berlin)", () => {
  // Saturday 28 March 2026, 21:00 in Berlin (CET, UTC+1); clocks go to 03:00 CEST at 02:00 the next night.
  const NIGHT_BEFORE = "2026-03-28T20:00:00.000Z";

  it("schedules 'tomorrow 9:00' typed in the dialogue at 09:00 summer time, and shows it back as 09:00", () => {
    const s = atPreview({ timeZone: "Europe/Berlin", now: NIGHT_BEFORE });
    s.tap("Send later");
    s.send("tomorrow 9:00");
    expect(lastRequest(s)).toMatchObject({ type: "BroadcastRequested", scheduledAt: "2026-03-29T07:00:00.000Z" });
    resume(s, { type: "BroadcastScheduled", broadcastId: "cb9", scheduledAt: "2026-03-29T07:00:00.000Z" });
    expect(s.text).toBe("It will go out at 2026-03-29 09:00 (id cb9). Cancel: /broadcast cancel cb9");
  });

  it("the same words in Asia/Shanghai (and by default) are 09:00 at UTC+8", () => {
    for (const zone of ["Asia/Shanghai", undefined]) {
      // undefined: no zone in the context at all, so the engine's default applies.
      const s = atPreview({ now: NIGHT_BEFORE, timeZone: zone });
      s.tap("Send later");
      s.send("2026-03-30 09:00");
      expect(lastRequest(s)).toMatchObject({ type: "BroadcastRequested", scheduledAt: "2026-03-30T01:00:00.000Z" });
      resume(s, { type: "BroadcastScheduled", broadcastId: "cb8", scheduledAt: "2026-03-30T01:00:00.000Z" });
      expect(s.text).toBe("It will go out at 2026-03-30 09:00 (id cb8). Cancel: /broadcast cancel cb8");
    }
  });

  it.each([
    ["tomorrow 9:00", "2026-03-29T07:00:00.000Z"], // summer time (UTC+2) already
    ["22:00", "2026-03-28T21:00:00.000Z"], // still winter time (UTC+1) tonight
    ["2026-03-29 02:30", "2026-03-29T01:30:00.000Z"], // in the gap: moves forward, to 03:30 summer time
    ["+12h", "2026-03-29T08:00:00.000Z"], // relative times are real hours, whatever the clocks do
  ])("read %s", (text, expected) => {
    expect(parseSendTime(text, NIGHT_BEFORE, "Europe/Berlin")).toBe(expected);
  });

  it("an ambiguous time (clocks go back) is the earlier one, and reads back as typed", () => {
    // 25 October 2026: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    const at = parseSendTime("2026-10-25 02:30", "2026-10-24T12:00:00.000Z", "Europe/Berlin");
    expect(at).toBe("2026-10-25T00:30:00.000Z");
    expect(formatSendTime(at!, "Europe/Berlin")).toBe("2026-10-25 02:30");
  });

  it("an unknown zone in the context falls back to UTC instead of failing", () => {
    expect(parseSendTime("2026-05-02 09:00", NOW, "Mars/Olympus")).toBe("2026-05-02T09:00:00.000Z");
  });
});
