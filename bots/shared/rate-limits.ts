/**
 * The web routes' per-client request limits (@fastify/rate-limit). One instance counts in its own
 * memory. Several instances behind a load balancer count in Redis, so that a client's requests
 * add up wherever they land: otherwise three instances would let a flood through three times.
 */
import fastifyRateLimit, { type RateLimitPluginOptions } from "@fastify/rate-limit";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";

/** Redis of a scaled-out deployment (REDIS_URL, REDIS_PREFIX). */
export interface RedisSettings {
  url: string;
  prefix: string;
}

/** Minimal logger (pino's fits). */
export interface LimitsLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/**
 * How long registering waits for Redis: the server listens right after, and counts made before
 * the connection is up would be skipped. A Redis that is down delays the start by this, no more.
 */
export const REDIS_READY_WAIT_MS = 2_000;

/** The key prefix of the counters in Redis; the plugin appends the route (method and URL) and the client's key. */
export function limitsNameSpace(prefix: string): string {
  return `${prefix}:web:limit:`;
}

/**
 * Registers @fastify/rate-limit on `scope` with `options`, its counters in Redis when `redis` is
 * given (the connection closes with the server), else in memory.
 */
export async function registerRateLimit(scope: FastifyInstance, options: RateLimitPluginOptions, redis: RedisSettings | undefined, logger: LimitsLogger): Promise<void> {
  if (!redis) {
    await scope.register(fastifyRateLimit, options);
    return;
  }
  const client = new Redis(redis.url, {
    connectionName: `${redis.prefix}:web:limits`,
    connectTimeout: 1_000,
    // A limit check must never hold a request up: without a connection the command fails at
    // once (no offline queue), and a Redis that hangs fails it after half a second.
    enableOfflineQueue: false,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
  });
  let down = false;
  // ioredis reports connection trouble as "error" events (a crash without a listener): log an
  // outage once, not at every reconnect attempt.
  client.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, "web request limits: Redis connection lost; requests go unlimited until it is back");
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({}, "web request limits: Redis connection back");
  });
  if (!(await readyWithin(client, REDIS_READY_WAIT_MS))) logger.warn({}, "web request limits: Redis is not reachable yet; requests go unlimited until it is");
  scope.addHook("onClose", async () => {
    if (client.status !== "ready") return client.disconnect();
    await client.quit().then(
      () => undefined,
      () => client.disconnect(),
    );
  });
  await scope.register(fastifyRateLimit, {
    ...options,
    redis: client,
    nameSpace: limitsNameSpace(redis.prefix),
    // Without it every request would fail with a 500 while Redis is away. The limits guard
    // against floods; a resident who cannot reach the chat at all is the worse outcome, so an
    // unreachable store lets requests through uncounted until it is back.
    skipOnError: true,
  });
}

/** Waits until the client is ready, `ms` at most; true when it is. */
function readyWithin(client: Redis, ms: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      resolve(false);
    }, ms);
    timer.unref();
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    client.once("ready", onReady);
  });
}
