/** The FakeTelegram class: the public face of the fake; the work happens in the sibling modules. */
import type http from "node:http";
import type { BotCommand, CallbackQuery, Chat, Message, ReplyKeyboardMarkup, Update, UserFromGetMe } from "grammy/types";
import type { UserLike } from "../telegram-updates.js";
import { pressButton } from "./callbacks.js";
import { chatMessages, ensureChat } from "./chats.js";
import { commandKey, visibleCommands } from "./commands.js";
import { sendText, shareContact } from "./driving.js";
import { addFault, setRateLimit } from "./faults.js";
import { photosSentTo } from "./media.js";
import { installMethods } from "./methods.js";
import { enqueueUpdate, pushMembershipChange } from "./queue.js";
import { describeMatcher, summary, toPredicate, waitUntil } from "./recorder.js";
import { listen } from "./server.js";
import { DEFAULT_TOKEN, FakeState } from "./state.js";
import type {
  CallbackAnswer,
  CallMatcher,
  CallRecord,
  FailOptions,
  FakeTelegramOptions,
  FaultHandle,
  PressButtonOptions,
  RateLimitOptions,
  SendTextOptions,
  SentPhoto,
  WebhookDelivery,
} from "./types.js";
import { canonicalName, clone } from "./util.js";
import { buildWebhookInfo, interruptDeliverySleep } from "./webhook.js";

/** A local fake Telegram Bot API server. Create it with {@link FakeTelegram.start}. */
export class FakeTelegram {
  /** Token used when {@link FakeTelegramOptions.token} is not given. */
  static readonly DEFAULT_TOKEN = DEFAULT_TOKEN;

  /** The bot token this fake accepts. */
  readonly token: string;
  /** What `getMe` answers. */
  readonly botInfo: UserFromGetMe;

  private server!: http.Server;
  private baseUrl = "";
  private readonly s: FakeState;

  private constructor(options: FakeTelegramOptions) {
    this.s = new FakeState(options);
    this.token = this.s.token;
    this.botInfo = this.s.botInfo;
    if (options.rateLimit) setRateLimit(this.s, options.rateLimit);
    installMethods(this.s);
  }

  /**
   * Starts a fake Bot API server on 127.0.0.1 (random port by default).
   * Pass {@link apiRoot} to grammY (`client.apiRoot`) or telegraf (`telegram.apiRoot`).
   */
  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    const { server, baseUrl } = await listen(fake.s, options.port ?? 0, options.host ?? "127.0.0.1");
    fake.server = server;
    fake.baseUrl = baseUrl;
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
    const s = this.s;
    if (s.stopped) return;
    s.stopped = true;
    for (const w of [...s.pollWaiters]) w.finish();
    interruptDeliverySleep(s);
    s.notify();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ─────────────────────────────────────────────────────────────────── recording & waiting ──

  /** Recorded calls in arrival order of their answers; only those of `method` when given (getUpdates included). */
  calls(method?: string): CallRecord[] {
    return method === undefined ? [...this.s.records] : this.s.records.filter((c) => c.method === method);
  }

  /** The most recent call (of `method`, if given). */
  lastCall(method?: string): CallRecord | undefined {
    const list = this.calls(method);
    return list[list.length - 1];
  }

  /**
   * Calls `listener` with each call recorded from now on, in order, as it is recorded (a load
   * generator's view; tests use {@link waitFor}). Returns the function that stops listening.
   */
  onCall(listener: (call: CallRecord) => void): () => void {
    let next = this.s.records.length;
    const notify = () => {
      while (next < this.s.records.length) listener(this.s.records[next++]!);
    };
    this.s.listeners.add(notify);
    return () => {
      this.s.listeners.delete(notify);
    };
  }

  /** Sequence number the next recorded call will get; pass it as `since` to wait only for newer calls. */
  cursor(): number {
    return this.s.seq;
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
      () => this.s.records.find((c) => c.seq >= since && match(c)),
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
        const found = this.s.records.filter((c) => c.seq >= since && match(c));
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
    return waitUntil(this.s, check, timeoutMs, label);
  }

  /** Human-readable list of the last `n` calls, handy in assertion messages. */
  summary(n = 15): string {
    return summary(this.s, n);
  }

  // ──────────────────────────────────────────────────────────────────────── chat inspection ──

  /**
   * The bot's messages in a chat as the user would see them now: after edits, without deleted
   * ones, ordered by message id. Returns copies.
   */
  sentTo(chatId: number): Message[] {
    return chatMessages(this.s, chatId, true);
  }

