/**
 * The phone question (telephone spot checks): what is accepted and how it is normalised, localized
 * re-prompts, Skip, "none", /back, the privacy menu, deletion, and that the number is never an
 * answer and never stays in the session once the survey is done.
 */
import { describe, expect, it } from "vitest";
import { L, Session, defaultQuestionnaire, makeCtx, miniQuestionnaire } from "./helpers.js";
import { maskPhone, normalizePhone } from "../../core/engine/phone.js";
import { step } from "../../core/engine/step.js";
import { parseSessionState } from "../../core/engine/state.js";
import type { EngineEvent, Lang, QuestionDefinition, SessionState } from "../../core/engine/types.js";

const PHONE: QuestionDefinition = { id: "tel", type: "phone", label: L("留个电话？", "Leave a phone number?") };

/** first (yes/no) → tel → last (yes/no), so that /back and moving on can both be seen. */
function qn(version = 1) {
  return miniQuestionnaire(
    [{ id: "first", type: "yesno", label: L("第一题", "First") }, PHONE, { id: "last", type: "yesno", label: L("最后一题", "Last") }],
    version,
  );
}

/** A session at the phone question. */
function atPhone(lang: Lang = "zh-CN", state?: SessionState): Session {
  const s = new Session(makeCtx(qn()), lang);
  if (state) s.state = state;
  s.begin();
  s.send("1");
  expect(s.question?.questionId).toBe("tel");
  return s;
}

const phoneEvents = (events: readonly EngineEvent[]) => events.filter((e) => e.type === "PhoneShared" || e.type === "PhoneWithdrawn");

describe("normalizePhone", () => {
  it.each([
    ["13812345678", "13812345678"],
    ["138 1234 5678", "13812345678"],
    ["138-1234-5678", "13812345678"],
    ["１３８１２３４５６７８", "13812345678"],
    ["１３８－１２３４－５６７８", "13812345678"],
    ["+86 138 1234 5678", "13812345678"],
    ["+86-13812345678", "13812345678"],
    ["＋８６ １３８１２３４５６７８", "13812345678"],
    ["008613812345678", "13812345678"],
    ["8613812345678", "13812345678"],
    ["一三八一二三四五六七八", "13812345678"],
    ["幺三八 幺二三四 五六七八", "13812345678"],
    ["010-12345678", "010-12345678"],
    ["01012345678", "010-12345678"],
    ["(010) 1234 5678", "010-12345678"],
    ["（0571）87654321", "0571-87654321"],
    ["0571-8765432", "0571-8765432"],
    ["+86 10 1234 5678", "010-12345678"],
    ["+86 571 8765 4321", "0571-87654321"],
    ["+852 9123 4567", "+85291234567"],
    ["+1 (555) 123-4567", "+15551234567"],
    ["0044 20 7946 0958", "+442079460958"],
  ])("reads %j as %s", (input, canonical) => {
    expect(normalizePhone(input)).toBe(canonical);
  });

  it.each([
    "",
    "12345",
    "1381234567", // 10 digits
    "138123456789", // 12 digits
    "12812345678", // no mobile prefix 12
    "10-12345678", // a landline needs its 0
    "010-123456", // local part too short
    "+0123456789",
    "+1234567", // 7 digits abroad
    "+1234567890123456", // 16 digits abroad
    "+86 12345",
    "138 1234 5678 转 12",
    "abc",
    "电话",
    "1".repeat(200),
    "13812345678\u0000",
  ])("refuses %j", (input) => {
    expect(normalizePhone(input)).toBeUndefined();
  });

  it("masks the middle, keeping what lets a resident recognise their number", () => {
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(maskPhone("010-12345678")).toBe("010-****5678");
    expect(maskPhone("0571-8765432")).toBe("0571-***5432");
    expect(maskPhone("+85291234567")).toBe("+85*****4567");
  });
});

