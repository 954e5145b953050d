/**
 * The outbox sender: turns scheduled broadcasts into Delivery rows (fan-out) and drains them
 * through one transport per platform, keeping each platform's global and per-chat rate,
 * honouring "retry after", retrying transient failures with backoff, marking blocked accounts
 * and skipping residents who opted out (checked again just before each send).
 *
 * After a crash: a delivery is claimed (`sending`, owned by this process, with a short lease its
 * heartbeat renews) in a committed write right before the platform call — after its rate slot is
 * granted, so only calls actually being made are claimed — and settled after it. A row found
 * `sending` with its lease run out was in flight when its sender died: whether the platform
 * carried the call out cannot be known (Telegram offers no idempotency key and no way to read a
 * chat), so it is sent again once and marked `possiblyDuplicated` (at least once); the same for
 * a call that failed without saying whether it was carried out (timeout, connection reset, 5xx).
 * Nothing is ever edited or deleted to find out. The web inbox is written in the outbox's own
 * transaction (exactly once). core/outreach/README.md has the guarantees per platform.
 */
import type { BroadcastRecord, DeliveryJob, DeliverySettlement, IdentityRecord, BroadcastStore, RegionStore, SurveyStore } from "../model/index.js";
import { audienceQuery, planDelivery } from "./audience.js";
import { parseAudience, parseContent, type BroadcastContent } from "./content.js";
import { randomBytes } from "node:crypto";
import { LimiterClosedError, RateLimiter, type LimiterClock, type RateGate, type RateGateFactory, type RateLimits, type ReleaseSlot } from "./limiter.js";
import type { PlatformPauses } from "./pauses.js";

/** One delivery handed to a transport. */
export interface SendJob {
  delivery: DeliveryJob;
  identity: IdentityRecord;
  content: BroadcastContent;
}

/** What a send attempt came to. */
export type SendOutcome =
  | { kind: "sent"; messageId?: string }
  /** The resident blocked us / unfollowed: mark the account unreachable. */
  | { kind: "blocked"; error: string }
  /** Not sent; the platform asked us to wait this long. */
  | { kind: "retry-after"; ms: number; error: string }
  /** Not sent; worth trying again later. */
  | { kind: "transient"; error: string }
  /** May or may not have been sent (network error, timeout, 5xx): sent again later, marked possibly duplicated. */
  | { kind: "ambiguous"; error: string }
  /** Not sent and never will be (bad request, unknown chat, content refused). */
  | { kind: "failed"; error: string };

/** Sends deliveries of one platform. */
export interface OutboxTransport {
  /** The `platform` of the identities it reaches. */
  readonly platform: string;
  /**
   * True when `send` itself records the delivery as sent in the same transaction as the
   * platform write (web inbox): such deliveries are never claimed and never ambiguous.
   */
  readonly atomic?: boolean;
  /** Sends one delivery; never throws. */
  send(job: SendJob): Promise<SendOutcome>;
}

/** Minimal logger (pino's fits). */
export interface OutboxLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link OutboxSender}. */
export interface OutboxSenderOptions {
  store: BroadcastStore & SurveyStore & RegionStore;
  transports: OutboxTransport[];
  /** Per platform; platforms not listed get {@link DEFAULT_LIMITS} or no limit. */
  limits?: Record<string, RateLimits>;
  logger?: OutboxLogger;
  now?: () => Date;
  /** Clock of the rate limiters (tests). */
  limiterClock?: LimiterClock;
  /**
   * Makes each platform's rate gate. Default: a {@link RateLimiter} of this process. Instances
   * sending on one platform together pass a shared gate (prisma/redis/rate-gate.ts).
   */
  rateGates?: RateGateFactory;
  /**
   * When set, rows are reserved for this sender for this long before it works on them, so that
   * senders in several instances share the outbox instead of all reading the same rows (each
   * would spend a rate slot on a row another one sends). Reservations are given back on stop
   * and lapse by themselves when their sender dies. Default: off (one sender per database).
   */
  reserveMs?: number;
  /**
   * How long a claimed delivery stays `sending` without its owner's heartbeat before it is taken
   * for interrupted (its sender died). Default 6 s; the heartbeat renews it every third of it.
   */
  leaseMs?: number;
  /** How often this process renews the leases of its calls in flight. Default a third of the lease. */
  heartbeatMs?: number;
  /** This process's name on its claims. Default: random. */
  owner?: string;
  /** The platform-wide "retry after" shared with the channels' replies: a 429 anywhere pauses broadcasts, and theirs pause replies. */
  pauses?: PlatformPauses;
  /** Sends in flight at once per platform. Default 16. */
  concurrency?: number;
  /** Rows read per query. Default 100 (a bigger read blocks the event loop longer). */
  batchSize?: number;
  /** How often to look for work when idle. Default 1 s. */
  pollMs?: number;
  /** Attempts before a delivery is given up as failed. Default 8. */
  maxAttempts?: number;
  /** First retry pause of a transient failure (doubling, at most 5 min). Default 2 s. */
  backoffMs?: number;
  /**
   * Whether a platform's channel is connected. While it is not, that platform's deliveries wait
   * (no attempt spent on a connection known to be down); the other platforms go on. Default: always.
   */
  ready?: (platform: string) => boolean;
}

