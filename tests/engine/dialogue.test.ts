/**
 * The conversation around the questions: consent, menu, /back, resume, stale buttons, languages,
 * waves, opt-out, privacy and deletion.
 */
import { describe, expect, it } from "vitest";
import { step } from "../../core/engine/step.js";
import { initialState } from "../../core/engine/types.js";
import type { EngineEvent, SessionState } from "../../core/engine/types.js";
import { L, Session, defaultQuestionnaire, makeCtx, miniQuestionnaire } from "./helpers.js";

const types = (events: EngineEvent[]) => events.map((e) => e.type);

/** Three yes/no questions, the second only relevant after "yes" to the first. */
function chain() {
  return miniQuestionnaire([
    { id: "victim", type: "yesno", label: L("受过侵害吗？", "Were you a victim?") },
    { id: "reported", type: "yesno", relevant: "victim == 'yes'", label: L("报警了吗？", "Did you report it?") },
    { id: "solved", type: "yesno", relevant: "reported == 'yes'", label: L("破案了吗？", "Was it solved?") },
    { id: "heard", type: "yesno", label: L("听说过平安建设吗？", "Heard of Safe City?") },
  ]);
}

describe("first contact and consent", () => {
  it("greets and asks for consent on start or any first text", () => {
    for (const first of [{ kind: "start" as const }, { kind: "text" as const, text: "你好" }]) {
      const s = new Session(makeCtx(defaultQuestionnaire()));
      const replies = s.input(first);
      expect(replies).toHaveLength(1);
      expect(replies[0]?.kind).toBe("menu");
      expect(replies[0]?.text).toContain("您好！我是“安心”");
      expect(replies[0]?.text).toContain("不记名");
      expect(replies[0]?.options?.map((o) => o.label)).toEqual(["同意", "不同意", "语言 Language"]);
      expect(s.events).toEqual([]);
      expect(s.state.mode).toBe("consent");
    }
  });

  it("declining records only ConsentDeclined; accepting later from the menu works", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.start();
    s.tap("不同意");
    expect(s.events).toEqual([{ type: "ConsentDeclined" }]);
    expect(s.text).toContain("我们不会记录您的任何信息");
    expect(s.state.survey).toBeNull();
    s.tap("参加问卷调查");
    expect(s.text).toContain("参加问卷之前");
    expect(s.last.at(-1)?.options?.[0]?.label).toBe("同意");
    s.tap("同意");
    expect(types(s.events)).toEqual(["ConsentDeclined", "ConsentGiven", "ResponseStarted"]);
    expect(s.question?.questionId).toBe("safety_overall");
  });

  it("understands typed consent and re-prompts otherwise", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()), "en");
    s.start();
    s.send("what?");
    expect(s.last[0]).toMatchObject({ kind: "error", text: 'Please tap "I agree" or "No, thanks", or type 1 or 2.' });
    s.send("yes");
    expect(types(s.events)).toEqual(["ConsentGiven", "ResponseStarted"]);
  });

  it("goes to the menu after consent when no wave is open", () => {
    const s = new Session(makeCtx(defaultQuestionnaire(), { wave: null }));
    s.start();
    s.send("同意");
    expect(s.text).toContain("现在没有正在进行的问卷调查");
    expect(s.last.at(-1)?.kind).toBe("menu");
    expect(types(s.events)).toEqual(["ConsentGiven"]);
  });

  it("the language button on the consent message comes back to consent", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.start();
    s.tap("语言 Language");
    s.tap("English");
    expect(s.last.map((m) => m.text)).toEqual(["OK, I will use English from now on.", expect.stringContaining("Do you agree to take part?")]);
    expect(s.state.mode).toBe("consent");
    s.tap("I agree");
    expect(s.question?.text).toContain("(1/17) Overall");
  });

  it("a deep link can set the language", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.start("lang_en");
    expect(s.text).toContain("Do you agree to take part?");
    expect(s.events).toEqual([{ type: "LanguageChanged", lang: "en" }]);
  });
});

