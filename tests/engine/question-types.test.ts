/**
 * Every question type: accepted inputs, and every kind of bad input with its re-prompt in zh-CN and
 * en (the re-prompt says what is expected, and earlier answers survive).
 */
import { describe, expect, it } from "vitest";
import { L, Session, makeCtx, miniQuestionnaire } from "./helpers.js";
import type { Lang, QuestionDefinition } from "../../core/engine/types.js";

const opts = (...pairs: [string, string, string][]) => pairs.map(([id, zh, en]) => ({ id, label: L(zh, en) }));

/** A session at the first question of a mini questionnaire: intro question, then `q`, then a final note-free question. */
function at(q: QuestionDefinition, lang: Lang = "zh-CN"): Session {
  const qn = miniQuestionnaire([
    { id: "first", type: "yesno", label: L("第一题", "First") },
    q,
    { id: "last", type: "yesno", label: L("最后一题", "Last") },
  ]);
  const s = new Session(makeCtx(qn), lang);
  s.begin();
  s.send("1"); // first = yes
  expect(s.question?.questionId).toBe(q.id);
  return s;
}

/** Sends bad input; checks the error text, that the question is re-asked, and nothing recorded. */
function expectReprompt(s: Session, input: string, error: string | RegExp): void {
  const before = s.events.length;
  const replies = s.send(input);
  const err = replies.find((m) => m.kind === "error");
  expect(err, `no error for ${JSON.stringify(input)}: ${JSON.stringify(replies)}`).toBeDefined();
  if (typeof error === "string") expect(err?.text).toBe(error);
  else expect(err?.text).toMatch(error);
  expect(replies[replies.length - 1]?.kind).toBe("question");
  expect(s.events.slice(before).filter((e) => e.type === "AnswerRecorded")).toEqual([]);
  expect(s.answers["first"]).toEqual({ kind: "bool", value: true });
}

const recorded = (s: Session, id: string) => s.answers[id];

const SINGLE: QuestionDefinition = {
  id: "trend",
  type: "single",
  label: L("和一年前比？", "Compared with a year ago?"),
  options: opts(["better", "变好了", "Better"], ["same", "差不多", "About the same"], ["worse", "变差了", "Worse"]),
};

describe("single choice", () => {
  it.each([
    ["2", "same"],
    ["２", "same"],
    ["二", "same"],
    ["第二个", "same"],
    ["差不多", "same"],
    ["  差不多。 ", "same"],
    ["about the same", "same"],
    ["ABOUT THE SAME", "same"],
    ["2. 差不多", "same"],
    ["3", "worse"],
  ])("accepts %j", (input, option) => {
    const s = at(SINGLE);
    s.send(input);
    expect(recorded(s, "trend")).toEqual({ kind: "choice", option });
    expect(s.question?.questionId).toBe("last");
  });

  it("accepts the button", () => {
    const s = at(SINGLE);
    s.tap("变差了");
    expect(recorded(s, "trend")).toEqual({ kind: "choice", option: "worse" });
  });

  it("re-prompts in zh-CN and en", () => {
    const zh = at(SINGLE, "zh-CN");
    for (const bad of ["4", "0", "随便", "", "   ", "1 2"]) expectReprompt(zh, bad, "请点一个按钮，或者回复 1 到 3 的数字。");
    const en = at(SINGLE, "en");
    for (const bad of ["4", "whatever", "第九"]) expectReprompt(en, bad, "Please tap one of the buttons or type a number from 1 to 3.");
  });

  it("cannot be skipped when required, can when optional", () => {
    const s = at(SINGLE);
    s.send("跳过");
    expect(s.text).toContain("这道题需要回答，不能跳过。");
    expect(s.question?.questionId).toBe("trend");
    const en = at(SINGLE, "en");
    en.send("/skip");
    expect(en.text).toContain("This question needs an answer. It cannot be skipped.");

    const opt = at({ ...SINGLE, required: false });
    expect(opt.option("跳过").key).toBe("0");
    opt.send("0");
    expect(recorded(opt, "trend")).toBeUndefined();
    expect(opt.events.at(-1)).toEqual({ type: "QuestionSkipped", waveId: "wave-1", questionId: "trend" });
    expect(opt.question?.questionId).toBe("last");
  });

  it("uses required_message when given", () => {
    const s = at({ ...SINGLE, required_message: L("请一定回答", "Please do answer") });
    s.send("/skip");
    expect(s.text).toContain("请一定回答");
  });

  it("asks for the text of an 'other, please specify' option", () => {
    const s = at({ ...SINGLE, options: [...SINGLE.options, { id: "other", specify: true, label: L("其他（请说明）", "Other") }] });
    s.send("4");
    expect(s.question?.text).toContain("您选了“其他（请说明）”，请简单写一下是什么：");
    expect(recorded(s, "trend")).toBeUndefined();
    expectReprompt(s, " ", "请写几个字说明一下。");
    expectReprompt(s, "长".repeat(201), "请写短一点，最多 200 个字。");
    s.send("说不好，时好时坏");
    expect(recorded(s, "trend")).toEqual({ kind: "choice", option: "other", other: "说不好，时好时坏" });

    const en = at({ ...SINGLE, options: [...SINGLE.options, { id: "other", specify: true, label: L("其他", "Other") }] }, "en");
    en.tap("Other");
    expect(en.question?.text).toContain('You chose "Other". Please say briefly what it is:');
    expectReprompt(en, "\u200b", "Please write a few words.");
    expectReprompt(en, "x".repeat(300), "Please keep it short: at most 200 characters.");
    en.send("/skip");
    expect(recorded(en, "trend")).toEqual({ kind: "choice", option: "other" });
  });
});

