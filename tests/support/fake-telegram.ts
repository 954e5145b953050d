/**
 * FakeTelegram: a local, dependency-free (node:http) stand-in for the Telegram Bot API, so tests
 * can run grammY / telegraf bots end to end without touching the internet.
 *
 * ```ts
 * const tg = await FakeTelegram.start();
 * const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });        // grammY
 * const bot2 = new Telegraf(tg.token, { telegram: { apiRoot: tg.apiRoot } }); // telegraf
 * tg.sendText({ id: 1001, first_name: "Li" }, "/start");
 * const call = await tg.waitFor((c) => c.method === "sendMessage");
 * await tg.stop();
 * ```
 *
 * What it mimics (see the JSDoc of each member for details):
 * - routing `POST|GET /bot<token>/<method>` (method names case-insensitive), JSON, urlencoded and
 *   multipart bodies; wrong token → 401, unknown method → 404;
 * - getUpdates with `offset` acknowledgement, `limit`, long polling `timeout`, `allowed_updates`
 *   (remembered between calls; default excludes chat_member / message_reaction*), 409 when a
 *   webhook is set or another getUpdates call supersedes a pending one;
 * - webhooks: updates POSTed with `X-Telegram-Bot-Api-Secret-Token`, retried with backoff on
 *   non-2xx / network errors, a method in the webhook *response* body is executed ("webhook reply");
 * - messages with per-chat ids, edits (edit_date, inline keyboard removed when an edit omits it),
 *   deletes, parse_mode HTML / MarkdownV2 / Markdown turned into `entities` like Telegram does;
 * - the validation errors apps most often trip over, with Telegram's own descriptions;
 * - fault injection, blocked users, latency, an optional flood-control limiter;
 * - a call log with `waitFor` helpers, and the "chat as the user sees it" after edits/deletes.
 *
 * Deliberate simplifications: no inline mode, payments, games, forums, business connections or
 * media groups; webhook delivery is sequential (max_connections is ignored); photos are not
 * decoded beyond their header (sizes derived from PNG/JPEG/GIF headers); automatic entity
 * detection (URLs, mentions) is applied to users' messages only.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type {
  BotCommand,
  CallbackQuery,
  Chat,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  ReplyKeyboardMarkup,
  Update,
  User,
  UserFromGetMe,
} from "grammy/types";
import {
  chatInstance,
  contactUpdate,
  fakeQueryId,
  myChatMemberUpdate,
  privateChat,
  textMessage,
  user as buildUser,
  type UserLike,
} from "./telegram-updates.js";

export type { UserLike } from "./telegram-updates.js";

// ───────────────────────────────────────────────────────────────────────────── public types ──

/** Options for {@link FakeTelegram.start}. */
export interface FakeTelegramOptions {
  /** Bot token the fake accepts; defaults to {@link FakeTelegram.DEFAULT_TOKEN}. Its numeric prefix is the bot's user id. */
  token?: string;
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; defaults to `127.0.0.1`. */
  host?: string;
  /** Overrides for the bot's `getMe` answer (username, first_name...). */
  botInfo?: Partial<UserFromGetMe>;
  /** Initial artificial latency per API call in ms (see {@link FakeTelegram.setLatency}). */
  latencyMs?: number;
  /** Initial flood-control limiter (see {@link FakeTelegram.setRateLimit}); off by default. */
  rateLimit?: RateLimitOptions | null;
  /**
   * What to do when the bot writes to a chat the fake has never seen: `"allow"` (default) invents
   * it (private for positive ids, group / supergroup for negative ids); `"reject"` behaves like
   * Telegram: a user who never wrote to the bot gives 403 "Forbidden: bot can't initiate
   * conversation with a user", an unknown group 400 "Bad Request: chat not found". Chats become
   * known when a user writes ({@link FakeTelegram.sendText}, {@link FakeTelegram.pushUpdate}) or
   * through {@link FakeTelegram.addChat}.
   */
  unknownChats?: "allow" | "reject";
  /**
   * HTML parse mode: reject a bare `&` (or an unsupported named entity such as `&nbsp;`) with
   * "can't parse entities". Default `true`. Real Telegram is more lenient and shows such text
   * literally, but an unescaped `&` almost always means the app forgot to escape user content.
   */
  strictHtmlEntities?: boolean;
  /** Reject uploaded photos whose bytes are not a JPEG/PNG/GIF/WebP/BMP image (400 IMAGE_PROCESS_FAILED). Default `true`. */
  checkImageBytes?: boolean;
  /** Accept `http://` webhook URLs and any port (default `true`; Telegram itself demands HTTPS on 443/80/88/8443). */
  allowInsecureWebhook?: boolean;
  /** Webhook delivery timing. Delays double from `initialDelayMs` up to `maxDelayMs` between failed attempts. */
  webhookRetry?: { initialDelayMs?: number; maxDelayMs?: number; timeoutMs?: number; maxAttempts?: number };
}

/** Flood-control limits, modelled on Telegram's published limits (sliding windows). */
export interface RateLimitOptions {
  /** Messages per second across all chats (Telegram: about 30). Default 30. */
  perBotPerSecond?: number;
  /** Messages per second to the same chat (Telegram: about 1). Default 1. */
  perChatPerSecond?: number;
  /** Messages per minute to the same group/supergroup/channel (Telegram: 20). Default 20. */
  perGroupPerMinute?: number;
}

/** A file that arrived in a multipart request. */
export interface UploadedFile {
  /** Multipart field name (grammY uses a random id referenced as `attach://<id>`, telegraf the parameter name). */
  field: string;
  /** File name announced by the client. */
  filename: string;
  /** Content type announced by the client, if any. */
  contentType?: string;
  /** Size in bytes. */
  size: number;
  /** Raw bytes. */
  data: Buffer;
  /** The image format its first bytes announce (e.g. the PNG signature), if they announce one. */
  imageType?: "jpeg" | "png" | "gif" | "webp" | "bmp";
}

/** A photo the bot uploaded successfully with `sendPhoto`, as {@link FakeTelegram.photosSentTo} lists it. */
export interface SentPhoto {
  /** Sequence number of the sendPhoto call (compare with other calls' `seq` for ordering). */
  seq: number;
  messageId: number;
  /** The caption as the user sees it (after parse_mode), if any. */
  caption?: string;
  /** The uploaded file (bytes, size, image type). */
  file: UploadedFile;
}

/** One recorded API call (HTTP request or webhook reply). */
export interface CallRecord {
  /** Sequence number, starting at 0; see {@link FakeTelegram.cursor}. */
  seq: number;
  /** Canonical method name, e.g. `sendMessage` (as documented, whatever case the client used). */
  method: string;
  /** Parameters, merged from query string and body. Multipart/urlencoded values are coerced: JSON fields (reply_markup, entities...) parsed, numeric ids and booleans converted. */
  params: Record<string, unknown>;
  /** Files uploaded with the call, keyed by multipart field name. */
  files: Record<string, UploadedFile>;
  /** `performance.now()` when the request arrived. */
  at: number;
  /** `Date.now()` when the request arrived. */
  timestamp: number;
  /** Time from arrival to answer in ms (includes latency and long-poll waiting). */
  durationMs: number;
  /** Whether the fake answered `ok: true`. */
  ok: boolean;
  /** The `result` returned on success. */
  result?: unknown;
  /** `error_code` of a failed call (401, 400, 403, 404, 409, 429, 5xx...). */
  errorCode?: number;
  /** `description` of the answer (errors, and a few successes such as "Webhook was set"). */
  description?: string;
  /** `parameters.retry_after` of a 429 answer. */
  retryAfter?: number;
  /** True when the answer came from {@link FakeTelegram.fail}. */
  injected?: boolean;
  /** `http` for normal requests, `webhook-reply` when the bot answered a webhook POST with a method call. */
  source: "http" | "webhook-reply";
  /** How the parameters were encoded. */
  encoding: "json" | "urlencoded" | "multipart" | "query" | "none";
}

/** Options for {@link FakeTelegram.fail}. */
export interface FailOptions {
  /** How many matching calls fail (default 1; `Infinity` for "until cancelled"). */
  times?: number;
  /** `error_code` to answer with (default 400; 429 adds `retry_after`). HTTP status is the same code. */
  errorCode?: number;
  /** Description; defaults to Telegram's wording for the code (e.g. "Too Many Requests: retry after 1"). */
  description?: string;
  /** `parameters.retry_after` in seconds (default 1 for 429). */
  retryAfter?: number;
  /** Only fail calls whose `chat_id` equals this. */
  chatId?: number | string;
  /** Instead of answering, destroy the TCP connection (the client sees a network error). */
  disconnect?: boolean;
}

/** Handle returned by {@link FakeTelegram.fail}. */
export interface FaultHandle {
  /** Calls still to fail. */
  readonly remaining: number;
  /** Calls failed so far. */
  readonly triggered: number;
  /** Stops failing calls. */
  cancel(): void;
}

/** One webhook delivery attempt. */
export interface WebhookDelivery {
  /** The delivered update's id. */
  updateId: number;
  /** 1 for the first attempt of this update, 2 for the first retry... */
  attempt: number;
  /** `performance.now()` when the attempt started. */
  at: number;
  /** HTTP status the bot answered with, if it answered. */
  status?: number;
  /** Network error or Telegram-style error message, if the attempt failed. */
  error?: string;
  /** True for a 2xx answer (the update is then removed from the queue). */
  ok: boolean;
  /** Value of the `X-Telegram-Bot-Api-Secret-Token` header that was sent, if any. */
  secretToken?: string;
}

/** Answer the bot gave to a callback query, see {@link FakeTelegram.callbackAnswer}. */
export interface CallbackAnswer {
  /** Notification text shown to the user, if any. */
  text?: string;
  /** Whether it was shown as an alert. */
  show_alert?: boolean;
  /** URL to open, if any. */
  url?: string;
  /** Cache time in seconds, if given. */
  cache_time?: number;
}

/** Options for {@link FakeTelegram.sendText}. */
export interface SendTextOptions {
  /** Chat to send in (a group, supergroup...); defaults to the sender's private chat with the bot. A known chat id is accepted too. */
  chat?: Chat | number;
  /** Message id (in the same chat) this message replies to. */
  replyTo?: number;
  /** Explicit entities; by default commands, mentions, hashtags, URLs and e-mails are detected. */
  entities?: MessageEntity[];
}

/** Options for {@link FakeTelegram.pressButton}. */
export interface PressButtonOptions {
  /** Chat holding the message; defaults to the presser's private chat. */
  chatId?: number;
  /** Allow data that no button of the message carries (default false: such a press throws, as a real user could not do it). */
  force?: boolean;
}

/** A matcher for {@link FakeTelegram.waitFor}: a method name or a predicate on call records. */
export type CallMatcher = string | ((call: CallRecord) => boolean);

// ──────────────────────────────────────────────────────────────────────────── internal types ──

type Params = Record<string, unknown>;
type Encoding = CallRecord["encoding"];

interface StoredMessage {
  current: Message;
  versions: Message[];
  fromBot: boolean;
  deleted: boolean;
}

interface ChatState {
  chat: Chat;
  messages: Map<number, StoredMessage>;
  blocked: boolean;
  replyKeyboard?: ReplyKeyboardMarkup;
}

interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path: string;
  data?: Buffer;
  /** Pixel size, for photos. */
  dims?: { width: number; height: number };
}

interface FaultRule {
  method: string;
  remaining: number;
  triggered: number;
  opts: FailOptions;
}

interface CallContext {
  source: CallRecord["source"];
  encoding: Encoding;
  /** Registers a callback for when the client goes away before the answer. */
  onClose: (cb: () => void) => void;
  /** Set by handlers that want a `description` next to `result`. */
  description?: string;
}

interface Outcome {
  ok: boolean;
  result?: unknown;
  errorCode?: number;
  description?: string;
  retryAfter?: number;
  injected?: boolean;
  disconnect?: boolean;
}

interface MarkupInfo {
  inline?: InlineKeyboardMarkup;
  reply?: ReplyKeyboardMarkup;
  remove?: boolean;
}

interface PollWaiter {
  wake(): void;
  conflict(description: string): void;
  finish(): void;
}

interface WebhookConfig {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections: number;
  ipAddress?: string;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

/** Error thrown by method handlers; becomes `{ ok: false, error_code, description }`. */
class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly retryAfter?: number,
  ) {
    super(description);
  }
}

const badRequest = (what: string) => new ApiError(400, `Bad Request: ${what}`);

/** Update types delivered when `allowed_updates` is empty or was never given. */
const DEFAULT_EXCLUDED_UPDATES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** Methods counted by the flood-control limiter. */
const RATE_LIMITED = /^(send(?!ChatAction)\w+|copyMessages?|forwardMessages?|editMessage\w+)$/;

