/**
 * The acceptance measurement of the send rate: 5,000 recipients at a configured 100 messages a
 * second against the fake Bot API (which enforces the same limits and records when each call
 * arrived). The broadcast must take 50 s ± 2%, no one-second window may hold more than 100
 * sends, no chat more than one a second, and no call may be refused for flooding.
 *
 * This test takes about a minute: that is the measurement.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorld, startChildSender, type World } from "./world.js";

const RECIPIENTS = 5_000;
const RATE = 100;

/** The most calls whose arrival falls in any window [t, t + 1000 ms). */
export function busiestSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1_000) start++;
    most = Math.max(most, end - start + 1);
  }
  return most;
}

describe(`a broadcast to ${RECIPIENTS} residents at ${RATE}/s`, () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({ households: RECIPIENTS, assign: false, fake: { rateLimit: { perBotPerSecond: RATE, perChatPerSecond: 1 } } });
  }, 300_000);
  afterAll(async () => {
    await world?.close();
  });

  it("takes 50 s ± 2% and never exceeds the limits", { timeout: 180_000 }, async () => {
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
    expect(sending).toBeGreaterThanOrEqual(50 * 0.98);
    expect(sending).toBeLessThanOrEqual(50 * 1.02);
  });
});