const SCALE: QuestionDefinition = {
  id: "feel",
  type: "scale5",
  label: L("您觉得安全吗？", "Do you feel safe?"),
  options: [
    ...opts(["vs", "很安全", "Very safe"], ["s", "安全", "Safe"], ["bs", "基本安全", "Fairly safe"], ["ns", "不太安全", "Not very safe"], ["u", "不安全", "Unsafe"]),
    { id: "dk", valid: false, label: L("说不清", "Don't know") },
  ],
};

describe("scale5", () => {
  it("accepts levels and don't know", () => {
    const s = at(SCALE);
    s.send("6");
    expect(recorded(s, "feel")).toEqual({ kind: "choice", option: "dk" });
    const t = at(SCALE);
    t.send("基本安全");
    expect(recorded(t, "feel")).toEqual({ kind: "choice", option: "bs" });
    const u = at(SCALE, "en");
    u.send("not very safe");
    expect(recorded(u, "feel")).toEqual({ kind: "choice", option: "ns" });
  });

  it("re-prompts in zh-CN and en", () => {
    expectReprompt(at(SCALE), "7", "请点一个按钮，或者回复 1 到 6 的数字。");
    expectReprompt(at(SCALE, "en"), "so-so", "Please tap one of the buttons or type a number from 1 to 6.");
  });
});

const YESNO: QuestionDefinition = { id: "victim", type: "yesno", label: L("受过侵害吗？", "Were you a victim?") };

describe("yesno", () => {
  it.each([
    ["是", true], ["对", true], ["有", true], ["yes", true], ["Y", true], ["1", true], ["１", true],
    ["否", false], ["不是", false], ["没有", false], ["no", false], ["n", false], ["2", false], ["二", false],
  ])("accepts %j", (input, value) => {
    const s = at(YESNO);
    s.send(input);
    expect(recorded(s, "victim")).toEqual({ kind: "bool", value });
  });

  it("accepts custom labels", () => {
    const s = at({ ...YESNO, yes_label: L("报了", "Reported"), no_label: L("没报", "Did not report") });
    expect(s.question?.options?.map((o) => o.label)).toEqual(["报了", "没报"]);
    s.send("did not report");
    expect(recorded(s, "victim")).toEqual({ kind: "bool", value: false });
  });

  it("re-prompts in zh-CN and en", () => {
    for (const bad of ["也许", "3", "0", "🙂"]) expectReprompt(at(YESNO), bad, "请点“是”或“否”，也可以直接回复“是”或“否”。");
    expectReprompt(at(YESNO, "en"), "maybe", 'Please tap "Yes" or "No", or type yes or no.');
  });
});

