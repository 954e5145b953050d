/**
 * Spot checks re-asked in chat, end to end as `anxin start` runs them (config → channels →
 * runner → engine → store), with the web chat and the fake Telegram Bot API: residents who
 * completed the survey are drawn with method `chat`, an admin queues the re-checks, the running
 * app's re-check service pushes two of their closed questions in their language, and their
 * replies record the outcome:
 *
 * 1. the same answers (web, tapped) → consistent;
 * 2. different answers (Telegram buttons) → inconsistent, both answers recorded;
 * 3. declining → unreachable;
 * 4. garbage first → re-prompted in their language, nothing recorded; no reply in time → unreachable;
 * 5. a redelivered reply is processed once;
 * 6. the survey's answers are unchanged afterwards (checked in every case);
 * 7. a resident who opted out of messages gets nothing;
 * and a question that could not be delivered leaves the resident where they were and is sent
 * again later.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { describeAnswer } from "../../core/engine/questions/describe.js";
import type { AnswerValue, Lang, OutMessage } from "../../core/engine/types.js";
import { drawSpotChecks } from "../../core/admin/spot-checks.js";
import { ChatRechecker, chooseRecheckQuestions, expireChatRechecks, queueChatRechecks, recheckKey } from "../../core/admin/spot-check-chat.js";
import { pushVia } from "../../core/outreach/cases.js";
import type { SpotCheckRecord, WaveRecord } from "../../core/model/index.js";
import { AutoResident } from "../support/auto-resident.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { buttonsOf, channelsConnected, isDelivery, SurveyDriver, TEST_SECRET } from "../telegram/support.js";
import { ApiClient } from "../web/support.js";

const qn = loadDefaultQuestionnaire();
let tg: FakeTelegram;
let app: RunningApp;
let wave: WaveRecord;
let dir: string;

const interval = process.env.SPOT_CHECK_CHAT_INTERVAL_SECONDS;

beforeAll(async () => {
  // The tests run the rounds themselves: the app's own timer stays out of the way.
  process.env.SPOT_CHECK_CHAT_INTERVAL_SECONDS = "3600";
  tg = await FakeTelegram.start();
  dir = mkdtempSync(join(tmpdir(), "anxin-recheck-"));
  app = await startApp(
    loadConfig({
      DATABASE_URL: `file:${join(dir, "anxin.db")}`,
      DATA_DIR: dir,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "silent",
      APP_SECRET: TEST_SECRET,
      TELEGRAM_BOT_TOKEN: tg.token,
      TELEGRAM_API_ROOT: tg.apiRoot,
    }),
  );
  await channelsConnected(app.channels);
  wave = (await app.store.currentWave(new Date())) as WaveRecord;
});
afterAll(async () => {
  await app?.close();
  await tg?.stop();
  rmSync(dir, { recursive: true, force: true });
  if (interval === undefined) delete process.env.SPOT_CHECK_CHAT_INTERVAL_SECONDS;
  else process.env.SPOT_CHECK_CHAT_INTERVAL_SECONDS = interval;
});

type WebMessage = { kind: string; text: string; options?: { key: string; label: string; payload: string }[]; questionId?: string };
const messagesOf = (body: Record<string, unknown>): WebMessage[] => (Array.isArray(body.messages) ? (body.messages as WebMessage[]) : []);

/** A web resident who completed the survey (answers chosen by a seeded scripted resident). */
async function webResident(lang: Lang, seed: number): Promise<{ client: ApiClient; residentId: string }> {
  const client = new ApiClient(app.url, lang);
  await client.session({});
  const auto = new AutoResident(qn, [], seed, "tap");
  let messages = messagesOf((await client.send({ kind: "open" })).body);
  for (let turn = 0; turn < 80; turn++) {
    const planned = auto.plan(messages as OutMessage[]);
    if (!planned) throw new Error(`nothing to answer in ${JSON.stringify(messages)}`);
    messages = messagesOf((await client.send(planned.input as unknown as Record<string, unknown>)).body);
    const asked = messages.some((m) => m.kind === "question");
    auto.acknowledge(planned, !asked && turn > 0);
    if (!asked && turn > 0) break;
  }
  const sid = client.cookie?.split("=")[1]?.split(".")[0] ?? "";
  const identity = await app.store.findIdentity("web", sid);
  if (!identity) throw new Error("no web identity");
  expect((await app.store.getResponse(identity.residentId, wave.id))?.status).toBe("completed");
  return { client, residentId: identity.residentId };
}