  /**
   * The photos the bot uploaded to a chat (successful multipart `sendPhoto` calls), in call
   * order, with their bytes: what a test needs to check an image really arrived, and when.
   */
  photosSentTo(chatId: number): SentPhoto[] {
    return photosSentTo(this.s, chatId);
  }

  /** All messages in a chat (the user's and the bot's) as currently shown, ordered by id. */
  transcript(chatId: number): Message[] {
    return chatMessages(this.s, chatId, false);
  }

  /** A single message as currently shown (undefined if unknown or deleted). */
  message(chatId: number, messageId: number): Message | undefined {
    const stored = this.s.chats.get(chatId)?.messages.get(messageId);
    return stored && !stored.deleted ? clone(stored.current) : undefined;
  }

  /** Every version of a message, oldest first (the last one is the current one). */
  messageVersions(chatId: number, messageId: number): Message[] {
    const stored = this.s.chats.get(chatId)?.messages.get(messageId);
    return stored ? clone([...stored.versions, stored.current]) : [];
  }

  /** The custom reply keyboard currently shown in a chat (set by a ReplyKeyboardMarkup, cleared by remove_keyboard). */
  replyKeyboard(chatId: number): ReplyKeyboardMarkup | undefined {
    const kb = this.s.chats.get(chatId)?.replyKeyboard;
    return kb ? clone(kb) : undefined;
  }

