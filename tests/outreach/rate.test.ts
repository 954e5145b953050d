/**
 * The send rate's limits: 5,000 recipients at a configured 100 messages a second against the
 * fake Bot API (which enforces the same limits and records when each call arrived). No one-second
 * window may hold more than 100 sends, no chat more than one a second, no call may be refused for
 * flooding, and so the broadcast cannot take less than 50 s. How close to 50 s it comes is a
 * speed figure, measured by `npm run bench` (bench/broadcast.ts), not asserted here: on a loaded
 * machine it depends on everything else running.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busiestSecond, createWorld, startChildSender, type World } from "./world.js";

const RECIPIENTS = 5_000;
const RATE = 100;

describe(`a broadcast to ${RECIPIENTS} residents at ${RATE}/s`, () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({ households: RECIPIENTS, assign: false, fake: { rateLimit: { perBotPerSecond: RATE, perChatPerSecond: 1 } } });
  }, 300_000);
  afterAll(async () => {
    await world?.close();
  });

  it("never exceeds the limits, so it takes at least 50 s", { timeout: 180_000 }, async () => {
    const id = await world.schedule({ text: { "zh-CN": "电信诈骗高发，接到陌生来电要多加小心。" } }, { kind: "everyone" });
    // The sender runs in a process of its own, as it would against the real Telegram.
    const started = performance.now();
    const sender = await startChildSender(world, { rate: RATE, perChat: 1 });
    // Wait on the fake's own record, not by polling the database: a query every few
    // milliseconds in this process would slow the fake's answers and so the sender.
    await world.tg.waitUntil(() => world.tg.calls("sendMessage").filter((c) => c.ok).length >= RECIPIENTS, 120_000, "every send");
    const total = (performance.now() - started) / 1000;
    const counts = await world.settled(id, 30_000);
    await sender.stop();
    const all = world.tg.calls("sendMessage");
    const calls = all.filter((c) => c.ok);
    const times = calls.map((c) => c.at);
    const first = Math.min(...times);
    const last = Math.max(...times);
    const sending = (last - first) / 1000;
    const busiest = busiestSecond(times);
    const perChat = new Map<number, number>();
    for (const call of calls) perChat.set(Number(call.params.chat_id), (perChat.get(Number(call.params.chat_id)) ?? 0) + 1);
    console.log(
      `rate test: ${calls.length} sends in ${sending.toFixed(2)} s (first to last call; ${total.toFixed(2)} s from starting the sender process) = ${(calls.length / sending).toFixed(2)}/s against ${RATE}/s configured; busiest second ${busiest}; 429s ${all.filter((c) => c.errorCode === 429).length}`,
    );
    expect(counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS });
    expect(calls).toHaveLength(RECIPIENTS);
    expect(all.filter((c) => c.errorCode === 429)).toEqual([]);
    expect(busiest).toBeLessThanOrEqual(RATE);
    expect(Math.max(...perChat.values())).toBe(1);
    // 4,999 intervals at no more than 100 a second.
    expect(sending).toBeGreaterThanOrEqual((RECIPIENTS - 1) / RATE - 1);
  });
});
