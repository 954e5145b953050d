/**
 * The publicity and case-feedback dialogue in the pure engine: tips reach it only through the
 * context; buttons of removed tips and edited quizzes; tip buttons from a broadcast while the
 * survey is under way; the rating question and the "report a concern" prompt.
 */
import { describe, expect, it } from "vitest";
import { quizTag } from "../../core/engine/tips.js";
import { parseSessionState } from "../../core/engine/state.js";
import { step } from "../../core/engine/step.js";
import { encodePayload } from "../../core/engine/payload.js";
import type { EngineContext, TipContent } from "../../core/engine/types.js";
import { listTips } from "../../core/outreach/tips.js";
import { Session, defaultQuestionnaire, makeCtx } from "../engine/helpers.js";

const L3 = (zh: string, tw: string, en: string) => ({ "zh-CN": zh, "zh-TW": tw, en });

/** A small library: one tip with a quiz, one without. */
const LIBRARY: TipContent[] = [
  {
    id: "lock-up",
    title: L3("锁好门窗", "鎖好門窗", "Lock up"),
    text: L3("出门锁门。", "出門鎖門。", "Lock the door when you go out."),
    quiz: {
      question: L3("出门要锁门吗？", "出門要鎖門嗎？", "Lock the door when you go out?"),
      options: [
        { id: "yes", correct: true, label: L3("要", "要", "Yes") },
        { id: "no", correct: false, label: L3("不用", "不用", "No need") },
      ],
      explanation: L3("锁门能防盗。", "鎖門能防竊。", "A locked door keeps burglars out."),
    },
  },
  { id: "no-quiz", title: L3("没有小测试", "沒有小測驗", "No quiz"), text: L3("只是提醒。", "只是提醒。", "Just a reminder.") },
];

const ctxWith = (tips: readonly TipContent[] | undefined, extra: Partial<EngineContext> = {}): EngineContext => ({ ...makeCtx(defaultQuestionnaire()), ...(tips ? { tips } : {}), ...extra });

function atMenu(ctx: EngineContext, lang: "zh-CN" | "zh-TW" | "en" = "zh-CN"): Session {
  const s = new Session(ctx, lang);
  s.start();
  s.tap(lang === "en" ? "No, thanks" : "不同意");
  return s;
}

