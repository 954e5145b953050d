/**
 * A send-rate gate shared by every app instance through Redis: the same rules as the outbox's
 * own limiter (core/outreach/limiter.ts) — a fixed schedule of send slots, a one-second window
 * no burst may overfill counted from when calls started and were answered, a per-chat spacing
 * and the platform's "retry after" — kept in Redis and decided by one Lua script per request, so
 * that three instances sending at once still make at most the platform's limit in any second.
 *
 * Why not BullMQ's queue limiter or rate-limiter-flexible: both count fixed windows (a counter
 * that expires `duration` after its first hit), which let through up to twice the limit in a
 * second that straddles two windows, and Telegram answers that with 429. The window here slides.
 * Time is Redis's own clock (TIME inside the script), so instances on machines whose clocks
 * differ still agree.
 *
 * A slot counts from its grant until a second after its answer (or 2 s after its grant if the
 * answer never comes: a dead instance's slots lapse). When Redis cannot be reached, no slot is
 * granted: sends wait rather than risk the limit.
 */
import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { gateSpacing, LimiterClosedError, type RateGate, type RateLimits, type ReleaseSlot } from "../../core/model/rate-gate.js";

/** How far the shared schedule may fall behind the clock and still catch up (as the local limiter). */
const MAX_LAG_MS = 250;
/** A call not answered after this long stops counting. */
const HUNG_MS = 2_000;
/** How long idle keys live. */
const KEY_TTL_MS = 60_000;
/** The longest a waiter sleeps before asking again (unanswered calls may be answered sooner). */
const MAX_NAP_MS = 50;

// KEYS: slots (sorted set: member → until when it counts), next (the schedule), pause.
// ARGV: slot id, interval ms, window size, hung ms, max lag ms, key ttl ms, max nap ms.
// Returns "0" when granted, else the milliseconds to wait before asking again.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[2])
local size = tonumber(ARGV[3])
local ttl = tonumber(ARGV[6])
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then return tostring(paused - now) end
local scheduled = now
local nxt = redis.call('GET', KEYS[2])
if nxt and tonumber(nxt) >= now - tonumber(ARGV[5]) then scheduled = tonumber(nxt) end
if scheduled > now then return tostring(scheduled - now) end
if size > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= size then
    local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    local wait = tonumber(first[2]) - now
    if wait > tonumber(ARGV[7]) then wait = tonumber(ARGV[7]) end
    if wait < 1 then wait = 1 end
    return tostring(wait)
  end
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
if interval > 0 then redis.call('SET', KEYS[2], tostring(scheduled + interval), 'PX', ttl) end
return '0'
`;

// KEYS: slots. ARGV: slot id, margin ms. The slot counts until a second after now.
const RELEASE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
redis.call('ZADD', KEYS[1], 'XX', now + 1000 + tonumber(ARGV[2]), ARGV[1])
return 1
`;

// KEYS: pause. ARGV: ms. Moves the pause later, never earlier.
const PAUSE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local untilAt = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if untilAt > current then redis.call('SET', KEYS[1], tostring(untilAt), 'PX', math.ceil(tonumber(ARGV[1])) + 1000) end
return 1
`;

/** Minimal logger (pino's fits). */
export interface GateLogger {
  warn(obj: object, msg?: string): void;
}

/** Options of {@link RedisRateGate}. */
export interface RedisRateGateOptions {
  redis: Redis;
  platform: string;
  limits: RateLimits;
  /** Key prefix, so that several deployments (or tests) can share one Redis. Default "anxin". */
  prefix?: string;
  logger?: GateLogger;
}

/** See the module comment. */
export class RedisRateGate implements RateGate {
  private readonly redis: Redis;
  private readonly keys: { slots: string; next: string; pause: string; chat: string };
  private readonly interval: number;
  private readonly windowSize: number;
  private readonly margin: number;
  private readonly chatInterval: number;
  private readonly log: GateLogger | undefined;
  private closed = false;
  private readonly wakers = new Set<() => void>();
  private lastComplaint = 0;

  constructor(options: RedisRateGateOptions) {
    this.redis = options.redis;
    const base = `${options.prefix ?? "anxin"}:rate:${options.platform}`;
    this.keys = { slots: `${base}:slots`, next: `${base}:next`, pause: `${base}:pause`, chat: `${base}:chat:` };
    ({ interval: this.interval, windowSize: this.windowSize, margin: this.margin, chatInterval: this.chatInterval } = gateSpacing(options.limits));
    this.log = options.logger;
  }

  /** The spacing kept between two calls to one chat, in ms (0: none). */
  get chatIntervalMs(): number {
    return this.chatInterval;
  }

  /** Resolves when a call may start (shared with every instance), with its release. */
  async acquire(): Promise<ReleaseSlot> {
    if (this.interval === 0 && this.windowSize === 0) {
      if (this.closed) throw new LimiterClosedError();
      return () => undefined;
    }
    const id = randomBytes(9).toString("base64url");
    for (;;) {
      if (this.closed) throw new LimiterClosedError();
      let wait: number;
      try {
        const answer = (await this.redis.eval(ACQUIRE, 3, this.keys.slots, this.keys.next, this.keys.pause, id, this.interval, this.windowSize, HUNG_MS, MAX_LAG_MS, KEY_TTL_MS, MAX_NAP_MS)) as string;
        wait = Number(answer);
      } catch (error) {
        this.complain(error, "the shared rate limit cannot be read: sends wait");
        wait = 500;
      }
      if (wait <= 0) return this.releaser(id);
      await this.nap(Math.max(1, wait));
    }
  }

  /** The platform asked to wait: every instance's sends pause. */
  pause(ms: number): void {
    void this.redis.eval(PAUSE, 1, this.keys.pause, Math.max(0, Math.min(ms, 10 * 60_000))).catch((error: unknown) => this.complain(error, "could not share a pause"));
  }

  /** Milliseconds until `chat` may be sent to again, by any instance. */
  async chatWait(chat: string): Promise<number> {
    if (this.chatInterval === 0) return 0;
    try {
      const left = await this.redis.pttl(this.keys.chat + chat);
      return left > 0 ? left : 0;
    } catch (error) {
      this.complain(error, "the shared per-chat spacing cannot be read");
      return this.chatInterval;
    }
  }

  /** Records a call to `chat`: no instance sends to it within the spacing from now. */
  noteChat(chat: string): void {
    if (this.chatInterval === 0) return;
    void this.redis.set(this.keys.chat + chat, "1", "PX", Math.ceil(this.chatInterval)).catch((error: unknown) => this.complain(error, "could not share a chat's spacing"));
  }

  /** Refuses every waiting and later request (they reject with LimiterClosedError). */
  close(): void {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }

  private releaser(id: string): ReleaseSlot {
    let done = false;
    return () => {
      if (done || this.windowSize === 0) return;
      done = true;
      // Not answered in Redis: the slot lapses 2 s after its grant, which is later than this would set.
      void this.redis.eval(RELEASE, 1, this.keys.slots, id, this.margin).catch((error: unknown) => this.complain(error, "could not release a send slot"));
    };
  }

  private nap(ms: number): Promise<void> {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.wakers.add(wake);
    let timer: NodeJS.Timeout | undefined;
    const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    return Promise.race([slept, woken]).finally(() => {
      clearTimeout(timer);
      this.wakers.delete(wake);
    });
  }

  /** Logs a Redis failure at most every 10 s (a down Redis would otherwise flood the log). */
  private complain(error: unknown, message: string): void {
    const now = Date.now();
    if (now - this.lastComplaint < 10_000) return;
    this.lastComplaint = now;
    this.log?.warn({ err: error }, message);
  }
}
