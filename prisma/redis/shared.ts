/**
 * What app instances share through Redis when `REDIS_URL` is set: the platforms' send rates
 * (prisma/redis/rate-gate.ts) and, through the same connection settings, the job queue and the
 * live-push channel. Without Redis (the embedded SQLite default) none of this exists and each
 * part keeps its in-process form.
 */
import { Redis } from "ioredis";
import type { RateGateFactory } from "../../core/model/rate-gate.js";
import { RedisRateGate, type GateLogger } from "./rate-gate.js";

/** Options of {@link openShared}. */
export interface SharedOptions {
  /** redis://[user:password@]host:port[/db] */
  url: string;
  /** Prefix of every key and channel, so that deployments (or tests) can share a Redis. Default "anxin". */
  prefix?: string;
  logger?: GateLogger;
}

/**
 * How long a sender's reservation of outbox rows lasts without its heartbeat (renewed with its
 * leases), so a dead instance's rows go to the others within seconds (OutboxSenderOptions.reserveMs).
 */
export const RESERVE_MS = 6_000;

/** The shared state of a scaled-out deployment. */
export interface Shared {
  readonly url: string;
  readonly prefix: string;
  /** The connection for commands (not for subscribing). */
  readonly redis: Redis;
  /** The outbox options that make this instance's sender one of several. */
  readonly senderOptions: { rateGates: RateGateFactory; reserveMs: number };
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Connects to Redis (lazily: a Redis that is down makes sends wait, not the start fail). */
export function openShared(options: SharedOptions): Shared {
  const prefix = options.prefix ?? "anxin";
  const redis = new Redis(options.url, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  // ioredis reports connection failures as events; without a listener Node would crash on them.
  redis.on("error", (error: unknown) => options.logger?.warn({ err: error }, "Redis connection error"));
  const rateGates: RateGateFactory = (platform, limits) => new RedisRateGate({ redis, platform, limits, prefix, ...(options.logger ? { logger: options.logger } : {}) });
  return {
    url: options.url,
    prefix,
    redis,
    senderOptions: { rateGates, reserveMs: RESERVE_MS },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
