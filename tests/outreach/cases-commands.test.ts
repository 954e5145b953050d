/**
 * Case feedback through the ConversationRunner: the officers' `/case` command (and that residents
 * cannot use it), notifications in the reporter's language through a push function, the rating
 * asked after closing and read from a typed digit, "My cases", reporting a concern in the
 * dialogue, retries of undelivered updates, and the satisfaction figure.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PushResult } from "../../core/channel.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import { CaseNotifier, caseFeedbackSatisfaction, casesMenuHandler, normalizeCaseCode, parseCaseStatus, ratingPromptVia, residentCode } from "../../core/outreach/cases.js";
import { caseStaffCommand } from "../../core/outreach/cases-commands.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";

interface Pushed {
  platform: string;
  chatId: string;
  lang: Lang;
  messages: OutMessage[];
}

let fx: SurveyFixture;
let runner: ConversationRunner;
let notifier: CaseNotifier;
const pushed: Pushed[] = [];
/** Chats whose pushes fail (retryable), to test retries. */
const unreachable = new Set<string>();

beforeAll(async () => {
  fx = await surveyFixture();
  notifier = new CaseNotifier({
    store: fx.store,
    push: async (platform, chatId, lang, messages): Promise<PushResult> => {
      if (unreachable.has(chatId)) return { ok: false, error: "page closed", permanent: false };
      pushed.push({ platform, chatId, lang, messages });
      return { ok: true };
    },
    askRating: (identity, code, updateId) => ratingPromptVia(runner)(identity, code, updateId),
  });
  runner = new ConversationRunner({
    store: fx.store,
    staffCommands: [caseStaffCommand({ store: fx.store, notifier })],
    menuHandlers: { cases: casesMenuHandler(fx.store) },
  });
  await fx.store.setRole("test", "officer-li", "officer");
});
afterAll(async () => {
  await fx?.close();
});

let n = 0;
const say = async (user: string, text: string, lang = "zh-CN") => {
  const reply = await runner.handle({ platform: "test", platformUserId: user, chatId: `chat-${user}`, messageId: `c${++n}`, langCode: lang, input: { kind: "text", text } });
  return reply.messages.map((m) => [m.text, ...(m.options ?? []).map((o) => `${o.key}. ${o.label}`)].join("\n")).join("\n");
};
const tap = async (user: string, payload: string) => {
  const reply = await runner.handle({ platform: "test", platformUserId: user, chatId: `chat-${user}`, messageId: `c${++n}`, input: { kind: "button", payload } });
  return reply.messages.map((m) => m.text).join("\n");
};
const pushedTo = (user: string) => pushed.filter((p) => p.chatId === `chat-${user}`);
const codeIn = (text: string) => /([A-Z0-9]{6})/.exec(text)?.[1] ?? "";

