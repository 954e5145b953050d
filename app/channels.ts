/**
 * How the composition root creates channel adapters: what each factory is given. The running
 * channel's contract with the core is core/channel.ts.
 */
import type { FastifyInstance } from "fastify";
import type { Config } from "./config.js";
import type { Logger } from "./log.js";
import type { ConversationRunner } from "../core/survey/runner.js";
import type { Channel } from "../core/channel.js";
import type { PlatformPauses } from "../core/outreach/pauses.js";
import type { NoticeConsentRecorder } from "../core/outreach/subscriptions.js";

/** What a channel gets from the app when it is created (before the HTTP server listens). */
export interface ChannelContext {
  config: Config;
  /**
   * Everything a channel needs from the core — turns, sessions, reachability, the web inbox, the
   * staff leaflet rules — so that no adapter opens the store. (The outbox hands a channel's
   * transport the store itself: see core/channel.ts's OutboxContext.)
   */
  runner: ConversationRunner;
  logger: Logger;
  /** Mount webhook or page routes here; the server starts listening after every channel is created. */
  server: FastifyInstance;
  /** Signs callback data, cookies and links. */
  secret: string;
  /** Platform-wide "retry after" shared with the broadcast outbox: report every 429, wait out every pause. */
  pauses?: PlatformPauses;
  /** Records consent to notices a platform reports itself (WeChat's subscription-message pop-up). */
  consents?: NoticeConsentRecorder;
  /** Redis shared by the instances of a scaled-out deployment (connection settings; each adapter opens what it needs). */
  redis?: { url: string; prefix: string };
}

/** Creates a channel if the configuration asks for it, else returns undefined. */
export type ChannelFactory = (context: ChannelContext) => Promise<Channel | undefined>;
