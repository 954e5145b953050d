/**
 * The outbox sender against the fake Telegram Bot API (and stand-ins for the web inbox and a
 * push-only channel): one copy per resident, the read button, opt-outs checked at send time,
 * blocked accounts, retry_after, ambiguous failures resolved by probing, per-chat spacing,
 * cancellation.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Update } from "grammy/types";
import { Api } from "grammy";
import { audienceQuery, planDelivery } from "../../core/outreach/audience.js";
import { parseAudience } from "../../core/outreach/content.js";
import { createOutreach } from "../../core/outreach/index.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import { WebOutboxTransport, type LivePages } from "../../core/outreach/transports/web.js";
import { PushOutboxTransport } from "../../core/outreach/transports/push.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { ensureDefaultSurvey } from "../../core/survey/default-survey.js";
import { TelegramAdapter } from "../../bots/telegram/adapter.js";
import { installAutoRetry } from "../../bots/telegram/sender.js";
import { PlatformPauses } from "../../core/outreach/pauses.js";
import type { OutMessage, Lang } from "../../core/engine/types.js";
import type { PushResult } from "../../core/channel.js";
import type { OutboxTransport } from "../../core/outreach/sender.js";
import { createWorld, TEST_SECRET, type World } from "./world.js";

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const silent = { warn() {}, error() {}, debug() {}, info() {} };

/** Bot messages per chat (as the fake counts them). */
function copiesPerChat(w: World): number[] {
  return w.households.map((h) => w.tg.sentTo(h.chatId).length);
}