/** Telegram's published limits: about 30 messages a second in bulk, 1 a second per chat. */
export const DEFAULT_LIMITS: Record<string, RateLimits> = {
  telegram: { perSecond: 30, perChatPerSecond: 1 },
  wechat: { perSecond: 20, perChatPerSecond: 1 },
  web: { perSecond: 0, perChatPerSecond: 0 },
};

const SILENT: OutboxLogger = { info() {}, warn() {}, error() {} };

/** Attempts after which a delivery whose earlier attempts were all uncertain is given up (at most that many copies). */
const MAX_UNCERTAIN_ATTEMPTS = 3;

/** A counting semaphore. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

interface Lane {
  transport: OutboxTransport;
  limiter: RateGate;
  slots: Slots;
  inFlight: Set<string>;
  running: Set<Promise<void>>;
  wake: (() => void) | undefined;
}

/** See the module comment. */
export class OutboxSender {
  private readonly store: BroadcastStore & SurveyStore & RegionStore;
  private readonly log: OutboxLogger;
  private readonly now: () => Date;
  private readonly lease: number;
  private readonly heartbeat: number;
  /** This process's name on its claims (see {@link OutboxSenderOptions.owner}). */
  readonly owner: string;
  private readonly pauses: PlatformPauses | undefined;
  private unsubscribe: (() => void) | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly batch: number;
  private readonly poll: number;
  private readonly maxAttempts: number;
  private readonly backoff: number;
  private readonly ready: (platform: string) => boolean;
  private readonly reserve: number | undefined;
  private readonly lanes = new Map<string, Lane>();
  private readonly contents = new Map<string, { status: BroadcastRecord["status"]; content: BroadcastContent }>();
  private readonly statuses = new Map<string, { cancelled: boolean; at: number }>();
  private loops: Promise<void>[] = [];
  private stopped = true;
  private housekeepingWake: (() => void) | undefined;

  constructor(options: OutboxSenderOptions) {
    this.store = options.store;
    this.log = options.logger ?? SILENT;
    this.now = options.now ?? (() => new Date());
    this.lease = options.leaseMs ?? 6_000;
    this.heartbeat = options.heartbeatMs ?? Math.max(100, Math.floor(this.lease / 3));
    this.owner = options.owner ?? `sender-${process.pid}-${randomBytes(6).toString("hex")}`;
    this.pauses = options.pauses;
    this.batch = options.batchSize ?? 100;
    this.poll = options.pollMs ?? 1_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.backoff = options.backoffMs ?? 2_000;
    this.ready = options.ready ?? (() => true);
    this.reserve = options.reserveMs;
    for (const transport of options.transports) {
      const limits = options.limits?.[transport.platform] ?? DEFAULT_LIMITS[transport.platform] ?? { perSecond: 0, perChatPerSecond: 0 };
      this.lanes.set(transport.platform, {
        transport,
        limiter: options.rateGates ? options.rateGates(transport.platform, limits) : new RateLimiter(limits, options.limiterClock),
        slots: new Slots(options.concurrency ?? 16),
        inFlight: new Set(),
        running: new Set(),
        wake: undefined,
      });
    }
  }

  /** The platforms broadcasts can go out on. */
  get platforms(): ReadonlySet<string> {
    return new Set(this.lanes.keys());
  }