describe("the phone question", () => {
  it("is asked with its hint, a Skip option and the phone marker", () => {
    const zh = atPhone("zh-CN");
    expect(zh.question).toMatchObject({
      kind: "question",
      questionId: "tel",
      expects: "phone",
      text: "（2/3）留个电话？\n请直接输入电话号码（手机号，或带区号的座机号）；不想留可以点“跳过”。",
      options: [{ key: "0", label: "跳过" }],
    });
    const en = atPhone("en");
    expect(en.question?.text).toBe('(2/3) Leave a phone number?\nPlease type your phone number (a mobile, or a landline with its area code), or tap "Skip".');
    // Only the phone question carries the marker.
    en.tap("Skip");
    expect(en.history.filter((m) => m.expects === "phone").map((m) => m.questionId)).toEqual(["tel"]);
  });

  it.each([
    ["１３８ ００１３ ８０００", "13800138000"],
    ["+86 139-0000-1234", "13900001234"],
    ["010 6552 9988", "010-65529988"],
    ["+852 9123 4567", "+85291234567"],
  ])("shares %j as %s: an event for the store, never an answer", (input, phone) => {
    const s = atPhone("zh-CN");
    s.send(input);
    expect(phoneEvents(s.events)).toEqual([{ type: "PhoneShared", waveId: "wave-1", questionId: "tel", phone }]);
    expect(s.events.filter((e) => (e.type === "AnswerRecorded" || e.type === "QuestionSkipped") && e.questionId === "tel")).toEqual([]);
    expect(s.answers).not.toHaveProperty("tel");
    expect(s.last[0]).toMatchObject({ kind: "info", text: "谢谢！这个号码只用于回访核实几道题，不会和您的回答一起显示。" });
    expect(s.question?.questionId).toBe("last");
    // The session keeps the masked number (for /back) and a flag, never the number itself.
    expect(s.state.survey?.answers.tel).toEqual({ kind: "text", value: maskPhone(phone) });
    expect(s.state.phoneShared).toBe(true);
    expect(JSON.stringify(s.state)).not.toContain(phone.slice(-8));
  });

  it("re-prompts anything else in the resident's language, recording nothing", () => {
    for (const [lang, error] of [
      ["zh-CN", /^这不像是电话号码。请输入11位手机号（如 13812345678）、带区号的座机号（如 010-12345678）/],
      ["zh-TW", /^這不像是電話號碼。請輸入11位手機號碼/],
      ["en", /^That does not look like a phone number\. Please type a mobile number \(11 digits, e\.g\. 13812345678\)/],
    ] as const) {
      const s = atPhone(lang);
      for (const bad of ["12345", "我没有电话", "138-1234-567", "+0 12345678", "1".repeat(3000), "   "]) {
        const before = s.events.length;
        const replies = s.send(bad);
        expect(replies[0]?.kind).toBe("error");
        expect(replies[0]?.text).toMatch(error);
        expect(replies.at(-1)).toMatchObject({ kind: "question", questionId: "tel", expects: "phone" });
        expect(s.events.slice(before)).toEqual([]);
      }
      expect(s.state.phoneShared).toBeUndefined();
    }
  });

  it("is skipped by the Skip button, 0 or the skip keyword, keeping nothing", () => {
    for (const skip of ["button", "0", "跳过", "/skip", "skip"]) {
      const s = atPhone("zh-CN");
      if (skip === "button") s.tap("跳过");
      else s.send(skip);
      expect(s.question?.questionId, skip).toBe("last");
      expect(phoneEvents(s.events)).toEqual([]);
      expect(s.events.at(-1)).toEqual({ type: "QuestionSkipped", waveId: "wave-1", questionId: "tel" });
    }
  });

  it("'none' / 不留 withdraws any number on file and counts as skipped", () => {
    for (const [lang, word, said] of [
      ["zh-CN", "不留", "好的，我们不保留您的电话号码。"],
      ["zh-TW", "不留了", "好的，我們不保留您的電話號碼。"],
      ["en", "None.", "OK, we will not keep a phone number of yours."],
    ] as const) {
      const s = atPhone(lang);
      s.send(word);
      expect(phoneEvents(s.events)).toEqual([{ type: "PhoneWithdrawn" }]);
      expect(s.events.at(-1)).toEqual({ type: "QuestionSkipped", waveId: "wave-1", questionId: "tel" });
      expect(s.last[0]?.text).toBe(said);
      expect(s.question?.questionId).toBe("last");
    }
  });

  it("/back shows the masked number; a new one replaces it, Skip keeps it, 不留 withdraws it", () => {
    const s = atPhone("zh-CN");
    s.send("13812345678");
    s.send("/back");
    expect(s.question?.questionId).toBe("tel");
    expect(s.question?.text).toContain("您原来的回答：138****5678");
    expect(s.question?.text).toContain("您以前留过电话。输入新号码可以替换；回复“不留”会删除它；点“跳过”则保留原来的号码。");
    s.send("13987654321");
    expect(phoneEvents(s.events).at(-1)).toEqual({ type: "PhoneShared", waveId: "wave-1", questionId: "tel", phone: "13987654321" });
    s.send("/back");
    s.tap("跳过");
    // Skip leaves the stored number alone: no event about it.
    expect(phoneEvents(s.events)).toHaveLength(2);
    expect(s.state.phoneShared).toBe(true);
    expect(s.events.filter((e) => e.type === "AnswerRetracted")).toEqual([]);
    s.send("/back");
    expect(s.question?.text).not.toContain("您原来的回答");
    s.send("不留");
    expect(phoneEvents(s.events).at(-1)).toEqual({ type: "PhoneWithdrawn" });
    // A number given, then "none" after /back: the question ends up skipped, once.
    s.send("/back");
    s.send("13812345678");
    s.send("/back");
    const before = s.events.length;
    s.send("none");
    expect(s.events.slice(before)).toEqual([{ type: "PhoneWithdrawn" }, { type: "QuestionSkipped", waveId: "wave-1", questionId: "tel" }]);
    expect(s.state.phoneShared).toBeUndefined();
    s.send("否");
    expect(s.events.at(-1)?.type).toBe("ResponseCompleted");
  });

  it("leaves no number in the session once the survey is completed", () => {
    const s = atPhone("en");
    s.send("13812345678");
    s.send("no");
    expect(s.events.at(-1)?.type).toBe("ResponseCompleted");
    expect(s.state.survey).toBeNull();
    expect(JSON.stringify(s.state)).not.toMatch(/5678/);
    expect(s.state.phoneShared).toBe(true);
  });

  it("a later wave says a number is on file; Skip keeps it", () => {
    const first = atPhone("en");
    first.send("13812345678");
    first.send("no");
    const ctx = makeCtx(qn(), { wave: { id: "wave-2", questionnaireId: "mini", version: 1, open: true } });
    const s = new Session(ctx, "en");
    s.state = first.state;
    s.send("/survey");
    s.send("yes");
    expect(s.question?.questionId).toBe("tel");
    expect(s.question?.text).toContain('You gave us a number before. Type a new one to replace it, type "none" to remove it, or tap "Skip" to keep it.');
    expect(s.question?.text).not.toContain("Your earlier answer");
    s.tap("Skip");
    expect(phoneEvents(s.events)).toEqual([]);
    expect(s.state.phoneShared).toBe(true);
  });

  it("a number left under a condition is withdrawn when the condition no longer holds", () => {
    const conditional = miniQuestionnaire([
      { id: "agree", type: "yesno", label: L("愿意回访吗？", "May we call you?") },
      { ...PHONE, relevant: "agree == 'yes'" },
      { id: "last", type: "yesno", label: L("最后一题", "Last") },
    ]);
    const s = new Session(makeCtx(conditional), "zh-CN");
    s.begin();
    s.send("是");
    s.send("13812345678");
    s.send("/back");
    s.send("/back");
    expect(s.question?.questionId).toBe("agree");
    s.send("否");
    expect(phoneEvents(s.events)).toEqual([
      { type: "PhoneShared", waveId: "wave-1", questionId: "tel", phone: "13812345678" },
      { type: "PhoneWithdrawn" },
    ]);
    expect(s.events.filter((e) => e.type === "AnswerRetracted" && e.questionId === "tel")).toEqual([]);
    expect(s.question?.questionId).toBe("last");
  });

  it("the privacy menu offers to remove a number on file (key 3), typed or tapped", () => {
    const s = atPhone("en");
    s.send("/privacy");
    expect(s.last.at(-1)?.options?.map((o) => o.key)).toEqual(["1", "2"]);
    s.send("/survey");
    s.send("13812345678");
    s.send("/privacy");
    expect(s.last.at(-1)?.options?.map((o) => `${o.key} ${o.label}`)).toEqual(["1 Delete my data", "2 Back to the menu", "3 Remove my phone number"]);
    s.send("what?");
    expect(s.last[0]?.text).toBe("Please tap a button or type 1, 2 or 3.");
    s.send("3");
    expect(phoneEvents(s.events).at(-1)).toEqual({ type: "PhoneWithdrawn" });
    expect(s.last[0]?.text).toContain("OK, your phone number has been removed.");
    expect(s.state.phoneShared).toBeUndefined();
    // The survey in progress no longer holds the masked number: resumed, it goes on after it.
    expect(s.state.survey?.answers).not.toHaveProperty("tel");
    expect(s.state.survey?.skipped).toContain("tel");
    s.send("/survey");
    expect(s.question?.questionId).toBe("last");
    s.send("/privacy");
    expect(s.last.at(-1)?.options?.map((o) => o.key)).toEqual(["1", "2"]);
  });

  it("an old 'remove my phone number' button still removes (nothing else changes)", () => {
    const s = atPhone("zh-CN");
    s.press("p:tel");
    expect(phoneEvents(s.events)).toEqual([{ type: "PhoneWithdrawn" }]);
    expect(s.state.mode).toBe("menu");
  });

  it("deleting my data forgets that a number was left (the store erases the number itself)", () => {
    const s = atPhone("zh-CN");
    s.send("13812345678");
    s.send("/privacy");
    s.send("1");
    s.tap("确定删除");
    expect(s.events.at(-1)).toEqual({ type: "DeletionRequested" });
    expect(s.state.phoneShared).toBeUndefined();
    expect(s.state.survey).toBeNull();
  });
});

