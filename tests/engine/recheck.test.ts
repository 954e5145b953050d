/**
 * The re-check dialogue in the pure engine: a resident who completed the survey is asked two of
 * their closed questions again (started on their behalf by the office's re-check service) and
 * answers them with buttons or typed words; garbage is re-prompted in their language, "decline"
 * and /stop end it, /menu pauses it (the menu offers to continue), the survey's answers are never
 * touched, and the outcome travels in one event.
 */
import { describe, expect, it } from "vitest";
import { decodePayload, encodePayload } from "../../core/engine/payload.js";
import { isDeclineWord, isRecheckable, recheckNotes, recheckTag, sameAnswer } from "../../core/engine/recheck.js";
import type { AnswerValue, EngineEvent, Input, RecheckRequest } from "../../core/engine/types.js";
import { Session, defaultQuestionnaire, makeCtx } from "./helpers.js";

const SPOT = "cspot0000000000000000001";

/** The default questionnaire's stored answers the re-check compares with. */
const ORIGINAL: Record<string, AnswerValue> = {
  safety_overall: { kind: "choice", option: "safe" },
  victim: { kind: "bool", value: false },
};

function request(overrides: Partial<RecheckRequest> = {}): RecheckRequest {
  const qn = defaultQuestionnaire();
  return {
    spotCheckId: SPOT,
    questionnaireId: qn.id,
    version: qn.version,
    questions: [
      { id: "safety_overall", original: ORIGINAL.safety_overall! },
      { id: "victim", original: ORIGINAL.victim! },
    ],
    expiresAt: "2026-03-08T08:00:00.000Z",
    ...overrides,
  };
}

const recheck = (action: "start" | "resend" | "withdraw", r: RecheckRequest = request()): Input => ({ kind: "recheck", action, request: r });

/** A resident who completed wave-1 and is at the menu. */
function completed(lang: "zh-CN" | "zh-TW" | "en" = "zh-CN", now?: string): Session {
  const s = new Session(makeCtx(defaultQuestionnaire(), now ? { now } : {}), lang);
  s.state = { ...s.state, consent: "given", mode: "menu", completedWaves: ["wave-1"], langChosen: true };
  return s;
}

const ofType = <T extends EngineEvent["type"]>(events: EngineEvent[], type: T) => events.filter((e): e is Extract<EngineEvent, { type: T }> => e.type === type);