describe("safety tips in the engine", () => {
  it("shows the library from the menu instead of the placeholder, and records reads and answers", () => {
    const s = atMenu(ctxWith(LIBRARY));
    const before = s.events.length;
    s.tap("防范提示");
    expect(s.events.slice(before)).toEqual([]);
    expect(s.state.mode).toBe("tips");
    expect(s.last[0]?.options?.map((o) => `${o.key}=${o.label}=${o.payload}`)).toEqual(["1=锁好门窗=t:lock-up", "2=没有小测试=t:no-quiz", "3=回主菜单=m:menu"]);
    s.tap("锁好门窗");
    expect(s.state.tip).toEqual({ id: "lock-up", stage: "reading" });
    s.tap("我看完了 ✓");
    expect(s.events.at(-1)).toEqual({ type: "TipRead", tipId: "lock-up" });
    expect(s.state.tip).toEqual({ id: "lock-up", stage: "quiz" });
    s.tap("不用");
    expect(s.events.at(-1)).toEqual({ type: "QuizAnswered", tipId: "lock-up", option: "no", correct: false });
    expect(s.text).toBe("✗ 答得不对。正确答案是：要\n锁门能防盗。");
    s.tap("再看别的提示");
    s.tap("没有小测试");
    s.tap("我看完了 ✓");
    expect(s.events.at(-1)).toEqual({ type: "TipRead", tipId: "no-quiz" });
    expect(s.text).toContain("谢谢您看完！");
    expect(s.state.tip).toEqual({ id: "no-quiz", stage: "explained" });
    s.tap("回主菜单");
    expect(s.state.mode).toBe("menu");
    expect(s.state.tip).toBeUndefined();
  });

  it("without a library keeps the placeholder and refuses tip buttons as out of date", () => {
    const s = atMenu(ctxWith(undefined));
    s.tap("防范提示");
    expect(s.events.at(-1)).toEqual({ type: "MenuRequested", item: "tips" });
    s.press("t:lock-up");
    expect(s.text).toContain("这个按钮已经过期了");
    expect(s.state.mode).toBe("menu");
    const before = s.events.length;
    s.press(`q:lock-up:${quizTag(LIBRARY[0]!.quiz!)}:0`);
    expect(s.events.length).toBe(before);
  });

  it("answers a button of a removed tip with the list", () => {
    const s = atMenu(ctxWith(LIBRARY));
    s.press("t:gone-tip");
    expect(s.text).toContain("这条提示已经没有了，请看看别的。");
    expect(s.last.at(-1)?.options?.[0]?.label).toBe("锁好门窗");
    s.press("t:gone-tip:r");
    expect(s.events.some((e) => e.type === "TipRead")).toBe(false);
  });

  it("refuses an answer button of an edited quiz and shows the current quiz", () => {
    const s = atMenu(ctxWith(LIBRARY));
    const oldTag = quizTag(LIBRARY[0]!.quiz!);
    const edited: TipContent[] = [{ ...LIBRARY[0]!, quiz: { ...LIBRARY[0]!.quiz!, options: [...LIBRARY[0]!.quiz!.options].reverse() } }];
    expect(quizTag(edited[0]!.quiz!)).not.toBe(oldTag);
    s.ctx = ctxWith(edited);
    s.press(`q:lock-up:${oldTag}:0`);
    expect(s.events.some((e) => e.type === "QuizAnswered")).toBe(false);
    expect(s.text).toContain("这个按钮已经过期了，请看下面最新的。");
    expect(s.last.at(-1)?.options?.map((o) => o.label)).toEqual(["不用", "要"]);
    s.press("q:lock-up:0000:7");
    expect(s.events.some((e) => e.type === "QuizAnswered")).toBe(false);
  });

  it("takes a quiz answer from a broadcast message while the survey is under way, and the survey resumes", () => {
    const s = new Session(ctxWith(LIBRARY));
    s.begin();
    s.send("1");
    expect(s.state.survey?.current).toBe("safety_trend");
    s.press(encodePayload({ op: "quiz", id: "lock-up", tag: quizTag(LIBRARY[0]!.quiz!), option: 0 }));
    expect(s.events.at(-1)).toEqual({ type: "QuizAnswered", tipId: "lock-up", option: "yes", correct: true });
    expect(s.text).toContain("✓ 答对了！");
    s.tap("回主菜单");
    s.tap("继续答问卷");
    expect(s.question?.questionId).toBe("safety_trend");
  });

  it("re-shows the open tip in the new language after the language picker, and on help", () => {
    const s = atMenu(ctxWith(LIBRARY));
    s.tap("防范提示");
    s.tap("锁好门窗");
    s.tap("我看完了 ✓");
    s.send("语言");
    expect(s.state.tip).toEqual({ id: "lock-up", stage: "quiz" });
    s.tap("English");
    expect(s.text).toContain("Quick quiz: Lock the door when you go out?");
    s.send("help");
    expect(s.last.at(-1)?.text).toContain("Quick quiz:");
    s.send("No need");
    expect(s.events.at(-1)).toMatchObject({ type: "QuizAnswered", option: "no" });
  });

  it("never mutates the library and stores tip progress in the session", () => {
    const tips = structuredClone(LIBRARY);
    const frozen = (value: unknown): void => {
      if (value && typeof value === "object") {
        Object.freeze(value);
        for (const v of Object.values(value)) frozen(v);
      }
    };
    frozen(tips);
    const s = atMenu(ctxWith(tips));
    s.tap("防范提示");
    s.tap("锁好门窗");
    expect(tips).toEqual(LIBRARY);
    expect(parseSessionState(JSON.parse(JSON.stringify(s.state))).tip).toEqual({ id: "lock-up", stage: "reading" });
    expect(parseSessionState({ ...s.state, tip: { id: "x", stage: "dancing" } }).mode).toBe("new");
  });

  it("handles the whole bundled library", () => {
    const s = atMenu(ctxWith(listTips()), "en");
    for (const [i, tip] of listTips().entries()) {
      s.send("/menu");
      s.send("2");
      s.send(String(i + 1));
      expect(s.text).toContain(tip.title.en);
      s.send("1");
      s.send("1");
      expect(s.events.at(-1)).toMatchObject({ type: "QuizAnswered", tipId: tip.id });
    }
  });
});

