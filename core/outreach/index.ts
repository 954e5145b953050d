/**
 * Outreach: staff onboarding, officers' broadcasts with a durable outbox, read confirmations
 * and coverage. {@link createOutreach} gives the runner its hooks (chat commands and the
 * interceptor) and, once the channels run, starts the outbox sender over them.
 * See core/outreach/README.md.
 */
import type { ResidentRecord, Store } from "../model/index.js";
import type { Channel } from "../channel.js";
import type { InboundInterceptor } from "../survey/runner.js";
import type { StaffCommand } from "../survey/staff-commands.js";
import { createOutreachCommands } from "./commands.js";
import { createOutreachInterceptor } from "./interceptor.js";
import { StaffDirectory } from "./invitations.js";
import type { LinkContext } from "./links.js";
import { OutboxSender, type OutboxLogger, type OutboxSenderOptions, type OutboxTransport } from "./sender.js";
import { outreachSettings, type OutreachSettings } from "./settings.js";
import type { PlatformPauses } from "./pauses.js";
import { EMPTY_TIP_LIBRARY, loadTipLibrary, type TipLibrary } from "./tip-library.js";
import { PushOutboxTransport } from "./transports/push.js";

export { coverageReport, type CoverageReport, type CoverageOptions } from "./coverage.js";
export { OutboxSender, type OutboxTransport } from "./sender.js";

/** Options of {@link createOutreach}. */
export interface OutreachOptions {
  store: Store;
  /** The app secret (signs household codes and Telegram buttons). */
  secret: string;
  /** PUBLIC_URL, for web links. */
  publicUrl?: string;
  logger?: OutboxLogger;
  /** Default: from the environment ({@link outreachSettings}). */
  settings?: OutreachSettings;
  /** Default: core/outreach/tips.ts when present. */
  tips?: TipLibrary;
  /** The platform-wide "retry after" shared with the channels (app/start.ts creates it). */
  pauses?: PlatformPauses;
  /** A signed link to an officer's printable leaflet (the web chat makes those). */
  leafletLink?: (staff: ResidentRecord, regionCode: string, now: Date) => string | undefined;
  /** The office's time zone (IANA name) of times in staff replies; default Asia/Shanghai. */
  timeZone?: string;
}

/** Outreach, wired. */
export interface Outreach {
  /** For the runner's `staffCommands`. */
  staffCommands: StaffCommand[];
  /** For the runner's `interceptors`. */
  interceptors: InboundInterceptor[];
  links: LinkContext;
  /**
   * Starts the outbox sender over the running channels (unless OUTREACH_SENDER=off): each
   * channel's own transport where it has one, else its push (at least once).
   */
  start(input: { channels: readonly Channel[]; shared?: Pick<OutboxSenderOptions, "rateGates" | "reserveMs"> }): Promise<OutboxSender | undefined>;
  /** Stops the sender (sends in flight are settled first). */
  stop(): Promise<void>;
  /** The running sender, once started. */
  readonly sender: OutboxSender | undefined;
}

/** Creates outreach's hooks; see the module comment. */
export function createOutreach(options: OutreachOptions): Outreach {
  const { store } = options;
  const settings = options.settings ?? outreachSettings();
  let tips: TipLibrary = options.tips ?? EMPTY_TIP_LIBRARY;
  if (!options.tips) void loadTipLibrary().then((library) => (tips = library));
  let sender: OutboxSender | undefined;
  let platforms: ReadonlySet<string> = new Set(["telegram", "wechat", "web"]);
  let telegramBot: () => string | undefined = () => undefined;
  const links: LinkContext = { secret: options.secret, ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}), telegramBot: () => telegramBot() };
  const staff = new StaffDirectory(store);
  const broadcasts = { tips: () => tips, platforms: () => platforms, notify: () => sender?.notify() };
  const staffCommands = createOutreachCommands({ store, links, staff, invitationDays: settings.invitationDays, timeZone: options.timeZone, ...(options.leafletLink ? { leafletLink: options.leafletLink } : {}) });
  const interceptors = [createOutreachInterceptor({ store, secret: options.secret, broadcasts, staff })];

  return {
    staffCommands,
    interceptors,
    links,
    get sender() {
      return sender;
    },
    async start({ channels, shared }) {
      const context = { store, secret: options.secret, ...(options.logger ? { logger: options.logger } : {}) };
      // Outside a reply window (WeChat's 48 h), a notice goes as a template message where the resident consented.
      const outsideWindow = { consents: store, ...(options.timeZone ? { timeZone: options.timeZone } : {}) };
      const transports: OutboxTransport[] = channels.map((channel) => channel.outboxTransport?.(context) ?? new PushOutboxTransport(channel, "keyword", outsideWindow));
      const named = channels.filter((channel) => channel.botUsername);
      telegramBot = () => named.map((channel) => channel.botUsername?.()).find((name) => name !== undefined);
      platforms = new Set(transports.map((transport) => transport.platform));
      if (!settings.senderEnabled) return undefined;
      sender = new OutboxSender({
        store,
        transports,
        limits: settings.limits,
        leaseMs: settings.leaseMs,
        // Several instances: one rate per platform between them (Redis), and rows reserved so they share the outbox.
        ...(shared ?? {}),
        ...(options.pauses ? { pauses: options.pauses } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
        // A channel still connecting (or retrying) holds its platform's deliveries back.
        ready: (platform) => channels.every((channel) => channel.platform !== platform || (channel.status?.().state ?? "ready") === "ready"),
      });
      sender.start();
      return sender;
    },
    async stop() {
      await sender?.stop();
    },
  };
}