describe("the re-check dialogue", () => {
  it("introduces itself politely and asks the first question with the survey's rendering, its own buttons and Decline", () => {
    const s = completed();
    const replies = s.input(recheck("start"));
    expect(replies[0]).toMatchObject({ kind: "info" });
    expect(replies[0]?.text).toContain("为了核查这次调查的质量");
    expect(replies[0]?.text).toContain("30 秒");
    expect(replies[0]?.text).toContain("不参加");
    const question = replies[1];
    expect(question?.kind).toBe("question");
    expect(question?.text).toMatch(/^（质量复核 1\/2）总的来说，您觉得您住的地方治安怎么样？/);
    expect(question?.options?.map((o) => o.key)).toEqual(["1", "2", "3", "4", "5", "6", "0"]);
    expect(question?.options?.at(-1)?.label).toBe("不参加");
    // Never the survey's payloads: a re-check answer cannot become a survey answer.
    for (const option of question?.options ?? []) expect(decodePayload(option.payload).op).toMatch(/^recheck/);
    expect(s.state.mode).toBe("recheck");
    expect(ofType(s.events, "RecheckStarted")).toEqual([{ type: "RecheckStarted", spotCheckId: SPOT, questions: request().questions, expiresAt: request().expiresAt }]);
  });

  it("same answers (tapped, then typed) → consistent; back to the menu; no survey event at all", () => {
    const s = completed();
    s.input(recheck("start"));
    s.tap("安全");
    expect(s.question?.text).toMatch(/^（质量复核 2\/2）/);
    expect(s.question?.options?.map((o) => o.label)).toEqual(["是", "否", "不参加"]);
    s.send("没有");
    const [done] = ofType(s.events, "RecheckCompleted");
    expect(done).toMatchObject({ spotCheckId: SPOT, consistent: true });
    expect(done?.items).toEqual([
      { questionId: "safety_overall", original: ORIGINAL.safety_overall, answer: { kind: "choice", option: "safe" }, same: true },
      { questionId: "victim", original: ORIGINAL.victim, answer: { kind: "bool", value: false }, same: true },
    ]);
    expect(s.text).toContain("谢谢您的配合！");
    expect(s.state.mode).toBe("menu");
    expect(s.state.recheck).toBeUndefined();
    expect(s.events.filter((e) => /Answer|Response|Question/.test(e.type))).toEqual([]);
  });

  it("a different answer → inconsistent, with both answers", () => {
    const s = completed("en");
    s.input(recheck("start"));
    s.send("1");
    s.tap("Yes");
    const [done] = ofType(s.events, "RecheckCompleted");
    expect(done?.consistent).toBe(false);
    expect(done?.items.map((i) => [i.original, i.answer, i.same])).toEqual([
      [ORIGINAL.safety_overall, { kind: "choice", option: "very_safe" }, false],
      [ORIGINAL.victim, { kind: "bool", value: true }, false],
    ]);
    expect(recheckNotes("en", defaultQuestionnaire(), done?.items ?? [])).toBe(
      'Chat re-check: inconsistent. safety_overall: survey "Safe", re-check "Very safe"; victim: survey "No", re-check "Yes"',
    );
  });

  it("garbage is re-prompted in the resident's language and nothing is recorded", () => {
    for (const [lang, error] of [
      ["zh-CN", "请点一个按钮，或者回复 1 到 6 的数字。"],
      ["zh-TW", "請點一個按鈕，或回覆 1 到 6 的數字。"],
      ["en", "Please tap one of the buttons or type a number from 1 to 6."],
    ] as const) {
      const s = completed(lang);
      s.input(recheck("start"));
      s.send("asdf 🤷");
      expect(s.last[0]).toEqual({ kind: "error", text: error });
      expect(s.question?.questionId).toBe("safety_overall");
      s.send("7");
      expect(s.last[0]?.kind).toBe("error");
      expect(s.events.map((e) => e.type)).toEqual(["RecheckStarted"]);
      expect(s.state.recheck?.answers).toEqual([]);
    }
  });

  it("declining by button, by 0 or by words ends it as declined", () => {
    for (const decline of [(s: Session) => s.tap("不参加"), (s: Session) => s.send("0"), (s: Session) => s.send("不参加"), (s: Session) => s.send("decline")]) {
      const s = completed();
      s.input(recheck("start"));
      decline(s);
      expect(ofType(s.events, "RecheckDeclined")).toEqual([{ type: "RecheckDeclined", spotCheckId: SPOT, reason: "declined" }]);
      expect(s.text).toContain("好的，不打扰您了。");
      expect(s.state.recheck).toBeUndefined();
      expect(s.state.mode).toBe("menu");
    }
    expect(isDeclineWord("no")).toBe(false);
    expect(isDeclineWord("否")).toBe(false);
  });

  it("/menu pauses it; the menu offers to continue (button or typed 7), and the answer so far is kept", () => {
    const s = completed();
    s.input(recheck("start"));
    s.tap("安全");
    s.send("/menu");
    expect(s.text).toContain("质量复核已暂停");
    expect(s.state.mode).toBe("menu");
    expect(s.last.at(-1)?.options?.at(-1)).toMatchObject({ key: "7", label: "继续质量复核" });
    s.send("8");
    expect(s.text).toContain("1 到 7");
    s.send("7");
    expect(s.text).toContain("我们继续刚才的质量复核。");
    expect(s.question?.text).toMatch(/^（质量复核 2\/2）/);
    s.tap("否");
    expect(ofType(s.events, "RecheckCompleted")[0]?.consistent).toBe(true);
    expect(s.state.mode).toBe("menu");
    expect(s.last.at(-1)?.options?.length).toBe(6);
  });

  it("a button of the paused re-check resumes it and counts; a button of an answered question is stale", () => {
    const s = completed();
    s.input(recheck("start"));
    const first = s.option("安全").payload;
    s.tap("安全");
    const no = s.option("否").payload;
    s.send("/menu");
    s.press(first);
    expect(s.last[0]?.text).toBe("这个按钮已经过时，请回答下面这个问题：");
    expect(s.question?.questionId).toBe("victim");
    s.send("菜单");
    s.press(no);
    expect(ofType(s.events, "RecheckCompleted")).toHaveLength(1);
    expect(s.state.mode).toBe("menu");
    // Pressed again after the end: it belongs to no open re-check.
    s.press(no);
    expect(s.last[0]?.text).toBe("这个按钮对应的质量复核已经结束了。");
    expect(ofType(s.events, "RecheckCompleted")).toHaveLength(1);
  });

  it("/stop opts out and cancels the re-check", () => {
    const s = completed();
    s.input(recheck("start"));
    s.send("/stop");
    expect(ofType(s.events, "OptedOut")).toHaveLength(1);
    expect(ofType(s.events, "RecheckDeclined")).toEqual([{ type: "RecheckDeclined", spotCheckId: SPOT, reason: "opted-out" }]);
    expect(s.state.recheck).toBeUndefined();
    expect(s.state.mode).toBe("menu");
  });

  it("/back, /skip, /help and /lang keep the re-check; /start shows its question again", () => {
    const s = completed();
    s.input(recheck("start"));
    s.send("/back");
    expect(s.text).toContain("这是第一个问题。");
    s.tap("安全");
    s.send("/back");
    expect(s.state.recheck?.answers).toEqual([]);
    expect(s.question?.questionId).toBe("safety_overall");
    s.send("/skip");
    expect(s.text).toContain("复核的问题不能跳过");
    s.send("/help");
    expect(s.question?.questionId).toBe("safety_overall");
    s.send("/lang en");
    expect(s.question?.text).toMatch(/^\(Quality check 1\/2\) /);
    s.start();
    expect(s.question?.questionId).toBe("safety_overall");
    s.send("2");
    s.send("2");
    expect(ofType(s.events, "RecheckCompleted")[0]?.consistent).toBe(true);
  });

  it("goes back to the survey question a resident was answering (of a new wave)", () => {
    const s = new Session(makeCtx(defaultQuestionnaire(), { wave: { id: "wave-2", questionnaireId: defaultQuestionnaire().id, version: defaultQuestionnaire().version, open: true } }));
    s.state = { ...s.state, consent: "given", mode: "menu", completedWaves: ["wave-1"], langChosen: true };
    s.send("1");
    s.send("1");
    expect(s.question?.questionId).toBe("safety_trend");
    s.input(recheck("start"));
    s.send("3");
    s.send("2");
    expect(s.text).toContain("谢谢您的配合！");
    expect(s.question?.questionId).toBe("safety_trend");
    expect(s.state.mode).toBe("survey");
  });

  it("refuses a start it cannot honour, saying nothing", () => {
    const optedOut = completed();
    optedOut.state = { ...optedOut.state, optedOut: true };
    expect(optedOut.input(recheck("start"))).toEqual([]);
    expect(optedOut.events).toEqual([{ type: "RecheckRefused", spotCheckId: SPOT, reason: "opted-out" }]);

    const fresh = new Session(makeCtx(defaultQuestionnaire()));
    expect(fresh.input(recheck("start"))).toEqual([]);
    expect(fresh.events).toEqual([{ type: "RecheckRefused", spotCheckId: SPOT, reason: "no-consent" }]);

    const free = completed();
    expect(free.input(recheck("start", request({ questions: [{ id: "suggestion", original: { kind: "text", value: "more lights" } }] })))).toEqual([]);
    expect(free.events).toEqual([{ type: "RecheckRefused", spotCheckId: SPOT, reason: "invalid" }]);

    const late = completed("zh-CN", "2026-03-09T00:00:00.000Z");
    expect(late.input(recheck("start"))).toEqual([]);
    expect(late.events).toEqual([{ type: "RecheckRefused", spotCheckId: SPOT, reason: "expired" }]);

    const busy = completed();
    busy.input(recheck("start"));
    expect(busy.input(recheck("start", request({ spotCheckId: "cother" })))).toEqual([]);
    expect(ofType(busy.events, "RecheckRefused")).toEqual([{ type: "RecheckRefused", spotCheckId: "cother", reason: "busy" }]);

    for (const bad of [null, 7, { spotCheckId: "x y" }, { spotCheckId: SPOT, questions: "no" }]) {
      const s = completed();
      expect(() => s.input({ kind: "recheck", action: "start", request: bad } as unknown as Input)).not.toThrow();
      expect(s.last.every((m) => m.kind !== "question")).toBe(true);
    }
  });

  it("withdraw puts the resident back (paused); resend asks again from the introduction", () => {
    const s = completed();
    s.input(recheck("start"));
    expect(s.input(recheck("withdraw"))).toEqual([]);
    expect(s.state.mode).toBe("menu");
    expect(s.state.recheck?.spotCheckId).toBe(SPOT);
    const again = s.input(recheck("resend"));
    expect(again[0]?.text).toContain("为了核查这次调查的质量");
    expect(s.state.mode).toBe("recheck");
    expect(ofType(s.events, "RecheckStarted")).toHaveLength(1);
    // Resending a finished re-check sends nothing.
    s.tap("安全");
    s.tap("否");
    expect(s.input(recheck("resend"))).toEqual([]);
    expect(s.state.mode).toBe("menu");
  });

  it("after its time, replies are no longer taken", () => {
    const s = completed();
    s.input(recheck("start"));
    s.ctx = { ...s.ctx, now: "2026-03-08T08:00:01.000Z" };
    s.send("2");
    expect(s.text).toContain("这次质量复核已经结束");
    expect(s.state.recheck).toBeUndefined();
    expect(s.state.mode).toBe("menu");
    expect(s.events.map((e) => e.type)).toEqual(["RecheckStarted"]);
  });
});

describe("re-check helpers", () => {
  it("re-asks only closed questions", () => {
    const byId = new Map(defaultQuestionnaire().questions.map((q) => [q.id, q]));
    expect(["safety_overall", "safety_trend", "victim"].every((id) => isRecheckable(byId.get(id)!))).toBe(true);
    expect(["hot_issues", "region", "suggestion"].some((id) => isRecheckable(byId.get(id)!))).toBe(false);
  });

  it("compares choices by option only", () => {
    expect(sameAnswer({ kind: "choice", option: "other", other: "a" }, { kind: "choice", option: "other" })).toBe(true);
    expect(sameAnswer({ kind: "choice", option: "a" }, { kind: "bool", value: true })).toBe(false);
  });

  it("encodes its payloads compactly", () => {
    const tag = recheckTag(SPOT);
    expect(tag).toMatch(/^[0-9a-f]{4}$/);
    expect(encodePayload({ op: "recheckAnswer", tag, index: 1, option: 4 })).toBe(`v:${tag}:1:4`);
    expect(decodePayload(`v:${tag}:x`)).toEqual({ op: "recheckDecline", tag });
    expect(decodePayload("v:zz:1:1").op).toBe("invalid");
  });
});