describe("survey navigation", () => {
  it("counts the questions that can still be asked: the total shrinks when a branch is ruled out, never grows", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    // Nothing answered: "reported" and "solved" may still come.
    expect(s.question?.progress).toEqual({ index: 1, total: 4 });
    expect(s.question?.text.startsWith("（1/4）")).toBe(true);
    s.send("是");
    expect(s.question?.progress).toEqual({ index: 2, total: 4 });
    s.send("是");
    expect(s.question?.progress).toEqual({ index: 3, total: 4 });

    const no = new Session(makeCtx(chain()));
    no.begin();
    no.send("是");
    no.send("否");
    // "Not reported" rules out "solved".
    expect(no.question?.progress).toEqual({ index: 3, total: 3 });

    const never = new Session(makeCtx(chain()));
    never.begin();
    never.send("否");
    // "Not a victim" rules out both follow-ups at once.
    expect(never.question?.progress).toEqual({ index: 2, total: 2 });
  });

  it("a question reopened with /back counts the branches its answer may open again", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    s.send("否");
    expect(s.question?.progress).toEqual({ index: 2, total: 2 });
    s.send("/back");
    expect(s.question?.progress).toEqual({ index: 1, total: 4 });
    s.send("是");
    expect(s.question?.progress).toEqual({ index: 2, total: 4 });
  });

  it("/back lets the resident change an answer; dependent answers are retracted", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    s.send("是");
    s.send("是");
    expect(s.question?.questionId).toBe("solved");
    s.send("/back");
    expect(s.question?.questionId).toBe("reported");
    expect(s.question?.text).toContain("您原来的回答：是");
    s.send("返回");
    expect(s.question?.questionId).toBe("victim");
    const before = s.events.length;
    s.send("否");
    expect(s.events.slice(before)).toEqual([
      { type: "AnswerRetracted", waveId: "wave-1", questionId: "victim" },
      { type: "AnswerRecorded", waveId: "wave-1", questionId: "victim", value: { kind: "bool", value: false } },
      { type: "AnswerRetracted", waveId: "wave-1", questionId: "reported" },
    ]);
    expect(s.question?.questionId).toBe("heard");
    expect(s.question?.progress).toEqual({ index: 2, total: 2 });
    expect(s.answers).toEqual({ victim: { kind: "bool", value: false } });
  });

  it("/back then the same answer changes nothing and continues where the resident was", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    s.send("否");
    s.send("/back");
    const before = s.events.length;
    s.send("否");
    expect(s.events.length).toBe(before);
    expect(s.question?.questionId).toBe("heard");
  });

  it("/back at the first question says so", () => {
    const s = new Session(makeCtx(chain()), "en");
    s.begin();
    s.send("/back");
    expect(s.last[0]).toMatchObject({ kind: "error", text: "This is the first question." });
    expect(s.question?.questionId).toBe("victim");
  });

  it("/menu pauses; the menu offers to continue; any way back resumes at the next question", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.begin();
    s.send("1");
    s.send("1");
    s.send("/menu");
    expect(s.text).toContain("已暂停");
    expect(s.state.mode).toBe("menu");
    s.tap("继续答问卷");
    expect(s.text).toContain("欢迎回来");
    expect(s.question?.questionId).toBe("safety_night");
    s.send("菜单");
    s.send("1");
    expect(s.question?.questionId).toBe("safety_night");
    s.send("/start");
    expect(s.question?.questionId).toBe("safety_night");
    expect(s.answers).toMatchObject({ safety_overall: { option: "very_safe" }, safety_trend: { option: "better" } });
  });

  it("a pause after /back resumes at the next unanswered question", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    s.send("否");
    expect(s.question?.questionId).toBe("heard");
    s.send("/back");
    expect(s.question?.questionId).toBe("victim");
    s.send("/menu");
    s.send("1");
    expect(s.question?.questionId).toBe("heard");
    expect(s.answers).toEqual({ victim: { kind: "bool", value: false } });
  });

  it("multiple-choice toggles survive a pause", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.begin();
    s.send("1");
    s.send("1");
    s.send("1");
    s.send("2");
    s.send("/menu");
    s.send("1");
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["抢劫、抢夺"]);
  });

  it("a button from the current question still works after a pause", () => {
    const s = new Session(makeCtx(chain()));
    s.begin();
    const yes = s.option("是").payload;
    s.send("/menu");
    s.press(yes);
    expect(s.answers).toEqual({ victim: { kind: "bool", value: true } });
    expect(s.question?.questionId).toBe("reported");
  });

  it("refuses stale buttons: another question, another version, garbage", () => {
    const qn = chain();
    const s = new Session(makeCtx(qn), "en");
    s.begin();
    const oldYes = s.option("Yes").payload;
    s.send("yes");
    const recorded = s.events.length;
    for (const payload of [oldYes, oldYes.replace(/^a:1:/, "a:2:"), "a:1:0000:1:0", "garbage", "a:1:zzzz:1:0", "r:1:0000:1:0:-:0", ""]) {
      const replies = s.press(payload);
      expect(replies[0], payload).toMatchObject({ kind: "error", text: "That button is out of date. Please answer this question:" });
      expect(replies.at(-1)?.questionId, payload).toBe("reported");
    }
    expect(s.events.length).toBe(recorded);
  });

  it("an answer button of the current question in a different questionnaire version is stale", () => {
    const v1 = chain();
    const v2 = miniQuestionnaire(v1.questions, 2);
    const s = new Session(makeCtx([v1, v2]));
    s.begin();
    const button = s.option("是").payload;
    s.press(button.replace(/^a:1:[0-9a-f]{4}:/, `a:2:${v2.checksum.slice(0, 4)}:`));
    expect(s.text).toContain("这个按钮已经过期了");
    expect(s.events.filter((e) => e.type === "AnswerRecorded")).toEqual([]);
  });

  it("/lang mid-survey re-asks the current question in the new language, keeping toggles", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.begin();
    s.send("1");
    s.send("1");
    s.send("1");
    s.send("1"); // toggle theft
    s.send("/lang en");
    expect(s.events.at(-1)).toEqual({ type: "LanguageChanged", lang: "en" });
    expect(s.last[0]?.text).toBe("OK, I will use English from now on.");
    expect(s.question?.text).toContain("Which problems worry you most?");
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["Theft and burglary"]);
    s.send("/lang");
    expect(s.last[0]?.options?.map((o) => o.label)).toEqual(["简体中文", "繁體中文", "English"]);
    s.tap("繁體中文");
    expect(s.question?.text).toContain("您最擔心哪些治安問題？");
    s.send("/lang xx");
    s.send("1");
    expect(s.question?.text).toContain("您最担心哪些治安问题？");
  });

  it("completes once per wave; a new wave can be answered again", () => {
    const qn = miniQuestionnaire([{ id: "only", type: "yesno", label: L("唯一一题", "Only") }]);
    const ctx = makeCtx(qn);
    const s = new Session(ctx);
    s.begin();
    s.send("是");
    expect(types(s.events)).toEqual(["ConsentGiven", "ResponseStarted", "AnswerRecorded", "ResponseCompleted"]);
    expect(s.state.completedWaves).toEqual(["wave-1"]);
    // The end is an end: thanks and what happens next, then the menu offered, not shown.
    expect(s.last.map((m) => m.text)).toEqual([expect.stringContaining("接下来："), "想看安全小知识、反映问题或管理您的数据，可以打开菜单。"]);
    expect(s.last.at(-1)?.options?.map((o) => `${o.key}. ${o.label}`)).toEqual(["0. 打开菜单"]);
    expect(s.text).not.toContain("您留了电话");
    s.tap("打开菜单");
    expect(s.last.at(-1)?.options?.[0]?.label).toBe("参加问卷调查");
    s.tap("参加问卷调查");
    expect(s.text).toContain("您已经答过这一期的问卷了");
    expect(s.state.survey).toBeNull();
    s.ctx = makeCtx(qn, { wave: { id: "wave-2", questionnaireId: qn.id, version: 1, open: true } });
    s.tap("参加问卷调查");
    expect(s.question?.questionId).toBe("only");
  });

  it("a wave that closed or changed mid-survey abandons the response", () => {
    const qn = chain();
    const s = new Session(makeCtx(qn));
    s.begin();
    s.send("是");
    s.ctx = makeCtx(qn, { wave: { id: "wave-1", questionnaireId: qn.id, version: 1, open: false } });
    s.send("是");
    expect(s.events.at(-1)).toEqual({ type: "ResponseAbandoned", waveId: "wave-1", reason: "wave-closed" });
    expect(s.text).toContain("这一期问卷调查已经结束了");
    expect(s.state.survey).toBeNull();

    const t = new Session(makeCtx(qn));
    t.begin();
    t.send("是");
    t.ctx = makeCtx(qn, { wave: { id: "wave-2", questionnaireId: qn.id, version: 1, open: true } });
    t.send("是");
    expect(types(t.events).slice(-2)).toEqual(["ResponseAbandoned", "ResponseStarted"]);
    expect(t.question?.questionId).toBe("victim");
    expect(t.state.survey?.waveId).toBe("wave-2");
  });

  it("no open wave: a localized message", () => {
    const s = new Session(makeCtx(defaultQuestionnaire(), { wave: null }), "en");
    s.start();
    s.send("1");
    s.tap("Take the survey");
    expect(s.text).toContain("There is no survey running right now.");
  });
});