describe("/case for officers", () => {
  it("is refused to residents, politely and in their language, creating nothing", async () => {
    await say("wang", "/start");
    const cases = await fx.store.listCases();
    expect(await say("wang", "/case new telegram:1 电动车被盗")).toMatch(/只有民警和工作人员可以使用/);
    expect(await say("ann", "/case update ABC234 closed", "en")).toMatch(/only officers and staff can use/);
    expect(await fx.store.listCases()).toEqual(cases);
  });

  it("registers a case by resident code and tells the resident in their language", async () => {
    await say("ann", "/start", "en");
    const ann = await fx.store.findIdentity("test", "ann");
    const code = residentCode(ann!.residentId);
    const reply = await say("officer-li", `/case new ${code.toLowerCase()} Bicycle stolen near the market`);
    expect(reply).toContain("已登记案件");
    expect(reply).toContain("已通知报案人（test）");
    const caseCode = codeIn(reply.split("已登记案件 ")[1] ?? "");
    const kase = await fx.store.getCaseByCode(caseCode);
    expect(kase).toMatchObject({ reporterId: ann!.residentId, status: "received", title: "Bicycle stolen near the market" });
    const note = pushedTo("ann").at(-1);
    expect(note?.lang).toBe("en");
    expect(note?.messages[0]?.text).toBe(`The police have registered your case, No. ${caseCode}: Bicycle stolen near the market\nWe will tell you here when there is news. You can also find it in the menu under "Report a concern · My cases".`);
  });

  it("registers by platform:user-id, posts progress with a note, and closes with a rating the resident types", async () => {
    await say("zhao", "/start");
    const created = await say("officer-li", "/case 登记 test:zhao 家门锁被撬，丢了现金");
    const code = codeIn(created.split("已登记案件 ")[1] ?? "");
    expect(await say("officer-li", `/case update ${code} investigating 已调取小区监控，正在比对`)).toContain("案件 " + code + " 已更新为“正在调查”。");
    expect(pushedTo("zhao").at(-1)?.messages[0]?.text).toBe(`您的案件 ${code}（家门锁被撬，丢了现金）有新进展：正在调查。\n民警留言：已调取小区监控，正在比对`);

    // The resident is in the middle of the survey when the case closes.
    await say("zhao", "同意");
    const before = pushedTo("zhao").length;
    expect(await say("officer-li", `/case update ${code} 已办结 嫌疑人已抓获，现金已追回`)).toContain("已通知报案人");
    const [update, rating] = pushedTo("zhao").slice(before);
    expect(update?.messages[0]?.text).toContain("有新进展：已办结。");
    expect(rating?.messages[0]?.text).toContain(`您的案件 ${code} 已经办结。您对民警的处理满意吗？`);
    expect(rating?.messages[0]?.options?.map((o) => o.key)).toEqual(["5", "4", "3", "2", "1"]);
    // A typed digit is the rating (not an answer to the survey question), then the survey goes on.
    const after = await say("zhao", "4");
    expect(after).toContain("谢谢您的评价！");
    expect(after).toContain("（1/17）");
    expect((await fx.store.getCaseByCode(code))?.rating).toBe(4);
    expect((await fx.store.getResponse((await fx.store.findIdentity("test", "zhao"))!.residentId, fx.wave.id))?.answers).toEqual({});
  });

  it("answers mistakes with help: unknown resident, case or status, missing title, usage, list and show", async () => {
    expect(await say("officer-li", "/case new NOPE1234 丢了手机")).toContain("找不到群众“NOPE1234”");
    expect(await say("officer-li", "/case new test:nobody 丢了手机")).toContain("找不到群众");
    expect(await say("officer-li", "/case new test:zhao")).toContain("请写上案件标题");
    expect(await say("officer-li", "/case update ZZZ222 closed")).toContain("找不到案件 ZZZ222");
    expect(await say("officer-li", "/case update ZZZ222 done")).toContain("状态只能是");
    expect(await say("officer-li", "/case")).toContain("/case new <群众编号 或 平台:账号> <案件标题>");
    expect(await say("officer-li", "/case list")).toContain("您经手的未结案件：");
    const [open] = await fx.store.listCases({ statuses: ["received"] });
    expect(await say("officer-li", `/case show ${open!.code.toLowerCase()}`)).toContain(`案件 ${open!.code}：`);
  });

  it("parses codes and statuses the way officers type them", () => {
    expect(normalizeCaseCode(" k7m-3pq ")).toBe("K7M3PQ");
    expect(normalizeCaseCode("k7")).toBeUndefined();
    expect(parseCaseStatus("Closed")).toBe("closed");
    expect(parseCaseStatus("調查中")).toBe("investigating");
    expect(parseCaseStatus("done")).toBeUndefined();
  });
});

