/**
 * Replies and broadcasts share Telegram's limits (issue 22): the fake answers 429 with
 * retry_after to every call above 30 a second, and 300 residents send /start (then /help) at once while a
 * broadcast to them goes out at the default 30/s. Every resident gets their whole reply, in
 * order and once; every 429 — a reply's or a broadcast's — pauses the broadcast for its
 * retry_after (the platform-wide pause the composition root shares between the bot and the
 * outbox), and the broadcast then completes.
 */
import { Api } from "grammy";
import type { Update } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramAdapter } from "../../bots/telegram/adapter.js";
import { installAutoRetry } from "../../bots/telegram/sender.js";
import { createOutreach } from "../../core/outreach/index.js";
import { PlatformPauses } from "../../core/outreach/pauses.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import { ensureDefaultSurvey } from "../../core/survey/default-survey.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { textUpdate } from "../support/telegram-updates.js";
import { addHouseholds, createWorld, TEST_SECRET, type World } from "./world.js";

const RESIDENTS = 300;
const RATE = 30;
const silent = { warn() {}, error() {}, debug() {}, info() {} };

describe(`${RESIDENTS} residents sending /start during a broadcast, with 429s above ${RATE}/s`, () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({ households: RESIDENTS, fake: { rateLimit: { perBotPerSecond: RATE, perChatPerSecond: 100 } } });
    await ensureDefaultSurvey(world.store, new Date());
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it("answers everyone in order, and the broadcast pauses for each retry_after and completes", { timeout: 90_000 }, async () => {
    const { tg, store } = world;
    tg.setLatency(5, "sendMessage", 10);
    const pauses = new PlatformPauses();
    const outreach = createOutreach({ store, secret: TEST_SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }) });
    const runner = new ConversationRunner({ store, interceptors: outreach.interceptors, staffCommands: outreach.staffCommands });
    const adapter = new TelegramAdapter({ runner, secret: TEST_SECRET, api: installAutoRetry(new Api(tg.token, { apiRoot: tg.apiRoot }), pauses), logger: silent });
    const user = (chatId: number, lang: string) => ({ id: chatId, first_name: `R${chatId}`, language_code: lang === "en" ? "en" : "zh-hans" });

    // Each resident writes /start and then /help: two turns whose replies must arrive in order.
    const write = (chatId: number, lang: string, n: number) =>
      ["/start", "/help"].map((text, k) => adapter.handleUpdate({ ...textUpdate(user(chatId, lang), text), update_id: n * 2 + k } as Update));
    // What they are answered with when nothing else is going on, per language.
    const [zh, , en] = await addHouseholds(store, null, null, 3, 6_000_001);
    for (const [i, r] of [zh!, en!].entries()) {
      await Promise.all(write(r.chatId, i === 1 ? "en" : "zh-CN", 1 + i));
      await adapter.drain();
    }
    const expected = { "zh-CN": tg.sentTo(zh!.chatId).map((m) => m.text), en: tg.sentTo(en!.chatId).map((m) => m.text) };
    expect(expected["zh-CN"].length).toBeGreaterThan(1);
    // (/help before consent repeats the consent question after its help text: any other order differs.)

    // The broadcast starts; once it is going, everyone writes /start at once.
    const id = await world.schedule();
    const sender = world.sender({ pauses, limits: { telegram: { perSecond: RATE, perChatPerSecond: 1 } } });
    sender.start();
    const isBroadcast = (c: { params: Record<string, unknown> }) => JSON.stringify(c.params.reply_markup ?? "").includes(":rd:");
    await tg.waitUntil(() => tg.calls("sendMessage").filter((c) => c.ok && isBroadcast(c)).length >= 30, 30_000, "the broadcast under way");
    const flood = world.households.flatMap((h, i) => write(h.chatId, i % 3 === 2 ? "en" : "zh-CN", 100 + i));
    await Promise.all(flood);
    await adapter.drain();
    const counts = await world.settled(id, 80_000);
    await sender.stop();
    await adapter.close();

    const calls = tg.calls("sendMessage");
    const refused = calls.filter((c) => c.errorCode === 429);
    const replies = calls.filter((c) => c.ok && !isBroadcast(c));
    const broadcasts = calls.filter((c) => c.ok && isBroadcast(c));
    // A broadcast call that reached the fake well inside a pause it had been told of.
    const learnt = refused.map((c) => ({ from: c.at + c.durationMs + 50, until: c.at + c.durationMs + (c.retryAfter ?? 1) * 1000 - 50 }));
    const duringPause = calls.filter((c) => isBroadcast(c) && learnt.some((p) => c.at > p.from && c.at < p.until));
    // Broadcasts arriving within a second after a reply to the same resident was answered (the
    // outbox spaces from replies it knows of; one answered while a send was already under way it cannot).
    const answered = new Map<number, number[]>();
    for (const c of calls) if (c.ok && !isBroadcast(c)) answered.set(Number(c.params.chat_id), [...(answered.get(Number(c.params.chat_id)) ?? []), c.at + c.durationMs]);
    const closeToReply = broadcasts.filter((c) => (answered.get(Number(c.params.chat_id)) ?? []).some((r) => c.at > r && c.at - r < 1_000)).length;
    console.log(
      `429 test: ${replies.length} replies and ${broadcasts.length} broadcast messages accepted; ${refused.length} calls refused with 429 ` +
        `(${refused.filter((c) => !isBroadcast(c)).length} replies, ${refused.filter(isBroadcast).length} broadcast sends); ` +
        `${pauses.reported.get("telegram") ?? 0} pauses reported; ${duringPause.length} broadcast calls inside a known pause; ` +
        `${closeToReply} broadcasts within 1 s after a reply to the same resident`,
    );
    expect(refused.length).toBeGreaterThan(0);
    // Everyone got their whole reply, in order, once; and the broadcast once.
    for (const [i, h] of world.households.entries()) {
      const texts = tg.sentTo(h.chatId).filter((m) => !JSON.stringify(m.reply_markup ?? "").includes(":rd:")).map((m) => m.text);
      expect(texts, `resident ${i}`).toEqual(i % 3 === 2 ? expected.en : expected["zh-CN"]);
    }
    expect(counts).toMatchObject({ total: RESIDENTS, sent: RESIDENTS });
    expect(broadcasts).toHaveLength(RESIDENTS);
    // The broadcast started no call while a pause it knew of ran.
    expect(duringPause).toEqual([]);
  });
});
