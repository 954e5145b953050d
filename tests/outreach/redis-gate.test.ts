/**
 * The Redis-shared send-rate gate (prisma/redis/rate-gate.ts) on the local Redis: gates of three
 * "instances" (each with its own connection) share one limit, one pause and one per-chat spacing;
 * without Redis nothing is granted.
 */
import { performance } from "node:perf_hooks";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LimiterClosedError } from "../../core/outreach/limiter.js";
import { RedisRateGate } from "../../prisma/redis/rate-gate.js";
import { freshRedis, type TestRedis } from "../support/redis.js";
import { busiestSecond } from "./world.js";

describe("the Redis rate gate", () => {
  let redis: TestRedis;
  const connections: Redis[] = [];
  const gate = (platform: string, perSecond: number, perChatPerSecond = 0) => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    connections.push(connection);
    return new RedisRateGate({ redis: connection, platform, limits: { perSecond, perChatPerSecond }, prefix: redis.prefix });
  };
  beforeAll(() => {
    redis = freshRedis();
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await redis.drop();
  });

  it("grants three instances together no more than the limit in any second", { timeout: 30_000 }, async () => {
    const gates = [gate("t1", 20), gate("t1", 20), gate("t1", 20)];
    const started: number[] = [];
    // 60 calls of 5–25 ms each, 20 per instance, all asking at once.
    await Promise.all(
      gates.flatMap((g, i) =>
        Array.from({ length: 20 }, async (_, j) => {
          const release = await g.acquire();
          started.push(performance.now());
          await new Promise((resolve) => setTimeout(resolve, 5 + ((i * 20 + j) % 5) * 5));
          release();
        }),
      ),
    );
    expect(started).toHaveLength(60);
    expect(busiestSecond(started)).toBeLessThanOrEqual(20);
    // 60 at 20 a second cannot all start within two seconds.
    expect(Math.max(...started) - Math.min(...started)).toBeGreaterThanOrEqual(2_000 - 50);
  });

  it("shares a platform's pause and each chat's spacing", { timeout: 10_000 }, async () => {
    const [a, b] = [gate("t2", 30, 1), gate("t2", 30, 1)];
    a.noteChat("chat-1");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const wait = await b.chatWait("chat-1");
    expect(wait).toBeGreaterThan(800);
    expect(wait).toBeLessThanOrEqual(1_001);
    expect(await b.chatWait("chat-2")).toBe(0);
    a.pause(400);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const asked = performance.now();
    (await b.acquire())();
    expect(performance.now() - asked).toBeGreaterThanOrEqual(300);
  });

  it("grants nothing without Redis, and a closed gate refuses its waiters", { timeout: 10_000 }, async () => {
    const dead = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    dead.on("error", () => undefined);
    const gateWithoutRedis = new RedisRateGate({ redis: dead, platform: "t3", limits: { perSecond: 30, perChatPerSecond: 1 } });
    let granted = false;
    const waiting = gateWithoutRedis.acquire().then(() => (granted = true));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(granted).toBe(false);
    gateWithoutRedis.close();
    await expect(waiting).rejects.toBeInstanceOf(LimiterClosedError);
    // Unknown spacing counts as "wait": a chat is never sent to twice in a second by accident.
    expect(await gateWithoutRedis.chatWait("chat-1")).toBeGreaterThan(0);
    dead.disconnect();
  });
});