  /** Starts the loops (fan-out and one per platform). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // A 429 drawn by anyone (a reply, another sender) pauses this platform's broadcasts too.
    this.unsubscribe = this.pauses?.onPause((platform, ms) => this.lanes.get(platform)?.limiter.pause(ms));
    this.heartbeatTimer = setInterval(() => void this.renewLeases(), this.heartbeat);
    this.heartbeatTimer.unref?.();
    this.loops = [this.housekeeping(), ...[...this.lanes.keys()].map((platform) => this.drain(platform))];
  }

  /** The heartbeat: while this process lives, its calls in flight keep their claims. */
  private async renewLeases(): Promise<void> {
    // Reservations are renewed like leases (a dead sender's lapse a lease after its last heartbeat).
    let busy = this.reserve !== undefined;
    for (const lane of this.lanes.values()) if (lane.inFlight.size > 0) busy = true;
    if (!busy) return;
    try {
      await this.store.renewDeliveryLeases(this.owner, new Date(this.now().getTime() + this.lease));
    } catch (error) {
      this.log.warn({ err: error }, "could not renew the outbox leases");
    }
  }

  /** Stops taking new work and waits for sends in flight to be settled. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.notify();
    // Sends waiting for a slot (e.g. out a long retry_after) give their rows back instead.
    for (const lane of this.lanes.values()) lane.limiter.close();
    await Promise.allSettled(this.loops);
    for (const lane of this.lanes.values()) await Promise.allSettled([...lane.running]);
    if (this.reserve !== undefined) {
      // Rows this sender reserved and did not get to go back to the others at once.
      await this.store.releaseDeliveryReservations(this.owner).catch((error: unknown) => this.log.warn({ err: error }, "could not give back the outbox reservations"));
    }
    this.unsubscribe?.();
    clearInterval(this.heartbeatTimer);
  }

  /** Looks for work at once (a broadcast was scheduled, or a page opened). */
  notify(): void {
    this.housekeepingWake?.();
    for (const lane of this.lanes.values()) lane.wake?.();
  }

  // ------------------------------------------------------------------------------- fan-out

  private async housekeeping(): Promise<void> {
    while (!this.stopped) {
      try {
        const now = this.now();
        for (const broadcast of await this.store.dueBroadcasts(now)) await this.fanOut(broadcast, now);
        const done = await this.store.finishBroadcasts(now);
        for (const id of done) {
          this.contents.delete(id);
          this.statuses.delete(id);
          this.log.info({ broadcast: id }, "broadcast finished");
        }
      } catch (error) {
        this.log.error({ err: error }, "outbox housekeeping failed");
      }
      await this.sleep(this.poll, (wake) => (this.housekeepingWake = wake));
    }
  }

  /** Writes one Delivery per recipient (all or none) and wakes the platform loops. */
  private async fanOut(broadcast: BroadcastRecord, now: Date): Promise<void> {
    const audience = parseAudience(broadcast.audience);
    const content = parseContent(broadcast.content);
    if (!audience || Object.keys(content.text).length === 0) {
      this.log.error({ broadcast: broadcast.id }, "a scheduled broadcast has no audience or no text: cancelled");
      await this.store.cancelBroadcast(broadcast.id, null, now);
      return;
    }
    const members = await this.store.audienceMembers(await audienceQuery(this.store, audience, now));
    const platforms = this.platforms;
    const plans = members.map((member) => planDelivery(member, platforms));
    if (await this.store.fanOutBroadcast(broadcast.id, plans, now)) {
      const pending = plans.filter((plan) => plan.status === "pending").length;
      this.log.info({ broadcast: broadcast.id, recipients: plans.length, pending }, "broadcast fanned out");
      for (const lane of this.lanes.values()) lane.wake?.();
    }
  }

  // ------------------------------------------------------------------------------- sending

  private async drain(platform: string): Promise<void> {
    const lane = this.lanes.get(platform);
    if (!lane) return;
    while (!this.stopped) {
      if (!this.ready(platform)) {
        await this.sleep(this.poll, (wake) => (lane.wake = wake));
        continue;
      }
      let jobs: DeliveryJob[] = [];
      try {
        const query = { now: this.now(), limit: this.batch, platform, excludeResidentIds: [...lane.inFlight] };
        jobs =
          this.reserve === undefined
            ? await this.store.nextDeliveries(query)
            : await this.store.reserveDeliveries({ ...query, owner: this.owner, until: new Date(query.now.getTime() + this.reserve) });
      } catch (error) {
        this.log.error({ err: error, platform }, "could not read the outbox");
      }
      if (jobs.length === 0) {
        await this.sleep(this.poll, (wake) => (lane.wake = wake));
        continue;
      }
      for (const job of jobs) {
        if (this.stopped) break;
        try {
          await this.dispatch(lane, job);
        } catch (error) {
          this.log.error({ err: error, delivery: job.id }, "could not dispatch a delivery");
        }
      }
    }
  }

