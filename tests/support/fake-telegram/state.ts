/**
 * Everything the fake remembers, in one object that the method modules receive as `s`: keeping
 * the state apart from the FakeTelegram class lets the Bot API method groups live in their own
 * files without reaching into a class's private members.
 */
import type { BotCommand, CallbackQuery, Update, UserFromGetMe } from "grammy/types";
import type { ChatState, FaultRule, MethodEntry, PollWaiter, StoredFile, WebhookConfig } from "./internal-types.js";
import type { CallbackAnswer, CallRecord, FakeTelegramOptions, RateLimitOptions, WebhookDelivery } from "./types.js";

/** Token used when {@link FakeTelegramOptions.token} is not given. */
export const DEFAULT_TOKEN = "7000000001:AAF4k3-T0k3n_for-local-tests-only-0000";

export class FakeState {
  /** The bot token this fake accepts. */
  readonly token: string;
  /** What `getMe` answers. */
  readonly botInfo: UserFromGetMe;

  stopped = false;
  readonly opts: Required<
    Pick<FakeTelegramOptions, "unknownChats" | "strictHtmlEntities" | "checkImageBytes" | "allowInsecureWebhook">
  >;
  readonly webhookTiming: { initialDelayMs: number; maxDelayMs: number; timeoutMs: number; maxAttempts: number };

  records: CallRecord[] = [];
  seq = 0;
  listeners = new Set<() => void>();

  queue: Update[] = [];
  nextUpdateId = 100_000_001;
  allowedUpdates: string[] | undefined;
  pollWaiters = new Set<PollWaiter>();
  wakeScheduled = false;

  chats = new Map<number, ChatState>();
  messageCounters = new Map<number, number>();
  callbackQueries = new Map<string, { query: CallbackQuery; answer?: CallbackAnswer }>();
  commands = new Map<string, BotCommand[]>();
  botTexts = { description: "", short_description: "", name: "" };
  menuButtons = new Map<string, unknown>();
  files = new Map<string, StoredFile>();
  fileCounter = 0;

  faults: FaultRule[] = [];
  latencyMs = 0;
  methodLatency = new Map<string, number>();
  /** Extra random latency (0 … jitter ms) on top of a method's latency. */
  latencyJitter = new Map<string, number>();
  /** Calls received and not yet answered, by method. */
  active = new Map<string, number>();
  rateLimit: Required<RateLimitOptions> | null = null;
  botWindow: number[] = [];
  chatWindows = new Map<number, number[]>();
  groupWindows = new Map<number, number[]>();

  webhook: WebhookConfig | null = null;
  deliveryLog: WebhookDelivery[] = [];
  delivering = false;
  deliverySleep: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  /** Filled by ./methods.ts; kept here so dispatching a call does not depend on the method modules. */
  readonly handlers = new Map<string, MethodEntry>();

  constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? DEFAULT_TOKEN;
    if (!/^\d+:[\w-]+$/.test(this.token)) throw new Error(`FakeTelegram: malformed token ${this.token}`);
    const id = Number(this.token.split(":")[0]);
    this.botInfo = {
      id,
      is_bot: true,
      first_name: "Anxin Test Bot",
      username: "anxin_test_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
      ...options.botInfo,
    } as UserFromGetMe;
    this.botTexts.name = this.botInfo.first_name;
    this.opts = {
      unknownChats: options.unknownChats ?? "allow",
      strictHtmlEntities: options.strictHtmlEntities ?? true,
      checkImageBytes: options.checkImageBytes ?? true,
      allowInsecureWebhook: options.allowInsecureWebhook ?? true,
    };
    this.webhookTiming = {
      initialDelayMs: options.webhookRetry?.initialDelayMs ?? 50,
      maxDelayMs: options.webhookRetry?.maxDelayMs ?? 1_000,
      timeoutMs: options.webhookRetry?.timeoutMs ?? 10_000,
      maxAttempts: options.webhookRetry?.maxAttempts ?? Infinity,
    };
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Wakes every `waitUntil` so it re-evaluates its condition. */
  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
