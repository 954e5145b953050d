/**
 * A spot check re-asked on WeChat (wechaty-puppet-mock), where options are numbered lines and
 * residents type: the questions arrive as text with "0. 不参加"; a typed word that fits nothing
 * is re-prompted in Chinese; a typed digit and a typed label answer; the outcome is consistent
 * and the survey's answers are unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatRechecker, queueChatRechecks } from "../../core/admin/spot-check-chat.js";
import { drawSpotChecks } from "../../core/admin/spot-checks.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import type { AnswerValue, OutMessage } from "../../core/engine/types.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { AutoResident } from "../support/auto-resident.js";
import { resident, seededDatabase, startMockWechat, type MockWechat, type SeededDatabase } from "../wechat/harness.js";

const qn = loadDefaultQuestionnaire();
let seeded: SeededDatabase;
let wechat: MockWechat;
let runner: ConversationRunner;

beforeAll(async () => {
  seeded = await seededDatabase();
  runner = new ConversationRunner({ store: seeded.store, cacheMs: 0 });
  wechat = await startMockWechat(seeded.store, { runner });
});
afterAll(async () => {
  await wechat?.stop();
  await seeded?.close();
});

/** Waits (without a timer) until the inbox has a message matching `re` after `from`. */
async function until(inbox: string[], re: RegExp, from = 0): Promise<string> {
  for (let spins = 0; spins < 100_000; spins++) {
    const found = inbox.slice(from).find((text) => re.test(text));
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no message ${re} in:\n${inbox.join("\n---\n")}`);
}

/** What a resident types to give `answer` again: the option's number, or its label. */
function typed(questionId: string, answer: AnswerValue, asLabel: boolean): string {
  const question = qn.questions.find((q) => q.id === questionId);
  if (!question) throw new Error(questionId);
  if (answer.kind === "bool") return asLabel ? (answer.value ? "是" : "否") : answer.value ? "1" : "2";
  if (answer.kind !== "choice" || !("options" in question)) throw new Error(`not closed: ${questionId}`);
  const index = question.options.findIndex((o) => o.id === answer.option);
  return asLabel ? (question.options[index]?.label["zh-CN"] ?? "") : String(index + 1);
}

describe("spot checks re-asked on WeChat", () => {
  it("are read from typed numbers and words, garbage re-prompted, and recorded consistent", async () => {
    const wang = resident(wechat, "王阿姨");
    expect((await wang.say("你好")).join("\n")).toContain("您同意参加吗？");
    const identity = await seeded.store.findIdentity("wechat", wang.contact.id);
    if (!identity) throw new Error("no identity");
    // The survey, typed through the same runner the channel uses.
    const auto = new AutoResident(qn, [], 31, "type");
    let messages: OutMessage[] = [{ kind: "menu", text: "", options: [{ key: "1", label: "同意", payload: "c:y" }] }];
    for (let turn = 0; turn < 80; turn++) {
      const planned = auto.plan(messages);
      if (!planned) throw new Error("nothing to answer");
      messages = (await runner.handle({ platform: "wechat", platformUserId: identity.platformUserId, chatId: identity.chatId, messageId: `survey-${turn}`, input: planned.input })).messages;
      const asked = messages.some((m) => m.kind === "question");
      auto.acknowledge(planned, !asked && turn > 0);
      if (!asked && turn > 0) break;
    }
    const before = (await seeded.store.getResponse(identity.residentId, seeded.wave.id))?.answers ?? {};
    expect((await seeded.store.getResponse(identity.residentId, seeded.wave.id))?.status).toBe("completed");

    await drawSpotChecks(seeded.store, { waveId: seeded.wave.id, share: 1, minPerStratum: 0, method: "chat", seed: "wx", now: new Date() });
    expect((await queueChatRechecks(seeded.store, { waveId: seeded.wave.id, now: new Date() })).queued).toBe(1);
    const rechecker = new ChatRechecker({
      store: seeded.store,
      runner,
      push: (_platform, chatId, lang, out) => wechat.channel.push(chatId, lang, out),
      platforms: () => ["wechat"],
    });
    const from = wang.inbox.length;
    expect(await rechecker.runRound()).toMatchObject({ asked: 1 });
    const first = await until(wang.inbox, /（质量复核 1\/2）/, from);
    expect(first).toMatch(/\n0\. 不参加/);
    expect(wang.inbox.slice(from).join("\n")).toContain("为了核查这次调查的质量");

    const [check] = await seeded.store.listSpotChecks(seeded.wave.id);
    const [q1, q2] = check?.recheck?.questions ?? [];
    if (!q1 || !q2) throw new Error("no questions");
    const garbage = (await wang.say("今天天气不错")).join("\n");
    // WeChat shows numbered lines: the re-prompt asks for the number, not a tap.
    expect(garbage).toMatch(/^请回复/);
    expect(garbage).not.toMatch(/^请点/);
    expect(garbage).toContain("（质量复核 1/2）");
    expect((await seeded.store.listSpotChecks(seeded.wave.id))[0]?.outcome).toBeNull();

    expect((await wang.say(typed(q1.id, q1.original as AnswerValue, false))).join("\n")).toContain("（质量复核 2/2）");
    expect((await wang.say(typed(q2.id, q2.original as AnswerValue, true))).join("\n")).toContain("谢谢您的配合！质量复核已完成。");
    expect((await seeded.store.listSpotChecks(seeded.wave.id))[0]).toMatchObject({ outcome: "consistent", verifier: "chat", recheck: { status: "answered", platform: "wechat" } });
    expect((await seeded.store.getResponse(identity.residentId, seeded.wave.id))?.answers).toEqual(before);
  });
});
