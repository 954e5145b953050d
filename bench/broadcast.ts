/**
 * Broadcast figures for `npm run bench`: the send rate the outbox achieves against a configured
 * limit, and the highest rate it reaches with no limit, both against the local fake Telegram Bot
 * API (in this process; the sender in a child process, as against the real Telegram). The fake
 * enforces the same limits and records when each call arrived, so "busiest second" is what
 * Telegram would have counted.
 */
import { busiestSecond, createWorld, startChildSender } from "../tests/outreach/world.js";
import { freshPostgres } from "../tests/support/databases.js";
import { freshRedis } from "../tests/support/redis.js";

interface Run {
  sends: number;
  seconds: number;
  rate: number;
  busiest: number;
  refused: number;
}

/** How the senders run: one on a SQLite file (the default), or `instances` on PostgreSQL sharing Redis. */
interface Deployment {
  instances: number;
  scaledOut: boolean;
}

async function run(recipients: number, rate: number, perChat: number, concurrency: number, deployment: Deployment = { instances: 1, scaledOut: false }): Promise<Run> {
  const scaled = deployment.scaledOut;
  const redis = scaled ? freshRedis() : undefined;
  const world = await createWorld({
    households: recipients,
    assign: false,
    ...(scaled ? { db: await freshPostgres() } : {}),
    ...(rate > 0 ? { fake: { rateLimit: { perBotPerSecond: rate, perChatPerSecond: 1 } } } : {}),
  });
  try {
    const id = await world.schedule({ text: { "zh-CN": "电信诈骗高发，接到陌生来电要多加小心。" } }, { kind: "everyone" });
    const shared = redis ? { redisUrl: redis.url, redisPrefix: redis.prefix } : {};
    const senders = [];
    for (let i = 0; i < deployment.instances; i++) senders.push(await startChildSender(world, { rate, perChat, concurrency, ...shared }));
    await world.tg.waitUntil(() => world.tg.calls("sendMessage").filter((c) => c.ok).length >= recipients, 600_000, "every send");
    await world.settled(id, 60_000);
    for (const sender of senders) await sender.stop();
    const calls = world.tg.calls("sendMessage");
    const ok = calls.filter((c) => c.ok).map((c) => c.at);
    const seconds = (Math.max(...ok) - Math.min(...ok)) / 1000;
    return { sends: ok.length, seconds, rate: (ok.length - 1) / seconds, busiest: busiestSecond(ok), refused: calls.filter((c) => c.errorCode === 429).length };
  } finally {
    await world.close();
    await redis?.drop();
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
  // Scale-out (issue 16): the same limit shared by three instances on PostgreSQL through Redis,
  // against one instance on PostgreSQL — the limit is the deployment's, not each instance's.
  for (const instances of [1, 3]) {
    const r = await run(900, 30, 1, 16, { instances, scaledOut: true });
    lines.push(
      `${instances} instance${instances === 1 ? "" : "s"} on PostgreSQL + Redis at a shared 30/s: ${r.sends} sends in ${r.seconds.toFixed(2)} s = ${r.rate.toFixed(2)}/s (${((r.rate / 30) * 100).toFixed(1)}% of the limit); busiest second ${r.busiest}; refused with 429: ${r.refused}`,
    );
  }
  const free = await run(5_000, 0, 0, 64);
  lines.push(`no limit (64 in flight, SQLite outbox): ${free.sends} sends in ${free.seconds.toFixed(2)} s = ${free.rate.toFixed(0)}/s; busiest second ${free.busiest}`);
  return lines;
}
