/**
 * Anxin as middleware inside an office's existing bot (grammY and telegraf), against the fake Bot
 * API: the host bot's own commands, texts and buttons keep working, and a resident completes the
 * default survey through Anxin in the same bot.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bot, InlineKeyboard } from "grammy";
import { Telegraf } from "telegraf";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp } from "../../app/start.js";
import { anxinGrammy, anxinTelegraf, type AnxinGrammy, type AnxinTelegraf } from "../../bots/telegram/middleware.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { photoUpdate } from "../support/telegram-updates.js";
import { anxinFixture, buttonsOf, expectCompleted, isDelivery, recordingLogger, SurveyDriver, TEST_SECRET, type AnxinFixture } from "./support.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

interface Host {
  tg: FakeTelegram;
  fixture: AnxinFixture;
  anxin: AnxinGrammy | AnxinTelegraf;
}

/** An office bot with its own /hello command, an echo for other text and its own button. */
async function grammyHost(): Promise<Host> {
  const tg = await FakeTelegram.start();
  cleanups.push(() => tg.stop());
  const fixture = await anxinFixture();
  cleanups.push(() => fixture.close());
  const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
  const anxin = anxinGrammy(bot, { runner: fixture.runner, secret: TEST_SECRET, logger: recordingLogger() });
  bot.use(anxin);
  bot.command("hello", (ctx) => ctx.reply("host: hello!", { reply_markup: new InlineKeyboard().text("host button", "host:1") }));
  bot.command("start", (ctx) => ctx.reply("host: welcome to the office bot"));
  bot.callbackQuery("host:1", (ctx) => ctx.answerCallbackQuery({ text: "host got its button" }));
  bot.on("message:text", (ctx) => ctx.reply(`host echo: ${ctx.message.text}`));
  bot.on("message:photo", (ctx) => ctx.reply("host: nice photo"));
  bot.catch((error) => {
    throw error.error;
  });
  await new Promise<void>((resolve) => void bot.start({ onStart: () => resolve() }));
  cleanups.push(async () => {
    await bot.stop();
    await anxin.close();
  });
  return { tg, fixture, anxin };
}

async function telegrafHost(): Promise<Host> {
  const tg = await FakeTelegram.start();
  cleanups.push(() => tg.stop());
  const fixture = await anxinFixture();
  cleanups.push(() => fixture.close());
  const bot = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot } });
  const anxin = anxinTelegraf(bot, { runner: fixture.runner, secret: TEST_SECRET, logger: recordingLogger() });
  bot.use(anxin);
  bot.command("hello", (ctx) => ctx.reply("host: hello!", { reply_markup: { inline_keyboard: [[{ text: "host button", callback_data: "host:1" }]] } }));
  bot.start((ctx) => ctx.reply("host: welcome to the office bot"));
  bot.action("host:1", (ctx) => ctx.answerCbQuery("host got its button"));
  bot.on("photo", (ctx) => ctx.reply("host: nice photo"));
  bot.on("text", (ctx) => ctx.reply(`host echo: ${ctx.message.text}`));
  // telegraf's launch() resolves only when the bot stops: wait for its onLaunch instead.
  await new Promise<void>((resolve) => void bot.launch(() => resolve()));
  cleanups.push(async () => {
    bot.stop("test over");
    await anxin.close();
  });
  return { tg, fixture, anxin };
}