  /** Decides what to do with one row and, if it is to be sent, starts the send (not awaited). */
  private async dispatch(lane: Lane, job: DeliveryJob): Promise<void> {
    if (lane.inFlight.has(job.residentId)) return;
    const identity = job.identity;
    const now = this.now();
    if (job.status === "sending") {
      // Its lease ran out: the sender that claimed it died during the call (this process's own
      // calls are in `inFlight` and never read back). Whether the platform carried it out cannot
      // be known, so it is sent once more, marked possibly duplicated — unless it should not go.
      const skip = job.broadcastStatus === "cancelled" ? { status: "skipped" as const, lastError: "cancelled (an interrupted send may have reached the resident)" } : skipReason(job);
      if (skip) {
        await this.store.settleDelivery(job.id, skip, now, "sending");
        return;
      }
      if (!(await this.store.recoverDelivery(job.id, now))) return;
      this.log.warn({ delivery: job.id, platform: lane.transport.platform }, "an interrupted delivery is sent again (possibly duplicated)");
      job = { ...job, status: "pending", possiblyDuplicated: true };
    }
    const skip = skipReason(job);
    if (skip) {
      await this.store.settleDelivery(job.id, skip, now, "pending");
      return;
    }
    if (!identity) return;
    // One chat's own rate — counting replies to it too — : put the row back for later rather
    // than hold up everyone else.
    const sinceReply = this.pauses?.sinceChat(lane.transport.platform, identity.chatId);
    const wait = Math.max(await lane.limiter.chatWait(identity.chatId), sinceReply === undefined ? 0 : lane.limiter.chatIntervalMs - sinceReply);
    if (wait > 0) {
      await this.store.deferDelivery(job.id, new Date(now.getTime() + wait));
      return;
    }
    const content = await this.content(job.broadcastId);
    if (!content) return;
    lane.inFlight.add(job.residentId);
    await lane.slots.take();
    const send: SendJob = { delivery: job, identity, content };
    const tracked = this.send(lane, send)
      .catch((error: unknown) => this.log.error({ err: error, delivery: job.id }, "a delivery failed unexpectedly"))
      .finally(() => {
        lane.slots.give();
        lane.inFlight.delete(job.residentId);
        lane.running.delete(tracked);
      });
    lane.running.add(tracked);
  }