const JSON_FIELDS = new Set([
  "reply_markup",
  "entities",
  "caption_entities",
  "allowed_updates",
  "commands",
  "scope",
  "media",
  "link_preview_options",
  "reply_parameters",
  "results",
  "explanation_entities",
  "options",
  "menu_button",
  "rights",
  "message_ids",
]);
const NUMERIC_FIELDS = new Set([
  "chat_id",
  "from_chat_id",
  "message_id",
  "message_thread_id",
  "reply_to_message_id",
  "offset",
  "limit",
  "timeout",
  "max_connections",
  "user_id",
  "cache_time",
  "latitude",
  "longitude",
  "duration",
  "width",
  "height",
  "horizontal_accuracy",
  "live_period",
]);
const BOOLEAN_FIELDS = new Set([
  "disable_notification",
  "protect_content",
  "show_alert",
  "drop_pending_updates",
  "disable_web_page_preview",
  "allow_sending_without_reply",
  "has_spoiler",
  "show_caption_above_media",
  "allow_paid_broadcast",
  "supports_streaming",
  "disable_content_type_detection",
  "for_channels",
]);

const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);

const INLINE_BUTTON_ACTIONS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
] as const;

const nowSeconds = () => Math.floor(Date.now() / 1000);
const clone = <T>(value: T): T => structuredClone(value);

// ──────────────────────────────────────────────────────────────────────────────── the fake ──

/** A local fake Telegram Bot API server. Create it with {@link FakeTelegram.start}. */
export class FakeTelegram {
  /** Token used when {@link FakeTelegramOptions.token} is not given. */
  static readonly DEFAULT_TOKEN = "7000000001:AAF4k3-T0k3n_for-local-tests-only-0000";

  /** The bot token this fake accepts. */
  readonly token: string;
  /** What `getMe` answers. */
  readonly botInfo: UserFromGetMe;

  private server!: http.Server;
  private baseUrl = "";
  private stopped = false;
  private readonly opts: Required<
    Pick<FakeTelegramOptions, "unknownChats" | "strictHtmlEntities" | "checkImageBytes" | "allowInsecureWebhook">
  >;
  private readonly webhookTiming: { initialDelayMs: number; maxDelayMs: number; timeoutMs: number; maxAttempts: number };

  private records: CallRecord[] = [];
  private seq = 0;
  private listeners = new Set<() => void>();

  private queue: Update[] = [];
  private nextUpdateId = 100_000_001;
  private allowedUpdates: string[] | undefined;
  private pollWaiters = new Set<PollWaiter>();
  private wakeScheduled = false;

  private chats = new Map<number, ChatState>();
  private messageCounters = new Map<number, number>();
  private callbackQueries = new Map<string, { query: CallbackQuery; answer?: CallbackAnswer }>();
  private commands = new Map<string, BotCommand[]>();
  private botTexts = { description: "", short_description: "", name: "" };
  private menuButtons = new Map<string, unknown>();
  private files = new Map<string, StoredFile>();
  private fileCounter = 0;

  private faults: FaultRule[] = [];
  private latencyMs = 0;
  private methodLatency = new Map<string, number>();
  private rateLimit: Required<RateLimitOptions> | null = null;
  private botWindow: number[] = [];
  private chatWindows = new Map<number, number[]>();
  private groupWindows = new Map<number, number[]>();

  private webhook: WebhookConfig | null = null;
  private deliveryLog: WebhookDelivery[] = [];
  private delivering = false;
  private deliverySleep: { timer: NodeJS.Timeout; resolve: () => void } | null = null;
  private readonly handlers: Map<string, { name: string; fn: (p: Params, files: Record<string, UploadedFile>, ctx: CallContext) => unknown }>;

  private constructor(options: FakeTelegramOptions) {
    this.token = options.token ?? FakeTelegram.DEFAULT_TOKEN;
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
    if (options.rateLimit) this.setRateLimit(options.rateLimit);
    this.handlers = this.buildHandlers();
  }

