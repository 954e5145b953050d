/**
 * The framework-independent core of the Telegram channel: turns a raw Telegram `Update` (from
 * grammY, telegraf or a webhook body — treated as untrusted JSON) into runner input, and the
 * runner's reply into Telegram messages.
 *
 * Two modes:
 * - `standalone`: the bot is Anxin's own; every private-chat update is Anxin's. In groups it
 *   answers a command or mention once with a link to the private chat; everything else is ignored.
 * - `embedded`: Anxin lives inside an office's existing bot and claims only what is its own:
 *   its signed buttons, its entry commands (`/survey`), `/start anxin…` deep links, and — while a
 *   resident is in the middle of an Anxin conversation (consent, survey, language, privacy) — their
 *   plain text, `/back`, `/skip` and media. Everything else goes to the host bot (`next()`).
 *
 * Ordering: updates of one Telegram user are handled one at a time, in arrival order, by the
 * runner's per-resident queue (the adapter keeps none of its own): every update of a user's
 * private chat reaches the runner (a turn, a claim of a hint or refused button, a membership
 * change) synchronously from handleUpdate, so the queue sees them in arrival order; and the
 * answer to one is put on the send queue synchronously once the runner resolves it, while the
 * runner's next task for that user still has the database to ask before it can answer. Different
 * users never wait for each other.
 * Idempotency: the runner gets `messageId = "<botId>:<update_id>"`, remembers recent ones (a
 * redelivery costs no query) and the store refuses one twice, so a redelivered update (webhook
 * retry, restart) is answered `duplicate` and changes nothing.
 */
import type { Api } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { PushResult } from "../../core/channel.js";
import { t } from "../../core/engine/i18n.js";
import { normalizeLang } from "../../core/engine/types.js";
import type { Input, Lang, OutMessage } from "../../core/engine/types.js";
import { SessionCheckError, type Claim, type ConversationRunner, type RunnerReply } from "../../core/survey/runner.js";
import { staffText } from "../../core/survey/staff-i18n.js";
import { CallbackSigner, isAnxinCallbackData } from "./callback-data.js";
import { TelegramSender, type SenderLogger } from "./sender.js";

/** The platform name of Telegram identities. */
export const TELEGRAM_PLATFORM = "telegram";

/**
 * Message contents a resident can send that Anxin cannot read (answered with a polite hint). A
 * contact is read (see classifyContact).
 */
const UNREADABLE_CONTENT = [
  "photo",
  "sticker",
  "voice",
  "audio",
  "video",
  "video_note",
  "document",
  "animation",
  "location",
  "venue",
  "poll",
  "dice",
  "game",
  "story",
  "paid_media",
  "checklist",
] as const;

/** What {@link TelegramAdapter.handleUpdate} did with an update. */
export type UpdateOutcome =
  /** Anxin handled it (a turn was committed and its replies queued, or a hint was queued). */
  | "handled"
  /** Not relevant to Anxin and (standalone) nobody else's either: dropped. */
  | "ignored"
  /** Already handled before (redelivery). */
  | "duplicate"
  /** Embedded mode: not Anxin's; the host bot should handle it. */
  | "passed"
  /** Embedded mode: Anxin took note (e.g. the resident blocked the bot) and the host may too. */
  | "shared";

/** Which updates Anxin claims inside an existing bot. */
export interface EmbeddedOptions {
  /** Commands that open Anxin's survey, without the slash; default `["survey"]`. */
  entryCommands?: string[];
  /**
   * Deep-link prefix: `/start anxin` opens Anxin, `/start anxin_survey` (or `anxin-survey`) passes
   * `survey` on as the start parameter; default `"anxin"`.
   */
  startPrefix?: string;
  /** Commands claimed only while the resident is in an Anxin conversation; default `["back", "skip"]`. */
  activeCommands?: string[];
}

