/**
 * The contract between the core and a delivery surface (Telegram, WeChat, the web chat). An
 * adapter translates platform updates into the runner's inbound messages and the engine's
 * {@link OutMessage}s into platform calls; it knows nothing of questionnaires or the database.
 * The core reaches a running channel only through this interface (pushes outside a reply and the
 * outbox), so no part of it needs to know an adapter's class.
 */
import type { Lang, OutMessage } from "./engine/types.js";
import type { BroadcastStore, NoticeKind, TemplateNotice, WebInboxStore } from "./model/index.js";
import type { OutboxLogger, OutboxTransport } from "./outreach/sender.js";

/** The outcome of pushing messages to one recipient outside a reply (broadcasts, case updates). */
export type PushResult =
  /** `viaTemplate`: sent as a template or subscription message ({@link Channel.sendNotice}). */
  | { ok: true; platformMessageId?: string; viaTemplate?: boolean }
  /**
   * `retryAfterMs`: the platform asked to slow down; `permanent`: retrying will not help (blocked,
   * unknown chat); `outsideWindow`: refused because the resident has not written recently enough
   * (WeChat's 48 hours): a {@link Channel.sendNotice} may still reach them.
   */
  | { ok: false; error: string; permanent: boolean; blocked?: boolean; retryAfterMs?: number; outsideWindow?: boolean };

/** What the outbox hands a channel that sends broadcasts its own way ({@link Channel.outboxTransport}). */
export interface OutboxContext {
  /** The outbox and the web inbox only: a transport settles deliveries (the web's in the inbox's transaction) and reads past message ids. */
  store: BroadcastStore & WebInboxStore;
  /** The app secret (signs buttons the way the bot's own replies are signed). */
  secret: string;
  logger?: OutboxLogger;
}

/**
 * Where a channel's platform connection is. `connecting`: an attempt is under way; `ready`:
 * receiving and sending; `retrying`: an attempt failed, the next is scheduled; `failed`: given up
 * (bounded retries spent, or a failure no retry mends) until Anxin restarts; `stopped`: shut down.
 */
export type ChannelState = "connecting" | "ready" | "retrying" | "failed" | "stopped";

/** A channel's connection as the status endpoint reports it (never a credential). */
export interface ChannelStatus {
  state: ChannelState;
  /** When it entered this state (ISO 8601). */
  since: string;
  /** Failed attempts in a row. */
  failures: number;
  /** Why the last attempt failed. */
  lastError?: string;
  /** When the next attempt is due, while retrying. */
  nextAttemptAt?: string;
}

/** A running channel. */
export interface Channel {
  /** telegram | wechat | web — the `platform` of the identities it serves. */
  readonly platform: string;
  /**
   * Starts receiving (polling, puppet login …); called after the HTTP server listens. Returns
   * without waiting for the platform: connecting, and retrying, happen in the background, and
   * {@link status} tells where they are.
   */
  start(): Promise<void>;
  /** Stops receiving and sending; also ends a connection attempt or retry still under way. */
  stop(): Promise<void>;
  /**
   * The platform connection's state. Absent on a channel with nothing to connect to (the web
   * chat): it is ready once started. The outbox holds a platform's deliveries while it is not ready.
   */
  status?(): ChannelStatus;
  /** Sends messages to a chat that did not just write (not a reply). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult>;
  /**
   * Sends a notice as the template or subscription message configured for its kind, for a
   * resident {@link push} cannot reach any more (`outsideWindow`) who consented to that kind
   * (core/outreach/subscriptions.ts checks the consent). Only the WeChat Official Account has it.
   */
  sendNotice?(chatId: string, notice: TemplateNotice): Promise<PushResult>;
  /** The notice kinds {@link sendNotice} has a template for. */
  noticeKinds?(): ReadonlySet<NoticeKind>;
  /**
   * The channel's own outbox transport, where the platform allows better than "push and hope"
   * (Telegram: signed read buttons, at least once after a crash; the web chat: the inbox written in the
   * delivery's transaction). Without it the outbox sends through {@link push}, at least once.
   */
  outboxTransport?(context: OutboxContext): OutboxTransport;
  /** The bot's public username once known, for deep links (Telegram's t.me/<bot>?start=…). */
  botUsername?(): string | undefined;
}
