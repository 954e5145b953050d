/**
 * Everything Anxin sends to Telegram goes through here: replies to a resident's turn (with
 * multiple-choice edits in place), pushes, callback answers and short notices. Sends are queued
 * in a {@link SendQueue} (replies before bulk, one at a time per chat); 429s are retried after
 * their `retry_after` by the transformer installed on the {@link Api} ({@link installAutoRetry}),
 * which also shares them with the broadcast outbox.
 */
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import type { InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove } from "grammy/types";
import { t } from "../../core/engine/i18n.js";
import type { Lang, OutMessage } from "../../core/engine/types.js";
import type { PushResult } from "../../core/channel.js";
import type { CallbackSigner } from "./callback-data.js";
import { renderMessage, trimCaption, type RenderedPart } from "./render.js";
import { SendQueue, type SendPriority } from "./send-queue.js";

/** The bounds of the 429 retries: Telegram's `retry_after` is honoured, but not forever. */
export const AUTO_RETRY_OPTIONS = {
  /**
   * At most this many retries of one call. Under a flood every caller waits out the same pause
   * and then tries again, so a reply may draw several 429s in a row before it gets through.
   */
  maxRetryAttempts: 30,
  /** A `retry_after` longer than this fails the call instead of holding a send slot for minutes. */
  maxDelaySeconds: 60,
} as const;

/** Where a bot's 429s are reported and waited out (core/outreach/pauses.ts's PlatformPauses fits). */
export interface RetryAfterSignal {
  report(platform: string, ms: number): void;
  remaining(platform: string): number;
  /** A call went to this chat (the outbox spaces its broadcasts from it). */
  noteChat?(platform: string, chat: string): void;
}

/**
 * Installs the bounded 429 retry on an Api (once per Api instance): a call refused with
 * `retry_after` is tried again once it has passed, inside the caller's own task (so a chat's
 * messages keep their order in the send queue). With a `signal`, every 429 is reported there —
 * the outbox pauses broadcasts for it — and every call first waits out a pause reported by anyone
 * (a broadcast's 429 too). Nothing waits before Telegram has asked: replies are never throttled
 * preemptively. Network errors and 5xx are not retried here (the caller decides).
 */