/** Draws (method chat) and queues the newly completed responses; returns this resident's spot check. */
async function drawAndQueue(residentId: string): Promise<SpotCheckRecord> {
  await drawSpotChecks(app.store, { waveId: wave.id, share: 1, minPerStratum: 0, method: "chat", seed: "e2e", now: new Date() });
  const response = await app.store.getResponse(residentId, wave.id);
  const check = (await app.store.listSpotChecks(wave.id)).find((c) => c.responseId === response?.id);
  if (!check) throw new Error("not drawn");
  expect(check.method).toBe("chat");
  expect((await queueChatRechecks(app.store, { waveId: wave.id, now: new Date() })).queued).toBe(1);
  return check;
}

async function spotCheck(id: string): Promise<SpotCheckRecord> {
  const found = (await app.store.listSpotChecks(wave.id)).find((c) => c.id === id);
  if (!found) throw new Error(`no spot check ${id}`);
  return found;
}

async function answersOf(residentId: string): Promise<Record<string, unknown>> {
  return (await app.store.getResponse(residentId, wave.id))?.answers ?? {};
}

/** The pushes waiting for a (closed) web page. */
async function inbox(client: ApiClient): Promise<{ lang: string; messages: WebMessage[] }[]> {
  const response = await fetch(`${app.url}/web/api/poll`, { headers: { cookie: client.cookie ?? "" } });
  return response.status === 204 ? [] : ((await response.json()) as { pushes: { lang: string; messages: WebMessage[] }[] }).pushes;
}

/** The option of a re-check question that repeats the stored answer. */
function sameOption(question: WebMessage, stored: Record<string, unknown>, lang: Lang): { payload: string } {
  const definition = qn.questions.find((q) => q.id === question.questionId);
  if (!definition) throw new Error(`unknown question ${question.questionId}`);
  const label = describeAnswer(lang, qn, definition, stored[definition.id] as AnswerValue, []);
  const option = question.options?.find((o) => o.label === label);
  if (!option) throw new Error(`no option "${label}" in ${JSON.stringify(question.options)}`);
  return option;
}

const recordAudits = async (id: string) => (await app.store.listAudit(1000)).filter((a) => a.target === id && a.action === "spotcheck.record");