const MULTI: QuestionDefinition = {
  id: "hot",
  type: "multiple",
  max: 3,
  label: L("担心哪些问题？", "What worries you?"),
  options: [
    ...opts(["theft", "偷盗、入室盗窃", "Theft and burglary"], ["robbery", "抢劫", "Robbery"], ["fraud", "诈骗", "Fraud"], ["drugs", "毒品", "Drugs"]),
    { id: "other", specify: true, label: L("其他", "Other") },
    { id: "none", exclusive: true, label: L("都不担心", "None") },
  ],
};

describe("multiple", () => {
  it("toggles with buttons, edits in place, and finishes with Done", () => {
    const s = at(MULTI);
    const first = s.tap("抢劫");
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ kind: "question", editsPrevious: true, multi: true, questionId: "hot" });
    expect(first[0]?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["抢劫"]);
    s.tap("诈骗");
    s.tap("抢劫"); // untick
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["诈骗"]);
    expect(recorded(s, "hot")).toBeUndefined();
    s.tap("选好了");
    expect(recorded(s, "hot")).toEqual({ kind: "choices", options: ["fraud"] });
    expect(s.question?.questionId).toBe("last");
  });

  it.each([["1 3"], ["1,3"], ["1、3"], ["１，３"], ["偷盗、入室盗窃、诈骗"], ["theft and burglary, fraud"], ["一、三"]])(
    "accepts the typed list %j at once",
    (input) => {
      const s = at(MULTI);
      s.send(input);
      expect(recorded(s, "hot")).toEqual({ kind: "choices", options: ["theft", "fraud"] });
    },
  );

  it("toggles by typed single numbers, then 0 to finish", () => {
    const s = at(MULTI);
    s.send("2");
    s.send("４");
    expect(s.question?.editsPrevious).toBe(true);
    s.send("0");
    expect(recorded(s, "hot")).toEqual({ kind: "choices", options: ["robbery", "drugs"] });
  });

  it("enforces max and min, in zh-CN and en", () => {
    const s = at(MULTI);
    s.send("1");
    s.send("2");
    s.send("3");
    const replies = s.send("4");
    expect(replies[0]).toMatchObject({ kind: "error", text: "最多只能选 3 项。" });
    expect(s.question?.options?.filter((o) => o.selected)).toHaveLength(3);
    expectReprompt(at(MULTI), "1 2 3 4", "最多只能选 3 项。");
    expectReprompt(at(MULTI, "en"), "1 2 3 4", "You can choose at most 3.");
    expectReprompt(at(MULTI), "0", "请至少选 1 项，再点“选好了”。");
    expectReprompt(at(MULTI, "en"), "done", 'Please choose at least 1, then tap "Done".');
  });

  it("re-prompts on nonsense in zh-CN and en", () => {
    for (const bad of ["9", "1 9", "随便", "1 1a"]) {
      expectReprompt(at(MULTI), bad, "请点选项，或者回复编号（比如：1 3 5），选好后点“选好了”或回复 0。");
    }
    expectReprompt(at(MULTI, "en"), "lots", 'Please tap the options or type their numbers (for example: 1 3 5), then tap "Done" or type 0.');
  });

  it("makes 'none of these' exclusive", () => {
    const s = at(MULTI);
    s.send("1");
    s.send("6");
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["都不担心"]);
    s.send("2");
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["抢劫"]);
    expectReprompt(at(MULTI), "1 6", /请点选项/);
  });

  it("asks to specify 'other' after Done", () => {
    const s = at(MULTI);
    s.send("1 5");
    expect(s.question?.text).toContain("您选了“其他”，请简单写一下是什么：");
    s.send("电动车被偷");
    expect(recorded(s, "hot")).toEqual({ kind: "choices", options: ["theft", "other"], other: "电动车被偷" });
  });

  it("tapping an option while 'other' text is awaited goes back to choosing, ticks kept", () => {
    const s = at(MULTI);
    s.send("1 5");
    // The specify prompt has no options; the resident taps the question message above it.
    s.press(s.history.filter((m) => m.options?.length).at(-1)!.options![2]!.payload);
    expect(s.question?.options?.filter((o) => o.selected).map((o) => o.label)).toEqual(["偷盗、入室盗窃", "诈骗", "其他"]);
    s.send("0");
    expect(s.question?.text).toContain("请简单写一下是什么");
  });

  it("optional multiple: Done with nothing ticked skips", () => {
    const s = at({ ...MULTI, required: false });
    s.tap("选好了");
    expect(recorded(s, "hot")).toBeUndefined();
    expect(s.events.at(-1)).toMatchObject({ type: "QuestionSkipped", questionId: "hot" });
  });
});

