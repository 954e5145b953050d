/**
 * The send-rate gate the outbox needs: one process's own (core/outreach/limiter.ts) or one shared
 * by every app instance through Redis (prisma/redis/rate-gate.ts). Here, in the model, because
 * the storage side implements it.
 */

/** The limits of one platform. 0 (or Infinity) means no limit. */
export interface RateLimits {
  /** Sends per second across all chats (Telegram: 30). */
  perSecond: number;
  /** Sends per second to one chat (Telegram: 1). */
  perChatPerSecond: number;
  /** Extra milliseconds on every window. Default 1. */
  windowMarginMs?: number;
}

/** The spacings a gate keeps for {@link RateLimits}, in milliseconds (0: none). */
export interface GateSpacing {
  /** Between two send slots across all chats (the schedule). */
  interval: number;
  /** Calls that may count in one second (the sliding window); 0 for a rate that is not whole. */
  windowSize: number;
  /** Extra milliseconds on every window. */
  margin: number;
  /** Between two calls to one chat, margin included. */
  chatInterval: number;
}

/** The spacings of `limits`, the same for every gate (one process's, or one shared through Redis). */
export function gateSpacing(limits: RateLimits): GateSpacing {
  const limited = Number.isFinite(limits.perSecond) && limits.perSecond > 0;
  const margin = limits.windowMarginMs ?? 1;
  const perChat = Number.isFinite(limits.perChatPerSecond) && limits.perChatPerSecond > 0;
  return {
    interval: limited ? 1000 / limits.perSecond : 0,
    // A window only for whole rates: "2.5 a second" is kept by the schedule alone.
    windowSize: limited && Number.isInteger(limits.perSecond) ? limits.perSecond : 0,
    margin,
    chatInterval: perChat ? 1000 / limits.perChatPerSecond + margin : 0,
  };
}

/** Thrown to callers waiting for a slot when the limiter is closed (the sender stops). */
export class LimiterClosedError extends Error {
  constructor() {
    super("the rate limiter was closed");
  }
}

/** Call when the call made in a slot has been answered (or has failed). */
export type ReleaseSlot = () => void;

/**
 * What the outbox needs of a send-rate limiter. The outbox's own RateLimiter keeps one process's calls
 * within the limits; with several app instances sending on one platform the limits must be
 * shared (a Redis-backed gate, prisma/redis/rate-gate.ts), or each instance's own limit adds up
 * to a multiple of the platform's.
 */
export interface RateGate {
  /** Resolves when the next call may start, with the function to call once it is answered. */
  acquire(): Promise<ReleaseSlot>;
  /** The platform asked to wait: no call starts before `ms` from now. */
  pause(ms: number): void;
  /** Milliseconds until `chat` may be sent to again (0: now). */
  chatWait(chat: string): number | Promise<number>;
  /** Records a call to `chat` (see RateLimiter.noteChat in core/outreach/limiter.ts). */
  noteChat(chat: string): void;
  /** The spacing kept between two calls to one chat, in ms (0: none). */
  readonly chatIntervalMs: number;
  /** Refuses every waiting and later request for a slot (they reject with {@link LimiterClosedError}). */
  close(): void;
}

/** Makes the gate of one platform from its limits. */
export type RateGateFactory = (platform: string, limits: RateLimits) => RateGate;
