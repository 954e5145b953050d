/**
 * Send-rate control for one platform: a global rate (a fixed schedule of send slots, plus a
 * sliding one-second window that no burst may overfill), a per-chat spacing, and a pause when
 * the platform says "retry after".
 *
 * The fixed schedule makes the achieved rate the configured one (not a little under, as a
 * "wait a bit after each send" loop would); it keeps its grid, so a call held back for a few
 * milliseconds does not delay every later one. The one-second window covers what a schedule
 * cannot (a burst after a stall, calls slow to reach the platform). It is counted from what we
 * know for sure: a call reaches the platform after it was started and before it was answered.
 * So a call may start at `t` only when fewer than the limit of earlier calls could still have
 * reached the platform after `t − 1 s` — those not answered yet, or answered after `t − 1 s`.
 * Then the platform never counts more than the limit in any second, whatever the network or
 * event-loop jitter. Per-chat spacing works the same way (see {@link RateLimiter.noteChat}).
 */
import { performance } from "node:perf_hooks";
import { gateSpacing, LimiterClosedError, type RateGate, type RateLimits, type ReleaseSlot } from "../model/rate-gate.js";

// The contract shared with the Redis-backed gate lives in the model (the store implements it).
export { LimiterClosedError, type RateGate, type RateGateFactory, type RateLimits, type ReleaseSlot } from "../model/rate-gate.js";

/** A monotonic clock in milliseconds and a way to wait; tests may replace both. */
export interface LimiterClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: LimiterClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Slot {
  started: number;
  answered: number | undefined;
  finished: Promise<void>;
}

/** How far the schedule may fall behind the clock and still catch up. */
const MAX_LAG_MS = 250;

/** A call not answered after this long stops counting (a hung call must not stall every other). */
const HUNG_MS = 2_000;

/** See the module comment. */
export class RateLimiter implements RateGate {
  private readonly interval: number;
  private readonly windowSize: number;
  private readonly margin: number;
  private readonly chatInterval: number;
  /** Calls that may still count in the platform's current second, in start order. */
  private recent: Slot[] = [];
  private next = Number.NEGATIVE_INFINITY;
  private pausedUntil = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly chats = new Map<string, number>();
  private lastSweep = 0;
  private closed = false;
  private readonly wakers = new Set<() => void>();

  constructor(
    limits: RateLimits,
    private readonly clock: LimiterClock = REAL_CLOCK,
  ) {
    ({ interval: this.interval, windowSize: this.windowSize, margin: this.margin, chatInterval: this.chatInterval } = gateSpacing(limits));
  }

  /**
   * Resolves when the next call may start, with the function to call once it is answered.
   * Slots are granted in the order they were asked for.
   */
  acquire(): Promise<ReleaseSlot> {
    const turn = this.chain.then(() => this.take());
    this.chain = turn.catch(() => undefined);
    return turn;
  }

  /** Runs `call` in a slot, releasing it when the call settles. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await call();
    } finally {
      release();
    }
  }

  /** Refuses every waiting and later request for a slot (they reject with {@link LimiterClosedError}). */
  close(): void {
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
  }

  /** The platform asked to wait: no call starts before `ms` from now. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** The spacing kept between two calls to one chat, in ms (0: none). */
  get chatIntervalMs(): number {
    return this.chatInterval;
  }

  /** Milliseconds until `chat` may be sent to again (0: now). */
  chatWait(chat: string): number {
    if (this.chatInterval === 0) return 0;
    const last = this.chats.get(chat);
    return last === undefined ? 0 : Math.max(0, last + this.chatInterval - this.clock.now());
  }

  /**
   * Records a call to `chat`: when it starts (so nothing else goes there meanwhile) and again when
   * it is answered (the spacing counts from then, so the next message can never arrive early).
   */
  noteChat(chat: string): void {
    if (this.chatInterval === 0) return;
    const now = this.clock.now();
    this.chats.set(chat, now);
    // Forget chats whose spacing has long passed, so the map stays as small as the traffic.
    if (now - this.lastSweep > 10_000) {
      this.lastSweep = now;
      for (const [key, at] of this.chats) if (now - at > this.chatInterval) this.chats.delete(key);
    }
  }

  private async take(): Promise<ReleaseSlot> {
    // The grid may lag behind the clock a little (calls held back by the window catch up), but
    // not after idling: then it restarts from now rather than letting a backlog out at once.
    const now = this.clock.now();
    const scheduled = Math.max(this.next >= now - MAX_LAG_MS ? this.next : now, this.pausedUntil);
    let at = scheduled;
    for (;;) {
      if (this.closed) throw new LimiterClosedError();
      const wait = at - this.clock.now();
      if (wait > 0) await this.nap(wait);
      if (this.closed) throw new LimiterClosedError();
      // A pause that arrived while we slept moves this slot too.
      if (this.pausedUntil > this.clock.now()) {
        at = this.pausedUntil;
        continue;
      }
      const blocked = this.windowUntil();
      if (blocked === undefined) break;
      if (typeof blocked === "number") at = blocked;
      else await Promise.race([blocked, this.nap(50)]);
    }
    let resolve: () => void = () => undefined;
    const slot: Slot = { started: this.clock.now(), answered: undefined, finished: new Promise<void>((r) => (resolve = r)) };
    if (this.windowSize > 0) this.recent.push(slot);
    // The grid advances from the scheduled time, not from when the window let us go.
    this.next = scheduled + this.interval;
    return () => {
      if (slot.answered !== undefined) return;
      slot.answered = this.clock.now();
      resolve();
    };
  }

  /** Sleeps, but wakes at once when the limiter is closed. */
  private nap(ms: number): Promise<void> {
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    this.wakers.add(wake);
    return Promise.race([this.clock.sleep(ms), woken]).finally(() => this.wakers.delete(wake));
  }

  /**
   * Undefined when a call may start now; else the time it may (a number), or an answer to wait
   * for (when too many calls are still unanswered).
   */
  private windowUntil(): number | Promise<void> | undefined {
    if (this.windowSize === 0) return undefined;
    const now = this.clock.now();
    // Calls that can no longer reach the platform inside the coming second are forgotten.
    this.recent = this.recent.filter((slot) => (slot.answered === undefined ? now - slot.started < HUNG_MS : slot.answered + 1000 + this.margin > now));
    if (this.recent.length < this.windowSize) return undefined;
    const pending = this.recent.filter((slot) => slot.answered === undefined);
    const answered = this.recent.flatMap((slot) => (slot.answered === undefined ? [] : [slot.answered])).sort((a, b) => b - a);
    // With `pending` unanswered, at most windowSize - 1 - pending answered calls may lie inside the window.
    const room = this.windowSize - 1 - pending.length;
    if (room < 0) return Promise.race(pending.map((slot) => slot.finished));
    const limiting = answered[room];
    return limiting === undefined ? undefined : limiting + 1000 + this.margin;
  }
}