const NUMBER: QuestionDefinition = { id: "age", type: "number", min: 18, max: 120, label: L("您多大年纪？", "How old are you?") };

describe("number", () => {
  it.each([["65", 65], ["６５", 65], ["六十五", 65], ["65岁", 65], ["六十五岁", 65], ["一百", 100], ["18", 18]])("accepts %j", (input, value) => {
    const s = at(NUMBER);
    s.send(input);
    expect(recorded(s, "age")).toEqual({ kind: "number", value });
  });

  it("re-prompts in zh-CN and en", () => {
    expectReprompt(at(NUMBER), "很老了", "请回复一个数字，比如：69。");
    expectReprompt(at(NUMBER), "17", "请回复 18 到 120 之间的数字。");
    expectReprompt(at(NUMBER), "121", "请回复 18 到 120 之间的数字。");
    expectReprompt(at(NUMBER), "30.5", "请回复整数，不要带小数。");
    expectReprompt(at(NUMBER, "en"), "old", "Please type a number, for example: 69.");
    expectReprompt(at(NUMBER, "en"), "200", "Please type a number from 18 to 120.");
    expectReprompt(at(NUMBER, "en"), "30.5", "Please type a whole number, without decimals.");
    expectReprompt(at({ ...NUMBER, max: undefined }), "3", "请回复不小于 18 的数字。");
    expectReprompt(at({ ...NUMBER, min: undefined }, "en"), "300", "Please type a number of at most 120.");
  });

  it("allows decimals when integer is false and checks the constraint", () => {
    const s = at({ id: "hours", type: "number", integer: false, label: L("几小时", "Hours"), constraint: ". != 13", constraint_message: L("不能是13", "Not 13") });
    expectReprompt(s, "13", "不能是13");
    s.send("2.5");
    expect(recorded(s, "hours")).toEqual({ kind: "number", value: 2.5 });
    expectReprompt(at({ id: "n", type: "number", label: L("数", "N"), constraint: ". > 1" }, "en"), "1", "This answer is not accepted. Please read the question again.");
  });

  it("optional: the skip button and the skip word", () => {
    const s = at({ ...NUMBER, required: false });
    const skip = s.option("跳过");
    expect(skip.key).toBe("跳过");
    s.send("跳过");
    expect(s.events.at(-1)).toMatchObject({ type: "QuestionSkipped", questionId: "age" });
  });
});

const TEXT: QuestionDefinition = { id: "advice", type: "text", max_length: 20, suggestion: true, required: false, label: L("有什么建议？", "Any suggestions?") };