describe("menu, opt-out, privacy", () => {
  it("tips without a tip library and cases emit MenuRequested with a placeholder", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.send("/menu");
    s.tap("防范提示");
    expect(s.events).toEqual([{ type: "MenuRequested", item: "tips" }]);
    expect(s.last[0]).toMatchObject({ kind: "info", text: "防范提示马上就会上线，请留意。" });
    s.send("乱打");
    expect(s.last[0]?.text).toBe("请点一个按钮，或者回复 1 到 6 的数字。");
    // "My cases" is a screen of its own (report a concern / back); the runner fills in the list.
    s.send("3");
    expect(s.events.at(-1)).toEqual({ type: "MenuRequested", item: "cases" });
    expect(s.last[0]).toMatchObject({ kind: "menu", text: "现在还没有您报案的进展消息。有新消息时我们会告诉您。" });
    expect(s.last[0]?.options?.map((o) => o.payload)).toEqual(["m:report", "m:menu"]);
    s.send("乱打");
    expect(s.last[0]?.text).toBe("请点一个按钮，或者回复 1 或 2。");
    s.send("2");
    expect(s.state.mode).toBe("menu");
  });

  it("/stop and 退订 opt out, /start and 订阅 opt back in", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.start();
    s.send("退订");
    expect(s.events).toEqual([{ type: "OptedOut" }]);
    expect(s.text).toContain("以后不再给您发送防范提示和通知");
    s.send("/stop");
    expect(s.events).toHaveLength(1);
    s.send("/start");
    expect(s.events.at(-1)).toEqual({ type: "OptedIn" });
    s.send("退订");
    s.send("订阅");
    expect(types(s.events)).toEqual(["OptedOut", "OptedIn", "OptedOut", "OptedIn"]);
  });

  it("deletion needs a confirmation, then resets the session", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()));
    s.begin();
    s.send("1");
    s.send("/menu");
    s.tap("隐私和删除数据");
    expect(s.text).toContain("我们不保存姓名。电话只有您自愿留下才保存");
    s.tap("删除我的数据");
    expect(s.text).toContain("确定要删除您的所有数据吗？");
    s.tap("不删了");
    expect(s.text).toContain("好的，没有删除。");
    expect(s.state.survey).not.toBeNull();
    s.send("/privacy");
    const del = s.option("删除我的数据").payload;
    s.tap("删除我的数据");
    const confirm = s.option("确定删除").payload;
    s.press(confirm);
    expect(s.events.at(-1)).toEqual({ type: "DeletionRequested" });
    expect(s.state).toEqual(initialState("zh-CN"));
    // An old confirmation button never deletes again without asking.
    s.press(confirm);
    expect(s.events.filter((e) => e.type === "DeletionRequested")).toHaveLength(1);
    expect(s.text).toContain("确定要删除");
    expect(del).toBe("p:del");
  });

  it("help and unknown commands", () => {
    const s = new Session(makeCtx(defaultQuestionnaire()), "en");
    s.begin();
    s.send("/help");
    expect(s.last[0]?.text).toContain("How to use:");
    expect(s.question?.questionId).toBe("safety_overall");
    s.send("/frobnicate");
    expect(s.last[0]?.text).toBe('There is no command "/frobnicate". Send "help" to see what you can do.');
    s.send("/menu@AnxinBot");
    expect(s.state.mode).toBe("menu");
  });
});