describe("case feedback in the engine", () => {
  it("asks for a rating on the resident's behalf, reads '五', and returns to the survey question", () => {
    const s = new Session(ctxWith(LIBRARY));
    s.begin();
    s.send("1");
    s.press("k:K7M3PQ");
    expect(s.state.mode).toBe("rateCase");
    expect(s.last[0]?.options?.map((o) => `${o.key}=${o.label}=${o.payload}`)).toEqual(["5=非常满意=k:K7M3PQ:5", "4=满意=k:K7M3PQ:4", "3=一般=k:K7M3PQ:3", "2=不太满意=k:K7M3PQ:2", "1=很不满意=k:K7M3PQ:1"]);
    s.send("五");
    expect(s.events.at(-1)).toEqual({ type: "CaseRated", code: "K7M3PQ", rating: 5 });
    expect(s.text).toContain("谢谢您的评价！");
    expect(s.question?.questionId).toBe("safety_trend");
    expect(s.state.rating).toBeUndefined();
  });

  it("lets the resident leave the rating with /back or skip it, and takes a rating button from any mode", () => {
    const s = atMenu(ctxWith(LIBRARY), "en");
    s.press("k:ABC234");
    s.send("sure");
    expect(s.text).toContain("Please tap a button or type a number from 1 to 5");
    s.send("/back");
    expect(s.state.mode).toBe("menu");
    expect(s.events.some((e) => e.type === "CaseRated")).toBe(false);
    s.press("k:ABC234:2");
    expect(s.events.at(-1)).toEqual({ type: "CaseRated", code: "ABC234", rating: 2 });
    expect(s.state.mode).toBe("menu");
    s.press("k:ABC234:6");
    expect(s.text).toContain("out of date");
  });

  it("reports a concern with the context's case code; too long, cancelled, and unavailable without a code", () => {
    const s = atMenu(ctxWith(LIBRARY, { newCaseCode: "K7M3PQ" }));
    s.tap("反映情况 · 我的报案");
    expect(s.events.at(-1)).toEqual({ type: "MenuRequested", item: "cases" });
    s.tap("我要反映情况");
    s.send("很".repeat(501));
    expect(s.text).toContain("最多 500 个字，您写了 501 个字");
    s.tap("不说了");
    expect(s.state.mode).toBe("cases");
    s.send("1");
    s.send("  小区门口   有人推销保健品  ");
    expect(s.events.at(-1)).toEqual({ type: "CaseReported", code: "K7M3PQ", text: "小区门口   有人推销保健品" });
    expect(s.text).toContain("编号 K7M3PQ");
    expect(s.state.mode).toBe("menu");

    const t = atMenu(ctxWith(LIBRARY));
    t.send("3");
    t.send("1");
    t.send("家里进了小偷");
    expect(t.text).toContain("现在暂时不能在这里反映情况");
    expect(t.events.some((e) => e.type === "CaseReported")).toBe(false);
  });

  it("keeps a long report's words as typed, and never treats a command as the report", () => {
    const ctx = ctxWith(LIBRARY, { newCaseCode: "ZZ2345" });
    const s = atMenu(ctx);
    s.press("m:report");
    s.send("菜单");
    expect(s.state.mode).toBe("menu");
    expect(step(ctx, s.state, { kind: "text", text: "x" }).events).toEqual([]);
  });
});