describe.each([
  { framework: "grammY", start: grammyHost },
  { framework: "telegraf", start: telegrafHost },
])("Anxin middleware in a $framework bot", ({ start }) => {
  it("leaves the host bot's commands, texts and buttons alone and runs the survey", async () => {
    const { tg, fixture } = await start();
    const resident = { id: 7_200_000_001, first_name: "李", language_code: "zh-hans" };
    const chat = resident.id;
    const reply = async (action: () => void) => {
      const since = tg.cursor();
      action();
      return tg.waitFor((c) => isDelivery(c, chat), 10_000, { since });
    };

    // The host's own handlers, before Anxin is involved.
    expect((await reply(() => tg.sendText(resident, "/start"))).params.text).toBe("host: welcome to the office bot");
    expect((await reply(() => tg.sendText(resident, "what are your hours?"))).params.text).toBe("host echo: what are your hours?");
    const hello = await reply(() => tg.sendText(resident, "/hello"));
    expect(hello.params.text).toBe("host: hello!");
    const hostQuery = tg.pressButton(resident, (hello.result as { message_id: number }).message_id, "host:1");
    await tg.waitUntil(() => tg.callbackAnswer(hostQuery.id), 10_000, "host's callback answered");
    expect(tg.callbackAnswer(hostQuery.id)?.text).toBe("host got its button");
    expect((await reply(() => tg.pushUpdate(photoUpdate(resident)))).params.text).toBe("host: nice photo");
    // Nobody was created in Anxin's database by the host's traffic.
    expect(await fixture.store.findIdentity("telegram", String(resident.id))).toBeNull();

    // The resident opens Anxin with its entry command.
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("/survey", () => tg.sendText(resident, "/survey"));
    expect(buttonsOf(consent).some((b) => b.payload.op === "consent")).toBe(true);
    const question = await driver.press(consent, (b) => b.payload.op === "consent" && b.payload.accept);

    // Mid-survey: the host's commands still work, Anxin's typed answers and hints go to Anxin.
    expect((await reply(() => tg.sendText(resident, "/hello"))).params.text).toBe("host: hello!");
    expect((await reply(() => tg.pushUpdate(photoUpdate(resident)))).params.text).toMatch(/文字/);
    const typed = await driver.type("1");
    expect(typed.text).not.toBe(question.text);

    const menu = await driver.playFrom(typed);
    expect(buttonsOf(menu).some((b) => b.payload.op === "menu")).toBe(true);
    const answers = (await fixture.store.getResponse((await fixture.store.findIdentity("telegram", String(resident.id)))?.residentId ?? "", fixture.wave.id))?.answers;
    // The typed "1" answered the first question like a tap on its first option would.
    expect(answers?.safety_overall).toEqual({ kind: "choice", option: "very_safe" });
    await expectCompleted(fixture.store, fixture.wave, resident.id);

    // After the survey (back at Anxin's menu) plain text is the host's again.
    expect((await reply(() => tg.sendText(resident, "thanks!"))).params.text).toBe("host echo: thanks!");
    expect((await reply(() => tg.sendText(resident, "/start"))).params.text).toBe("host: welcome to the office bot");

    // While a quality re-check is being asked, typed answers are Anxin's again (every engine mode
    // is listed as Anxin's or the host's in the adapter).
    const residentId = (await fixture.store.findIdentity("telegram", String(resident.id)))?.residentId ?? "";
    const saved = await fixture.store.loadConversation(residentId);
    const state = { ...(saved?.state as Record<string, unknown>), mode: "recheck" };
    expect(await fixture.store.commitTurn({ residentId, channel: "telegram", state, expectedRevision: saved?.revision ?? 0, writes: [], now: new Date() })).toBe("committed");
    expect((await reply(() => tg.sendText(resident, "1"))).params.text).not.toMatch(/^host echo/);
  });

  it("opens Anxin from a /start anxin… deep link and refuses another resident's buttons", async () => {
    const { tg, fixture } = await start();
    const resident = { id: 7_200_000_002, language_code: "en" };
    const intruder = { id: 7_200_000_003, language_code: "en" };
    const driver = new SurveyDriver(tg, resident);
    const consent = await driver.act("deep link", () => tg.sendText(resident, "/start anxin_survey"));
    expect(consent.text).toMatch(/agree/i);
    const question = await driver.press(consent, (b) => b.payload.op === "consent" && b.payload.accept);
    const first = buttonsOf(question).find((b) => b.payload.op === "answer");
    if (!first) throw new Error("no answer button");
    // The intruder presses the resident's button (e.g. a forwarded keyboard): politely refused.
    const forged = tg.pressButton(intruder, question.message_id, first.data, { chatId: resident.id });
    const answer = await tg.waitUntil(() => tg.callbackAnswer(forged.id), 10_000, "forged button answered");
    expect(answer.text).toMatch(/no longer valid/);
    const identity = await fixture.store.findIdentity("telegram", String(resident.id));
    const response = await fixture.store.getResponse(identity?.residentId ?? "", fixture.wave.id);
    expect(response?.answers).toEqual({});
    expect(await fixture.store.findIdentity("telegram", String(intruder.id))).toBeNull();
  });
});

describe("the README's grammY example", () => {
  it("embeds Anxin from startApp into an office bot", async () => {
    const tg = await FakeTelegram.start();
    cleanups.push(() => tg.stop());
    const dir = mkdtempSync(join(tmpdir(), "anxin-embed-"));
    // As in the README: Anxin without TELEGRAM_BOT_TOKEN of its own; the office bot owns it.
    const app = await startApp(loadConfig({ DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent", TELEGRAM_BOT_TOKEN: "" }));
    cleanups.push(() => app.close());
    expect(app.channels.map((c) => c.platform)).not.toContain("telegram");
    const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
    const anxin = anxinGrammy(bot, { runner: app.runner, secret: app.secret, logger: recordingLogger() });
    bot.use(anxin);
    bot.command("hours", (ctx) => ctx.reply("Mon–Fri 9:00–17:00"));
    await new Promise<void>((resolve) => void bot.start({ onStart: () => resolve() }));
    cleanups.push(async () => {
      await bot.stop();
      await anxin.close();
    });
    const resident = { id: 7_200_000_010, language_code: "en" };
    const driver = new SurveyDriver(tg, resident);
    const menu = await driver.playFrom(await driver.act("/survey", () => tg.sendText(resident, "/survey")));
    expect(buttonsOf(menu).some((b) => b.payload.op === "menu")).toBe(true);
    const wave = await app.store.currentWave(new Date());
    if (!wave) throw new Error("no wave");
    await expectCompleted(app.store, wave, resident.id);
    const since = tg.cursor();
    tg.sendText(resident, "/hours");
    expect((await tg.waitFor((c) => isDelivery(c, resident.id), 10_000, { since })).params.text).toBe("Mon–Fri 9:00–17:00");
  });
});