describe("re-prompts outside the survey, in zh-CN and en", () => {
  const cases: [string, string[], string, string][] = [
    ["consent", ["/start"], "请点“同意”或“不同意”，也可以回复 1 或 2。", 'Please tap "I agree" or "No, thanks", or type 1 or 2.'],
    ["menu", ["/menu"], "请点一个按钮，或者回复 1 到 6 的数字。", "Please tap a button or type a number from 1 to 6."],
    ["language picker", ["/lang"], "请点一个按钮，或者回复 1 到 3 的数字。", "Please tap a button or type a number from 1 to 3."],
    ["privacy", ["/privacy"], "请点一个按钮，或者回复 1 或 2。", "Please tap a button or type 1 or 2."],
    ["deletion confirmation", ["/privacy", "1"], "请点一个按钮，或者回复 1 或 2。", "Please tap a button or type 1 or 2."],
  ];
  for (const [what, setup, zh, en] of cases) {
    it(what, () => {
      for (const [lang, expected] of [["zh-CN", zh], ["en", en]] as const) {
        const s = new Session(makeCtx(defaultQuestionnaire()), lang);
        for (const text of setup) s.send(text);
        const mode = s.state.mode;
        s.send("🙂 ???");
        expect(s.last[0]).toEqual({ kind: "error", text: expected });
        expect(s.last[1]?.kind).toBe("menu");
        expect(s.state.mode).toBe(mode);
        expect(s.events.filter((e) => e.type === "DeletionRequested")).toEqual([]);
      }
    });
  }
});