describe("spot checks re-asked in chat", () => {
  it("web: the same answers → consistent, recorded once although the last reply came twice; the survey untouched", async () => {
    const { client, residentId } = await webResident("zh-CN", 11);
    const before = await answersOf(residentId);
    const check = await drawAndQueue(residentId);
    expect((await app.rechecks.runRound()).asked).toBe(1);

    const [push] = await inbox(client);
    expect(push?.lang).toBe("zh-CN");
    expect(push?.messages[0]?.text).toContain("为了核查这次调查的质量，请您把问卷中的 2 个问题再回答一次，大约需要 30 秒");
    const first = push?.messages[1] as WebMessage;
    expect(first.text).toMatch(/^（质量复核 1\/2）/);
    // The questions the spot check's seed and id choose, among those the resident answered.
    const chosen = chooseRecheckQuestions(qn, before, recheckKey(check)).map((q) => q.id);
    expect(first.questionId).toBe(chosen[0]);
    expect(first.options?.at(-1)?.label).toBe("不参加");

    const second = messagesOf((await client.send({ kind: "button", payload: sameOption(first, before, "zh-CN").payload })).body).find((m) => m.kind === "question") as WebMessage;
    expect(second.questionId).toBe(chosen[1]);
    const last = { kind: "button", payload: sameOption(second, before, "zh-CN").payload };
    const done = await client.send(last, "recheck-last-reply");
    expect(messagesOf(done.body).map((m) => m.text).join("\n")).toContain("谢谢您的配合！质量复核已完成。");
    const again = await client.send(last, "recheck-last-reply");
    expect(again.body).toMatchObject({ duplicate: true, messages: [] });

    const recorded = await spotCheck(check.id);
    expect(recorded).toMatchObject({ outcome: "consistent", verifier: "chat" });
    expect(recorded.notes).toMatch(/^聊天复核：一致。/);
    expect(recorded.recheck?.questions?.map((q) => [q.id, q.original, q.answer, q.same])).toEqual(chosen.map((id) => [id, before[id], before[id], true]));
    expect(await recordAudits(check.id)).toHaveLength(1);
    expect(await answersOf(residentId)).toEqual(before);
  });

  it("Telegram: different answers by button → inconsistent with both answers; the survey untouched", async () => {
    const user = { id: 6_400_000_001, first_name: "Ann", language_code: "en" };
    const driver = new SurveyDriver(tg, user);
    await driver.playFrom(await driver.act("first contact", () => tg.sendText(user, "/start")));
    const identity = await app.store.findIdentity("telegram", String(user.id));
    const residentId = identity?.residentId as string;
    const before = await answersOf(residentId);
    const check = await drawAndQueue(residentId);

    const since = tg.cursor();
    expect((await app.rechecks.runRound()).asked).toBe(1);
    const call = await tg.waitFor((c) => isDelivery(c, user.id) && /^\(Quality check 1\/2\) /.test(String(c.params.text)), 15_000, { since });
    const intro = tg.sentTo(user.id).find((m) => (m.text ?? "").startsWith("Hello! To check the quality of the survey, please answer 2 of its questions again."));
    expect(intro?.text).toContain("about 30 seconds");
    const first = tg.message(user.id, (call.result as Message).message_id) as Message;
    expect(buttonsOf(first).at(-1)?.text).toBe("Decline");
    // The driver answered the first option everywhere ("yes" to yes/no): option 2 differs.
    const second = await driver.press(first, (b) => b.payload.op === "recheckAnswer" && b.payload.option === 1);
    expect(second.text).toMatch(/^\(Quality check 2\/2\) /);
    await driver.press(second, (b) => b.payload.op === "recheckAnswer" && b.payload.option === 1);
    expect(tg.sentTo(user.id).some((m) => m.text === "Thank you for your help! The quality check is complete.")).toBe(true);

    const recorded = await spotCheck(check.id);
    expect(recorded).toMatchObject({ outcome: "inconsistent", verifier: "chat" });
    expect(recorded.recheck).toMatchObject({ status: "answered", platform: "telegram" });
    for (const q of recorded.recheck?.questions ?? []) {
      expect(q.original).toEqual(before[q.id]);
      expect(q.answer).not.toEqual(q.original);
      expect(q.same).toBe(false);
    }
    expect(recorded.notes).toMatch(/^聊天复核：不一致。.+原答“.+”，复核“.+”/);
    expect(await answersOf(residentId)).toEqual(before);
  });

  it("web: declining → unreachable", async () => {
    const { client, residentId } = await webResident("zh-TW", 12);
    const before = await answersOf(residentId);
    const check = await drawAndQueue(residentId);
    await app.rechecks.runRound();
    const [push] = await inbox(client);
    expect(push?.messages[0]?.text).toContain("為了核查這次調查的品質");
    const reply = await client.send({ kind: "text", text: "0" });
    expect(messagesOf(reply.body)[0]?.text).toBe("好的，不打擾您了。謝謝！");
    expect(await spotCheck(check.id)).toMatchObject({ outcome: "unreachable", verifier: "chat", notes: "聊天复核：居民不愿参加。", recheck: { status: "declined", reason: "declined" } });
    expect(await answersOf(residentId)).toEqual(before);
  });

  it("web: garbage is re-prompted in the resident's language and records nothing; no reply in time → unreachable", async () => {
    const { client, residentId } = await webResident("en", 13);
    const before = await answersOf(residentId);
    const check = await drawAndQueue(residentId);
    await app.rechecks.runRound();
    const [push] = await inbox(client);
    const question = push?.messages[1] as WebMessage;
    const reply = messagesOf((await client.send({ kind: "text", text: "blah ☂" })).body);
    expect(reply[0]?.kind).toBe("error");
    expect(reply[0]?.text).toMatch(/^Please tap /);
    expect(reply[1]).toMatchObject({ kind: "question", questionId: question.questionId });
    expect(reply[1]?.text).toMatch(/^\(Quality check 1\/2\) /);
    const pending = await spotCheck(check.id);
    expect(pending.outcome).toBeNull();
    expect(pending.recheck).toMatchObject({ status: "asked", platform: "web" });
    expect(pending.recheck?.deliveredAt).toBeDefined();

    // Nobody answers: after the reply period the scheduler (or `anxin sample expire`) records it.
    const later = new Date(Date.now() + 8 * 24 * 3600 * 1000);
    expect(await expireChatRechecks(app.store, { now: later, lang: "en" })).toEqual({ noReply: 1, notDelivered: 0 });
    expect(await spotCheck(check.id)).toMatchObject({ outcome: "unreachable", verifier: "chat", notes: "Chat re-check: no reply within 7 days.", recheck: { status: "expired" } });
    expect(await answersOf(residentId)).toEqual(before);
  });

  it("Telegram: a resident who opted out of messages gets nothing (the spot check stays open for a call)", async () => {
    const user = { id: 6_400_000_002, first_name: "李", language_code: "zh-hans" };
    const driver = new SurveyDriver(tg, user);
    await driver.playFrom(await driver.act("first contact", () => tg.sendText(user, "/start")));
    // "/stop": the reply, then the menu again (the message with buttons the driver waits for).
    await driver.type("/stop");
    const residentId = (await app.store.findIdentity("telegram", String(user.id)))?.residentId as string;
    expect((await app.store.getResident(residentId))?.optedOut).toBe(true);
    const check = await drawAndQueue(residentId);

    const quiet = tg.cursor();
    expect(await app.rechecks.runRound()).toMatchObject({ asked: 0, skipped: 1 });
    // Nothing is on its way either (a push would have been awaited by the round).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(tg.calls().slice(quiet).filter((c) => isDelivery(c, user.id))).toEqual([]);
    expect(await spotCheck(check.id)).toMatchObject({ outcome: null, verifier: null, recheck: { status: "skipped", reason: "opted_out" } });
    expect((await spotCheck(check.id)).notes).toBe("未通过聊天复核（居民已退订消息），可改为电话核实。");
    // Skipped is final for the chat: another round asks nothing.
    expect(await app.rechecks.runRound()).toMatchObject({ asked: 0, skipped: 0 });
  });

  it("Telegram: a push that fails leaves the resident where they were (the menu offers the re-check) and is sent again later", async () => {
    const user = { id: 6_400_000_003, first_name: "王", language_code: "zh-hans" };
    const driver = new SurveyDriver(tg, user);
    await driver.playFrom(await driver.act("first contact", () => tg.sendText(user, "/start")));
    const residentId = (await app.store.findIdentity("telegram", String(user.id)))?.residentId as string;
    const before = await answersOf(residentId);
    const check = await drawAndQueue(residentId);
    let clock = new Date();
    const rechecker = new ChatRechecker({ store: app.store, runner: app.runner, push: pushVia(() => app.channels), platforms: () => app.channels.map((c) => c.platform), now: () => clock });

    tg.block(user.id);
    expect(await rechecker.runRound()).toMatchObject({ asked: 0, deferred: 1 });
    const failed = await spotCheck(check.id);
    expect(failed.recheck).toMatchObject({ status: "asked", attempts: 1 });
    expect(failed.recheck?.deliveredAt).toBeUndefined();
    expect(failed.recheck?.lastError).toMatch(/^telegram: /);
    const state = (await app.store.loadConversation(residentId))?.state as { mode: string; recheck?: { spotCheckId: string } };
    expect(state.mode).toBe("menu");
    expect(state.recheck?.spotCheckId).toBe(check.id);
    // Not before its time.
    expect(await rechecker.runRound()).toMatchObject({ asked: 0, deferred: 0 });

    // Unblocking tells the bot (my_chat_member), which makes the account reachable again.
    tg.unblock(user.id, { notify: true });
    for (let i = 0; i < 200 && !(await app.store.identitiesOf(residentId)).some((a) => a.reachable); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const menu = await driver.type("菜单");
    expect(buttonsOf(menu).at(-1)?.text).toBe("继续质量复核");
    clock = new Date(clock.getTime() + 61 * 60_000);
    const since = tg.cursor();
    expect(await rechecker.runRound()).toMatchObject({ asked: 1 });
    const call = await tg.waitFor((c) => isDelivery(c, user.id) && /^（质量复核 1\/2）/.test(String(c.params.text)), 15_000, { since });
    expect((await spotCheck(check.id)).recheck?.deliveredAt).toBe(clock.toISOString());
    const question = tg.message(user.id, (call.result as Message).message_id) as Message;
    // The driver answered the first option everywhere: tapping it again is consistent.
    const second = await driver.press(question, (b) => b.payload.op === "recheckAnswer" && b.payload.option === 0);
    await driver.press(second, (b) => b.payload.op === "recheckAnswer" && b.payload.option === 0);
    expect(await spotCheck(check.id)).toMatchObject({ outcome: "consistent", verifier: "chat", recheck: { status: "answered" } });
    expect(await answersOf(residentId)).toEqual(before);
  });
});