describe("sending a broadcast on Telegram", () => {
  it("sends one copy to each household, with a read button the bot accepts", async () => {
    world = await createWorld({ households: 12 });
    const w = world;
    await ensureDefaultSurvey(w.store, new Date());
    const id = await w.schedule();
    const sender = w.sender();
    sender.start();
    const counts = await w.settled(id);
    await sender.stop();
    expect(counts).toMatchObject({ total: 12, sent: 12 });
    expect(copiesPerChat(w)).toEqual(Array(12).fill(1));
    // Each resident reads it in their own language.
    const english = w.tg.sentTo(w.households[2]!.chatId)[0]!;
    expect(english.text).toContain("Lock your doors at night.");
    expect(w.tg.sentTo(w.households[0]!.chatId)[0]!.text).toContain("夜间请锁好门窗。");
    expect((await w.store.getBroadcast(id))?.status).toBe("done");

    // The resident taps "I've read it ✓": the bot (with outreach's interceptor) records it.
    const outreach = createOutreach({ store: w.store, secret: TEST_SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }) });
    const runner = new ConversationRunner({ store: w.store, interceptors: outreach.interceptors, staffCommands: outreach.staffCommands });
    const adapter = new TelegramAdapter({ runner, secret: TEST_SECRET, api: new Api(w.tg.token, { apiRoot: w.tg.apiRoot }), logger: silent });
    const chatId = w.households[2]!.chatId;
    const button = english.reply_markup!.inline_keyboard[0]![0] as { text: string; callback_data: string };
    expect(button.text).toBe("I've read it ✓");
    const query = w.tg.pressButton({ id: chatId, first_name: "R" }, english.message_id, button.callback_data);
    expect(await adapter.handleUpdate({ update_id: 1, callback_query: query } as Update)).toBe("handled");
    await adapter.drain();
    expect((await w.store.deliveryCounts([id])).get(id)?.read).toBe(1);
    expect(w.tg.sentTo(chatId).at(-1)?.text).toMatch(/noted that you read/);
    // Someone else's press of the same data is refused (the signature is for that resident).
    const forged = w.tg.pressButton({ id: w.households[3]!.chatId, first_name: "X" }, english.message_id, button.callback_data, { chatId, force: true });
    await adapter.handleUpdate({ update_id: 2, callback_query: forged } as Update);
    await adapter.drain();
    expect((await w.store.deliveryCounts([id])).get(id)?.read).toBe(1);
    await adapter.close();
  });

  it("skips residents who opted out, even after the fan-out, and marks blocked ones", async () => {
    world = await createWorld({ households: 10 });
    const w = world;
    const id = await w.schedule();
    // Fan out by hand, as the sender would, then two residents opt out before anything is sent.
    const broadcast = await w.store.getBroadcast(id);
    const members = await w.store.audienceMembers(await audienceQuery(w.store, parseAudience(broadcast!.audience)!, new Date()));
    await w.store.fanOutBroadcast(id, members.map((m) => planDelivery(m, new Set(["telegram"]))), new Date());
    for (const h of w.households.slice(0, 2)) {
      await w.store.commitTurn({ residentId: h.resident.id, channel: "telegram", state: {}, expectedRevision: 0, writes: [{ type: "resident.update", optedOut: true }], now: new Date() });
    }
    w.tg.block(w.households[5]!.chatId);
    w.tg.block(w.households[6]!.chatId);
    const sender = w.sender();
    sender.start();
    const counts = await w.settled(id);
    await sender.stop();
    expect(counts).toMatchObject({ sent: 6, skipped: 2, blocked: 2 });
    expect(copiesPerChat(w)).toEqual([0, 0, 1, 1, 1, 0, 0, 1, 1, 1]);
    for (const h of w.households.slice(5, 7)) expect((await w.store.identitiesOf(h.resident.id))[0]?.reachable).toBe(false);

    // The next broadcast does not even try the blocked or the opted-out.
    const before = w.tg.calls("sendMessage").length;
    const next = await w.schedule({ text: { "zh-CN": "第二条" } });
    const again = w.sender();
    again.start();
    expect(await w.settled(next)).toMatchObject({ sent: 6, skipped: 2, blocked: 2 });
    await again.stop();
    expect(w.tg.calls("sendMessage").length - before).toBe(6);
  });

  it("honours retry_after: nothing is sent until it has passed", async () => {
    world = await createWorld({ households: 30 });
    const w = world;
    // On the eleventh resident, once sending runs at its pace (not while the first connection is made).
    w.tg.fail("sendMessage", { times: 1, errorCode: 429, retryAfter: 2, chatId: w.households[10]!.chatId });
    const id = await w.schedule();
    // When the sender learnt of the 429, and when it started each call.
    let learnt = 0;
    const logger = { info() {}, error() {}, warn: (_obj: object, msg?: string) => void (msg?.includes("slow down") && (learnt ||= performance.now())) };
    const telegram = w.telegram();
    const started: number[] = [];
    const recording: OutboxTransport = { platform: "telegram", send: (job) => (started.push(performance.now()), telegram.send(job)) };
    const sender = w.sender({ transports: [recording], limits: { telegram: { perSecond: 50, perChatPerSecond: 1 } }, logger });
    sender.start();
    const counts = await w.settled(id);
    await sender.stop();
    expect(counts).toMatchObject({ sent: 30 });
    expect(copiesPerChat(w)).toEqual(Array(30).fill(1));
    const calls = w.tg.calls("sendMessage");
    const refused = calls.find((c) => c.errorCode === 429)!;
    expect(learnt).toBeGreaterThan(refused.at);
    // Once the sender has read the 429, it starts no call until retry_after has passed.
    expect(started.filter((t) => t > learnt && t < learnt + 2_000)).toEqual([]);
    expect(started.filter((t) => t >= learnt + 2_000).length).toBeGreaterThan(0);
    // At the fake: what arrived in that time had been started before (at most the sends in flight).
    const during = calls.filter((c) => c.at > learnt && c.at < learnt + 2_000);
    expect(during.length).toBeLessThanOrEqual(started.filter((t) => t <= learnt).length - calls.filter((c) => c.at <= learnt).length);
  });

  it("pauses broadcasts for a 429 drawn by a reply, and retries the reply after it", async () => {
    world = await createWorld({ households: 30 });
    const w = world;
    await ensureDefaultSurvey(w.store, new Date());
    const pauses = new PlatformPauses();
    const outreach = createOutreach({ store: w.store, secret: TEST_SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }) });
    const runner = new ConversationRunner({ store: w.store, interceptors: outreach.interceptors, staffCommands: outreach.staffCommands });
    const adapter = new TelegramAdapter({ runner, secret: TEST_SECRET, api: installAutoRetry(new Api(w.tg.token, { apiRoot: w.tg.apiRoot }), pauses), logger: silent });
    // A resident who is not in the broadcast writes; the reply draws a 429 with retry_after 2.
    const writer = 7_000_001;
    w.tg.fail("sendMessage", { times: 1, errorCode: 429, retryAfter: 2, chatId: writer });
    let learnt = 0;
    pauses.onPause(() => (learnt ||= performance.now()));
    const telegram = w.telegram();
    const started: number[] = [];
    const recording: OutboxTransport = { platform: "telegram", send: (job) => (started.push(performance.now()), telegram.send(job)) };
    const id = await w.schedule();
    const sender = w.sender({ transports: [recording], pauses, limits: { telegram: { perSecond: 10, perChatPerSecond: 1 } } });
    sender.start();
    await w.tg.waitForCalls((c) => c.method === "sendMessage" && c.ok, 5, 10_000);
    await adapter.handleUpdate({ update_id: 1, message: { message_id: 1, date: 0, chat: { id: writer, type: "private", first_name: "W" }, from: { id: writer, is_bot: false, first_name: "W" }, text: "/start", entities: [{ type: "bot_command", offset: 0, length: 6 }] } } as Update);
    await adapter.drain();
    const counts = await w.settled(id);
    await sender.stop();
    await adapter.close();
    expect(counts).toMatchObject({ sent: 30 });
    expect(learnt).toBeGreaterThan(0);
    // The reply came through after the pause, once.
    const replies = w.tg.calls("sendMessage").filter((c) => c.params.chat_id === writer);
    expect(replies.map((c) => c.errorCode ?? "ok")).toEqual([429, "ok"]);
    expect(replies[1]!.at - replies[0]!.at).toBeGreaterThanOrEqual(1_900);
    // No broadcast call started while the reply's retry_after ran.
    expect(started.filter((t) => t > learnt && t < learnt + 2_000)).toEqual([]);
    expect(started.filter((t) => t >= learnt + 2_000).length).toBeGreaterThan(0);
  });

  it("sends ambiguous failures again, counted as possibly duplicated, and never edits a message", async () => {
    world = await createWorld({ households: 8 });
    const w = world;
    // Two kinds of trouble: a 502 before Telegram did anything, and a call that times out on our
    // side while Telegram carries it out a little later.
    w.tg.fail("sendMessage", { times: 1, errorCode: 502, chatId: w.households[0]!.chatId });
    w.tg.setLatency(1_500, "sendMessage");
    const id = await w.schedule();
    const sender = w.sender({ transports: [w.telegram({ timeoutSeconds: 1 })], backoffMs: 2_500 });
    sender.start();
    // Once a few calls were carried out after their caller gave up, Telegram is fast again.
    await w.tg.waitForCalls((c) => c.method === "sendMessage" && c.ok, 3, 20_000);
    w.tg.setLatency(0, "sendMessage");
    const counts = await w.settled(id, 60_000);
    await sender.stop();
    expect(counts).toMatchObject({ sent: 8 });
    const copies = copiesPerChat(w);
    // Nobody is missed; whoever got two copies is among those counted as possibly duplicated.
    expect(copies.every((n) => n >= 1)).toBe(true);
    const doubled = copies.filter((n) => n > 1).length;
    expect(doubled).toBeGreaterThan(0);
    expect(counts.possiblyDuplicated).toBeGreaterThanOrEqual(doubled);
    expect(counts.possiblyDuplicated).toBeLessThanOrEqual(8);
    // Nothing is probed, edited or deleted to find out.
    expect(w.tg.calls().filter((c) => /^(edit|delete)/.test(c.method))).toEqual([]);
  });

  it("keeps each chat's own rate across broadcasts", async () => {
    world = await createWorld({ households: 10, fake: { rateLimit: { perBotPerSecond: 100, perChatPerSecond: 1 } } });
    const w = world;
    const ids = [await w.schedule({ text: { en: "one" } }), await w.schedule({ text: { en: "two" } }), await w.schedule({ text: { en: "three" } })];
    const sender = w.sender({ limits: { telegram: { perSecond: 100, perChatPerSecond: 1 } } });
    sender.start();
    for (const id of ids) await w.settled(id);
    await sender.stop();
    const calls = w.tg.calls("sendMessage");
    expect(calls.filter((c) => c.errorCode === 429)).toEqual([]);
    for (const h of w.households) {
      const times = calls.filter((c) => c.params.chat_id === h.chatId).map((c) => c.at);
      expect(times).toHaveLength(3);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
    }
    expect(copiesPerChat(w)).toEqual(Array(10).fill(3));
  });

  it("stops a cancelled broadcast: what was not sent is skipped", async () => {
    world = await createWorld({ households: 40 });
    const w = world;
    const id = await w.schedule();
    const sender = w.sender({ limits: { telegram: { perSecond: 10, perChatPerSecond: 1 } } });
    sender.start();
    await w.tg.waitForCalls("sendMessage", 5, 10_000);
    await w.store.cancelBroadcast(id, w.officer.id, new Date());
    const counts = await w.settled(id);
    await sender.stop();
    expect(counts.sent).toBeGreaterThanOrEqual(5);
    expect(counts.sent).toBeLessThan(20);
    expect(counts.sent + counts.skipped).toBe(40);
    expect(copiesPerChat(w).reduce((a, b) => a + b, 0)).toBe(counts.sent);
  });
});