describe("purity", () => {
  it("never mutates state, context or input, and is deterministic", () => {
    const ctx = makeCtx(defaultQuestionnaire());
    const ctxSnapshot = JSON.stringify({ ...ctx, questionnaire: ctx.questionnaire("public-safety", defaultQuestionnaire().version) });
    let state: SessionState = initialState("zh-CN");
    for (const text of ["/start", "1", "2", "1", "1", "3", "0"]) {
      const input = { kind: "text" as const, text };
      const frozen = JSON.stringify(state);
      const a = step(ctx, state, input);
      const b = step(ctx, state, input);
      expect(JSON.stringify(state)).toBe(frozen);
      expect(input.text).toBe(text);
      expect(a).toEqual(b);
      state = a.state;
    }
    expect(JSON.stringify({ ...ctx, questionnaire: ctx.questionnaire("public-safety", defaultQuestionnaire().version) })).toBe(ctxSnapshot);
  });

  it("works on deep-frozen arguments", () => {
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === "object") {
        Object.values(o).forEach(deepFreeze);
        Object.freeze(o);
      }
      return o;
    };
    const qn = deepFreeze(chain());
    const ctx = deepFreeze(makeCtx(qn));
    let state = deepFreeze(initialState("en"));
    for (const text of ["hi", "1", "yes", "/back", "no", "yes"]) state = deepFreeze(step(ctx, state, deepFreeze({ kind: "text", text })).state);
    expect(state.completedWaves).toEqual(["wave-1"]);
  });

  it("recovers from a corrupted stored state", () => {
    const ctx = makeCtx(chain());
    for (const bad of [null, {}, { v: 2 }, { v: 1, lang: "en", mode: "survey" }, "not json", 42]) {
      const result = step(ctx, bad as unknown as SessionState, { kind: "text", text: "hello" });
      expect(result.state.v).toBe(1);
      expect(result.messages.length).toBeGreaterThan(0);
    }
    const inconsistent = { ...initialState("en"), consent: "given" as const, mode: "survey" as const };
    expect(step(ctx, inconsistent, { kind: "text", text: "yes" }).state.mode).toBe("menu");
  });
});