  /** How the bot answered a callback query (undefined while unanswered). */
  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    const answer = this.s.callbackQueries.get(queryId)?.answer;
    return answer ? clone(answer) : undefined;
  }

  /** Commands stored by setMyCommands for exactly this scope and language (like getMyCommands). */
  commandsFor(scope: { type: string; chat_id?: number | string; user_id?: number } = { type: "default" }, languageCode = ""): BotCommand[] {
    return clone(this.s.commands.get(commandKey(scope, languageCode)) ?? []);
  }

  /**
   * The command menu a user would see in a chat, resolved like Telegram clients do
   * (chat_member → chat_administrators → chat → all_* → default, each language-specific first).
   */
  visibleCommands(chatId: number, opts: { languageCode?: string; userId?: number; isAdmin?: boolean } = {}): BotCommand[] {
    return visibleCommands(this.s, chatId, opts);
  }

  /** Current webhook state as `getWebhookInfo` would return it. */
  webhookInfo(): Record<string, unknown> {
    return buildWebhookInfo(this.s);
  }

  /** Log of webhook delivery attempts. */
  deliveries(): WebhookDelivery[] {
    return clone(this.s.deliveryLog);
  }

  /** Number of getUpdates long polls currently waiting (useful to wait until a bot is polling). */
  activePolls(): number {
    return this.s.pollWaiters.size;
  }

  /** Updates queued and not yet acknowledged (getUpdates offset) or delivered (webhook). */
  pendingUpdates(): Update[] {
    return clone(this.s.queue);
  }

  // ─────────────────────────────────────────────────────────────────────── fault injection ──

  /**
   * Makes the next `times` calls of `method` fail (`"*"` matches every method except getUpdates).
   * Rules are consumed in the order they were added. Example: a burst of flood errors,
   * `tg.fail("sendMessage", { times: 3, errorCode: 429, retryAfter: 1 })`.
   */
  fail(method: string, options: FailOptions = {}): FaultHandle {
    return addFault(this.s, method, options);
  }

  /** Removes every pending {@link fail} rule. */
  clearFailures(): void {
    this.s.faults = [];
  }

  /**
   * Marks a chat as having blocked the bot (private chat) or removed it (group/channel): sends,
   * edits, deletes and chat actions there answer 403 "Forbidden: bot was blocked by the user"
   * (or the group wording). With `notify`, a `my_chat_member` update (member → kicked) is queued,
   * as Telegram does.
   */
  block(chatId: number, opts: { notify?: boolean } = {}): void {
    const state = ensureChat(this.s, chatId);
    state.blocked = true;
    if (opts.notify) pushMembershipChange(this.s, state.chat, "member", "kicked");
  }

  /** Undoes {@link block}; with `notify`, queues a `my_chat_member` update (kicked → member). */
  unblock(chatId: number, opts: { notify?: boolean } = {}): void {
    const state = ensureChat(this.s, chatId);
    state.blocked = false;
    if (opts.notify) pushMembershipChange(this.s, state.chat, "kicked", "member");
  }

  /** Whether the chat is currently blocked. */
  isBlocked(chatId: number): boolean {
    return this.s.chats.get(chatId)?.blocked ?? false;
  }

  /**
   * Delays every API answer by `ms` (or only `method`'s answers when given), plus a random 0 …
   * `jitterMs`. The call is carried out after the delay, even when the caller has gone meanwhile
   * (as Telegram does). Long polls wait on top of it.
   */
  setLatency(ms: number, method?: string, jitterMs = 0): void {
    const key = method === undefined ? "*" : canonicalName(method, this.s.handlers);
    if (method === undefined) this.s.latencyMs = Math.max(0, ms);
    else this.s.methodLatency.set(key, Math.max(0, ms));
    this.s.latencyJitter.set(key, Math.max(0, jitterMs));
  }

  /** Calls received and not answered yet (of `method`, or all): the calls in flight at the fake. */
  inFlight(method?: string): number {
    if (method !== undefined) return this.s.active.get(canonicalName(method, this.s.handlers)) ?? 0;
    let total = 0;
    for (const n of this.s.active.values()) total += n;
    return total;
  }

  /**
   * Enables (or, with `null`, disables) flood control for sending methods (send*, copy/forward,
   * editMessage*; not sendChatAction). Above a limit the call fails with 429 and `retry_after`
   * set to the seconds until the sliding window frees up (at least 1). Only accepted calls count.
   */
  setRateLimit(options: RateLimitOptions | null): void {
    setRateLimit(this.s, options);
  }

  // ─────────────────────────────────────────────────────────────────────────── driving bots ──

  /** Registers (or replaces) a chat so the bot can write to it, e.g. a group or a channel. */
  addChat(chat: Chat): void {
    const state = ensureChat(this.s, chat.id, chat);
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
    return sendText(this.s, from, text, opts);
  }

  /**
   * The user `from` taps the inline button carrying `data` under message `messageId` (in their
   * private chat unless `opts.chatId`). Queues a `callback_query` with the message as currently
   * shown. Throws when the message does not exist, was deleted, or has no such button (unless
   * `opts.force`). Returns the callback query (its `id` is what answerCallbackQuery must use).
   */
  pressButton(from: UserLike, messageId: number, data: string, opts: PressButtonOptions = {}): CallbackQuery {
    return pressButton(this.s, from, messageId, data, opts);
  }

  /**
   * The user `from` taps the reply-keyboard button that asks for their contact (`request_contact`)
   * in their private chat: Telegram sends their own number as a `contact` message whose `user_id`
   * is the sender's. Throws when the chat shows no such button (unless `opts.force`). A one-time
   * keyboard folds away, as in Telegram's apps. Returns the contact message.
   */
  shareContact(from: UserLike, phoneNumber: string, opts: { force?: boolean } = {}): Message {
    return shareContact(this.s, from, phoneNumber, opts);
  }

  /**
   * Queues any update (edited_message, photo, sticker, voice, location, my_chat_member,
   * channel_post, group messages... see ../telegram-updates.ts). `update_id` is assigned when
   * missing or 0; messages with `message_id` 0 get the chat's next id and `date` 0 becomes now.
   * Chats, messages, callback queries and file ids found in the update become known to the fake
   * (a `my_chat_member` "kicked" in a private chat marks it blocked). Returns the queued update.
   */
  pushUpdate(raw: Partial<Update> | Record<string, unknown>): Update {
    return enqueueUpdate(this.s, raw);
  }

  // ─────────────────────────────────────────────────────────────────────────────── reset ──

  /**
   * Forgets calls, queued updates, chats and messages, callbacks, commands, files, faults, blocks,
   * latency, rate limits, the webhook and its delivery log. Update ids and message ids (the bot's
   * counter and each supergroup's) keep counting up (a running bot's getUpdates offset stays valid). Pending long polls stay open.
   */
  reset(): void {
    const s = this.s;
    s.records = [];
    s.queue = [];
    s.allowedUpdates = undefined;
    s.chats.clear();
    s.callbackQueries.clear();
    s.commands.clear();
    s.menuButtons.clear();
    s.files.clear();
    s.faults = [];
    s.latencyMs = 0;
    s.methodLatency.clear();
    s.latencyJitter.clear();
    this.setRateLimit(null);
    s.webhook = null;
    s.deliveryLog = [];
    interruptDeliverySleep(s);
    s.notify();
  }
}