describe("the web inbox and push-only channels", () => {
  it("writes web deliveries to the inbox with the outbox, and hands them to an open page", async () => {
    world = await createWorld({ households: 0 });
    const w = world;
    const open = await w.store.resolveIdentity({ platform: "web", platformUserId: "AAAAAAAAAAAAAAAAAAAAAA", chatId: "AAAAAAAAAAAAAAAAAAAAAA" });
    const closed = await w.store.resolveIdentity({ platform: "web", platformUserId: "BBBBBBBBBBBBBBBBBBBBBB", chatId: "BBBBBBBBBBBBBBBBBBBBBB" });
    for (const r of [open, closed]) await w.store.assignHousehold({ officerId: w.officer.id, householdId: r.resident.id, regionId: null });
    const live: { sessionId: string; messages: OutMessage[] }[] = [];
    const pages: LivePages = {
      listening: (sessionId) => (sessionId === "AAAAAAAAAAAAAAAAAAAAAA" ? 1 : 0),
      deliver: (sessionId, push) => (live.push({ sessionId, messages: push.messages }), true),
    };
    const id = await w.schedule();
    const sender = w.sender({ transports: [new WebOutboxTransport(w.store, pages)] });
    sender.start();
    expect(await w.settled(id)).toMatchObject({ sent: 2 });
    await sender.stop();
    expect(live).toHaveLength(1);
    expect(live[0]!.messages[0]!.options?.[0]?.payload).toMatch(/^rd:/);
    expect(await w.store.takeWebInbox("AAAAAAAAAAAAAAAAAAAAAA", 10)).toEqual([]);
    const waiting = await w.store.takeWebInbox("BBBBBBBBBBBBBBBBBBBBBB", 10);
    expect(waiting).toHaveLength(1);
    expect(JSON.stringify(waiting[0]!.messages)).toContain("夜间请锁好门窗");
  });

  it("sends through a push-only channel at least once, with the read keyword", async () => {
    world = await createWorld({ households: 0 });
    const w = world;
    const r = await w.store.resolveIdentity({ platform: "wechat", platformUserId: "wx-1", chatId: "wx-1" });
    await w.store.assignHousehold({ officerId: w.officer.id, householdId: r.resident.id, regionId: null });
    const pushes: { chatId: string; lang: Lang; messages: OutMessage[] }[] = [];
    let failures = 1;
    const channel = {
      platform: "wechat",
      async push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
        if (failures-- > 0) return { ok: false, error: "WeChat is not connected", permanent: false };
        pushes.push({ chatId, lang, messages });
        return { ok: true };
      },
    };
    const id = await w.schedule();
    const sender = w.sender({ transports: [new PushOutboxTransport(channel)] });
    sender.start();
    expect(await w.settled(id)).toMatchObject({ sent: 1 });
    await sender.stop();
    expect(pushes).toHaveLength(1);
    expect(pushes[0]!.messages[0]!.options).toBeUndefined();
    expect(pushes[0]!.messages[0]!.text).toMatch(/回复“已读”/);
    // The resident replies 已读.
    const outreach = createOutreach({ store: w.store, secret: TEST_SECRET, settings: outreachSettings({ OUTREACH_SENDER: "off" }) });
    const runner = new ConversationRunner({ store: w.store, interceptors: outreach.interceptors });
    const reply = await runner.handle({ platform: "wechat", platformUserId: "wx-1", chatId: "wx-1", messageId: "m1", input: { kind: "text", text: "已读" } });
    expect(reply.messages[0]?.text).toMatch(/已记录您读过/);
    expect((await w.store.deliveryCounts([id])).get(id)?.read).toBe(1);
  });
});
