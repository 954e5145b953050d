/**
 * Broadcast figures for `npm run bench`: the send rate the outbox achieves against a configured
 * limit, and the highest rate it reaches with no limit, both against the local fake Telegram Bot
 * API (in this process; the sender in a child process, as against the real Telegram). The fake
 * enforces the same limits and records when each call arrived, so "busiest second" is what
 * Telegram would have counted.
 */
import { busiestSecond, createWorld, startChildSender } from "../tests/outreach/world.js";

interface Run {
  sends: number;
  seconds: number;
  rate: number;
  busiest: number;
  refused: number;
}

async function run(recipients: number, rate: number, perChat: number, concurrency: number): Promise<Run> {
  const world = await createWorld({ households: recipients, assign: false, ...(rate > 0 ? { fake: { rateLimit: { perBotPerSecond: rate, perChatPerSecond: 1 } } } : {}) });
  try {
    const id = await world.schedule({ text: { "zh-CN": "电信诈骗高发，接到陌生来电要多加小心。" } }, { kind: "everyone" });
    const sender = await startChildSender(world, { rate, perChat, concurrency });
    await world.tg.waitUntil(() => world.tg.calls("sendMessage").filter((c) => c.ok).length >= recipients, 600_000, "every send");
    await world.settled(id, 60_000);
    await sender.stop();
    const calls = world.tg.calls("sendMessage");
    const ok = calls.filter((c) => c.ok).map((c) => c.at);
    const seconds = (Math.max(...ok) - Math.min(...ok)) / 1000;
    return { sends: ok.length, seconds, rate: (ok.length - 1) / seconds, busiest: busiestSecond(ok), refused: calls.filter((c) => c.errorCode === 429).length };
  } finally {
    await world.close();
  }
}

/** Runs the broadcast benchmark; returns the lines to print. */
export async function benchBroadcast(): Promise<string[]> {
  const lines: string[] = [];
  for (const [recipients, rate] of [
    [300, 30],
    [1_000, 100],
  ] as const) {
    const r = await run(recipients, rate, 1, 16);
    lines.push(
      `configured ${rate}/s (1/s per chat): ${r.sends} sends in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(2)}/s achieved (${((r.rate / rate) * 100).toFixed(1)}% of the limit); busiest second ${r.busiest}; refused with 429: ${r.refused}`,
    );
  }
  const free = await run(5_000, 0, 0, 64);
  lines.push(`no limit (64 in flight, SQLite outbox): ${free.sends} sends in ${free.seconds.toFixed(2)} s = ${free.rate.toFixed(0)}/s; busiest second ${free.busiest}`);
  return lines;
}