describe("text", () => {
  it("records the text and a suggestion event", () => {
    const s = at(TEXT);
    s.send("  晚上多巡逻  ");
    expect(recorded(s, "advice")).toEqual({ kind: "text", value: "晚上多巡逻" });
    expect(s.events.filter((e) => e.type === "SuggestionSubmitted")).toEqual([
      { type: "SuggestionSubmitted", waveId: "wave-1", questionId: "advice", text: "晚上多巡逻" },
    ]);
  });

  it("re-prompts in zh-CN and en", () => {
    expectReprompt(at(TEXT), "太".repeat(21), "字数太多了：最多 20 个字，您写了 21 个字。请删短一点再发。");
    expectReprompt(at(TEXT, "en"), "x".repeat(25), "That is too long: at most 20 characters, and yours has 25. Please shorten it.");
    expectReprompt(at({ ...TEXT, required: true }), "\u200b", "请直接打字回复。");
    expectReprompt(at({ ...TEXT, required: true }, "en"), "   ", "Please type your answer.");
    expectReprompt(at({ ...TEXT, constraint: "string-length(.) >= 3", constraint_message: L("至少写3个字", "At least 3 characters") }), "好", "至少写3个字");
  });

  it("skips an optional text with 0, the button, or the word", () => {
    for (const how of ["0", "button", "跳过"]) {
      const s = at(TEXT);
      if (how === "button") s.tap("跳过");
      else s.send(how);
      expect(s.events.at(-1)?.type === "QuestionSkipped" || s.events.some((e) => e.type === "QuestionSkipped")).toBe(true);
      expect(recorded(s, "advice")).toBeUndefined();
    }
  });

  it("a huge text is refused, not truncated silently", () => {
    expectReprompt(at(TEXT), "长".repeat(50_000), /^字数太多了：最多 20 个字/);
  });
});

const REGION: QuestionDefinition = { id: "where", type: "region", depth: 2, label: L("您住在哪里？", "Where do you live?") };

describe("region", () => {
  it("cascades level by level with buttons", () => {
    const s = at(REGION);
    expect(s.question?.options?.map((o) => o.label)).toEqual(["城关镇", "河口乡", "新区"]);
    const level2 = s.tap("城关镇");
    expect(level2[0]).toMatchObject({ kind: "question", editsPrevious: true });
    expect(s.question?.text).toContain("城关镇");
    expect(s.question?.options?.map((o) => o.label)).toEqual(["东街社区", "西街社区", "返回上一级"]);
    s.tap("西街社区");
    expect(recorded(s, "where")).toEqual({ kind: "region", code: "110101002", path: ["110101", "110101002"] });
  });

  it("accepts typed numbers and names in any language, and stops at a leaf", () => {
    const s = at(REGION, "en");
    s.send("hekou township");
    s.send("2");
    expect(recorded(s, "where")).toEqual({ kind: "region", code: "110102002", path: ["110102", "110102002"] });
    const leaf = at(REGION);
    leaf.send("新区");
    expect(recorded(leaf, "where")).toEqual({ kind: "region", code: "110103", path: ["110103"] });
  });

  it("goes up a level with the button, 0 or /back", () => {
    const s = at(REGION);
    s.send("1");
    s.tap("返回上一级");
    expect(s.question?.options?.map((o) => o.label)).toEqual(["城关镇", "河口乡", "新区"]);
    s.send("1");
    s.send("返回");
    expect(s.question?.options?.[0]?.label).toBe("城关镇");
    s.send("2");
    s.send("0");
    expect(s.question?.options?.[0]?.label).toBe("城关镇");
  });

  it("re-prompts in zh-CN and en", () => {
    expectReprompt(at(REGION), "北京", "请点一个地名，或者回复 1 到 3 的数字。");
    const en = at(REGION, "en");
    en.send("1");
    expectReprompt(en, "9", "Please tap a place name or type a number from 1 to 2.");
  });

  it("is left out when no regions are configured", () => {
    const qn = miniQuestionnaire([{ id: "first", type: "yesno", label: L("第一题", "First") }, REGION]);
    const s = new Session(makeCtx(qn, { regions: [] }));
    s.begin();
    expect(s.question?.text).toContain("（1/1）");
    s.send("是");
    expect(s.events.some((e) => e.type === "ResponseCompleted")).toBe(true);
  });
});

describe("note", () => {
  it("is shown as information before the next question", () => {
    const qn = miniQuestionnaire([
      { id: "first", type: "yesno", label: L("第一题", "First") },
      { id: "n1", type: "note", label: L("下面问满意度。", "Now about satisfaction.") },
      { id: "second", type: "yesno", label: L("第二题", "Second") },
    ]);
    const s = new Session(makeCtx(qn));
    s.begin();
    expect(s.question?.text).toContain("（1/2）");
    const replies = s.send("是");
    expect(replies.map((m) => m.kind)).toEqual(["info", "question"]);
    expect(replies[0]?.text).toBe("下面问满意度。");
  });
});