/** Options of {@link TelegramAdapter}. */
export interface TelegramAdapterOptions {
  /** Everything the adapter needs from the core: turns, sessions, reachability. */
  runner: ConversationRunner;
  /** The app secret; callback data is signed with a key derived from it. */
  secret: string;
  /** The Api every send goes through; install the bounded 429 retry on it ({@link installAutoRetry}). */
  api: Api;
  /** pino's Logger fits. */
  logger: SenderLogger;
  /** Default `standalone`. */
  mode?: "standalone" | "embedded";
  embedded?: EmbeddedOptions;
  /** Chats sent to at the same time; default 8. */
  sendConcurrency?: number;
}

/** The bot's own account as far as the adapter needs it. */
export interface BotIdentity {
  id?: number;
  username?: string;
}

interface Sender {
  id: number;
  languageCode?: string;
}

type Route =
  | { kind: "ignore"; reason: string }
  | {
      kind: "turn";
      updateId: number;
      from: Sender;
      chatId: number;
      input: Input;
      claim: "always" | "if-active";
      callback?: { queryId: string; messageId?: number };
    }
  | { kind: "bad-button"; updateId: number; from: Sender; queryId: string; reason: string }
  /** Something Anxin answers with a short hint and no turn: media it cannot read, someone else's contact. */
  | { kind: "unreadable"; updateId: number; from: Sender; chatId: number; claim: "always" | "if-active"; hint: "telegram.media_unsupported" | "telegram.contact_not_own" }
  | { kind: "group"; updateId: number; from: Sender; chatId: number; username?: string }
  | { kind: "membership"; updateId: number; userId: number; reachable: boolean };

/** See the module comment. */
export class TelegramAdapter {
  /** Signs and verifies button data. */
  readonly signer: CallbackSigner;
  /** The sending side (queue, edits, pushes). */
  readonly sender: TelegramSender;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly greetedGroups = new Set<number>();
  private readonly mode: "standalone" | "embedded";
  private readonly entryCommands: Set<string>;
  private readonly activeCommands: Set<string>;
  private readonly startPrefix: string;
  private readonly botId: number;
  private readonly log: SenderLogger;
  private botInfo: Promise<string | undefined> | undefined;