export function installAutoRetry(api: Api, signal?: RetryAfterSignal, platform = "telegram"): Api {
  api.config.use(async (prev, method, payload, abort) => {
    for (let attempt = 0; ; attempt++) {
      if (signal && method !== "getUpdates") {
        const wait = Math.min(signal.remaining(platform), AUTO_RETRY_OPTIONS.maxDelaySeconds * 1000);
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const result = await prev(method, payload, abort);
      const chat = (payload as { chat_id?: unknown } | undefined)?.chat_id;
      if (signal?.noteChat && method !== "getUpdates" && (typeof chat === "number" || typeof chat === "string")) signal.noteChat(platform, String(chat));
      if (result.ok || result.error_code !== 429) return result;
      const seconds = typeof result.parameters?.retry_after === "number" ? result.parameters.retry_after : 1;
      signal?.report(platform, seconds * 1000);
      if (attempt >= AUTO_RETRY_OPTIONS.maxRetryAttempts || seconds > AUTO_RETRY_OPTIONS.maxDelaySeconds) return result;
      // Without a shared signal, wait here; with one, the wait at the top of the loop covers it.
      if (!signal) await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    }
  });
  return api;
}

/** A grammY Api for sending, with the bounded 429 retry installed. */
export function createSendingApi(token: string, apiRoot?: string, signal?: RetryAfterSignal): Api {
  return installAutoRetry(new Api(token, apiRoot ? { apiRoot } : undefined), signal);
}

/** How a failed Bot API call should be treated. */
export interface SendFailure {
  /** The resident blocked the bot (or deleted their account): stop writing to them. */
  blocked: boolean;
  /** Retrying the same call will not help (bad request, chat not found, blocked). */
  permanent: boolean;
  /** Telegram asked to wait this long (after the bounded retries gave up). */
  retryAfterMs?: number;
  /** One line for the log / PushResult. */
  message: string;
}

/** Classifies an error thrown by a grammY Api call. */
export function classifySendError(error: unknown): SendFailure {
  if (error instanceof GrammyError) {
    const message = `${error.method}: ${error.error_code} ${error.description}`;
    if (error.error_code === 403) return { blocked: true, permanent: true, message };
    if (error.error_code === 429) {
      const retryAfter = error.parameters.retry_after;
      return { blocked: false, permanent: false, message, ...(typeof retryAfter === "number" ? { retryAfterMs: retryAfter * 1000 } : {}) };
    }
    if (error.error_code >= 500) return { blocked: false, permanent: false, message };
    return { blocked: false, permanent: true, message };
  }
  if (error instanceof HttpError) return { blocked: false, permanent: false, message: `network: ${error.message}` };
  return { blocked: false, permanent: false, message: error instanceof Error ? error.message : String(error) };
}

/** Minimal logger interface (pino's), so that tests can pass a silent one. */
export interface SenderLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** Options of {@link TelegramSender}. */
export interface TelegramSenderOptions {
  api: Api;
  signer: CallbackSigner;
  logger: SenderLogger;
  /** Called (once per failed send) when Telegram says the chat blocked the bot. */
  onBlocked: (chatId: number) => Promise<void>;
  /** Chats sent to at the same time; default 8. */
  concurrency?: number;
  /** How many chats' "last question message" ids to remember for edits; default 20,000. */
  rememberChats?: number;
  /** Transient failures (network, 5xx) of a reply are retried this many times; default 2. */
  transientRetries?: number;
  /** Pause before such a retry, in ms (doubling); default 500. */
  transientDelayMs?: number;
}

/** Where a turn's reply goes and what it may edit. */
export interface ReplyTarget {
  chatId: number;
  /** The Telegram user the buttons are signed for (the chat id in private chats). */
  userId: number;
  /** The message whose button was pressed: the natural one to edit for `editsPrevious`. */
  pressedMessageId?: number;
  /**
   * The resident's language. With it, a phone question also gets Telegram's "share my phone
   * number" button (a reply keyboard, in a short message of its own after the question).
   */
  lang?: Lang;
}

/** Images (charts) sent after a reply's text, and what to say when one cannot be sent. */
export interface ReplyImages {
  /** PNG bytes and a caption each (trimmed to Telegram's caption limit here). */
  images: readonly { png: Uint8Array; caption: string }[];
  /** Sent once, after the photos, when any of them was refused: the admin should know one is missing. */
  failureNote: string;
}

const NOT_MODIFIED = /message is not modified/i;

/** See the module comment. */
export class TelegramSender {
  /** The queue, exposed for draining on shutdown and for tests. */
  readonly queue: SendQueue;
  private readonly lastQuestion = new Map<number, number>();
  /**
   * Chats showing the "share my phone number" reply keyboard: the next message that can carry it
   * removes it. In memory only: after a restart the keyboard (one-time) just stays folded away.
   */
  private readonly contactKeyboards = new Set<number>();
  private readonly remember: number;
  private readonly transientRetries: number;
  private readonly transientDelayMs: number;

  constructor(private readonly options: TelegramSenderOptions) {
    this.queue = new SendQueue(options.concurrency ?? 8);
    this.remember = options.rememberChats ?? 20_000;
    this.transientRetries = options.transientRetries ?? 2;
    this.transientDelayMs = options.transientDelayMs ?? 500;
  }

  /**
   * Queues the replies of one turn at reply priority, then its images as photos (in the same
   * task, so nothing of another send comes in between); resolves when they are sent (never
   * rejects). The text always goes first: a photo Telegram refuses loses no figure.
   */
  reply(target: ReplyTarget, messages: readonly OutMessage[], images?: ReplyImages): Promise<void> {
    if (messages.length === 0 && !images?.images.length) return Promise.resolve();
    return this.queue
      .enqueue(String(target.chatId), "reply", async () => {
        const failure = await this.deliver(target, messages, "reply");
        if (failure) this.options.logger.warn({ chatId: target.chatId, failure: failure.message }, "telegram reply not delivered");
        // A blocked chat takes nothing more; any other failure of the text still lets the charts try.
        if (images?.images.length && !failure?.blocked) await this.deliverImages(target.chatId, images);
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, chatId: target.chatId }, "telegram reply dropped"));
  }

  /** Queues one plain text (with an optional keyboard) at reply priority; never rejects. */
  notice(chatId: number, text: string, keyboard?: InlineKeyboardMarkup): Promise<void> {
    return this.queue
      .enqueue(String(chatId), "reply", async () => {
        try {
          await this.withTransientRetries(() => this.options.api.sendMessage(chatId, text, sendOptions(keyboard)));
        } catch (error) {
          await this.failed(chatId, error, "notice");
        }
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, chatId }, "telegram notice dropped"));
  }

  /** Sends messages outside a reply (bulk priority) and reports the outcome. */
  async push(chatId: number, userId: number, messages: readonly OutMessage[], lang?: Lang): Promise<PushResult> {
    try {
      return await this.queue.enqueue(String(chatId), "bulk", async (): Promise<PushResult> => {
        const sent: number[] = [];
        const failure = await this.deliver({ chatId, userId, ...(lang ? { lang } : {}) }, messages, "bulk", sent);
        if (failure) {
          return {
            ok: false,
            error: failure.message,
            permanent: failure.permanent,
            ...(failure.blocked ? { blocked: true } : {}),
            ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
          };
        }
        const last = sent[sent.length - 1];
        return last !== undefined ? { ok: true, platformMessageId: String(last) } : { ok: true };
      });
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error), permanent: false };
    }
  }

  /** Answers a callback query (stops the button's spinner); errors are logged, never thrown. */
  async answerCallback(queryId: string, text?: string): Promise<void> {
    try {
      await this.options.api.answerCallbackQuery(queryId, text ? { text: text.slice(0, 200) } : undefined);
    } catch (error) {
      // An old or already answered query: nothing the resident can see depends on it.
      this.options.logger.debug({ err: error, queryId }, "answerCallbackQuery failed");
    }
  }

  /** Resolves once every queued send is done. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Stops accepting sends; queued ones are dropped. */
  close(): void {
    this.queue.close();
  }

  /**
   * Sends (or edits) the messages in order. Returns the failure that stopped it, if any: a
   * blocked chat stops everything, a refused single message is logged and skipped.
   */
  private async deliver(target: ReplyTarget, messages: readonly OutMessage[], priority: SendPriority, sent: number[] = []): Promise<SendFailure | undefined> {
    const { api } = this.options;
    let lastFailure: SendFailure | undefined;
    // Telegram offers a contact button only in private chats (the chat is the user there).
    const offersContact = target.lang !== undefined && target.chatId === target.userId;
    const asksPhone = messages.some((m) => m.expects === "phone");
    for (const message of messages) {
      const rendered = renderMessage(message, this.options.signer, target.userId);
      if (rendered.droppedButtons > 0) {
        this.options.logger.error({ chatId: target.chatId, dropped: rendered.droppedButtons }, "button payloads too long to sign; buttons left out");
      }
      try {
        const only = rendered.parts.length === 1 ? rendered.parts[0] : undefined;
        const editId = rendered.editsPrevious && only ? (target.pressedMessageId ?? this.lastQuestion.get(target.chatId)) : undefined;
        if (only && editId !== undefined && (await this.tryEdit(target.chatId, editId, only))) {
          this.rememberQuestion(target.chatId, editId);
          sent.push(editId);
          continue;
        }
        let lastId: number | undefined;
        for (const part of rendered.parts) {
          // A message without buttons of its own can take the contact keyboard away, once the
          // phone question is no longer being asked (a message has one keyboard or the other).
          const remove = !part.keyboard && !asksPhone && this.contactKeyboards.has(target.chatId);
          const markup: SendMarkup = remove ? { remove_keyboard: true } : part.keyboard;
          const result = await this.withTransientRetries(() => api.sendMessage(target.chatId, part.text, sendOptions(markup)), priority);
          if (remove) this.contactKeyboards.delete(target.chatId);
          lastId = result.message_id;
          sent.push(lastId);
        }
        if (rendered.hasButtons && lastId !== undefined) this.rememberQuestion(target.chatId, lastId);
        // Once per question: a re-asked one (a number that was not one) still shows the keyboard.
        if (message.expects === "phone" && offersContact && target.lang && !this.contactKeyboards.has(target.chatId)) {
          await this.offerContact(target.chatId, target.lang, priority, sent);
        }
      } catch (error) {
        const failure = await this.failed(target.chatId, error, priority);
        if (failure.blocked || !failure.permanent) return failure;
        lastFailure = failure;
      }
    }
    return lastFailure;
  }

  /**
   * After a phone question: a short line with Telegram's "share my phone number" button, a
   * one-time reply keyboard under the input field (the question's own message keeps its inline
   * Skip button: a message carries one kind of keyboard). Telegram then sends a contact that it
   * vouches for as the resident's own.
   */
  private async offerContact(chatId: number, lang: Lang, priority: SendPriority, sent: number[]): Promise<void> {
    const keyboard: ReplyKeyboardMarkup = {
      keyboard: [[{ text: t(lang, "telegram.share_phone"), request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    };
    const result = await this.withTransientRetries(() => this.options.api.sendMessage(chatId, t(lang, "telegram.share_phone_hint"), sendOptions(keyboard)), priority);
    this.contactKeyboards.add(chatId);
    if (this.contactKeyboards.size > this.remember) this.contactKeyboards.delete(this.contactKeyboards.values().next().value as number);
    sent.push(result.message_id);
  }

  /**
   * Sends each image as an uploaded photo. A refused photo (too large, not an image, a network
   * failure after the retries) is logged and the others still go; one short note then tells the
   * admin a chart is missing. A blocked chat stops at once.
   */
  private async deliverImages(chatId: number, { images, failureNote }: ReplyImages): Promise<void> {
    let missing = 0;
    for (const [index, image] of images.entries()) {
      try {
        const caption = trimCaption(image.caption);
        // A new InputFile per attempt: the retry must upload the bytes again.
        await this.withTransientRetries(() =>
          this.options.api.sendPhoto(chatId, new InputFile(image.png, `chart-${index + 1}.png`), caption !== "" ? { caption } : {}),
        );
      } catch (error) {
        const failure = await this.failed(chatId, error, "photo");
        if (failure.blocked) return;
        missing += 1;
      }
    }
    if (missing === 0) return;
    try {
      await this.withTransientRetries(() => this.options.api.sendMessage(chatId, failureNote, sendOptions(undefined)));
    } catch (error) {
      await this.failed(chatId, error, "notice");
    }
  }

  /** Edits a question in place; false when the edit is impossible and a new message should be sent. */
  private async tryEdit(chatId: number, messageId: number, part: RenderedPart): Promise<boolean> {
    try {
      await this.withTransientRetries(() =>
        this.options.api.editMessageText(chatId, messageId, part.text, {
          ...(part.keyboard ? { reply_markup: part.keyboard } : {}),
          link_preview_options: { is_disabled: true },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof GrammyError && NOT_MODIFIED.test(error.description)) return true;
      // Too old, deleted, not ours: a fresh message shows the same thing.
      if (error instanceof GrammyError && error.error_code === 400) return false;
      throw error;
    }
  }

  private async failed(chatId: number, error: unknown, what: string): Promise<SendFailure> {
    const failure = classifySendError(error);
    if (failure.blocked) {
      try {
        await this.options.onBlocked(chatId);
      } catch (hookError) {
        this.options.logger.error({ err: hookError, chatId }, "could not mark the Telegram chat unreachable");
      }
    } else {
      this.options.logger.warn({ chatId, what, failure: failure.message }, "telegram send failed");
    }
    return failure;
  }

  private async withTransientRetries<T>(call: () => Promise<T>, priority: SendPriority = "reply"): Promise<T> {
    // Pushes report transient failures to their caller (who has its own retry schedule).
    const retries = priority === "reply" ? this.transientRetries : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const failure = classifySendError(error);
        if (failure.permanent || failure.retryAfterMs !== undefined || attempt >= retries) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.transientDelayMs * 2 ** attempt));
      }
    }
  }

  private rememberQuestion(chatId: number, messageId: number): void {
    // Re-inserting keeps the Map in least-recently-used order, so the oldest chat is dropped first.
    this.lastQuestion.delete(chatId);
    this.lastQuestion.set(chatId, messageId);
    if (this.lastQuestion.size > this.remember) {
      const oldest = this.lastQuestion.keys().next();
      if (!oldest.done) this.lastQuestion.delete(oldest.value);
    }
  }
}

/** Any keyboard a sent message may carry: buttons under it, or one under the input field (or its removal). */
type SendMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | undefined;

function sendOptions(keyboard: SendMarkup) {
  // No parse_mode: text is shown literally (see render.ts). No link previews of typed URLs.
  return { ...(keyboard ? { reply_markup: keyboard } : {}), link_preview_options: { is_disabled: true } };
}
