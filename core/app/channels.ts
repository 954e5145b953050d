/**
 * The contract between the app and a channel adapter (Telegram, WeChat, web chat). An adapter
 * translates platform updates into {@link InboundMessage}s for the runner and the runner's
 * {@link OutMessage}s into platform calls; it knows nothing of questionnaires or the database.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";
import type { Store } from "../../prisma/store.js";
import type { ConversationRunner } from "../survey/runner.js";
import type { Lang, OutMessage } from "../engine/types.js";

/** What a channel gets from the app when it is created (before the HTTP server listens). */
export interface ChannelContext {
  config: Config;
  runner: ConversationRunner;
  store: Store;
  logger: Logger;
  /** Mount webhook or page routes here; the server starts listening after every channel is created. */
  server: FastifyInstance;
  /** Signs callback data, cookies and links. */
  secret: string;
}

/** The outcome of pushing messages to one recipient outside a reply (broadcasts, case updates). */
export type PushResult =
  | { ok: true; platformMessageId?: string }
  /** `retryAfterMs`: the platform asked to slow down; `permanent`: retrying will not help (blocked, unknown chat). */
  | { ok: false; error: string; permanent: boolean; blocked?: boolean; retryAfterMs?: number };

/** A running channel. */
export interface Channel {
  /** telegram | wechat | web — the `platform` of the identities it serves. */
  readonly platform: string;
  /** Starts receiving (polling, puppet login …); called after the HTTP server listens. */
  start(): Promise<void>;
  /** Stops receiving and sending. */
  stop(): Promise<void>;
  /** Sends messages to a chat that did not just write (not a reply). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult>;
}

/** Creates a channel if the configuration asks for it, else returns undefined. */
export type ChannelFactory = (context: ChannelContext) => Promise<Channel | undefined>;