  constructor(private readonly options: TelegramAdapterOptions) {
    this.signer = new CallbackSigner(options.secret);
    this.mode = options.mode ?? "standalone";
    this.entryCommands = new Set((options.embedded?.entryCommands ?? ["survey"]).map((c) => c.replace(/^\//, "").toLowerCase()));
    this.activeCommands = new Set((options.embedded?.activeCommands ?? ["back", "skip"]).map((c) => c.replace(/^\//, "").toLowerCase()));
    this.startPrefix = (options.embedded?.startPrefix ?? "anxin").toLowerCase();
    this.botId = Number(options.api.token.split(":")[0]) || 0;
    this.log = options.logger;
    this.sender = new TelegramSender({
      api: options.api,
      signer: this.signer,
      logger: options.logger,
      concurrency: options.sendConcurrency,
      onBlocked: (chatId) => this.markBlocked(chatId),
    });
  }

  /**
   * Handles one raw update. Resolves once the resulting turn is committed and its replies are
   * queued (not yet sent); never rejects. In embedded mode, `"passed"` and `"shared"` mean the
   * host bot should handle the update too.
   */
  handleUpdate(update: unknown, me: BotIdentity = {}): Promise<UpdateOutcome> {
    const work = this.route(update, me);
    this.track(work);
    return work;
  }

  /** Sends messages to a resident outside a reply (bulk priority, after waiting replies). */
  push(chatId: string, lang: Lang, messages: OutMessage[]): Promise<PushResult> {
    const id = Number(chatId);
    if (!Number.isSafeInteger(id) || id === 0) return Promise.resolve({ ok: false, error: `not a Telegram chat id: ${chatId}`, permanent: true });
    // Buttons in a push are signed for the chat's user: Anxin pushes to private chats only.
    return this.sender.push(id, id, messages, lang);
  }

  /** Resolves when every update being handled and every queued send is done. */
  async drain(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.sender.idle();
  }

  /** Drains, then refuses further sends. */
  async close(): Promise<void> {
    await this.drain();
    this.sender.close();
  }

  // ------------------------------------------------------------------------------- routing

  private async route(update: unknown, me: BotIdentity): Promise<UpdateOutcome> {
    let route: Route;
    try {
      route = this.classify(update, me);
    } catch (error) {
      // classify() reads untrusted JSON defensively; this is a last line of defence.
      this.log.warn({ err: error }, "unreadable Telegram update ignored");
      return this.mode === "embedded" ? "passed" : "ignored";
    }
    if (route.kind === "ignore") {
      this.log.debug({ reason: route.reason }, "telegram update ignored");
      return this.mode === "embedded" ? "passed" : "ignored";
    }
    try {
      return await this.perform(route);
    } catch (error) {
      this.log.error({ err: error, updateId: route.updateId }, "telegram update failed");
      // Embedded: when Anxin cannot tell (database down), the host bot must still get its updates.
      return this.mode === "embedded" ? "passed" : "handled";
    }
  }

  /**
   * Runs one routed update. Every branch about a private chat calls the runner before its first
   * await, so that the runner's per-resident queue sees a user's updates in arrival order (see
   * the module comment); keep it so.
   */
  private async perform(route: Exclude<Route, { kind: "ignore" }>): Promise<UpdateOutcome> {
    switch (route.kind) {
      case "membership": {
        const change = await this.options.runner.accountReachable(TELEGRAM_PLATFORM, String(route.userId), route.reachable, "blocked the bot", { messageId: this.messageId(route.updateId) });
        if (change === "duplicate") return "duplicate";
        if (change === "changed") this.log.debug({ userId: route.userId, reachable: route.reachable }, "telegram reachability changed");
        return this.mode === "embedded" ? "shared" : "handled";
      }
      case "bad-button": {
        const claim = await this.claimLenient(route.from, route.updateId);
        if (claim.outcome !== "claimed") return "duplicate";
        const lang = claim.session?.residentLang ?? normalizeLang(route.from.languageCode);
        this.log.warn({ userId: route.from.id, reason: route.reason }, "refused a Telegram button");
        await this.sender.answerCallback(route.queryId, t(lang, "telegram.button_invalid"));
        return "handled";
      }
      case "group":
        // No runner here: a group is nobody's conversation, and greetGroup answers a group once.
        this.greetGroup(route, route.username ?? (await this.botUsername()));
        return "handled";
      case "unreadable": {
        const claim =
          route.claim === "if-active"
            ? await this.options.runner.claim({ platform: TELEGRAM_PLATFORM, platformUserId: String(route.from.id), messageId: this.messageId(route.updateId) }, { onlyIfActive: true })
            : await this.claimLenient(route.from, route.updateId);
        if (claim.outcome !== "claimed") return claim.outcome;
        // While in a conversation the hint is in its language; otherwise in the resident's.
        const lang = (route.claim === "if-active" ? claim.session?.lang : undefined) ?? claim.session?.residentLang ?? normalizeLang(route.from.languageCode);
        this.track(this.sender.notice(route.chatId, t(lang, route.hint)));
        return "handled";
      }
      case "turn":
        return this.turn(route);
    }
  }

  private async turn(route: Extract<Route, { kind: "turn" }>): Promise<UpdateOutcome> {
    // Stop the button's spinner at once; the answer itself comes as messages.
    if (route.callback) this.track(this.sender.answerCallback(route.callback.queryId));
    let reply: RunnerReply;
    try {
      reply = await this.options.runner.handle(
        {
          platform: TELEGRAM_PLATFORM,
          platformUserId: String(route.from.id),
          chatId: String(route.chatId),
          messageId: this.messageId(route.updateId),
          // No display name or username: the consent text promises residents anonymity.
          ...(route.from.languageCode ? { langCode: route.from.languageCode } : {}),
          input: route.input,
        },
        { onlyIfActive: route.claim === "if-active" },
      );
    } catch (error) {
      // Not knowing whether the message is Anxin's is not Anxin failing on it: route() passes it on.
      if (error instanceof SessionCheckError) throw error;
      this.log.error({ err: error, userId: route.from.id }, "the runner failed on a Telegram update");
      const lang = normalizeLang(route.from.languageCode);
      this.track(this.sender.notice(route.chatId, t(lang, "error.internal")));
      return "handled";
    }
    if (reply.passed) return "passed";
    if (reply.duplicate) return "duplicate";
    // Charts (an admin's /stats) follow the text as photos; the note is in the admin's language.
    const images = reply.images?.length ? { images: reply.images, failureNote: staffText(reply.lang, "chart_image_failed") } : undefined;
    this.track(
      this.sender.reply(
        { chatId: route.chatId, userId: route.from.id, lang: reply.lang, ...(route.callback?.messageId !== undefined ? { pressedMessageId: route.callback.messageId } : {}) },
        reply.messages,
        images,
      ),
    );
    return "handled";
  }

  /** Reads an untrusted update. Pure: no I/O. */
  private classify(raw: unknown, me: BotIdentity): Route {
    if (!isRecord(raw)) return ignore("not an object");
    const updateId = raw.update_id;
    if (typeof updateId !== "number" || !Number.isSafeInteger(updateId) || updateId < 0) return ignore("no update_id");
    if (isRecord(raw.callback_query)) return this.classifyCallback(updateId, raw.callback_query);
    if (isRecord(raw.message)) return this.classifyMessage(updateId, raw.message, me);
    if (isRecord(raw.my_chat_member)) return classifyMembership(updateId, raw.my_chat_member);
    const kind = Object.keys(raw).find((key) => key !== "update_id") ?? "empty";
    // edited_message (the answer was already taken), channel posts, inline queries, polls, chat
    // members, join requests, reactions, boosts, payments (Anxin sells nothing): not Anxin's.
    return ignore(kind);
  }

  private classifyCallback(updateId: number, query: Record<string, unknown>): Route {
    const from = readSender(query.from);
    const queryId = query.id;
    if (!from || typeof queryId !== "string" || queryId === "") return ignore("callback without sender");
    const data = query.data;
    if (this.mode === "embedded" && !isAnxinCallbackData(data)) return ignore("host bot's callback");
    const message = isRecord(query.message) ? query.message : undefined;
    const chat = message && isRecord(message.chat) ? message.chat : undefined;
    const chatId = chat?.id;
    if (!chat || chat.type !== "private" || typeof chatId !== "number" || !Number.isSafeInteger(chatId)) {
      return { kind: "bad-button", updateId, from, queryId, reason: "not in a private chat" };
    }
    const verified = this.signer.verify(data, from.id);
    if (!verified.ok) return { kind: "bad-button", updateId, from, queryId, reason: verified.reason };
    const messageId = typeof message?.message_id === "number" ? message.message_id : undefined;
    return {
      kind: "turn",
      updateId,
      from,
      chatId,
      input: { kind: "button", payload: verified.payload },
      claim: "always",
      callback: { queryId, ...(messageId !== undefined ? { messageId } : {}) },
    };
  }

  private classifyMessage(updateId: number, message: Record<string, unknown>, me: BotIdentity): Route {
    const chat = isRecord(message.chat) ? message.chat : undefined;
    const chatId = chat?.id;
    if (!chat || typeof chatId !== "number" || !Number.isSafeInteger(chatId)) return ignore("message without chat");
    const from = readSender(message.from);
    if (!from) return ignore("message without a human sender");
    const text = typeof message.text === "string" ? message.text : undefined;
    if (chat.type === "group" || chat.type === "supergroup") {
      if (this.mode === "embedded") return ignore("group message (host bot's)");
      return text !== undefined && addressesBot(text, message.entities, me.username)
        ? { kind: "group", updateId, from, chatId, ...(me.username ? { username: me.username } : {}) }
        : ignore("group chatter");
    }
    if (chat.type !== "private" || chatId !== from.id) return ignore(`message in a ${String(chat.type)} chat`);
    const claim = this.mode === "embedded" ? "if-active" : "always";
    if (text === undefined && isRecord(message.contact)) return classifyContact(updateId, from, chatId, message.contact, claim);
    if (text === undefined) {
      const unreadable = UNREADABLE_CONTENT.some((key) => message[key] !== undefined);
      // Service messages (pins, shared users, write access …) need no answer.
      if (!unreadable) return ignore("service message");
      return { kind: "unreadable", updateId, from, chatId, claim, hint: "telegram.media_unsupported" };
    }
    return this.classifyText(updateId, from, chatId, text, me);
  }

  private classifyText(updateId: number, from: Sender, chatId: number, text: string, me: BotIdentity): Route {
    const turn = (input: Input, claim: "always" | "if-active"): Route => ({ kind: "turn", updateId, from, chatId, input, claim });
    const command = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s+([\s\S]*))?$/.exec(text.trim());
    if (!command) return turn({ kind: "text", text }, this.mode === "embedded" ? "if-active" : "always");
    const [, rawName = "", mention, rest] = command;
    const name = rawName.toLowerCase();
    if (mention && me.username && mention.toLowerCase() !== me.username.toLowerCase()) return ignore("command for another bot");
    const arg = rest?.trim() || undefined;
    // The engine reads "/menu" itself; "@ThisBot" is dropped so it need not know our name.
    const plain = arg === undefined ? `/${rawName}` : `/${rawName} ${arg}`;
    if (this.mode === "standalone") {
      if (name === "start") return turn(arg === undefined ? { kind: "start" } : { kind: "start", arg: arg.slice(0, 64) }, "always");
      return turn({ kind: "text", text: plain }, "always");
    }
    if (name === "start") {
      const startArg = arg?.toLowerCase();
      if (startArg === undefined || !startArg.startsWith(this.startPrefix)) return ignore("host bot's /start");
      const tail = startArg.slice(this.startPrefix.length);
      if (tail === "") return turn({ kind: "start" }, "always");
      if (tail.startsWith("_") || tail.startsWith("-")) return turn({ kind: "start", arg: tail.slice(1, 65) }, "always");
      return ignore("host bot's /start");
    }
    if (this.entryCommands.has(name)) return turn({ kind: "text", text: "/survey" }, "always");
    if (this.activeCommands.has(name)) return turn({ kind: "text", text: plain }, "if-active");
    return ignore("host bot's command");
  }

  // ------------------------------------------------------------------------------- helpers

  /** The runner's id of an update: update ids are per bot. */
  private messageId(updateId: number): string {
    return `${this.botId}:${updateId}`;
  }

  /**
   * Claims an update Anxin always answers with a hint. Only its language depends on the
   * resident, so when their record cannot be read the hint still goes, in their app's language.
   */
  private async claimLenient(from: Sender, updateId: number): Promise<Claim> {
    try {
      return await this.options.runner.claim({ platform: TELEGRAM_PLATFORM, platformUserId: String(from.id), messageId: this.messageId(updateId) });
    } catch (error) {
      this.log.warn({ err: error }, "could not read a resident's language");
      return { outcome: "claimed", session: null };
    }
  }

  /** Records that a Telegram user blocked the bot (a send said so); unknown users are not created. */
  private async markBlocked(userId: number): Promise<void> {
    const change = await this.options.runner.accountReachable(TELEGRAM_PLATFORM, String(userId), false, "blocked the bot");
    if (change === "changed") this.log.debug({ userId, reachable: false }, "telegram reachability changed");
  }

  private greetGroup(route: Extract<Route, { kind: "group" }>, username: string | undefined): void {
    // At most once per group (per process): a survey bot must not become a nuisance in a group.
    if (this.greetedGroups.has(route.chatId)) return;
    this.greetedGroups.add(route.chatId);
    if (this.greetedGroups.size > 10_000) this.greetedGroups.delete(this.greetedGroups.values().next().value as number);
    const lang = normalizeLang(route.from.languageCode);
    const keyboard: InlineKeyboardMarkup | undefined = username
      ? { inline_keyboard: [[{ text: t(lang, "telegram.open_private"), url: `https://t.me/${username}?start=survey` }]] }
      : undefined;
    this.track(this.sender.notice(route.chatId, t(lang, "telegram.group_private_only"), keyboard));
  }

  private botUsername(): Promise<string | undefined> {
    this.botInfo ??= this.options.api.getMe().then(
      (me) => me.username,
      (error: unknown) => {
        this.botInfo = undefined;
        this.log.warn({ err: error }, "getMe failed");
        return undefined;
      },
    );
    return this.botInfo;
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.catch(() => undefined);
    this.inflight.add(tracked);
    void tracked.finally(() => this.inflight.delete(tracked));
  }
}

// --------------------------------------------------------------------------------- parsing

function ignore(reason: string): Route {
  return { kind: "ignore", reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readSender(value: unknown): Sender | undefined {
  if (!isRecord(value)) return undefined;
  const id = value.id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0 || value.is_bot === true) return undefined;
  const languageCode = typeof value.language_code === "string" && value.language_code.length <= 35 ? value.language_code : undefined;
  return { id, ...(languageCode ? { languageCode } : {}) };
}

/**
 * A shared contact. Only the sender's own number is taken — Telegram sets `user_id` to the sender
 * when it comes from the "share my phone number" button, so the number is verified as theirs — and
 * it goes to the engine, which reads it at a phone question only. Anyone else's contact (an
 * address-book entry) is refused with a polite hint and never stored.
 */
function classifyContact(updateId: number, from: Sender, chatId: number, contact: Record<string, unknown>, claim: "always" | "if-active"): Route {
  const phone = contact.phone_number;
  if (contact.user_id !== from.id || typeof phone !== "string" || phone.trim() === "" || phone.length > 64) {
    return { kind: "unreadable", updateId, from, chatId, claim, hint: "telegram.contact_not_own" };
  }
  // Telegram gives contacts in international form, usually without the "+".
  const international = phone.trim().startsWith("+") ? phone.trim() : `+${phone.trim()}`;
  return { kind: "turn", updateId, from, chatId, input: { kind: "contact", phone: international }, claim };
}

function classifyMembership(updateId: number, change: Record<string, unknown>): Route {
  const chat = isRecord(change.chat) ? change.chat : undefined;
  const from = readSender(change.from);
  const status = isRecord(change.new_chat_member) ? change.new_chat_member.status : undefined;
  // Only a private chat's membership says anything about a resident: kicked = blocked the bot.
  if (!chat || chat.type !== "private" || !from || chat.id !== from.id) return ignore("membership change outside a private chat");
  if (status === "kicked") return { kind: "membership", updateId, userId: from.id, reachable: false };
  if (status === "member") return { kind: "membership", updateId, userId: from.id, reachable: true };
  return ignore(`membership ${String(status)}`);
}

/** In a group: is this text a command for us (bare or @us) or an @mention of us? */
function addressesBot(text: string, entities: unknown, username: string | undefined): boolean {
  const command = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{1,64}))?(?:\s|$)/.exec(text);
  if (command) {
    const [, name = "", mention] = command;
    if (mention) return username !== undefined && mention.toLowerCase() === username.toLowerCase();
    // A bare command in a group could be for any bot there; only ours are answered.
    return ["start", "survey", "menu", "help"].includes(name.toLowerCase());
  }
  if (!username || !Array.isArray(entities)) return false;
  return entities.some((entity) => {
    if (!isRecord(entity) || entity.type !== "mention") return false;
    const { offset, length } = entity;
    if (typeof offset !== "number" || typeof length !== "number") return false;
    return text.slice(offset, offset + length).toLowerCase() === `@${username.toLowerCase()}`;
  });
}
