/** Public option and record types of the fake; re-exported unchanged by ./index.ts. */
import type { Chat, MessageEntity, UserFromGetMe } from "grammy/types";

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