describe("a contact the platform vouches for", () => {
  it("is the answer at the phone question (Telegram's international form)", () => {
    const s = atPhone("en");
    s.input({ kind: "contact", phone: "+8613812345678" });
    expect(phoneEvents(s.events)).toEqual([{ type: "PhoneShared", waveId: "wave-1", questionId: "tel", phone: "13812345678" }]);
    expect(s.question?.questionId).toBe("last");
  });

  it("a number that is not one is re-prompted like a typed one", () => {
    const s = atPhone("en");
    s.input({ kind: "contact", phone: "+12" });
    expect(s.last[0]?.kind).toBe("error");
    expect(s.question?.questionId).toBe("tel");
    expect(phoneEvents(s.events)).toEqual([]);
  });

  it("is declined anywhere else, keeping nothing, and the resident sees where they are", () => {
    const s = new Session(makeCtx(qn()), "zh-CN");
    s.input({ kind: "contact", phone: "+8613812345678" });
    expect(s.text).toContain("现在不需要电话号码，我们没有保存。");
    expect(s.text).toContain("您同意参加吗？");
    s.send("1");
    expect(s.question?.questionId).toBe("first");
    s.input({ kind: "contact", phone: "+8613812345678" });
    expect(s.last[0]?.text).toBe("现在不需要电话号码，我们没有保存。只有问卷最后一题会问您是否愿意留电话。");
    expect(s.question?.questionId).toBe("first");
    s.send("/menu");
    s.input({ kind: "contact", phone: "+8613812345678" });
    expect(s.last.at(-1)?.kind).toBe("menu");
    expect(phoneEvents(s.events)).toEqual([]);
    expect(JSON.stringify(s.state)).not.toContain("5678");
  });

  it("survives malformed input without a crash", () => {
    const s = atPhone("en");
    for (const bad of [{ kind: "contact" }, { kind: "contact", phone: 13812345678 }, { kind: "contact", phone: null }]) {
      const result = step(s.ctx, s.state, bad as never);
      expect(result.internalError).toBeUndefined();
      expect(result.messages.at(-1)?.questionId).toBe("tel");
    }
  });
});

describe("the default questionnaire", () => {
  it("ends the 'about' section with the phone question, after the suggestion", () => {
    const questions = defaultQuestionnaire().questions;
    expect(questions.slice(-2).map((q) => [q.id, q.type, q.section])).toEqual([
      ["suggestion", "text", "about"],
      ["phone", "phone", "about"],
    ]);
  });

  it("session states with and without the flag read back", () => {
    const s = atPhone("en");
    s.send("13812345678");
    expect(parseSessionState(JSON.stringify(s.state))).toEqual(s.state);
    expect(parseSessionState({ ...s.state, phoneShared: "yes" }).mode).toBe("new");
  });
});