  /**
   * Starts a fake Bot API server on 127.0.0.1 (random port by default).
   * Pass {@link apiRoot} to grammY (`client.apiRoot`) or telegraf (`telegram.apiRoot`).
   */
  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    fake.server = http.createServer((req, res) => {
      void fake.handleHttp(req, res);
    });
    fake.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      fake.server.once("error", reject);
      fake.server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const addr = fake.server.address() as AddressInfo;
    fake.baseUrl = `http://${addr.address}:${addr.port}`;
    return fake;
  }

  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  get apiRoot(): string {
    return this.baseUrl;
  }

  /** TCP port the fake listens on. */
  get port(): number {
    return Number(new URL(this.baseUrl).port);
  }

  /** Full URL of a method for hand-made requests, e.g. `fetch(tg.methodUrl("sendMessage"), ...)`. */
  methodUrl(method: string, token = this.token): string {
    return `${this.baseUrl}/bot${token}/${method}`;
  }

  /**
   * Stops the server: pending long polls are answered with `[]`, webhook delivery stops, pending
   * {@link waitFor} calls reject, open connections are closed. Stop your bots first
   * (`bot.stop()`), or their polling loops will log connection errors.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const w of [...this.pollWaiters]) w.finish();
    this.interruptDeliverySleep();
    this.notify();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ─────────────────────────────────────────────────────────────────── recording & waiting ──

  /** Recorded calls in arrival order of their answers; only those of `method` when given (getUpdates included). */
  calls(method?: string): CallRecord[] {
    return method === undefined ? [...this.records] : this.records.filter((c) => c.method === method);
  }

  /** The most recent call (of `method`, if given). */
  lastCall(method?: string): CallRecord | undefined {
    const list = this.calls(method);
    return list[list.length - 1];
  }

  /** Sequence number the next recorded call will get; pass it as `since` to wait only for newer calls. */
  cursor(): number {
    return this.seq;
  }

  /**
   * Resolves with the first recorded call matching `matcher` (a method name or predicate), looking
   * at already-recorded calls with `seq >= since` first and then waiting for new ones.
   * Rejects after `timeoutMs` (default 5000) with a summary of the calls seen.
   */
  waitFor(matcher: CallMatcher, timeoutMs = 5_000, opts: { since?: number } = {}): Promise<CallRecord> {
    const match = toPredicate(matcher);
    const since = opts.since ?? 0;
    return this.waitUntil(
      () => this.records.find((c) => c.seq >= since && match(c)),
      timeoutMs,
      `call matching ${describeMatcher(matcher)}`,
    );
  }

  /** Like {@link waitFor} but waits until `count` matching calls were recorded, and returns them. */
  waitForCalls(matcher: CallMatcher, count: number, timeoutMs = 5_000, opts: { since?: number } = {}): Promise<CallRecord[]> {
    const match = toPredicate(matcher);
    const since = opts.since ?? 0;
    return this.waitUntil(
      () => {
        const found = this.records.filter((c) => c.seq >= since && match(c));
        return found.length >= count ? found.slice(0, count) : undefined;
      },
      timeoutMs,
      `${count} calls matching ${describeMatcher(matcher)}`,
    );
  }

  /**
   * Resolves with the first truthy value returned by `check`, re-evaluated whenever the fake's
   * state changes (a call is recorded, an update is queued or delivered). No polling, no sleeps.
   */
  waitUntil<T>(check: () => T | undefined | null | false, timeoutMs = 5_000, label = "condition"): Promise<T> {
    const first = check();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const listener = () => {
        if (this.stopped) {
          cleanup();
          reject(new Error(`FakeTelegram stopped while waiting for ${label}`));
          return;
        }
        let value: T | undefined | null | false;
        try {
          value = check();
        } catch (error) {
          cleanup();
          reject(error as Error);
          return;
        }
        if (value) {
          cleanup();
          resolve(value);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`FakeTelegram: timed out after ${timeoutMs} ms waiting for ${label}.\n${this.summary()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
    });
  }

  /** Human-readable list of the last `n` calls, handy in assertion messages. */
  summary(n = 15): string {
    const tail = this.records.slice(-n);
    if (tail.length === 0) return "(no API calls recorded)";
    return tail
      .map((c) => {
        const p = c.params;
        const detail = p.text ?? p.caption ?? p.callback_query_id ?? p.action ?? "";
        const where = p.chat_id !== undefined ? ` chat=${String(p.chat_id)}` : "";
        const status = c.ok ? "ok" : `${c.errorCode} ${c.description}`;
        return `#${c.seq} ${c.method}${where} ${detail ? JSON.stringify(detail).slice(0, 60) : ""} → ${status}`;
      })
      .join("\n");
  }

  // ──────────────────────────────────────────────────────────────────────── chat inspection ──

  /**
   * The bot's messages in a chat as the user would see them now: after edits, without deleted
   * ones, ordered by message id. Returns copies.
   */
  sentTo(chatId: number): Message[] {
    return this.chatMessages(chatId, true);
  }

  /**
   * The photos the bot uploaded to a chat (successful multipart `sendPhoto` calls), in call
   * order, with their bytes: what a test needs to check an image really arrived, and when.
   */
  photosSentTo(chatId: number): SentPhoto[] {
    return this.records.flatMap((call): SentPhoto[] => {
      if (call.method !== "sendPhoto" || !call.ok || Number(call.params.chat_id) !== chatId) return [];
      const input = call.params.photo;
      const file = typeof input === "string" && input.startsWith("attach://") ? call.files[input.slice("attach://".length)] : call.files.photo;
      if (!file) return [];
      const message = call.result as Message;
      return [{ seq: call.seq, messageId: message.message_id, ...(message.caption !== undefined ? { caption: message.caption } : {}), file }];
    });
  }

  /** All messages in a chat (the user's and the bot's) as currently shown, ordered by id. */
  transcript(chatId: number): Message[] {
    return this.chatMessages(chatId, false);
  }

  /** A single message as currently shown (undefined if unknown or deleted). */
  message(chatId: number, messageId: number): Message | undefined {
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    return stored && !stored.deleted ? clone(stored.current) : undefined;
  }

  /** Every version of a message, oldest first (the last one is the current one). */
  messageVersions(chatId: number, messageId: number): Message[] {
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    return stored ? clone([...stored.versions, stored.current]) : [];
  }

  /** The custom reply keyboard currently shown in a chat (set by a ReplyKeyboardMarkup, cleared by remove_keyboard). */
  replyKeyboard(chatId: number): ReplyKeyboardMarkup | undefined {
    const kb = this.chats.get(chatId)?.replyKeyboard;
    return kb ? clone(kb) : undefined;
  }

  /** How the bot answered a callback query (undefined while unanswered). */
  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    const answer = this.callbackQueries.get(queryId)?.answer;
    return answer ? clone(answer) : undefined;
  }

  /** Commands stored by setMyCommands for exactly this scope and language (like getMyCommands). */
  commandsFor(scope: { type: string; chat_id?: number | string; user_id?: number } = { type: "default" }, languageCode = ""): BotCommand[] {
    return clone(this.commands.get(commandKey(scope, languageCode)) ?? []);
  }

  /**
   * The command menu a user would see in a chat, resolved like Telegram clients do
   * (chat_member → chat_administrators → chat → all_* → default, each language-specific first).
   */
  visibleCommands(chatId: number, opts: { languageCode?: string; userId?: number; isAdmin?: boolean } = {}): BotCommand[] {
    const lang = opts.languageCode ?? "";
    const chat = this.chats.get(chatId)?.chat;
    const isPrivate = chat ? chat.type === "private" : chatId > 0;
    const scopes: Array<{ type: string; chat_id?: number; user_id?: number }> = [];
    if (isPrivate) {
      scopes.push({ type: "chat", chat_id: chatId }, { type: "all_private_chats" });
    } else {
      if (opts.userId !== undefined) scopes.push({ type: "chat_member", chat_id: chatId, user_id: opts.userId });
      if (opts.isAdmin) scopes.push({ type: "chat_administrators", chat_id: chatId });
      scopes.push({ type: "chat", chat_id: chatId });
      if (opts.isAdmin) scopes.push({ type: "all_chat_administrators" });
      scopes.push({ type: "all_group_chats" });
    }
    scopes.push({ type: "default" });
    for (const scope of scopes) {
      for (const l of lang ? [lang, ""] : [""]) {
        const found = this.commands.get(commandKey(scope, l));
        if (found && found.length > 0) return clone(found);
      }
    }
    return [];
  }

  /** Current webhook state as `getWebhookInfo` would return it. */
  webhookInfo(): Record<string, unknown> {
    return this.buildWebhookInfo();
  }

  /** Log of webhook delivery attempts. */
  deliveries(): WebhookDelivery[] {
    return clone(this.deliveryLog);
  }

  /** Number of getUpdates long polls currently waiting (useful to wait until a bot is polling). */
  activePolls(): number {
    return this.pollWaiters.size;
  }

  /** Updates queued and not yet acknowledged (getUpdates offset) or delivered (webhook). */
  pendingUpdates(): Update[] {
    return clone(this.queue);
  }

  // ─────────────────────────────────────────────────────────────────────── fault injection ──

  /**
   * Makes the next `times` calls of `method` fail (`"*"` matches every method except getUpdates).
   * Rules are consumed in the order they were added. Example: a burst of flood errors,
   * `tg.fail("sendMessage", { times: 3, errorCode: 429, retryAfter: 1 })`.
   */
  fail(method: string, options: FailOptions = {}): FaultHandle {
    const rule: FaultRule = { method: method === "*" ? "*" : canonicalName(method, this.handlers), remaining: options.times ?? 1, triggered: 0, opts: options };
    this.faults.push(rule);
    return {
      get remaining() {
        return rule.remaining;
      },
      get triggered() {
        return rule.triggered;
      },
      cancel: () => {
        rule.remaining = 0;
        this.faults = this.faults.filter((r) => r !== rule);
      },
    };
  }

  /** Removes every pending {@link fail} rule. */
  clearFailures(): void {
    this.faults = [];
  }

  /**
   * Marks a chat as having blocked the bot (private chat) or removed it (group/channel): sends,
   * edits, deletes and chat actions there answer 403 "Forbidden: bot was blocked by the user"
   * (or the group wording). With `notify`, a `my_chat_member` update (member → kicked) is queued,
   * as Telegram does.
   */
  block(chatId: number, opts: { notify?: boolean } = {}): void {
    const state = this.ensureChat(chatId);
    state.blocked = true;
    if (opts.notify) this.pushMembershipChange(state.chat, "member", "kicked");
  }

  /** Undoes {@link block}; with `notify`, queues a `my_chat_member` update (kicked → member). */
  unblock(chatId: number, opts: { notify?: boolean } = {}): void {
    const state = this.ensureChat(chatId);
    state.blocked = false;
    if (opts.notify) this.pushMembershipChange(state.chat, "kicked", "member");
  }

  /** Whether the chat is currently blocked. */
  isBlocked(chatId: number): boolean {
    return this.chats.get(chatId)?.blocked ?? false;
  }

  /** Delays every API answer by `ms` (or only `method`'s answers when given). Long polls wait on top of it. */
  setLatency(ms: number, method?: string): void {
    if (method === undefined) this.latencyMs = Math.max(0, ms);
    else this.methodLatency.set(canonicalName(method, this.handlers), Math.max(0, ms));
  }

  /**
   * Enables (or, with `null`, disables) flood control for sending methods (send*, copy/forward,
   * editMessage*; not sendChatAction). Above a limit the call fails with 429 and `retry_after`
   * set to the seconds until the sliding window frees up (at least 1). Only accepted calls count.
   */
  setRateLimit(options: RateLimitOptions | null): void {
    this.rateLimit = options
      ? {
          perBotPerSecond: options.perBotPerSecond ?? 30,
          perChatPerSecond: options.perChatPerSecond ?? 1,
          perGroupPerMinute: options.perGroupPerMinute ?? 20,
        }
      : null;
    this.botWindow = [];
    this.chatWindows.clear();
    this.groupWindows.clear();
  }

  // ─────────────────────────────────────────────────────────────────────────── driving bots ──

  /** Registers (or replaces) a chat so the bot can write to it, e.g. a group or a channel. */
  addChat(chat: Chat): void {
    const state = this.ensureChat(chat.id, chat);
    state.chat = clone(chat);
  }

  /**
   * The user `from` sends `text` to the bot (private chat unless `opts.chat`). Entities for
   * `/commands`, @mentions, #hashtags, URLs and e-mails are added like Telegram does, so
   * `bot.command()` works. A user who blocked the bot unblocks it by writing. Returns the message.
   *
   * Group privacy mode: in groups and supergroups, when `botInfo.can_read_all_group_messages` is
   * false (the default, as for a bot created with BotFather's defaults), the message is stored
   * in the chat but only delivered to the bot if it is a command (`/cmd` or `/cmd@this_bot`),
   * mentions the bot, or replies to one of the bot's messages, as Telegram does. Use
   * {@link pushUpdate} to bypass this.
   */
  sendText(from: UserLike, text: string, opts: SendTextOptions = {}): Message {
    const chat = this.resolveDriveChat(from, opts.chat);
    const state = this.ensureChat(chat.id, chat);
    if (chat.type === "private") state.blocked = false;
    const replyTo = opts.replyTo !== undefined ? state.messages.get(opts.replyTo) : undefined;
    if (opts.replyTo !== undefined && !replyTo) throw new Error(`sendText: message ${opts.replyTo} not found in chat ${chat.id}`);
    const msg: Message = textMessage(from, text, {
      chat: state.chat,
      messageId: this.nextMessageId(chat.id),
      date: nowSeconds(),
      ...(opts.entities ? { entities: opts.entities } : {}),
      ...(replyTo ? { replyTo: replyTo.current } : {}),
    });
    if (chat.type === "channel") {
      delete msg.from;
      msg.sender_chat = clone(state.chat);
    }
    if ((chat.type === "group" || chat.type === "supergroup") && !this.botInfo.can_read_all_group_messages && !this.visibleInPrivacyMode(msg, replyTo)) {
      this.storeMessage(state, clone(msg), false);
      return clone(msg);
    }
    const update = this.pushUpdate(chat.type === "channel" ? { channel_post: msg } : { message: msg });
    return clone((update.message ?? update.channel_post) as Message);
  }

  private visibleInPrivacyMode(msg: Message, replyTo: StoredMessage | undefined): boolean {
    if (replyTo?.fromBot) return true;
    const text = msg.text ?? "";
    const username = this.botInfo.username.toLowerCase();
    return (msg.entities ?? []).some((e) => {
      const value = text.slice(e.offset, e.offset + e.length).toLowerCase();
      if (e.type === "bot_command") return !value.includes("@") || value.endsWith(`@${username}`);
      if (e.type === "mention") return value === `@${username}`;
      return false;
    });
  }

  /**
   * The user `from` taps the inline button carrying `data` under message `messageId` (in their
   * private chat unless `opts.chatId`). Queues a `callback_query` with the message as currently
   * shown. Throws when the message does not exist, was deleted, or has no such button (unless
   * `opts.force`). Returns the callback query (its `id` is what answerCallbackQuery must use).
   */
  pressButton(from: UserLike, messageId: number, data: string, opts: PressButtonOptions = {}): CallbackQuery {
    const chatId = opts.chatId ?? from.id;
    const stored = this.chats.get(chatId)?.messages.get(messageId);
    if (!stored || stored.deleted) throw new Error(`pressButton: message ${messageId} not found in chat ${chatId}`);
    if (!opts.force) {
      const datas = (stored.current.reply_markup?.inline_keyboard ?? []).flat().map((b) => (b as { callback_data?: string }).callback_data);
      if (!datas.includes(data)) {
        throw new Error(
          `pressButton: message ${messageId} in chat ${chatId} has no button with callback_data ${JSON.stringify(data)} (buttons: ${JSON.stringify(datas)})`,
        );
      }
    }
    const query: CallbackQuery = {
      id: fakeQueryId(),
      from: buildUser(from),
      message: clone(stored.current) as CallbackQuery["message"] & object,
      chat_instance: chatInstance(chatId),
      data,
    };
    this.pushUpdate({ callback_query: query });
    return clone(query);
  }

  /**
   * The user `from` taps the reply-keyboard button that asks for their contact (`request_contact`)
   * in their private chat: Telegram sends their own number as a `contact` message whose `user_id`
   * is the sender's. Throws when the chat shows no such button (unless `opts.force`). A one-time
   * keyboard folds away, as in Telegram's apps. Returns the contact message.
   */
  shareContact(from: UserLike, phoneNumber: string, opts: { force?: boolean } = {}): Message {
    const state = this.chats.get(from.id);
    const keyboard = state?.replyKeyboard;
    if (!opts.force && !(keyboard && requestsContactOrLocation(keyboard, "request_contact"))) {
      throw new Error(`shareContact: the chat with ${from.id} shows no "request_contact" button`);
    }
    if (state && keyboard?.one_time_keyboard) delete state.replyKeyboard;
    const update = this.pushUpdate(contactUpdate(from, phoneNumber, { own: true }));
    return clone(update.message as Message);
  }

  /**
   * Queues any update (edited_message, photo, sticker, voice, location, my_chat_member,
   * channel_post, group messages... see ./telegram-updates.ts). `update_id` is assigned when
   * missing or 0; messages with `message_id` 0 get the chat's next id and `date` 0 becomes now.
   * Chats, messages, callback queries and file ids found in the update become known to the fake
   * (a `my_chat_member` "kicked" in a private chat marks it blocked). Returns the queued update.
   */
  pushUpdate(raw: Partial<Update> | Record<string, unknown>): Update {
    const update = clone(raw) as Update;
    if (typeof update.update_id !== "number" || update.update_id <= 0) update.update_id = this.nextUpdateId++;
    else this.nextUpdateId = Math.max(this.nextUpdateId, update.update_id + 1);
    this.absorbUpdate(update);
    this.queue.push(update);
    this.afterQueueChange();
    return clone(update);
  }

  // ─────────────────────────────────────────────────────────────────────────────── reset ──

  /**
   * Forgets calls, queued updates, chats and messages, callbacks, commands, files, faults, blocks,
   * latency, rate limits, the webhook and its delivery log. Update ids and per-chat message ids
   * keep counting up (a running bot's getUpdates offset stays valid). Pending long polls stay open.
   */
  reset(): void {
    this.records = [];
    this.queue = [];
    this.allowedUpdates = undefined;
    this.chats.clear();
    this.callbackQueries.clear();
    this.commands.clear();
    this.menuButtons.clear();
    this.files.clear();
    this.faults = [];
    this.latencyMs = 0;
    this.methodLatency.clear();
    this.setRateLimit(null);
    this.webhook = null;
    this.deliveryLog = [];
    this.interruptDeliverySleep();
    this.notify();
  }

  // ─────────────────────────────────────────────────────────────────────────── HTTP layer ──

  private async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.local");
    const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileRoute) {
      this.serveFile(fileRoute[1] ?? "", decodeURIComponent(fileRoute[2] ?? ""), res);
      return;
    }
    const route = /^\/bot([^/]+)\/([^/]*)$/.exec(url.pathname);
    let body: Buffer;
    try {
      body = await readBody(req, 50 * 1024 * 1024);
    } catch {
      sendJson(res, 413, { ok: false, error_code: 413, description: "Request Entity Too Large" });
      return;
    }
    if (!route) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    const token = decodeURIComponent(route[1] ?? "");
    const rawMethod = route[2] ?? "";
    let closed = false;
    const closeCallbacks: Array<() => void> = [];
    res.on("close", () => {
      if (!res.writableFinished) {
        closed = true;
        for (const cb of closeCallbacks) cb();
      }
    });
    const ctx: CallContext = {
      source: "http",
      encoding: "none",
      onClose: (cb) => {
        if (closed) cb();
        else closeCallbacks.push(cb);
      },
    };
    let params: Params = {};
    let files: Record<string, UploadedFile> = {};
    try {
      const parsed = parseRequest(url, req.headers["content-type"], body);
      params = parsed.params;
      files = parsed.files;
      ctx.encoding = parsed.encoding;
      if (parsed.encoding === "multipart" && typeof params.method === "string" && params.method.toLowerCase() === rawMethod.toLowerCase()) {
        delete params.method; // telegraf repeats the method name inside multipart bodies
      }
    } catch (error) {
      const outcome: Outcome = { ok: false, errorCode: 400, description: `Bad Request: ${(error as Error).message}` };
      this.record(rawMethod, params, files, ctx, performance.now(), Date.now(), outcome);
      writeOutcome(res, outcome);
      return;
    }
    if (token !== this.token) {
      const outcome: Outcome = { ok: false, errorCode: 401, description: "Unauthorized" };
      this.record(canonicalName(rawMethod, this.handlers), params, files, ctx, performance.now(), Date.now(), outcome);
      writeOutcome(res, outcome);
      return;
    }
    const outcome = await this.dispatch(rawMethod, params, files, ctx);
    if (closed) return;
    if (outcome.disconnect) {
      req.socket.destroy();
      return;
    }
    writeOutcome(res, outcome);
  }

  private serveFile(token: string, path: string, res: ServerResponse): void {
    const file = [...this.files.values()].find((f) => f.file_path === path);
    if (token !== this.token || !file || !file.data) {
      sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
    res.end(file.data);
  }

  /** Runs one API call end to end (latency, faults, handler) and records it. */
  private async dispatch(rawMethod: string, params: Params, files: Record<string, UploadedFile>, ctx: CallContext): Promise<Outcome> {
    const at = performance.now();
    const timestamp = Date.now();
    const method = canonicalName(rawMethod, this.handlers);
    let outcome: Outcome;
    try {
      const delay = this.methodLatency.get(method) ?? this.latencyMs;
      if (delay > 0) await sleep(delay);
      const fault = this.takeFault(method, params);
      if (fault) {
        outcome = fault;
      } else {
        const handler = this.handlers.get(rawMethod.toLowerCase());
        if (!handler) throw new ApiError(404, "Not Found");
        const result = await handler.fn(params, files, ctx);
        outcome = { ok: true, result, ...(ctx.description ? { description: ctx.description } : {}) };
      }
    } catch (error) {
      if (error instanceof ApiError) {
        outcome = {
          ok: false,
          errorCode: error.code,
          description: error.description,
          ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
        };
      } else {
        outcome = { ok: false, errorCode: 500, description: `Internal Server Error: ${(error as Error).message}` };
      }
    }
    this.record(method, params, files, ctx, at, timestamp, outcome);
    return outcome;
  }

  private record(method: string, params: Params, files: Record<string, UploadedFile>, ctx: CallContext, at: number, timestamp: number, outcome: Outcome): void {
    const rec: CallRecord = {
      seq: this.seq++,
      method,
      params,
      files,
      at,
      timestamp,
      durationMs: performance.now() - at,
      ok: outcome.ok,
      source: ctx.source,
      encoding: ctx.encoding,
    };
    if (outcome.ok) rec.result = clone(outcome.result);
    if (outcome.errorCode !== undefined) rec.errorCode = outcome.errorCode;
    if (outcome.description !== undefined) rec.description = outcome.description;
    if (outcome.retryAfter !== undefined) rec.retryAfter = outcome.retryAfter;
    if (outcome.injected) rec.injected = true;
    this.records.push(rec);
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private takeFault(method: string, params: Params): Outcome | undefined {
    const rule = this.faults.find(
      (r) =>
        r.remaining > 0 &&
        (r.method === method || (r.method === "*" && method !== "getUpdates")) &&
        (r.opts.chatId === undefined || String(r.opts.chatId) === String(params.chat_id)),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    rule.triggered += 1;
    if (rule.remaining <= 0) this.faults = this.faults.filter((r) => r !== rule);
    if (rule.opts.disconnect) return { ok: false, description: "connection destroyed (injected)", injected: true, disconnect: true };
    const code = rule.opts.errorCode ?? 400;
    const retryAfter = code === 429 ? (rule.opts.retryAfter ?? 1) : rule.opts.retryAfter;
    return {
      ok: false,
      errorCode: code,
      description: rule.opts.description ?? defaultDescription(code, retryAfter),
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      injected: true,
    };
  }

  // ───────────────────────────────────────────────────────────────────────── method table ──

  private buildHandlers() {
    type Fn = (p: Params, files: Record<string, UploadedFile>, ctx: CallContext) => unknown;
    const table: Record<string, Fn> = {
      getMe: () => clone(this.botInfo),
      logOut: () => true,
      close: () => true,
      getUpdates: (p, _f, ctx) => this.getUpdates(p, ctx),
      setWebhook: (p, _f, ctx) => this.setWebhook(p, ctx),
      deleteWebhook: (p, _f, ctx) => this.deleteWebhook(p, ctx),
      getWebhookInfo: () => this.buildWebhookInfo(),
      sendMessage: (p) => this.sendMessage(p),
      sendPhoto: (p, f) => this.sendMedia(p, f, "photo"),
      sendDocument: (p, f) => this.sendMedia(p, f, "document"),
      sendChatAction: (p) => this.sendChatAction(p),
      editMessageText: (p) => this.editMessageText(p),
      editMessageCaption: (p) => this.editMessageCaption(p),
      editMessageReplyMarkup: (p) => this.editMessageReplyMarkup(p),
      deleteMessage: (p) => this.deleteMessage(p),
      deleteMessages: (p) => this.deleteMessages(p),
      answerCallbackQuery: (p) => this.answerCallbackQuery(p),
      setMyCommands: (p) => this.setMyCommands(p),
      getMyCommands: (p) => this.commands.get(commandKey(scopeParam(p), stringParam(p.language_code))) ?? [],
      deleteMyCommands: (p) => {
        this.commands.delete(commandKey(scopeParam(p), stringParam(p.language_code)));
        return true;
      },
      setMyDescription: (p) => {
        this.botTexts.description = stringParam(p.description);
        return true;
      },
      getMyDescription: () => ({ description: this.botTexts.description }),
      setMyShortDescription: (p) => {
        this.botTexts.short_description = stringParam(p.short_description);
        return true;
      },
      getMyShortDescription: () => ({ short_description: this.botTexts.short_description }),
      setMyName: (p) => {
        this.botTexts.name = stringParam(p.name) || this.botInfo.first_name;
        return true;
      },
      getMyName: () => ({ name: this.botTexts.name }),
      setChatMenuButton: (p) => {
        this.menuButtons.set(String(p.chat_id ?? ""), p.menu_button ?? { type: "default" });
        return true;
      },
      getChatMenuButton: (p) => this.menuButtons.get(String(p.chat_id ?? "")) ?? { type: "commands" },
      getChat: (p) => {
        const state = this.resolveChat(p, { forWriting: false });
        return { ...clone(state.chat), accent_color_id: 0, max_reaction_count: 11, accepted_gift_types: { unlimited_gifts: false, limited_gifts: false, unique_gifts: false, premium_subscription: false } };
      },
      getFile: (p) => {
        const file = this.files.get(stringParam(p.file_id));
        if (!file) throw badRequest("invalid file_id");
        const { data: _data, ...info } = file;
        return info;
      },
    };
    const map = new Map<string, { name: string; fn: Fn }>();
    for (const [name, fn] of Object.entries(table)) map.set(name.toLowerCase(), { name, fn });
    return map;
  }

  // ──────────────────────────────────────────────────────────────────────────── getUpdates ──

  private async getUpdates(p: Params, ctx: CallContext): Promise<Update[]> {
    if (this.webhook) {
      throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    for (const w of [...this.pollWaiters]) w.conflict("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
    const offset = numberParam(p.offset);
    if (offset !== undefined && offset !== 0) {
      if (offset < 0) this.queue = this.queue.slice(offset);
      else this.queue = this.queue.filter((u) => u.update_id >= offset);
    }
    if (Array.isArray(p.allowed_updates)) this.allowedUpdates = p.allowed_updates.map(String);
    const limit = Math.min(100, Math.max(1, numberParam(p.limit) ?? 100));
    const timeout = Math.max(0, numberParam(p.timeout) ?? 0);
    const batch = this.takeBatch(limit);
    if (batch.length > 0 || timeout === 0 || this.stopped) return batch;
    return await new Promise<Update[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.pollWaiters.delete(waiter);
      };
      const waiter: PollWaiter = {
        wake: () => {
          if (this.webhook) return;
          const next = this.takeBatch(limit);
          if (next.length > 0) {
            done();
            resolve(next);
          }
        },
        conflict: (description) => {
          done();
          reject(new ApiError(409, description));
        },
        finish: () => {
          done();
          resolve([]);
        },
      };
      timer = setTimeout(() => waiter.finish(), timeout * 1000);
      this.pollWaiters.add(waiter);
      ctx.onClose(() => waiter.finish());
      this.notify();
    });
  }

  private isAllowed(update: Update, allowed: string[] | undefined): boolean {
    const type = Object.keys(update).find((k) => k !== "update_id") ?? "";
    if (!allowed || allowed.length === 0) return !DEFAULT_EXCLUDED_UPDATES.has(type);
    return allowed.includes(type);
  }

  /** First `limit` allowed updates (without removing them); non-allowed ones are dropped. */
  private takeBatch(limit: number): Update[] {
    this.queue = this.queue.filter((u) => this.isAllowed(u, this.allowedUpdates));
    return clone(this.queue.slice(0, limit));
  }

  private afterQueueChange(): void {
    this.notify();
    if (this.webhook) {
      void this.deliverLoop();
      return;
    }
    if (this.wakeScheduled || this.pollWaiters.size === 0) return;
    this.wakeScheduled = true;
    // Batch updates pushed in the same tick into one getUpdates answer, like Telegram does.
    setImmediate(() => {
      this.wakeScheduled = false;
      for (const w of [...this.pollWaiters]) w.wake();
    });
  }

  // ───────────────────────────────────────────────────────────────────────────── webhooks ──

  private setWebhook(p: Params, ctx: CallContext): boolean {
    const url = stringParam(p.url);
    if (url === "") return this.deleteWebhook(p, ctx);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badRequest("invalid webhook URL specified");
    }
    if (!["http:", "https:"].includes(parsed.protocol)) throw badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
    if (!this.opts.allowInsecureWebhook && parsed.protocol !== "https:") throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
    const secret = p.secret_token === undefined ? undefined : stringParam(p.secret_token);
    if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest("secret token contains unallowed characters");
    if (p.drop_pending_updates === true) this.queue = [];
    const same = this.webhook?.url === url;
    this.webhook = {
      url,
      maxConnections: numberParam(p.max_connections) ?? 40,
      ...(secret !== undefined ? { secretToken: secret } : {}),
      ...(Array.isArray(p.allowed_updates) ? { allowedUpdates: p.allowed_updates.map(String) } : {}),
      ...(typeof p.ip_address === "string" ? { ipAddress: p.ip_address } : {}),
    };
    ctx.description = same ? "Webhook is already set" : "Webhook was set";
    for (const w of [...this.pollWaiters]) {
      w.conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    }
    this.interruptDeliverySleep();
    void this.deliverLoop();
    return true;
  }

  private deleteWebhook(p: Params, ctx: CallContext): boolean {
    ctx.description = this.webhook ? "Webhook was deleted" : "Webhook is already deleted";
    this.webhook = null;
    if (p.drop_pending_updates === true) this.queue = [];
    this.interruptDeliverySleep();
    return true;
  }

  private buildWebhookInfo(): Record<string, unknown> {
    const wh = this.webhook;
    const info: Record<string, unknown> = { url: wh?.url ?? "", has_custom_certificate: false, pending_update_count: this.queue.length };
    if (wh) {
      info.max_connections = wh.maxConnections;
      if (wh.ipAddress) info.ip_address = wh.ipAddress;
      if (wh.allowedUpdates) info.allowed_updates = wh.allowedUpdates;
      if (wh.lastErrorDate !== undefined) {
        info.last_error_date = wh.lastErrorDate;
        info.last_error_message = wh.lastErrorMessage;
      }
    }
    return info;
  }

  private interruptDeliverySleep(): void {
    if (this.deliverySleep) {
      clearTimeout(this.deliverySleep.timer);
      this.deliverySleep.resolve();
      this.deliverySleep = null;
    }
  }

  /** Delivers queued updates one by one while a webhook is set; retries failures with backoff. */
  private async deliverLoop(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    let delay = this.webhookTiming.initialDelayMs;
    let attempt = 0;
    let currentId = -1;
    try {
      while (this.webhook && !this.stopped) {
        const wh = this.webhook;
        this.queue = this.queue.filter((u) => this.isAllowed(u, wh.allowedUpdates));
        const update = this.queue[0];
        if (!update) break;
        if (update.update_id !== currentId) {
          currentId = update.update_id;
          attempt = 0;
          delay = this.webhookTiming.initialDelayMs;
        }
        attempt += 1;
        const entry: WebhookDelivery = { updateId: update.update_id, attempt, at: performance.now(), ok: false };
        if (wh.secretToken !== undefined) entry.secretToken = wh.secretToken;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (wh.secretToken !== undefined) headers["x-telegram-bot-api-secret-token"] = wh.secretToken;
        let reply: { status: number; body: Buffer; contentType: string | undefined } | undefined;
        try {
          reply = await postRaw(wh.url, JSON.stringify(update), headers, this.webhookTiming.timeoutMs);
          entry.status = reply.status;
          entry.ok = reply.status >= 200 && reply.status < 300;
          if (!entry.ok) entry.error = `Wrong response from the webhook: ${reply.status} ${http.STATUS_CODES[reply.status] ?? ""}`.trim();
        } catch (error) {
          entry.error = networkErrorMessage(error as NodeJS.ErrnoException);
        }
        this.deliveryLog.push(entry);
        if (entry.ok) {
          this.queue = this.queue.filter((u) => u.update_id !== update.update_id);
          this.notify();
          if (reply && reply.body.length > 0) await this.runWebhookReply(reply.body, reply.contentType);
          continue;
        }
        wh.lastErrorDate = nowSeconds();
        wh.lastErrorMessage = entry.error;
        this.notify();
        if (this.stopped) break;
        if (attempt >= this.webhookTiming.maxAttempts) {
          this.queue = this.queue.filter((u) => u.update_id !== update.update_id);
          continue;
        }
        await new Promise<void>((resolve) => {
          this.deliverySleep = { timer: setTimeout(resolve, delay), resolve };
        });
        this.deliverySleep = null;
        delay = Math.min(delay * 2, this.webhookTiming.maxDelayMs);
      }
    } finally {
      this.delivering = false;
    }
    // Updates queued while the loop was finishing must not wait for the next push.
    if (this.webhook && !this.stopped && this.queue.length > 0) void this.deliverLoop();
  }

  /** Executes a method call found in a webhook response body (telegraf's webhookReply, grammY's canUseWebhookReply). */
  private async runWebhookReply(body: Buffer, contentType: string | undefined): Promise<void> {
    let parsed: { params: Params; files: Record<string, UploadedFile>; encoding: Encoding };
    try {
      parsed = parseRequest(new URL("http://fake.local/"), contentType ?? "application/json", body);
    } catch {
      return; // Telegram ignores webhook answers it cannot parse
    }
    const { method, ...params } = parsed.params;
    if (typeof method !== "string" || method === "") return;
    await this.dispatch(method, params, parsed.files, { source: "webhook-reply", encoding: parsed.encoding, onClose: () => {} });
  }

  // ─────────────────────────────────────────────────────────────────────────────── chats ──

  private ensureChat(chatId: number, chat?: Chat): ChatState {
    let state = this.chats.get(chatId);
    if (!state) {
      state = { chat: clone(chat ?? inventChat(chatId)), messages: new Map(), blocked: false };
      this.chats.set(chatId, state);
    }
    return state;
  }

  private resolveDriveChat(from: UserLike, chat: Chat | number | undefined): Chat {
    if (chat === undefined) return this.chats.get(from.id)?.chat ?? privateChat(from);
    if (typeof chat === "number") {
      const known = this.chats.get(chat)?.chat;
      if (!known) throw new Error(`unknown chat ${chat}: pass a Chat object or call addChat() first`);
      return known;
    }
    return chat;
  }

  /** Finds the chat named by `chat_id` (numeric or @username) and applies the blocked check. */
  private resolveChat(p: Params, opts: { forWriting: boolean }): ChatState {
    const raw = p.chat_id;
    if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
    let state: ChatState | undefined;
    if (typeof raw === "string" && raw.startsWith("@")) {
      const name = raw.slice(1).toLowerCase();
      state = [...this.chats.values()].find((s) => "username" in s.chat && s.chat.username?.toLowerCase() === name);
      if (!state) throw badRequest("chat not found");
    } else {
      const id = numberParam(raw);
      if (id === undefined || !Number.isInteger(id)) throw badRequest("chat not found");
      state = this.chats.get(id);
      if (!state) {
        if (this.opts.unknownChats === "reject") {
          if (id > 0) throw new ApiError(403, "Forbidden: bot can't initiate conversation with a user");
          throw badRequest("chat not found");
        }
        state = this.ensureChat(id);
      }
    }
    if (opts.forWriting && state.blocked) throw new ApiError(403, blockedDescription(state.chat));
    return state;
  }

  private nextMessageId(chatId: number): number {
    const next = (this.messageCounters.get(chatId) ?? 0) + 1;
    this.messageCounters.set(chatId, next);
    return next;
  }

  private chatMessages(chatId: number, botOnly: boolean): Message[] {
    const state = this.chats.get(chatId);
    if (!state) return [];
    return [...state.messages.values()]
      .filter((m) => !m.deleted && (!botOnly || m.fromBot))
      .sort((a, b) => a.current.message_id - b.current.message_id)
      .map((m) => clone(m.current));
  }

  private storeMessage(state: ChatState, msg: Message, fromBot: boolean): void {
    const existing = state.messages.get(msg.message_id);
    if (existing) {
      existing.versions.push(existing.current);
      existing.current = msg;
      existing.deleted = false;
    } else {
      state.messages.set(msg.message_id, { current: msg, versions: [], fromBot, deleted: false });
    }
    const counter = this.messageCounters.get(state.chat.id) ?? 0;
    if (msg.message_id > counter) this.messageCounters.set(state.chat.id, msg.message_id);
  }

  private pushMembershipChange(chat: Chat, oldStatus: "member" | "kicked", newStatus: "member" | "kicked"): void {
    const actor: UserLike =
      chat.type === "private"
        ? { id: chat.id, first_name: chat.first_name, ...(chat.username ? { username: chat.username } : {}) }
        : { id: 1_000_000_001, first_name: "Group admin" };
    const update = myChatMemberUpdate(actor, this.botUser(), oldStatus, newStatus, chat);
    this.queue.push({ ...update, update_id: this.nextUpdateId++ });
    this.afterQueueChange();
  }

  /** Learns chats, messages, callback queries and file ids from a pushed update. */
  private absorbUpdate(update: Update): void {
    const u = update as unknown as Record<string, unknown>;
    for (const key of ["message", "channel_post", "business_message"]) {
      const msg = u[key] as Message | undefined;
      if (!msg) continue;
      const state = this.ensureChat(msg.chat.id, msg.chat);
      if (!msg.message_id) msg.message_id = this.nextMessageId(msg.chat.id);
      if (!msg.date) msg.date = nowSeconds();
      this.storeMessage(state, clone(msg), msg.from?.id === this.botInfo.id);
    }
    for (const key of ["edited_message", "edited_channel_post"]) {
      const msg = u[key] as Message | undefined;
      if (!msg) continue;
      const state = this.ensureChat(msg.chat.id, msg.chat);
      if (!msg.edit_date) msg.edit_date = nowSeconds();
      if (!msg.date) msg.date = state.messages.get(msg.message_id)?.current.date ?? nowSeconds();
      this.storeMessage(state, clone(msg), msg.from?.id === this.botInfo.id);
    }
    const query = update.callback_query;
    if (query) {
      this.callbackQueries.set(query.id, { query: clone(query) });
      if (query.message) this.ensureChat(query.message.chat.id, query.message.chat);
    }
    const member = update.my_chat_member;
    if (member && member.new_chat_member.user.id === this.botInfo.id) {
      const state = this.ensureChat(member.chat.id, member.chat);
      const status = member.new_chat_member.status;
      state.blocked = status === "kicked" || status === "left";
    }
    collectFileIds(update, (found) => {
      if (!this.files.has(found.file_id)) {
        this.files.set(found.file_id, {
          file_id: found.file_id,
          file_unique_id: found.file_unique_id,
          file_path: `files/${found.file_id}`,
          ...(typeof found.file_size === "number" ? { file_size: found.file_size } : {}),
          ...(typeof found.width === "number" && typeof found.height === "number" ? { dims: { width: found.width, height: found.height } } : {}),
        });
      }
    });
  }

  private botUser(): User {
    return { id: this.botInfo.id, is_bot: true, first_name: this.botInfo.first_name, username: this.botInfo.username };
  }

  // ───────────────────────────────────────────────────────────────────────── flood control ──

  private checkRate(method: string, state: ChatState): void {
    const limits = this.rateLimit;
    if (!limits || !RATE_LIMITED.test(method)) return;
    const now = performance.now();
    const prune = (list: number[], windowMs: number) => list.filter((t) => now - t < windowMs);
    const waitMsFor = (list: number[], windowMs: number, max: number): number => {
      if (list.length < max) return 0;
      const oldest = list[list.length - max] ?? now;
      return oldest + windowMs - now;
    };
    this.botWindow = prune(this.botWindow, 1_000);
    const chatId = state.chat.id;
    const chatList = prune(this.chatWindows.get(chatId) ?? [], 1_000);
    const isGroup = state.chat.type !== "private";
    const groupList = isGroup ? prune(this.groupWindows.get(chatId) ?? [], 60_000) : [];
    const waitMs = Math.max(
      waitMsFor(this.botWindow, 1_000, limits.perBotPerSecond),
      waitMsFor(chatList, 1_000, limits.perChatPerSecond),
      isGroup ? waitMsFor(groupList, 60_000, limits.perGroupPerMinute) : 0,
    );
    if (waitMs > 0) {
      this.chatWindows.set(chatId, chatList);
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, retryAfter);
    }
    this.botWindow.push(now);
    chatList.push(now);
    this.chatWindows.set(chatId, chatList);
    if (isGroup) {
      groupList.push(now);
      this.groupWindows.set(chatId, groupList);
    }
  }

  // ─────────────────────────────────────────────────────────────────────── sending methods ──

  private formatted(text: unknown, parseMode: unknown, entities: unknown): { text: string; entities: MessageEntity[] } {
    const raw = text === undefined || text === null ? "" : typeof text === "string" ? text : String(text);
    if (Array.isArray(entities)) return { text: raw, entities: clone(entities as MessageEntity[]) };
    if (parseMode === undefined || parseMode === null || parseMode === "") return { text: raw, entities: [] };
    try {
      return parseFormattedText(raw, String(parseMode), { strictHtmlEntities: this.opts.strictHtmlEntities });
    } catch (error) {
      if (error instanceof EntityParseError) throw badRequest(`can't parse entities: ${error.message}`);
      if (error instanceof UnsupportedParseModeError) throw badRequest("unsupported parse_mode");
      throw error;
    }
  }

  private checkText(text: string): void {
    if (text.trim() === "") throw badRequest("message text is empty");
    if (text.length > 4096) throw badRequest("message is too long");
  }

  private checkCaption(caption: string): void {
    if (caption.length > 1024) throw badRequest("message caption is too long");
  }

  /** Validates reply_markup like Telegram and returns the inline keyboard to echo, if any. */
  private checkMarkup(markup: unknown): MarkupInfo {
    if (markup === undefined || markup === null) return {};
    if (typeof markup === "string") {
      try {
        markup = JSON.parse(markup);
      } catch {
        throw badRequest("can't parse reply keyboard markup JSON object");
      }
    }
    if (typeof markup !== "object" || markup === null) throw badRequest("can't parse reply keyboard markup JSON object");
    const m = markup as Record<string, unknown>;
    if ("inline_keyboard" in m) {
      const rows = m.inline_keyboard;
      if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays");
      for (const button of rows.flat() as Array<Record<string, unknown>>) {
        if (typeof button !== "object" || button === null || typeof button.text !== "string") {
          throw badRequest("can't parse inline keyboard button: Field \"text\" must be of type String");
        }
        const actions = INLINE_BUTTON_ACTIONS.filter((k) => button[k] !== undefined);
        if (actions.length === 0) throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
        if (button.callback_data !== undefined) {
          const data = String(button.callback_data);
          const bytes = Buffer.byteLength(data, "utf8");
          if (bytes === 0 || bytes > 64) throw badRequest("BUTTON_DATA_INVALID");
        }
        if (button.url !== undefined) {
          const url = String(button.url);
          if (!/^(https?|tg):\/\/\S+$/i.test(url) && !/^[\w-]+(\.[\w-]+)+(\/\S*)?$/.test(url)) throw badRequest("BUTTON_URL_INVALID");
        }
      }
      return { inline: clone(m as unknown as InlineKeyboardMarkup) };
    }
    if ("keyboard" in m) {
      const rows = m.keyboard;
      if (!Array.isArray(rows) || rows.some((r) => !Array.isArray(r))) throw badRequest("field \"keyboard\" of the ReplyKeyboardMarkup must be an Array of Arrays");
      for (const button of rows.flat() as unknown[]) {
        const text = typeof button === "string" ? button : (button as Record<string, unknown> | null)?.text;
        if (typeof text !== "string" || text === "") throw badRequest("can't parse keyboard button: Field \"text\" must be of type String");
        const requestContact = typeof button === "object" && button !== null ? (button as Record<string, unknown>).request_contact : undefined;
        if (requestContact !== undefined && typeof requestContact !== "boolean") {
          throw badRequest("can't parse keyboard button: Field \"request_contact\" must be of type Boolean");
        }
      }
      return { reply: clone(m as unknown as ReplyKeyboardMarkup) };
    }
    if (m.remove_keyboard === true) return { remove: true };
    if (m.force_reply === true) return {};
    throw badRequest("can't parse reply keyboard markup JSON object");
  }

  private replyTarget(p: Params, state: ChatState): Message | undefined {
    const rp = p.reply_parameters as Record<string, unknown> | undefined;
    const id = numberParam(rp?.message_id) ?? numberParam(p.reply_to_message_id);
    if (id === undefined) return undefined;
    const targetChat = rp?.chat_id !== undefined ? this.chats.get(numberParam(rp.chat_id) ?? NaN) : state;
    const target = targetChat?.messages.get(id);
    if (!target || target.deleted) {
      if (rp?.allow_sending_without_reply === true || p.allow_sending_without_reply === true) return undefined;
      throw badRequest("message to be replied not found");
    }
    const { reply_to_message: _nested, ...rest } = target.current;
    return clone(rest);
  }

  private newBotMessage(state: ChatState, p: Params, content: Partial<Message>, markup: MarkupInfo, replyTo: Message | undefined): Message {
    const msg: Message = {
      message_id: this.nextMessageId(state.chat.id),
      ...(state.chat.type === "channel" ? { sender_chat: clone(state.chat) } : { from: this.botUser() }),
      chat: clone(state.chat),
      date: nowSeconds(),
      ...content,
    };
    const thread = numberParam(p.message_thread_id);
    if (thread !== undefined) msg.message_thread_id = thread;
    if (replyTo) msg.reply_to_message = replyTo as Message & { reply_to_message: undefined };
    if (markup.inline) msg.reply_markup = markup.inline;
    if (p.protect_content === true) msg.has_protected_content = true;
    if (markup.reply && state.chat.type !== "private" && requestsContactOrLocation(markup.reply)) {
      // Telegram offers these buttons in private chats only.
      throw badRequest("BUTTON_TYPE_INVALID");
    }
    if (markup.reply) state.replyKeyboard = markup.reply;
    if (markup.remove) delete state.replyKeyboard;
    this.storeMessage(state, msg, true);
    return clone(msg);
  }

  private sendMessage(p: Params): Message {
    if (p.chat_id === undefined) throw badRequest("chat_id is empty");
    if (p.text === undefined || p.text === null) throw badRequest("message text is empty");
    const { text, entities } = this.formatted(p.text, p.parse_mode, p.entities);
    this.checkText(text);
    const markup = this.checkMarkup(p.reply_markup);
    const state = this.resolveChat(p, { forWriting: true });
    const replyTo = this.replyTarget(p, state);
    this.checkRate("sendMessage", state);
    const content: Partial<Message> = { text, ...(entities.length > 0 ? { entities } : {}) };
    if (p.link_preview_options && typeof p.link_preview_options === "object") content.link_preview_options = clone(p.link_preview_options as Message["link_preview_options"]);
    return this.newBotMessage(state, p, content, markup, replyTo);
  }

  private sendMedia(p: Params, files: Record<string, UploadedFile>, kind: "photo" | "document"): Message {
    if (p.chat_id === undefined) throw badRequest("chat_id is empty");
    const { text: caption, entities } = this.formatted(p.caption, p.parse_mode, p.caption_entities);
    this.checkCaption(caption);
    const markup = this.checkMarkup(p.reply_markup);
    const input = p[kind];
    let upload: UploadedFile | undefined;
    let known: StoredFile | undefined;
    if (typeof input === "string" && input.startsWith("attach://")) {
      upload = files[input.slice("attach://".length)];
      if (!upload) throw badRequest(`there is no ${kind} in the request`);
    } else if (typeof input === "string" && input !== "") {
      if (/^https?:\/\//i.test(input)) {
        known = this.registerFile(kind, undefined, 54_321);
      } else {
        known = this.files.get(input);
        if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
      }
    } else {
      upload = files[kind];
      if (!upload) throw badRequest(`there is no ${kind} in the request`);
    }
    if (upload) {
      if (upload.size === 0) throw badRequest("file must be non-empty");
      if (kind === "photo" && this.opts.checkImageBytes && !imageKind(upload.data)) throw badRequest("IMAGE_PROCESS_FAILED");
    }
    const state = this.resolveChat(p, { forWriting: true });
    const replyTo = this.replyTarget(p, state);
    this.checkRate(kind === "photo" ? "sendPhoto" : "sendDocument", state);
    const content: Partial<Message> = {};
    if (kind === "photo") {
      content.photo = upload ? this.photoFromUpload(upload) : this.photoFromKnown(known!);
      if (p.has_spoiler === true) content.has_media_spoiler = true;
      if (p.show_caption_above_media === true) content.show_caption_above_media = true;
    } else {
      const file = upload ? this.registerFile("document", upload.data) : known!;
      content.document = {
        file_id: file.file_id,
        file_unique_id: file.file_unique_id,
        file_name: upload?.filename ?? "document",
        mime_type: upload?.contentType && upload.contentType !== "application/octet-stream" ? upload.contentType : guessMime(upload?.filename ?? ""),
        ...(file.file_size !== undefined ? { file_size: file.file_size } : {}),
      };
    }
    if (caption !== "") {
      content.caption = caption;
      if (entities.length > 0) content.caption_entities = entities;
    }
    return this.newBotMessage(state, p, content, markup, replyTo);
  }

  private registerFile(kind: string, data: Buffer | undefined, size?: number): StoredFile {
    this.fileCounter += 1;
    const n = this.fileCounter.toString().padStart(5, "0");
    const ext = kind === "photo" ? "jpg" : "dat";
    const file: StoredFile = {
      file_id: `fake_${kind}_sent_${n}`,
      file_unique_id: `uniq_${kind}_sent_${n}`,
      file_path: `${kind}s/file_${n}.${ext}`,
      ...(data ? { data, file_size: data.length } : size !== undefined ? { file_size: size } : {}),
    };
    this.files.set(file.file_id, file);
    return file;
  }

  private photoFromUpload(upload: UploadedFile): PhotoSize[] {
    const dims = imageSize(upload.data) ?? { width: 800, height: 600 };
    const original = this.registerFile("photo", upload.data);
    original.dims = dims;
    return this.photoSizes(original, dims.width, dims.height);
  }

  private photoFromKnown(file: StoredFile): PhotoSize[] {
    const dims = file.dims ?? { width: 1280, height: 960 };
    return this.photoSizes(file, dims.width, dims.height);
  }

  /** Telegram stores a photo as several sizes (≤90, ≤320, ≤800, ≤1280 px); the last is the largest. */
  private photoSizes(file: StoredFile, width: number, height: number): PhotoSize[] {
    const sizes: PhotoSize[] = [];
    const total = file.file_size ?? Math.round(width * height * 0.15);
    for (const box of [90, 320, 800, 1280]) {
      const scale = Math.min(1, box / Math.max(width, height));
      const w = Math.max(1, Math.round(width * scale));
      const h = Math.max(1, Math.round(height * scale));
      const last = scale === 1 || box === 1280;
      const id = last ? file.file_id : `${file.file_id}_${box}`;
      if (!last && !this.files.has(id)) this.files.set(id, { file_id: id, file_unique_id: `${file.file_unique_id}_${box}`, file_path: `${file.file_path}.${box}` });
      sizes.push({ file_id: id, file_unique_id: last ? file.file_unique_id : `${file.file_unique_id}_${box}`, width: w, height: h, file_size: last ? total : Math.max(1, Math.round(total * scale * scale)) });
      if (last) break;
    }
    return sizes;
  }

  private sendChatAction(p: Params): boolean {
    const action = stringParam(p.action);
    if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
    this.resolveChat(p, { forWriting: true });
    return true;
  }

  // ─────────────────────────────────────────────────────────────────────────────── edits ──

  private editTarget(p: Params, what: "edit" | "delete"): { state: ChatState; stored: StoredMessage } {
    if (p.inline_message_id !== undefined) throw badRequest("MESSAGE_ID_INVALID");
    const state = this.resolveChat(p, { forWriting: true });
    const id = numberParam(p.message_id);
    if (id === undefined) throw badRequest("message identifier is not specified");
    const stored = state.messages.get(id);
    if (!stored || stored.deleted) throw badRequest(`message to ${what} not found`);
    return { state, stored };
  }

  private applyEdit(state: ChatState, stored: StoredMessage, changes: Partial<Message>, removeKeys: Array<keyof Message>): Message {
    const next: Message = { ...clone(stored.current), ...changes, edit_date: nowSeconds() };
    for (const key of removeKeys) delete next[key];
    this.storeMessage(state, next, stored.fromBot);
    return clone(next);
  }

  private editMessageText(p: Params): Message {
    const { text, entities } = this.formatted(p.text, p.parse_mode, p.entities);
    this.checkText(text);
    const markup = this.checkMarkup(p.reply_markup);
    const { state, stored } = this.editTarget(p, "edit");
    if (!stored.fromBot) throw badRequest("message can't be edited");
    if (stored.current.text === undefined) throw badRequest("there is no text in the message to edit");
    const cur = stored.current;
    if (cur.text === text && sameJson(cur.entities ?? [], entities) && sameJson(cur.reply_markup, markup.inline)) {
      throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    this.checkRate("editMessageText", state);
    const removeKeys: Array<keyof Message> = [];
    if (entities.length === 0) removeKeys.push("entities");
    if (!markup.inline) removeKeys.push("reply_markup");
    return this.applyEdit(state, stored, { text, ...(entities.length > 0 ? { entities } : {}), ...(markup.inline ? { reply_markup: markup.inline } : {}) }, removeKeys);
  }

  private editMessageCaption(p: Params): Message {
    const { text: caption, entities } = this.formatted(p.caption, p.parse_mode, p.caption_entities);
    this.checkCaption(caption);
    const markup = this.checkMarkup(p.reply_markup);
    const { state, stored } = this.editTarget(p, "edit");
    if (!stored.fromBot) throw badRequest("message can't be edited");
    const cur = stored.current;
    if (cur.text !== undefined) throw badRequest("there is no caption in the message to edit");
    if ((cur.caption ?? "") === caption && sameJson(cur.caption_entities ?? [], entities) && sameJson(cur.reply_markup, markup.inline)) {
      throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    this.checkRate("editMessageCaption", state);
    const removeKeys: Array<keyof Message> = [];
    if (caption === "") removeKeys.push("caption");
    if (entities.length === 0) removeKeys.push("caption_entities");
    if (!markup.inline) removeKeys.push("reply_markup");
    return this.applyEdit(state, stored, { ...(caption ? { caption } : {}), ...(entities.length > 0 ? { caption_entities: entities } : {}), ...(markup.inline ? { reply_markup: markup.inline } : {}) }, removeKeys);
  }

  private editMessageReplyMarkup(p: Params): Message {
    const markup = this.checkMarkup(p.reply_markup);
    if (markup.reply || markup.remove) throw badRequest("inline keyboard expected");
    const { state, stored } = this.editTarget(p, "edit");
    if (!stored.fromBot) throw badRequest("message can't be edited");
    if (sameJson(stored.current.reply_markup, markup.inline)) {
      throw badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message");
    }
    this.checkRate("editMessageReplyMarkup", state);
    return this.applyEdit(state, stored, markup.inline ? { reply_markup: markup.inline } : {}, markup.inline ? [] : ["reply_markup"]);
  }

  private deleteMessage(p: Params): boolean {
    const { stored } = this.editTarget(p, "delete");
    stored.deleted = true;
    return true;
  }

  private deleteMessages(p: Params): boolean {
    const state = this.resolveChat(p, { forWriting: true });
    const ids = Array.isArray(p.message_ids) ? p.message_ids.map(Number) : [];
    if (ids.length === 0 || ids.length > 100) throw badRequest("message identifiers are not specified");
    for (const id of ids) {
      const stored = state.messages.get(id);
      if (stored) stored.deleted = true;
    }
    return true;
  }

  // ─────────────────────────────────────────────────────────────────── callbacks, commands ──

  private answerCallbackQuery(p: Params): boolean {
    const id = stringParam(p.callback_query_id);
    const entry = this.callbackQueries.get(id);
    if (!entry || entry.answer) throw badRequest("query is too old and response timeout expired or query ID is invalid");
    const answer: CallbackAnswer = {};
    if (p.text !== undefined) answer.text = stringParam(p.text);
    if (p.show_alert !== undefined) answer.show_alert = p.show_alert === true;
    if (p.url !== undefined) answer.url = stringParam(p.url);
    if (p.cache_time !== undefined) answer.cache_time = numberParam(p.cache_time) ?? 0;
    if ((answer.text ?? "").length > 200) throw badRequest("MESSAGE_TOO_LONG");
    entry.answer = answer;
    return true;
  }

  private setMyCommands(p: Params): boolean {
    const list = p.commands;
    if (!Array.isArray(list)) throw badRequest("field \"commands\" must be an Array");
    if (list.length > 100) throw badRequest("too many commands");
    const commands: BotCommand[] = [];
    for (const c of list as Array<Record<string, unknown>>) {
      const command = stringParam(c?.command).replace(/^\//, "");
      const description = stringParam(c?.description);
      if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
      if (description.trim().length === 0 || description.length > 256) throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
      commands.push({ command, description });
    }
    const key = commandKey(scopeParam(p), stringParam(p.language_code));
    if (commands.length === 0) this.commands.delete(key);
    else this.commands.set(key, commands);
    return true;
  }
}

// ─────────────────────────────────────────────────────────────────────────── formatting ──

/** Thrown by the parse-mode parsers; the message is Telegram's text after "can't parse entities: ". */
export class EntityParseError extends Error {}
class UnsupportedParseModeError extends Error {}

/** Result of parsing formatted text: the plain text a user sees and its entities (UTF-16 offsets). */
export interface FormattedText {
  /** Text with markup removed and escapes resolved. */
  text: string;
  /** Entities sorted by offset (then longer first). */
  entities: MessageEntity[];
}

/**
 * Parses `text` the way the Bot API does for `parse_mode` (`HTML`, `MarkdownV2`, `Markdown`;
 * case-insensitive). Throws {@link EntityParseError} with Telegram's wording on bad markup.
 */
export function parseFormattedText(text: string, parseMode: string, opts: { strictHtmlEntities?: boolean } = {}): FormattedText {
  switch (parseMode.toLowerCase()) {
    case "html":
      return parseHtml(text, opts.strictHtmlEntities ?? true);
    case "markdownv2":
      return parseMarkdownV2(text);
    case "markdown":
      return parseMarkdownLegacy(text);
    default:
      throw new UnsupportedParseModeError(parseMode);
  }
}

const byteOffset = (s: string, index: number) => Buffer.byteLength(s.slice(0, index), "utf8");

/** tdlib's ordering of entities that share offset and length (MessageEntity::get_type_priority). */
const ENTITY_PRIORITY: Record<string, number> = {
  blockquote: 0,
  expandable_blockquote: 0,
  pre: 10,
  code: 20,
  text_link: 49,
  text_mention: 49,
  bold: 90,
  italic: 91,
  underline: 92,
  strikethrough: 93,
  spoiler: 94,
  custom_emoji: 99,
};

function sortEntities(list: MessageEntity[]): MessageEntity[] {
  const priority = (e: MessageEntity) => ENTITY_PRIORITY[e.type] ?? 50;
  return list.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset || b.length - a.length || priority(a) - priority(b));
}

function normalizeUrl(url: string): string | undefined {
  const trimmed = url.trim();
  if (trimmed === "") return undefined;
  if (/^(https?|tg|ftp):\/\//i.test(trimmed)) return trimmed;
  if (/^tg:/i.test(trimmed)) return trimmed;
  if (/^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+(:\d+)?([/?#]\S*)?$/u.test(trimmed)) return `http://${trimmed}`;
  return undefined;
}

function linkEntity(url: string, offset: number, length: number): MessageEntity | undefined {
  const mention = /^tg:(?:\/\/)?user\?id=(\d+)$/i.exec(url.trim());
  if (mention) return { type: "text_mention", offset, length, user: { id: Number(mention[1]), is_bot: false, first_name: "" } };
  const normalized = normalizeUrl(url);
  return normalized ? { type: "text_link", offset, length, url: normalized } : undefined;
}

const HTML_TAGS = new Set(["a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "tg-emoji", "code", "pre", "blockquote"]);
const HTML_SIMPLE: Record<string, MessageEntity.CommonMessageEntity["type"]> = {
  b: "bold",
  strong: "bold",
  i: "italic",
  em: "italic",
  u: "underline",
  ins: "underline",
  s: "strikethrough",
  strike: "strikethrough",
  del: "strikethrough",
  "tg-spoiler": "spoiler",
  span: "spoiler",
};

/** Decodes an HTML character reference at `s[i] === "&"`; returns the text and the length consumed, or undefined. */
function decodeHtmlEntity(s: string, i: number): { value: string; length: number; known: boolean } | undefined {
  const m = /^&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{0,31})(;?)/.exec(s.slice(i, i + 42));
  if (!m) return undefined;
  const name = m[1] ?? "";
  const length = m[0].length;
  if (name.startsWith("#")) {
    const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    if (code >= 0xd800 && code <= 0xdfff) {
      throw new EntityParseError("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units");
    }
    if (code === 0 || code > 0x10ffff) return { value: s.slice(i, i + length), length, known: false };
    return { value: String.fromCodePoint(code), length, known: true };
  }
  const named: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };
  const value = named[name];
  if (value !== undefined) return { value, length, known: true };
  return { value: s.slice(i, i + length), length, known: false };
}

/**
 * Telegram's HTML parse mode (tdlib `parse_html`): tags b/strong, i/em, u/ins, s/strike/del,
 * tg-spoiler / span class="tg-spoiler", a href, tg-emoji, code, pre (with nested
 * code class="language-x"), blockquote [expandable]; `</>` closes the innermost tag; entities
 * &lt; &gt; &amp; &quot; and numeric ones. Unsupported tags such as `<br>` or `<p>` fail.
 */
export function parseHtml(input: string, strictEntities = true): FormattedText {
  interface Open {
    tag: string;
    attrs: Record<string, string>;
    start: number;
    byte: number;
    language?: string;
  }
  let out = "";
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const n = input.length;
  let i = 0;
  const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r";
  while (i < n) {
    const c = input[i]!;
    if (c === "&") {
      const decoded = decodeHtmlEntity(input, i);
      if (decoded?.known) {
        out += decoded.value;
        i += decoded.length;
        continue;
      }
      if (strictEntities) {
        const what = decoded ? `Unsupported HTML entity "${decoded.value}"` : `Unescaped "&"`;
        throw new EntityParseError(`${what} at byte offset ${byteOffset(input, i)}; use &amp; for a literal "&"`);
      }
      out += decoded ? decoded.value : "&";
      i += decoded ? decoded.length : 1;
      continue;
    }
    if (c !== "<") {
      out += c;
      i += 1;
      continue;
    }
    const begin = i;
    const beginByte = byteOffset(input, begin);
    if (input[i + 1] === "/") {
      if (stack.length === 0) throw new EntityParseError(`Unexpected end tag at byte offset ${beginByte}`);
      const close = input.indexOf(">", i + 2);
      if (close < 0) throw new EntityParseError(`Unclosed end tag at byte offset ${beginByte}`);
      const name = input.slice(i + 2, close).trim().toLowerCase();
      const open = stack[stack.length - 1]!;
      if (name !== "" && name !== open.tag) {
        throw new EntityParseError(`Unmatched end tag at byte offset ${beginByte}, expected "</${open.tag}>", found "</${name}>"`);
      }
      stack.pop();
      i = close + 1;
      const length = out.length - open.start;
      const parent = stack[stack.length - 1];
      if (open.tag === "code" && parent?.tag === "pre" && parent.start === open.start) {
        const lang = /^language-(.+)$/.exec(open.attrs.class ?? "")?.[1];
        if (lang) {
          parent.language = lang;
          continue;
        }
      }
      if (length === 0) continue;
      const simple = HTML_SIMPLE[open.tag];
      if (simple) entities.push({ type: simple, offset: open.start, length });
      else if (open.tag === "a") {
        const href = open.attrs.href ?? out.slice(open.start);
        const link = linkEntity(href, open.start, length);
        if (link) entities.push(link);
      } else if (open.tag === "code") {
        const lang = /^language-(.+)$/.exec(open.attrs.class ?? "")?.[1];
        const child = entities.find((e) => e.type === "pre" && e.offset === open.start && e.length === length);
        if (lang && child && child.type === "pre") child.language = lang;
        else entities.push({ type: "code", offset: open.start, length });
      } else if (open.tag === "pre") {
        entities.push(open.language ? { type: "pre", offset: open.start, length, language: open.language } : { type: "pre", offset: open.start, length });
      } else if (open.tag === "blockquote") {
        entities.push({ type: "expandable" in open.attrs ? "expandable_blockquote" : "blockquote", offset: open.start, length });
      } else if (open.tag === "tg-emoji") {
        entities.push({ type: "custom_emoji", offset: open.start, length, custom_emoji_id: open.attrs["emoji-id"] ?? "" });
      }
      continue;
    }
    let j = i + 1;
    while (j < n && !isSpace(input[j]) && input[j] !== ">") j += 1;
    if (j >= n) throw new EntityParseError(`Unclosed start tag at byte offset ${beginByte}`);
    const tag = input.slice(i + 1, j).toLowerCase();
    if (!HTML_TAGS.has(tag)) throw new EntityParseError(`Unsupported start tag "${tag}" at byte offset ${beginByte}`);
    const attrs: Record<string, string> = {};
    for (;;) {
      while (j < n && isSpace(input[j])) j += 1;
      if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
      if (input[j] === ">") break;
      const nameStart = j;
      while (j < n && !isSpace(input[j]) && input[j] !== "=" && input[j] !== ">") j += 1;
      const attrName = input.slice(nameStart, j).toLowerCase();
      if (attrName === "") throw new EntityParseError(`Empty attribute name in the tag "${tag}" at byte offset ${beginByte}`);
      while (j < n && isSpace(input[j])) j += 1;
      if (input[j] !== "=") {
        if (tag === "blockquote") {
          attrs[attrName] = "";
          continue;
        }
        if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
        throw new EntityParseError(`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${beginByte}`);
      }
      j += 1;
      while (j < n && isSpace(input[j])) j += 1;
      if (j >= n) throw new EntityParseError(`Unclosed start tag "${tag}" at byte offset ${beginByte}`);
      let value = "";
      const quote = input[j];
      if (quote === '"' || quote === "'") {
        const end = input.indexOf(quote, j + 1);
        if (end < 0) throw new EntityParseError(`Unclosed start tag at byte offset ${beginByte}`);
        const rawValue = input.slice(j + 1, end);
        value = parseHtml(rawValue.replace(/</g, "&lt;"), false).text;
        j = end + 1;
      } else {
        const valueStart = j;
        while (j < n && /[A-Za-z0-9.\-_:,/?#=&%+;@!~*'()$\[\]]/.test(input[j]!)) j += 1;
        if (j >= n) throw new EntityParseError(`Unexpected end of name token at byte offset ${byteOffset(input, valueStart)}`);
        value = input.slice(valueStart, j);
      }
      attrs[attrName] = value;
    }
    if (tag === "span" && attrs.class !== "tg-spoiler") {
      throw new EntityParseError(`Tag "span" must have class "tg-spoiler" at byte offset ${beginByte}`);
    }
    if (tag === "tg-emoji" && !/^\d+$/.test(attrs["emoji-id"] ?? "")) {
      throw new EntityParseError(`Custom emoji entity must contain a valid custom emoji identifier at byte offset ${beginByte}`);
    }
    stack.push({ tag, attrs, start: out.length, byte: beginByte });
    i = j + 1;
  }
  if (stack.length > 0) {
    throw new EntityParseError(`Can't find end tag corresponding to start tag "${stack[stack.length - 1]!.tag}"`);
  }
  return { text: out, entities: sortEntities(entities) };
}

const MDV2_RESERVED = "_*[]()~`>#+-=|{}.!";
type MdType = "Bold" | "Italic" | "Underline" | "Strikethrough" | "Spoiler" | "Code" | "Pre" | "PreCode" | "TextUrl" | "CustomEmoji";

/**
 * Telegram's MarkdownV2 (tdlib `parse_markdown_v2`): `*bold*`, `_italic_`, `__underline__`,
 * `~strike~`, `||spoiler||`, `` `code` ``, ```` ```lang pre``` ````, `[text](url)`,
 * `![emoji](tg://emoji?id=…)`, `>` block quotes (`**>` … `||` expandable). Every character of
 * `_*[]()~\`>#+-=|{}.!` outside an entity must be escaped with `\`.
 */
export function parseMarkdownV2(input: string): FormattedText {
  interface Open {
    type: MdType;
    start: number;
    byte: number;
    language?: string;
  }
  let out = "";
  const stack: Open[] = [];
  const entities: MessageEntity[] = [];
  const n = input.length;
  let quote: { start: number; expandable: boolean; markedExpandable: boolean } | null = null;
  const closeQuote = () => {
    if (quote && out.length > quote.start) {
      entities.push({ type: quote.expandable || quote.markedExpandable ? "expandable_blockquote" : "blockquote", offset: quote.start, length: out.length - quote.start });
    }
    quote = null;
  };
  const reserved = (c: string) => new EntityParseError(`Character '${c}' is reserved and must be escaped with the preceding '\\'`);
  const typeName: Record<string, MessageEntity.CommonMessageEntity["type"]> = {
    Bold: "bold",
    Italic: "italic",
    Underline: "underline",
    Strikethrough: "strikethrough",
    Spoiler: "spoiler",
    Code: "code",
  };
  let i = 0;
  while (i < n) {
    const c = input[i]!;
    const top = stack[stack.length - 1];
    const inCode = top?.type === "Code" || top?.type === "Pre" || top?.type === "PreCode";
    if (c === "\\" && i + 1 < n) {
      const code = input.charCodeAt(i + 1);
      if (code >= 1 && code <= 126) {
        out += input[i + 1];
        i += 2;
        continue;
      }
    }
    if (inCode) {
      if (top.type === "Code" && c === "`") {
        stack.pop();
        if (out.length > top.start) entities.push({ type: "code", offset: top.start, length: out.length - top.start });
        i += 1;
        continue;
      }
      if (top.type !== "Code" && input.startsWith("```", i)) {
        stack.pop();
        if (out.length > top.start) {
          entities.push(top.language ? { type: "pre", offset: top.start, length: out.length - top.start, language: top.language } : { type: "pre", offset: top.start, length: out.length - top.start });
        }
        i += 3;
        continue;
      }
      if (top.type !== "Code" && c === "`") {
        // tdlib quirk: a lone backtick inside a pre block opens a nested code entity
        stack.push({ type: "Code", start: out.length, byte: byteOffset(input, i) });
        i += 1;
        continue;
      }
      out += c;
      i += 1;
      continue;
    }
    const atLineStart = i === 0 || input[i - 1] === "\n";
    if (atLineStart) {
      if (input.startsWith("**>", i)) {
        closeQuote();
        quote = { start: out.length, expandable: true, markedExpandable: false };
        i += 3;
        continue;
      }
      if (c === ">") {
        if (!quote) quote = { start: out.length, expandable: false, markedExpandable: false };
        i += 1;
        continue;
      }
      if (quote) closeQuote();
    }
    if (!MDV2_RESERVED.includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    if (quote && c === "|" && input[i + 1] === "|" && (i + 2 >= n || input[i + 2] === "\n" || input[i + 2] === "\r") && top?.type !== "Spoiler") {
      quote.markedExpandable = true;
      i += 2;
      continue;
    }
    const next = input[i + 1];
    const isEnd =
      top !== undefined &&
      ((top.type === "Bold" && c === "*") ||
        (top.type === "Italic" && c === "_" && next !== "_") ||
        (top.type === "Underline" && c === "_" && next === "_") ||
        (top.type === "Strikethrough" && c === "~") ||
        (top.type === "Spoiler" && c === "|" && next === "|") ||
        ((top.type === "TextUrl" || top.type === "CustomEmoji") && c === "]"));
    if (isEnd) {
      stack.pop();
      const length = out.length - top.start;
      if (top.type === "TextUrl" || top.type === "CustomEmoji") {
        i += 1;
        let url: string | undefined;
        if (input[i] === "(") {
          const urlByte = byteOffset(input, i + 1);
          i += 1;
          url = "";
          let closed = false;
          while (i < n) {
            const u = input[i]!;
            if (u === "\\" && (input[i + 1] === ")" || input[i + 1] === "\\")) {
              url += input[i + 1];
              i += 2;
              continue;
            }
            if (u === ")") {
              closed = true;
              i += 1;
              break;
            }
            url += u;
            i += 1;
          }
          if (!closed) throw new EntityParseError(top.type === "TextUrl" ? `Can't find end of a URL at byte offset ${urlByte}` : `Can't find end of a custom emoji URL at byte offset ${urlByte}`);
        }
        if (top.type === "CustomEmoji") {
          if (url === undefined) throw new EntityParseError("Custom emoji entity must contain a tg://emoji URL");
          const m = /^tg:\/\/emoji\?(?:.*&)?id=(\d+)/i.exec(url);
          if (!m) throw new EntityParseError("Custom emoji URL must have an emoji identifier");
          if (length > 0) entities.push({ type: "custom_emoji", offset: top.start, length, custom_emoji_id: m[1]! });
        } else if (length > 0) {
          const link = linkEntity(url ?? out.slice(top.start), top.start, length);
          if (link) entities.push(link);
        }
        continue;
      }
      i += top.type === "Underline" || top.type === "Spoiler" ? 2 : 1;
      const type = typeName[top.type];
      if (type && length > 0) entities.push({ type, offset: top.start, length });
      continue;
    }
    const open = (type: MdType, consumed: number, extra: Partial<Open> = {}) => {
      stack.push({ type, start: out.length, byte: byteOffset(input, i), ...extra });
      i += consumed;
    };
    switch (c) {
      case "_":
        if (next === "_") open("Underline", 2);
        else open("Italic", 1);
        break;
      case "*":
        open("Bold", 1);
        break;
      case "~":
        open("Strikethrough", 1);
        break;
      case "|":
        if (next !== "|") throw reserved(c);
        open("Spoiler", 2);
        break;
      case "[":
        open("TextUrl", 1);
        break;
      case "!":
        if (next !== "[") throw reserved(c);
        open("CustomEmoji", 2);
        break;
      case "`":
        if (input.startsWith("```", i)) {
          const byte = byteOffset(input, i);
          let j = i + 3;
          while (j < n && !/\s/.test(input[j]!) && input[j] !== "`") j += 1;
          const language = input.slice(i + 3, j);
          const start = out.length;
          const withLanguage = language !== "" && j < n && input[j] !== "`";
          let k = withLanguage ? j : i + 3;
          // like tdlib, one line break right after the opening fence (and language) is skipped
          if (input[k] === "\n" || input[k] === "\r") {
            const first = input[k];
            k += 1;
            if ((input[k] === "\n" || input[k] === "\r") && input[k] !== first) k += 1;
          }
          stack.push(withLanguage ? { type: "PreCode", start, byte, language } : { type: "Pre", start, byte });
          i = k;
        } else {
          open("Code", 1);
        }
        break;
      default:
        throw reserved(c);
    }
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1]!;
    throw new EntityParseError(`Can't find end of ${open.type} entity at byte offset ${open.byte}`);
  }
  closeQuote();
  return { text: out, entities: sortEntities(entities) };
}

/**
 * Telegram's legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````,
 * `[text](url)`; no nesting; `\` escapes `_*\`[` outside entities.
 */
export function parseMarkdownLegacy(input: string): FormattedText {
  let out = "";
  const entities: MessageEntity[] = [];
  const n = input.length;
  let i = 0;
  const fail = (at: number) => new EntityParseError(`Can't find end of the entity starting at byte offset ${byteOffset(input, at)}`);
  while (i < n) {
    const c = input[i]!;
    if (c === "\\" && "_*`[".includes(input[i + 1] ?? "")) {
      out += input[i + 1];
      i += 2;
      continue;
    }
    if (!"_*`[".includes(c)) {
      out += c;
      i += 1;
      continue;
    }
    const begin = i;
    const start = out.length;
    if (c === "[") {
      const close = input.indexOf("]", i + 1);
      if (close < 0) throw fail(begin);
      const label = input.slice(i + 1, close);
      out += label;
      i = close + 1;
      let url = label;
      if (input[i] === "(") {
        const end = input.indexOf(")", i + 1);
        if (end < 0) throw fail(begin);
        url = input.slice(i + 1, end);
        i = end + 1;
      }
      const link = label.length > 0 ? linkEntity(url, start, label.length) : undefined;
      if (link) entities.push(link);
      continue;
    }
    if (input.startsWith("```", i)) {
      const end = input.indexOf("```", i + 3);
      if (end < 0) throw fail(begin);
      let body = input.slice(i + 3, end);
      let language: string | undefined;
      const nl = body.indexOf("\n");
      if (nl > 0 && !/\s/.test(body.slice(0, nl))) {
        language = body.slice(0, nl);
        body = body.slice(nl + 1);
      }
      out += body;
      if (body.length > 0) entities.push(language ? { type: "pre", offset: start, length: body.length, language } : { type: "pre", offset: start, length: body.length });
      i = end + 3;
      continue;
    }
    const end = input.indexOf(c, i + 1);
    if (end < 0) throw fail(begin);
    const body = input.slice(i + 1, end);
    out += body;
    const type = c === "*" ? "bold" : c === "_" ? "italic" : "code";
    if (body.length > 0) entities.push({ type, offset: start, length: body.length });
    i = end + 1;
  }
  return { text: out, entities: sortEntities(entities) };
}

// ──────────────────────────────────────────────────────────────────────── request parsing ──

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses query string + body (JSON, urlencoded or multipart) into coerced parameters and files. */
function parseRequest(url: URL, contentType: string | undefined, body: Buffer): { params: Params; files: Record<string, UploadedFile>; encoding: Encoding } {
  const params: Params = {};
  let encoding: Encoding = "none";
  const files: Record<string, UploadedFile> = {};
  if ([...url.searchParams.keys()].length > 0) {
    encoding = "query";
    for (const [k, v] of url.searchParams) params[k] = coerceField(k, v);
  }
  const type = (contentType ?? "").toLowerCase();
  if (body.length === 0) return { params, files, encoding };
  if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new Error("multipart boundary is missing");
    const parsed = parseMultipart(body, b.trim());
    for (const [k, v] of Object.entries(parsed.fields)) params[k] = coerceField(k, v);
    Object.assign(files, parsed.files);
    return { params, files, encoding: "multipart" };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = coerceField(k, v);
    return { params, files, encoding: "urlencoded" };
  }
  const textBody = body.toString("utf8").trim();
  if (textBody === "") return { params, files, encoding };
  let json: unknown;
  try {
    json = JSON.parse(textBody);
  } catch {
    throw new Error("can't parse JSON encoded request body");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("request body must be a JSON object");
  Object.assign(params, json);
  return { params, files, encoding: "json" };
}

/** A small RFC 7578 multipart parser, tolerant of grammY's `name:value;…` header style. */
export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: Record<string, UploadedFile> } {
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) return { fields, files };
  pos += delimiter.length;
  while (pos < body.length) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(separator, pos);
    if (end < 0) break;
    const part = body.subarray(pos, end);
    pos = end + separator.length;
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers["content-disposition"] ?? "";
    const attrs: Record<string, string> = {};
    for (const m of disposition.matchAll(/;\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
      attrs[(m[1] ?? "").toLowerCase()] = (m[2] ?? m[3] ?? "").trim();
    }
    const name = attrs.name;
    if (name === undefined) continue;
    const content = part.subarray(headerEnd + 4);
    if (attrs.filename !== undefined) {
      const file: UploadedFile = { field: name, filename: attrs.filename, size: content.length, data: Buffer.from(content) };
      if (headers["content-type"]) file.contentType = headers["content-type"];
      const kind = imageKind(file.data);
      if (kind) file.imageType = kind;
      files[name] = file;
    } else {
      fields[name] = content.toString("utf8");
    }
  }
  return { fields, files };
}

function coerceField(key: string, value: string): unknown {
  if (JSON_FIELDS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (NUMERIC_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (BOOLEAN_FIELDS.has(key) && (value === "true" || value === "false")) return value === "true";
  return value;
}

// ───────────────────────────────────────────────────────────────────────────────── helpers ──

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function writeOutcome(res: ServerResponse, outcome: Outcome): void {
  if (outcome.ok) {
    sendJson(res, 200, { ok: true, result: outcome.result, ...(outcome.description ? { description: outcome.description } : {}) });
    return;
  }
  const code = outcome.errorCode ?? 500;
  sendJson(res, code, {
    ok: false,
    error_code: code,
    description: outcome.description ?? "Internal Server Error",
    ...(outcome.retryAfter !== undefined ? { parameters: { retry_after: outcome.retryAfter } } : {}),
  });
}

function defaultDescription(code: number, retryAfter?: number): string {
  switch (code) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 429:
      return `Too Many Requests: retry after ${retryAfter ?? 1}`;
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    default:
      return http.STATUS_CODES[code] ?? "Error";
  }
}

function blockedDescription(chat: Chat): string {
  switch (chat.type) {
    case "private":
      return "Forbidden: bot was blocked by the user";
    case "group":
      return "Forbidden: bot was kicked from the group chat";
    case "supergroup":
      return "Forbidden: bot was kicked from the supergroup chat";
    case "channel":
      return "Forbidden: bot is not a member of the channel chat";
  }
}

function inventChat(id: number): Chat {
  if (id > 0) return { id, type: "private", first_name: `User${id}` };
  if (id <= -1_000_000_000_000) return { id, type: "supergroup", title: `Supergroup ${id}` };
  return { id, type: "group", title: `Group ${id}` };
}

function canonicalName(method: string, handlers: Map<string, { name: string }>): string {
  return handlers.get(method.toLowerCase())?.name ?? method;
}

function toPredicate(matcher: CallMatcher): (c: CallRecord) => boolean {
  return typeof matcher === "string" ? (c) => c.method === matcher : matcher;
}

function describeMatcher(matcher: CallMatcher): string {
  return typeof matcher === "string" ? `method ${matcher}` : matcher.toString().replace(/\s+/g, " ").slice(0, 160);
}

function stringParam(value: unknown): string {
  return value === undefined || value === null ? "" : String(value);
}

function numberParam(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

function scopeParam(p: Params): { type: string; chat_id?: number | string; user_id?: number } {
  const scope = p.scope;
  if (scope && typeof scope === "object" && typeof (scope as { type?: unknown }).type === "string") {
    return scope as { type: string; chat_id?: number | string; user_id?: number };
  }
  return { type: "default" };
}

function commandKey(scope: { type: string; chat_id?: number | string; user_id?: number }, languageCode: string): string {
  const chat = scope.chat_id !== undefined ? String(numberParam(scope.chat_id) ?? scope.chat_id) : "";
  const userId = scope.user_id !== undefined ? String(scope.user_id) : "";
  return `${scope.type}|${chat}|${userId}|${languageCode}`;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function postRaw(target: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: Buffer; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: res.headers["content-type"] }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("Read timeout expired"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

function networkErrorMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "Connection refused";
    case "ETIMEDOUT":
      return "Read timeout expired";
    case "ECONNRESET":
      return "Connection reset by peer";
    case "ENOTFOUND":
      return "Failed to resolve host: Name or service not known";
    default:
      return error.message;
  }
}

function imageKind(data: Buffer): NonNullable<UploadedFile["imageType"]> | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "jpeg";
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  if (data.length >= 6 && data.subarray(0, 4).toString("latin1") === "GIF8") return "gif";
  if (data.length >= 12 && data.subarray(0, 4).toString("latin1") === "RIFF" && data.subarray(8, 12).toString("latin1") === "WEBP") return "webp";
  if (data.length >= 2 && data[0] === 0x42 && data[1] === 0x4d) return "bmp";
  return undefined;
}

/** Width and height from a PNG, GIF or JPEG header. */
function imageSize(data: Buffer): { width: number; height: number } | undefined {
  const kind = imageKind(data);
  if (kind === "png" && data.length >= 24) return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  if (kind === "gif" && data.length >= 10) return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
  if (kind === "jpeg") {
    let pos = 2;
    while (pos + 9 < data.length) {
      if (data[pos] !== 0xff) return undefined;
      const marker = data[pos + 1] ?? 0;
      const length = data.readUInt16BE(pos + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: data.readUInt16BE(pos + 5), width: data.readUInt16BE(pos + 7) };
      }
      pos += 2 + length;
    }
  }
  return undefined;
}

function guessMime(filename: string): string {
  const ext = filename.toLowerCase().split(".").pop() ?? "";
  const map: Record<string, string> = {
    pdf: "application/pdf",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    csv: "text/csv",
    txt: "text/plain",
    json: "application/json",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    zip: "application/zip",
  };
  return map[ext] ?? "application/octet-stream";
}

/** Calls `visit` for every `{file_id, file_unique_id}` object inside an update. */
function collectFileIds(
  value: unknown,
  visit: (found: { file_id: string; file_unique_id: string; file_size?: unknown; width?: unknown; height?: unknown }) => void,
): void {
  if (Array.isArray(value)) {
    for (const item of value) collectFileIds(item, visit);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  const obj = value as Record<string, unknown>;
  if (typeof obj.file_id === "string" && typeof obj.file_unique_id === "string") {
    visit(obj as { file_id: string; file_unique_id: string });
  }
  for (const v of Object.values(obj)) collectFileIds(v, visit);
}

/** Does a reply keyboard have a button that asks for the user's contact (or location)? */
function requestsContactOrLocation(keyboard: ReplyKeyboardMarkup, only?: "request_contact" | "request_location"): boolean {
  return keyboard.keyboard.flat().some((button) => {
    if (typeof button !== "object" || button === null) return false;
    const b = button as unknown as Record<string, unknown>;
    return only ? b[only] === true : b.request_contact === true || b.request_location === true;
  });
}
