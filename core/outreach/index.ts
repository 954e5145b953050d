/**
 * Outreach: staff onboarding, officers' broadcasts with a durable outbox, read confirmations
 * and coverage. {@link createOutreach} gives the runner its hooks (chat commands and the
 * interceptor) and, once the channels run, starts the outbox sender over them.
 * See core/outreach/README.md.
 */
import type { ResidentRecord, Store } from "../../prisma/store.js";
import type { Channel } from "../app/channels.js";
import type { InboundInterceptor } from "../survey/runner.js";
import type { StaffCommand } from "../survey/staff-commands.js";
import { createOutreachCommands } from "./commands.js";
import { ComposeDialogue } from "./compose.js";
import { createOutreachInterceptor } from "./interceptor.js";
import { StaffDirectory } from "./invitations.js";
import type { LinkContext } from "./links.js";
import { OutboxSender, type OutboxLogger, type OutboxTransport } from "./sender.js";
import { outreachSettings, type OutreachSettings } from "./settings.js";
import { EMPTY_TIP_LIBRARY, loadTipLibrary, type TipLibrary } from "./tip-library.js";
import { PushOutboxTransport } from "./transports/push.js";
import { TelegramOutboxTransport } from "./transports/telegram.js";
import { WebOutboxTransport, type LivePages } from "./transports/web.js";

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
  /** A signed link to an officer's printable leaflet (the web chat makes those). */
  leafletLink?: (staff: ResidentRecord, regionCode: string, now: Date) => string | undefined;
}

/** The Telegram bot settings the outbox needs (config.telegram). */
export interface OutreachTelegram {
  token: string;
  apiRoot?: string | undefined;
}

/** Outreach, wired. */
export interface Outreach {
  /** For the runner's `staffCommands`. */
  staffCommands: StaffCommand[];
  /** For the runner's `interceptors`. */
  interceptors: InboundInterceptor[];
  links: LinkContext;
  /** Starts the outbox sender over the running channels (unless OUTREACH_SENDER=off). */
  start(input: { channels: readonly Channel[]; telegram?: OutreachTelegram | undefined }): Promise<OutboxSender | undefined>;
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
  const compose = new ComposeDialogue({ store, tips: () => tips, platforms: () => platforms, notify: () => sender?.notify() });
  const staffCommands = createOutreachCommands({ store, links, compose, staff, invitationDays: settings.invitationDays, ...(options.leafletLink ? { leafletLink: options.leafletLink } : {}) });
  const interceptors = [createOutreachInterceptor({ store, secret: options.secret, compose, staff })];

  return {
    staffCommands,
    interceptors,
    links,
    get sender() {
      return sender;
    },
    async start({ channels, telegram }) {
      const transports: OutboxTransport[] = [];
      for (const channel of channels) {
        if (channel.platform === "telegram" && telegram) {
          const bot = telegramParts(channel);
          telegramBot = bot.username;
          transports.push(
            new TelegramOutboxTransport(
              { token: telegram.token, ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}), secret: options.secret, ...(bot.lastMessageId ? { lastMessageId: bot.lastMessageId } : {}), ...(options.logger ? { logger: options.logger } : {}) },
              (identityId) => store.sentMessageIds(identityId),
            ),
          );
        } else if (channel.platform === "web") {
          transports.push(new WebOutboxTransport(store, livePages(channel)));
        } else {
          transports.push(new PushOutboxTransport(channel));
        }
      }
      platforms = new Set(transports.map((transport) => transport.platform));
      if (!settings.senderEnabled) return undefined;
      sender = new OutboxSender({ store, transports, limits: settings.limits, leaseMs: settings.leaseMs, ...(options.logger ? { logger: options.logger } : {}) });
      sender.start();
      return sender;
    },
    async stop() {
      await sender?.stop();
    },
  };
}

/** The bot's username and the adapter's last-message-id memory, read off a Telegram channel without depending on its class. */
function telegramParts(channel: Channel): { username: () => string | undefined; lastMessageId?: (chatId: number) => number | undefined } {
  const candidate = channel as unknown as {
    bot?: { isInited?: () => boolean; botInfo?: { username?: string } };
    adapter?: { lastMessageId?: (chatId: number) => number | undefined };
  };
  const adapter = candidate.adapter;
  return {
    username: () => (candidate.bot?.isInited?.() ? candidate.bot.botInfo?.username : undefined),
    ...(adapter?.lastMessageId ? { lastMessageId: (chatId: number) => adapter.lastMessageId?.(chatId) } : {}),
  };
}

/** The web chat's open pages, when the channel is the web chat. */
function livePages(channel: Channel): LivePages | undefined {
  const hub = (channel as unknown as { hub?: Partial<LivePages> }).hub;
  if (!hub || typeof hub.listening !== "function" || typeof hub.deliver !== "function") return undefined;
  return { listening: (id) => hub.listening?.(id) ?? 0, deliver: (id, push) => hub.deliver?.(id, push) ?? false };
}
