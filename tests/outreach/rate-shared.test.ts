/**
 * Issue 16: three senders — three instances of a scaled-out deployment — on one PostgreSQL
 * database and one Redis, sending a 3,000-recipient broadcast at Telegram's 30/s. The fake Bot
 * API enforces the same limits and records when each call arrived. With the limits shared in
 * Redis no one-second window holds more than 30 sends and nothing is refused for flooding (each
 * sender's own 30/s would add up to 90). One sender is killed with SIGKILL a third of the way in
 * and not restarted: the two left finish the broadcast — the rows it had reserved lapse and are
 * taken over, the calls it had in flight are sent again and counted "possibly duplicated" (the
 * only duplicates there may be: Telegram cannot be asked whether a call was carried out, and
 * nothing is probed — core/outreach/README.md).
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshPostgres } from "../support/databases.js";
import { freshRedis, type TestRedis } from "../support/redis.js";
import { busiestSecond, createWorld, startChildSender, type ChildSender, type World } from "./world.js";

const RECIPIENTS = 3_000;
const RATE = 30;
const INSTANCES = 3;

describe(`a ${RECIPIENTS}-recipient broadcast from ${INSTANCES} instances sharing a ${RATE}/s limit`, () => {
  let world: World;
  let redis: TestRedis;
  const senders: ChildSender[] = [];
  beforeAll(async () => {
    redis = freshRedis();
    world = await createWorld({ households: RECIPIENTS, assign: false, db: await freshPostgres(), fake: { rateLimit: { perBotPerSecond: RATE, perChatPerSecond: 1 } } });
  }, 300_000);
  afterAll(async () => {
    await Promise.allSettled(senders.map((sender) => sender.stop()));
    await world?.close();
    await redis?.drop();
  });

  it("keeps the limit together, and finishes without the one killed", { timeout: 300_000 }, async () => {
    const { tg } = world;
    tg.setLatency(5, "sendMessage", 15);
    const id = await world.schedule({ text: { "zh-CN": "电信诈骗高发，接到陌生来电要多加小心。" } }, { kind: "everyone" });
    for (let i = 0; i < INSTANCES; i++) senders.push(await startChildSender(world, { rate: RATE, perChat: 1, redisUrl: redis.url, redisPrefix: redis.prefix }));
    const accepted = () => tg.calls("sendMessage").filter((c) => c.ok).length;
    await tg.waitUntil(() => accepted() >= RECIPIENTS / 3, 200_000, "a third of the sends");
    const victim = senders.shift()!;
    await victim.kill();
    const killedAt = accepted();
    await tg.waitUntil(() => new Set(tg.calls("sendMessage").filter((c) => c.ok).map((c) => Number(c.params.chat_id))).size >= RECIPIENTS, 240_000, "every recipient");
    const counts = await world.settled(id, 60_000);

    const all = tg.calls("sendMessage");
    const ok = all.filter((c) => c.ok);
    const times = ok.map((c) => c.at);
    const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
    const copies = world.households.map((h) => tg.sentTo(h.chatId).length);
    const duplicated = world.households.filter((_, i) => (copies[i] ?? 0) > 1).map((h) => h.resident.id);
    const marked = await possiblyDuplicated(world, id);
    console.log(
      `shared rate: ${ok.length} sends from ${INSTANCES} instances (one killed after ${killedAt}) in ${seconds.toFixed(1)} s = ${(ok.length / seconds).toFixed(2)}/s ` +
        `against ${RATE}/s shared; busiest second ${busiestSecond(times)}; 429s ${all.filter((c) => c.errorCode === 429).length}; ` +
        `${duplicated.length} residents got two copies, ${counts.possiblyDuplicated} counted possibly duplicated`,
    );
    expect(all.filter((c) => c.errorCode === 429)).toEqual([]);
    expect(busiestSecond(times)).toBeLessThanOrEqual(RATE);
    expect(copies.filter((n) => n === 0)).toEqual([]);
    expect(counts).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS });
    // Duplicates only from the calls in flight at the kill, each counted.
    expect(Math.max(...copies)).toBeLessThanOrEqual(2);
    expect(duplicated.length).toBeLessThanOrEqual(counts.possiblyDuplicated);
    for (const resident of duplicated) expect(marked.has(resident)).toBe(true);
  });
});

/** The residents whose delivery of `broadcastId` is marked possibly duplicated. */
async function possiblyDuplicated(world: World, broadcastId: string): Promise<Set<string>> {
  const client = new pg.Client({ connectionString: world.db.target.url });
  await client.connect();
  try {
    const rows = await client.query<{ residentId: string }>('SELECT "residentId" FROM "Delivery" WHERE "broadcastId" = $1 AND "possiblyDuplicated"', [broadcastId]);
    return new Set(rows.rows.map((row) => row.residentId));
  } finally {
    await client.end();
  }
}
