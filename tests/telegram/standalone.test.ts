/**
 * The standalone bot as `anxin start` runs it (config → channel registry → grammY), against the
 * fake Bot API: long polling and webhook mode, a resident completing the default survey each time.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Message, Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import { TelegramChannel } from "../../bots/telegram/channel.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { contactUpdate, groupChat, myChatMemberUpdate, photoUpdate, stickerUpdate, user as buildUser } from "../support/telegram-updates.js";
import { buttonsOf, expectCompleted, freePort, hasInlineKeyboard, isDelivery, recordingLogger, SurveyDriver, TEST_SECRET } from "./support.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function startFake(): Promise<FakeTelegram> {
  const tg = await FakeTelegram.start();
  cleanups.push(() => tg.stop());
  return tg;
}

async function startAnxin(tg: FakeTelegram, env: Record<string, string> = {}): Promise<{ app: RunningApp; channel: TelegramChannel }> {
  const dir = mkdtempSync(join(tmpdir(), "anxin-tg-"));
  const config = loadConfig({
    DATABASE_URL: `file:${join(dir, "anxin.db")}`,
    DATA_DIR: dir,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "silent",
    APP_SECRET: TEST_SECRET,
    TELEGRAM_BOT_TOKEN: tg.token,
    TELEGRAM_API_ROOT: tg.apiRoot,
    ...env,
  });
  const app = await startApp(config);
  cleanups.push(() => app.close());
  const channel = app.channels.find((c): c is TelegramChannel => c instanceof TelegramChannel);
  if (!channel) throw new Error("startApp did not start the Telegram channel");
  // startApp does not wait for Telegram (it connects in the background); these tests start from a connected bot.
  if ((await channel.until("running", "failed")) !== "running") throw new Error("the Telegram channel did not connect");
  return { app, channel };
}

async function currentWave(app: RunningApp) {
  const wave = await app.store.currentWave(new Date());
  if (!wave) throw new Error("no wave");
  return wave;
}

const resident = { id: 6_100_000_001, first_name: "王", language_code: "zh-hans" };

describe("standalone Telegram bot, long polling", () => {
  it("takes a resident through the whole default survey and stores every answer", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("deep link", () => tg.sendText(resident, "/start survey"));
    expect(buttonsOf(consent).some((b) => b.payload.op === "consent")).toBe(true);
    const menu = await driver.playFrom(consent);
    expect(buttonsOf(menu).map((b) => b.payload.op)).toContain("menu");
    await expectCompleted(app.store, await currentWave(app), resident.id);

    // Plain text only: no parse_mode anywhere, so nothing can break a message.
    const sends = tg.calls().filter((c) => c.method === "sendMessage" || c.method === "editMessageText");
    expect(sends.every((c) => c.params.parse_mode === undefined)).toBe(true);
    // The multiple-choice question was edited in place, not re-sent per tap.
    expect(tg.calls("editMessageText").length).toBeGreaterThanOrEqual(2);
    // Every callback query was answered.
    for (const call of tg.calls("answerCallbackQuery")) expect(call.ok).toBe(true);
  });

  it("confirms an update to Telegram only once its turn is committed, so a crash mid-turn cannot lose it", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const handle = app.runner.handle.bind(app.runner);
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    cleanups.push(async () => release());
    let started = (): void => undefined;
    const turnStarted = new Promise<void>((resolve) => (started = resolve));
    app.runner.handle = async (message) => {
      started();
      await gate;
      return handle(message);
    };
    const since = tg.cursor();
    tg.sendText(resident, "/start");
    await turnStarted;
    // The turn is not committed: no new getUpdates has confirmed it, and Telegram still holds it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tg.pendingUpdates().map((u) => u.message?.text)).toEqual(["/start"]);
    expect(tg.calls("sendMessage").filter((c) => c.seq >= since)).toEqual([]);
    release();
    await tg.waitFor((c) => c.method === "sendMessage" && c.params.chat_id === resident.id, 5_000, { since });
    await tg.waitUntil(() => tg.pendingUpdates().length === 0, 5_000, "the update confirmed");
  });

  it("keeps polling through failed getUpdates calls (a dropped connection, a 502), then answers", async () => {
    const tg = await startFake();
    const dropped = tg.fail("getUpdates", { disconnect: true });
    const bad = tg.fail("getUpdates", { errorCode: 502 });
    await startAnxin(tg);
    const since = tg.cursor();
    tg.sendText(resident, "/start");
    await tg.waitFor((c) => c.method === "sendMessage" && c.params.chat_id === resident.id, 10_000, { since });
    expect([dropped.triggered, bad.triggered]).toEqual([1, 1]);
  });

  it("takes the resident's own shared contact as their phone number, refuses someone else's, then removes the keyboard", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const caller = { id: 6_100_000_009, first_name: "李", language_code: "zh-hans" };
    const driver = new SurveyDriver(tg, caller);
    const consent = await driver.act("deep link", () => tg.sendText(caller, "/start survey"));
    const question = await driver.playFrom(consent, { untilPhone: true });
    expect(question.text).toContain("最后，如果您愿意，请留一个联系电话");
    expect(buttonsOf(question).map((b) => b.payload.op)).toEqual(["skip"]);
    // Telegram's contact button, under the input field, comes in a short message after the question.
    const keyboard = await tg.waitUntil(() => tg.replyKeyboard(caller.id), 10_000, "the contact keyboard");
    expect(keyboard).toMatchObject({ keyboard: [[{ text: "📱 发送我的手机号", request_contact: true }]], one_time_keyboard: true, resize_keyboard: true });
    expect(tg.sentTo(caller.id).at(-1)?.text).toBe("也可以点下面的“📱 发送我的手机号”，直接发送这个 Telegram 账号绑定的号码。");
    const residentId = (await app.store.findIdentity("telegram", String(caller.id)))?.residentId ?? "";

    // Someone else's contact (an address-book entry): a polite refusal, nothing kept, still asked.
    let since = tg.cursor();
    tg.pushUpdate(contactUpdate(caller, "+8613600136000", { firstName: "邻居" }));
    const refusal = await tg.waitFor((c) => isDelivery(c, caller.id), 10_000, { since });
    expect(refusal.params.text).toBe("这是别人的联系方式，我们不会使用。如果愿意，请点“📱 发送我的手机号”，或者直接输入您自己的号码。");
    expect(await app.store.getResidentPhone(residentId)).toBeNull();
    expect(tg.replyKeyboard(caller.id)).toBeDefined();

    // Their own number through the button (Telegram sets user_id to the sender): taken.
    since = tg.cursor();
    tg.shareContact(caller, "8613900139000");
    await tg.waitFor((c) => isDelivery(c, caller.id) && hasInlineKeyboard(c.params.reply_markup), 10_000, { since });
    expect(await app.store.getResidentPhone(residentId)).toBe("13900139000");
    await expectCompleted(app.store, await currentWave(app), caller.id);
    // The first message after the question takes the contact keyboard away.
    const after = tg.calls("sendMessage").filter((c) => c.seq >= since && isDelivery(c, caller.id));
    expect(after[0]?.params).toMatchObject({ text: "谢谢！这个号码只用于回访核实几道题，不会和您的回答一起显示。", reply_markup: { remove_keyboard: true } });
    expect(after.slice(1).some((c) => (c.params.reply_markup as { remove_keyboard?: boolean } | undefined)?.remove_keyboard)).toBe(false);
  });

  it("registers the command menu per language for private chats", async () => {
    const tg = await startFake();
    await startAnxin(tg);
    const zh = tg.commandsFor({ type: "all_private_chats" }, "");
    const zhExplicit = tg.commandsFor({ type: "all_private_chats" }, "zh");
    const en = tg.commandsFor({ type: "all_private_chats" }, "en");
    expect(zh.map((c) => c.command)).toEqual(["survey", "menu", "back", "skip", "lang", "help", "privacy", "stop"]);
    expect(zhExplicit).toEqual(zh);
    expect(zh[0]?.description).toMatch(/问卷/);
    expect(en[0]?.description).toMatch(/survey/i);
    expect(tg.visibleCommands(resident.id, { languageCode: "en" })).toEqual(en);
    expect(tg.visibleCommands(-100_200, {})).toEqual([]);
  });

  it("answers photos and stickers with a hint, and links a group to the private chat once", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const english = { id: 6_100_000_002, first_name: "Ann", language_code: "en" };

    let since = tg.cursor();
    tg.pushUpdate(photoUpdate(english, { caption: "look" }));
    let hint = await tg.waitFor((c) => isDelivery(c, english.id), 10_000, { since });
    expect(hint.params.text).toMatch(/text or the buttons/);
    since = tg.cursor();
    tg.pushUpdate(stickerUpdate(resident));
    hint = await tg.waitFor((c) => isDelivery(c, resident.id), 10_000, { since });
    expect(hint.params.text).toMatch(/文字/);
    // Nobody was created for sending a picture.
    expect(await app.store.findIdentity("telegram", String(english.id))).toBeNull();

    const group = groupChat(-4_000_000_123);
    tg.addChat(group);
    tg.sendText(resident, "大家好", { chat: group });
    since = tg.cursor();
    tg.sendText(resident, "/start@anxin_test_bot", { chat: group });
    const link = await tg.waitFor((c) => isDelivery(c, group.id), 10_000, { since });
    const button = (link.params.reply_markup as { inline_keyboard: { url?: string }[][] }).inline_keyboard[0]?.[0];
    expect(button?.url).toBe("https://t.me/anxin_test_bot?start=survey");
    tg.sendText(resident, "/survey@anxin_test_bot", { chat: group });
    tg.sendText(resident, "@anxin_test_bot 你好", { chat: group });
    // A private message after the group chatter proves the group updates were consumed.
    since = tg.cursor();
    tg.sendText(english, "/help");
    await tg.waitFor((c) => isDelivery(c, english.id), 10_000, { since });
    await tg.waitUntil(() => tg.pendingUpdates().length === 0, 10_000, "updates consumed");
    expect(tg.calls("sendMessage").filter((c) => Number(c.params.chat_id) === group.id)).toHaveLength(1);
  });

  it("marks a resident who blocks the bot unreachable, and reachable again when they return", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const driver = new SurveyDriver(tg, resident);
    await driver.act("start", () => tg.sendText(resident, "/start"));
    const identity = await app.store.findIdentity("telegram", String(resident.id));
    expect(identity?.reachable).toBe(true);

    tg.block(resident.id, { notify: true });
    await tg.waitUntil(() => tg.pendingUpdates().length === 0, 10_000, "the block was delivered");
    await expect.poll(async () => (await app.store.findIdentity("telegram", String(resident.id)))?.reachable, { timeout: 10_000 }).toBe(false);

    tg.unblock(resident.id, { notify: true });
    await expect.poll(async () => (await app.store.findIdentity("telegram", String(resident.id)))?.reachable, { timeout: 10_000 }).toBe(true);
    // my_chat_member of someone we never talked to creates nobody.
    tg.pushUpdate(myChatMemberUpdate({ id: 6_100_000_099 }, buildUser({ id: Number(tg.token.split(":")[0]), is_bot: true }), "member", "kicked"));
    await tg.waitUntil(() => tg.pendingUpdates().length === 0, 10_000, "consumed");
    expect(await app.store.findIdentity("telegram", "6100000099")).toBeNull();
  });

  it("gets every reply through a burst of 429s, in order per chat", async () => {
    const tg = await startFake();
    const { app } = await startAnxin(tg);
    const a = { id: 6_100_000_011, language_code: "zh-hans" };
    const b = { id: 6_100_000_012, language_code: "en" };
    const da = new SurveyDriver(tg, a);
    const db = new SurveyDriver(tg, b);
    const consentA = await da.act("start", () => tg.sendText(a, "/start survey"));
    const consentB = await db.act("start", () => tg.sendText(b, "/start survey"));

    // Accepting consent answers with several messages (thanks, intro, section, question).
    const flood = tg.fail("sendMessage", { times: 4, errorCode: 429, retryAfter: 1 });
    const [questionA, questionB] = await Promise.all([
      da.press(consentA, (btn) => btn.payload.op === "consent" && btn.payload.accept),
      db.press(consentB, (btn) => btn.payload.op === "consent" && btn.payload.accept),
    ]);
    expect(flood.triggered).toBe(4);
    for (const [who, question] of [[a, questionA], [b, questionB]] as const) {
      const texts = tg.sentTo(who.id).map((m) => m.text ?? "");
      // The consent request, then thanks … question, each exactly once, in this order.
      const thanks = texts.findIndex((t) => /谢谢|Thank you/.test(t));
      const asked = texts.indexOf(question.text ?? "");
      expect(thanks).toBeGreaterThan(0);
      expect(asked).toBe(texts.length - 1);
      expect(new Set(texts).size).toBe(texts.length);
      expect(buttonsOf(question).some((btn) => btn.payload.op === "answer")).toBe(true);
    }
    // Both residents go on to finish: nothing was lost or crashed.
    await da.playFrom(questionA);
    await db.playFrom(questionB);
    const wave = await currentWave(app);
    await expectCompleted(app.store, wave, a.id);
    await expectCompleted(app.store, wave, b.id);
  });

  it("keeps going under Telegram's flood limits (1 message a second per chat)", async () => {
    const tg = await startFake();
    await startAnxin(tg);
    tg.setRateLimit({ perChatPerSecond: 1 });
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("start", () => tg.sendText(resident, "/start survey"));
    const question = await driver.press(consent, (b) => b.payload.op === "consent" && b.payload.accept);
    expect(tg.calls("sendMessage").some((c) => c.errorCode === 429)).toBe(true);
    expect(tg.sentTo(resident.id).at(-1)?.message_id).toBe(question.message_id);
  });
});

describe("standalone Telegram bot, webhook mode", () => {
  const secretToken = "webhook-secret_42";

  async function startWebhook() {
    const tg = await startFake();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    const started = await startAnxin(tg, { PORT: String(port), TELEGRAM_WEBHOOK_URL: url, TELEGRAM_WEBHOOK_SECRET: secretToken });
    return { tg, url, ...started };
  }

  function post(url: string, body: unknown, secret?: string): Promise<Response> {
    return fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(secret !== undefined ? { "x-telegram-bot-api-secret-token": secret } : {}) },
      body: JSON.stringify(body),
    });
  }

  it("sets the webhook with its secret and takes a resident through the survey", async () => {
    const { tg, app, url } = await startWebhook();
    const info = tg.webhookInfo();
    expect(info.url).toBe(url);
    expect(info.allowed_updates).toEqual(["message", "callback_query", "my_chat_member"]);
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("deep link", () => tg.sendText(resident, "/start survey"));
    await driver.playFrom(consent);
    await expectCompleted(app.store, await currentWave(app), resident.id);
    expect(tg.deliveries().every((d) => d.ok && d.secretToken === secretToken)).toBe(true);
  });

  it("refuses requests with a wrong or missing secret token, without handling them", async () => {
    const { tg, app, url } = await startWebhook();
    const update: Update = { update_id: 777, message: { message_id: 1, date: 1, chat: { id: resident.id, type: "private", first_name: "王" }, from: buildUser(resident), text: "/start" } };
    const before = tg.cursor();
    expect((await post(url, update)).status).toBe(401);
    expect((await post(url, update, "wrong")).status).toBe(401);
    expect((await post(url, update, `${secretToken}x`)).status).toBe(401);
    expect((await post(url, update, "")).status).toBe(401);
    expect(tg.calls().filter((c) => c.seq >= before && c.method === "sendMessage")).toHaveLength(0);
    expect(await app.store.findIdentity("telegram", String(resident.id))).toBeNull();
    // The right secret works.
    expect((await post(url, update, secretToken)).status).toBe(200);
    await tg.waitFor((c) => isDelivery(c, resident.id), 10_000, { since: before });
    // Not an update object: refused, nothing crashes.
    expect((await post(url, [1, 2], secretToken)).status).toBe(400);
    expect((await post(url, "x", secretToken)).status).toBe(400);
  });

  it("handles an update Telegram delivers twice only once", async () => {
    const { tg, app, url } = await startWebhook();
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("start", () => tg.sendText(resident, "/start survey"));
    let question = await driver.press(consent, (b) => b.payload.op === "consent" && b.payload.accept);
    // Answer up to the multiple-choice question.
    while (!buttonsOf(question).some((b) => b.payload.op === "done")) {
      question = await driver.press(question, (b) => b.payload.op === "answer" && b.payload.option === 0);
    }
    const toggle = buttonsOf(question).find((b) => b.payload.op === "answer" && b.payload.option === 1);
    if (!toggle) throw new Error("no toggle");
    // A toggle is the worst case for a redelivery: handled twice, it would untick the option.
    const update: Update = {
      update_id: 900_000_001,
      callback_query: { id: "42", from: buildUser(resident), chat_instance: "1", data: toggle.data, message: question as Message & { date: number } },
    };
    const since = tg.cursor();
    const first = await post(url, update, secretToken);
    const second = await post(url, update, secretToken);
    expect([first.status, second.status]).toEqual([200, 200]);
    const edit = await tg.waitFor((c) => c.method === "editMessageText" && c.ok, 10_000, { since });
    await app.channels.find((c): c is TelegramChannel => c instanceof TelegramChannel)?.adapter.drain();
    expect(tg.calls("editMessageText").filter((c) => c.seq >= since)).toHaveLength(1);
    const shown = tg.message(resident.id, Number(edit.params.message_id));
    expect(buttonsOf(shown).filter((b) => b.text.startsWith("✅"))).toHaveLength(1);

    // A third copy after a restart of the adapter's memory is still a duplicate (the database knows).
    const channel = app.channels.find((c): c is TelegramChannel => c instanceof TelegramChannel);
    const fresh = new TelegramChannel({ token: tg.token, apiRoot: tg.apiRoot, runner: app.runner, secret: TEST_SECRET, logger: recordingLogger() });
    expect(channel).toBeDefined();
    expect(await fresh.adapter.handleUpdate(update)).toBe("duplicate");
  });
});
