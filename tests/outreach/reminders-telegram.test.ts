/**
 * A reminder end to end on Telegram (the fake Bot API), with a fixed clock: a resident stops
 * half-way, the reminder job queues it, the real outbox sender sends it through the Telegram
 * transport in the resident's language with a "Continue the survey" button, and pressing that
 * button in the bot continues the survey at the question where the resident stopped.
 */
import { afterEach, expect, it } from "vitest";
import { Api } from "grammy";
import type { Update } from "grammy/types";
import { TelegramAdapter } from "../../bots/telegram/adapter.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { ReminderService } from "../../core/outreach/reminders.js";
import { OutboxSender } from "../../core/outreach/sender.js";
import { askedRegionTree, buildRegionTree } from "../../core/survey/region-tree.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { AutoResident, TEST_REGIONS } from "../support/auto-resident.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { TelegramOutboxTransport } from "../../bots/telegram/outbox-transport.js";

const SECRET = "reminders-telegram-secret-0123456789abcdef";
const CHAT = 5_100_001;
/** 09:00 in Shanghai on 2 March 2026; the wave opened the day before. */
const MORNING = new Date("2026-03-02T01:00:00Z");
const silent = { warn() {}, error() {}, debug() {}, info() {} };

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of cleanup.reverse()) await close();
  cleanup = [];
});

it("reminds on Telegram in the resident's language, and its button continues the survey", async () => {
  const opened: TestStore = await openTestStore({ regions: TEST_REGIONS, defaultSurvey: new Date("2026-03-01T00:00:00Z") });
  cleanup.push(() => opened.close());
  const { store } = opened;
  const tg = await FakeTelegram.start({});
  cleanup.push(() => tg.stop());
  const clock = { now: MORNING };
  const runner = new ConversationRunner({ store, now: () => clock.now, cacheMs: 0 });
  const adapter = new TelegramAdapter({ runner, secret: SECRET, api: new Api(tg.token, { apiRoot: tg.apiRoot }), logger: silent });
  cleanup.push(() => adapter.close());

  // The resident starts in English and answers two questions, then stops.
  const bot = new AutoResident(loadDefaultQuestionnaire(), askedRegionTree(buildRegionTree(await store.listRegions())), 5, "tap", "tg");
  let n = 0;
  const send = (input: Parameters<ConversationRunner["handle"]>[0]["input"]) => runner.handle({ platform: "telegram", platformUserId: String(CHAT), chatId: String(CHAT), messageId: `t${++n}`, langCode: "en", input });
  let reply = await send({ kind: "start" });
  let answered = 0;
  while (answered < 2) {
    const planned = bot.plan(reply.messages);
    if (!planned) throw new Error("nothing to answer");
    reply = await send(planned.input);
    if (planned.answer) answered++;
  }
  const stoppedAt = reply.messages.find((m) => m.kind === "question")?.questionId;
  expect(stoppedAt).toBeDefined();

  // A day later, the job queues the reminder; the sender sends it on Telegram.
  const at = new Date(MORNING.getTime() + 24 * 3_600_000);
  const reminders = new ReminderService({ store, platforms: () => new Set(["telegram"]), timeZone: "Asia/Shanghai" });
  expect(await reminders.runOnce(at)).toMatchObject({ reminded: 1 });
  const sender = new OutboxSender({ store, transports: [new TelegramOutboxTransport({ token: tg.token, apiRoot: tg.apiRoot, secret: SECRET, timeoutSeconds: 5 })], now: () => at, pollMs: 20 });
  sender.start();
  try {
    for (let i = 0; i < 500 && tg.sentTo(CHAT).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await sender.stop();
  }
  const sent = tg.sentTo(CHAT);
  expect(sent).toHaveLength(1);
  const reminder = sent[0]!;
  expect(reminder.text).toContain("[Anxin · Survey reminder]");
  expect(reminder.text).toContain("You started the survey but have not finished it yet.");
  const button = reminder.reply_markup!.inline_keyboard[0]![0] as { text: string; callback_data: string };
  expect(button.text).toBe("Continue the survey");
  // Run again: nothing more goes out.
  expect(await reminders.runOnce(new Date(at.getTime() + 3_600_000))).toMatchObject({ reminded: 0, due: 0 });

  // The resident presses it: the bot welcomes them back at the question where they stopped.
  clock.now = new Date(at.getTime() + 2 * 3_600_000);
  const press = tg.pressButton({ id: CHAT, first_name: "R" }, reminder.message_id, button.callback_data);
  expect(await adapter.handleUpdate({ update_id: 1, callback_query: press } as Update)).toBe("handled");
  await adapter.drain();
  const after = tg.sentTo(CHAT).slice(1).map((m) => m.text ?? "").join("\n");
  expect(after).toContain("Welcome back");
  const question = loadDefaultQuestionnaire().questions.find((q) => q.id === stoppedAt);
  const label = question?.label.en ?? "";
  expect(label.length).toBeGreaterThan(0);
  expect(after).toContain(label.slice(0, 12));
});