  private async send(lane: Lane, job: SendJob): Promise<void> {
    const { delivery, identity } = job;
    // Held from now until the reply is in: no other row goes to this chat meanwhile.
    lane.limiter.noteChat(identity.chatId);
    // The rate slot first, the claim right before the call: only calls actually being made are
    // ever claimed, so a crash leaves no more rows "possibly sent" than the calls in flight.
    let release: ReleaseSlot;
    try {
      release = await lane.limiter.acquire();
    } catch (error) {
      if (!(error instanceof LimiterClosedError)) throw error;
      return; // stopping: nothing was claimed, the row simply waits for the next run
    }
    let outcome: SendOutcome;
    try {
      if (await this.cancelled(delivery.broadcastId)) {
        await this.store.settleDelivery(delivery.id, { status: "skipped", lastError: "cancelled" }, this.now(), "pending");
        return;
      }
      // Nothing else between the claim and the call: the window in which a crash leaves a row
      // "possibly sent" that was not is the few microseconds until the request is written.
      if (!lane.transport.atomic) {
        const claimed = await this.store.claimDelivery(delivery.id, { leaseUntil: new Date(this.now().getTime() + this.lease), owner: this.owner });
        if (!claimed) return;
      }
      lane.limiter.noteChat(identity.chatId);
      outcome = await lane.transport.send(job);
    } finally {
      release();
    }
    // The chat's spacing counts from the answer (after the platform received the message), so
    // the next message to it can never arrive within the per-chat interval, however slow this one was.
    lane.limiter.noteChat(identity.chatId);
    const attempts = delivery.attempts + 1;
    const from = lane.transport.atomic ? "pending" : "sending";
    const now = this.now();
    switch (outcome.kind) {
      case "sent":
        if (!lane.transport.atomic) await this.store.settleDelivery(delivery.id, { status: "sent", platformMessageId: outcome.messageId ?? null, lastError: null }, now);
        return;
      case "blocked":
        await this.store.settleDelivery(delivery.id, { status: "blocked", lastError: outcome.error }, now, from);
        return;
      case "failed":
        this.log.warn({ delivery: delivery.id, error: outcome.error }, "delivery refused by the platform");
        await this.store.settleDelivery(delivery.id, { status: "failed", lastError: outcome.error }, now, from);
        return;
      case "retry-after":
        lane.limiter.pause(outcome.ms);
        // Replies on this platform wait it out too (and every other listener).
        this.pauses?.report(lane.transport.platform, outcome.ms);
        this.log.warn({ platform: lane.transport.platform, retryAfterMs: outcome.ms }, "the platform asked to slow down");
        await this.store.settleDelivery(delivery.id, { status: "pending", lastError: outcome.error, nextAttemptAt: new Date(now.getTime() + outcome.ms) }, now, from);
        return;
      case "transient":
        await this.store.settleDelivery(
          delivery.id,
          attempts >= this.maxAttempts ? { status: "failed", lastError: outcome.error } : { status: "pending", lastError: outcome.error, nextAttemptAt: this.retryAt(now, attempts) },
          now,
          from,
        );
        return;
      case "ambiguous":
        // It may have been carried out: sent again after a pause, marked possibly duplicated —
        // but not forever: a platform that keeps carrying out calls it never answers would
        // otherwise get a copy per attempt. After three uncertain attempts it is given up.
        await this.store.settleDelivery(
          delivery.id,
          attempts >= this.maxAttempts || (delivery.possiblyDuplicated && attempts >= MAX_UNCERTAIN_ATTEMPTS)
            ? { status: "failed", lastError: `${outcome.error} (gave up; an attempt may have reached the resident)` }
            : { status: "pending", lastError: outcome.error, nextAttemptAt: this.retryAt(now, attempts), possiblyDuplicated: true },
          now,
          from,
        );
        return;
    }
  }

  private retryAt(now: Date, attempts: number): Date {
    const pause = Math.min(this.backoff * 2 ** Math.max(0, attempts - 1), 5 * 60_000);
    // A little jitter, so that many deliveries failing together do not come back together.
    return new Date(now.getTime() + pause * (0.8 + Math.random() * 0.4));
  }

  /**
   * Was the broadcast cancelled? Read at most once a second per broadcast: rows claimed just
   * before a cancellation then stop within a second instead of going out.
   */
  private async cancelled(broadcastId: string): Promise<boolean> {
    const known = this.statuses.get(broadcastId);
    const at = Date.now();
    if (known && at - known.at < 1_000) return known.cancelled;
    const broadcast = await this.store.getBroadcast(broadcastId);
    const cancelled = !broadcast || broadcast.status === "cancelled";
    this.statuses.set(broadcastId, { cancelled, at });
    return cancelled;
  }

  /** The broadcast's content (cached while it is being sent); undefined when it is gone. */
  private async content(broadcastId: string): Promise<BroadcastContent | undefined> {
    const cached = this.contents.get(broadcastId);
    if (cached) return cached.content;
    const broadcast = await this.store.getBroadcast(broadcastId);
    if (!broadcast) return undefined;
    const content = parseContent(broadcast.content);
    this.contents.set(broadcastId, { status: broadcast.status, content });
    return content;
  }

  private sleep(ms: number, register: (wake: () => void) => void): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      register(done);
    });
  }
}

/** Why a delivery must not go out now, checked at send time: the resident opted out or was erased, or the account is blocked. */
function skipReason(job: DeliveryJob): DeliverySettlement | undefined {
  if (job.resident.deleted) return { status: "skipped", lastError: "resident erased" };
  if (job.resident.optedOut) return { status: "skipped", lastError: "opted out" };
  if (!job.identity) return { status: "undeliverable", lastError: "no account" };
  if (!job.identity.reachable) return { status: "blocked", lastError: "account unreachable" };
  return undefined;
}