describe("the resident's side", () => {
  it("reports a concern in the dialogue and finds it, with their resident code, under My cases", async () => {
    await say("sun", "/start");
    await say("sun", "菜单");
    expect(await say("sun", "3")).toContain("您还没有报过案，也没有反映过情况。");
    await say("sun", "1");
    const received = await say("sun", "今天下午在菜市场，有人冒充社区干部上门收“卫生费”");
    expect(received).toMatch(/收到了！已为您登记，编号 [A-Z0-9]{6}。/);
    const code = /编号 ([A-Z0-9]{6})/.exec(received)?.[1] ?? "";
    const sun = await fx.store.findIdentity("test", "sun");
    expect(await fx.store.getCaseByCode(code)).toMatchObject({ reporterId: sun!.residentId, status: "received" });

    const list = await say("sun", "3");
    expect(list).toContain(`1. 编号 ${code}：今天下午在菜市场，有人冒充社区干部上门收“卫生费”`);
    expect(list).toContain("状态：已受理");
    expect(list).toContain(`您的群众编号：${residentCode(sun!.residentId)}`);
    expect(list).toContain("1. 我要反映情况\n2. 回主菜单");
    // The concern was confirmed in the dialogue: nothing is pushed for it.
    expect(pushedTo("sun")).toEqual([]);

    await say("officer-li", `/case update ${code} solved 已查明，是冒充人员`);
    await say("sun", "2");
    const after = await say("sun", "3");
    expect(after).toContain("状态：已破案");
    expect(after).toContain("最新进展：已查明，是冒充人员");
  });

  it("keeps undelivered updates and delivers them later, in order", async () => {
    await say("qian", "/start");
    const qian = await fx.store.findIdentity("test", "qian");
    unreachable.add("chat-qian");
    const created = await say("officer-li", `/case new ${residentCode(qian!.residentId)} 电瓶被偷`);
    expect(created).toContain("暂时没能通知到报案人（test: page closed）。系统会稍后再试");
    const code = codeIn(created.split("已登记案件 ")[1] ?? "");
    await say("officer-li", `/case update ${code} investigating`);
    expect(pushedTo("qian")).toEqual([]);
    expect((await notifier.deliverPending()).delivered).toBe(0);

    unreachable.delete("chat-qian");
    const round = await notifier.deliverPending();
    expect(round.delivered).toBeGreaterThanOrEqual(2);
    const texts = pushedTo("qian").map((p) => p.messages[0]?.text ?? "");
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^民警已为您登记案件，编号/);
    expect(texts[1]).toMatch(new RegExp(`^您的案件 ${code}（电瓶被偷）有新进展：正在调查。`));
    expect((await notifier.deliverPending()).delivered).toBe(0);
  });

  it("rates with a button too, and an officer's own case gets plain rating buttons", async () => {
    const officer = await fx.store.findIdentity("test", "officer-li");
    const created = await say("officer-li", `/case new ${residentCode(officer!.residentId)} 自己的自行车被偷`);
    const code = codeIn(created.split("已登记案件 ")[1] ?? "");
    // setRole created the officer's account with its own id as the chat.
    const own = () => pushed.filter((p) => p.chatId === "officer-li");
    const before = own().length;
    expect(await say("officer-li", `/case update ${code} closed`)).toContain("已通知报案人");
    const [, rating] = own().slice(before);
    expect(rating?.messages[0]?.options?.[0]?.payload).toBe(`k:${code}:5`);
    expect(await tap("officer-li", `k:${code}:5`)).toContain("谢谢您的评价！");
    expect((await fx.store.getCaseByCode(code))?.rating).toBe(5);
  });
});

describe("caseFeedbackSatisfaction", () => {
  it("computes the response rate, the satisfied share and the index of closed cases", () => {
    const cases = [
      { status: "closed", rating: 5 },
      { status: "closed", rating: 4 },
      { status: "closed", rating: 2 },
      { status: "closed", rating: 3 },
      { status: "closed", rating: null },
      { status: "investigating", rating: null },
      { status: "received", rating: 1 },
    ];
    const figure = caseFeedbackSatisfaction(cases);
    expect(figure.closed).toBe(5);
    expect(figure.rated).toBe(4);
    expect(figure.responseRate).toMatchObject({ n: 5, numerator: 4, value: 0.8 });
    expect(figure.rate).toMatchObject({ n: 4, numerator: 3, value: 0.75 });
    expect(figure.distribution).toEqual([
      { rating: 5, count: 1 },
      { rating: 4, count: 1 },
      { rating: 3, count: 1 },
      { rating: 2, count: 1 },
      { rating: 1, count: 0 },
    ]);
    expect(figure.meanRating).toBe(3.5);
    // Scores 100, 80, 40, 60: mean 70, sd 25.82, t(0.975; 3) = 3.1824.
    expect(figure.index?.mean).toBe(70);
    expect(figure.index?.ci.lower).toBeCloseTo(70 - (3.182446 * 25.819889) / 2, 3);
    expect(caseFeedbackSatisfaction(cases, { rateTop: 2 }).rate?.numerator).toBe(2);
  });

  it("has no figures without closed or rated cases", () => {
    expect(caseFeedbackSatisfaction([])).toMatchObject({ closed: 0, rated: 0, responseRate: null, rate: null, index: null, meanRating: null });
    expect(caseFeedbackSatisfaction([{ status: "closed", rating: 4 }]).index).toBeNull();
    expect(() => caseFeedbackSatisfaction([], { rateTop: 0 })).toThrow(RangeError);
  });
});
