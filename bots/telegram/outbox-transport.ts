/**
 * The outbox's Telegram transport: sends a broadcast with its "I've read it ✓" button (callback
 * data unique to the delivery, signed for the resident like the bot's own buttons).
 *
 * After a crash it does nothing clever, on purpose. Telegram has no idempotency key and no way to
 * read a chat, and message ids are no guide: a bot's private chats share one message counter, so
 * the id of an interrupted send cannot be guessed, and "probing" ids with edits changes other
 * messages (an earlier version did, removing residents' buttons). So a send whose outcome is
 * unknown — its process died during the call, or it timed out — is sent again by the outbox and
 * counted as possibly duplicated (core/outreach/README.md). This transport never edits, deletes
 * or answers anything.
 *
 * It uses an Api of its own without the auto-retry of replies: the outbox honours retry_after
 * itself (pausing the whole platform, not one call) and must see every failure.
 */
import { Api, GrammyError } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import { CallbackSigner } from "./callback-data.js";
import { buildKeyboard } from "./render.js";
import { classifySendError } from "./sender.js";
import { deliveryMessage } from "../../core/outreach/content.js";
import type { OutboxLogger, OutboxTransport, SendJob, SendOutcome } from "../../core/outreach/sender.js";

/** Options of {@link TelegramOutboxTransport}. */
export interface TelegramOutboxOptions {
  token: string;
  /** A local Bot API server (tests, TELEGRAM_API_ROOT). */
  apiRoot?: string;
  /** The app secret: buttons are signed like the bot's own, so the bot accepts their presses. */
  secret: string;
  /** Seconds before a call is given up (and counted ambiguous: sent again, possibly duplicated). Default 15. */
  timeoutSeconds?: number;
  logger?: OutboxLogger;
}

/** See the module comment. */
export class TelegramOutboxTransport implements OutboxTransport {
  readonly platform = "telegram";
  private readonly api: Api;
  private readonly signer: CallbackSigner;

  constructor(options: TelegramOutboxOptions) {
    this.api = new Api(options.token, { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), timeoutSeconds: options.timeoutSeconds ?? 15 });
    this.signer = new CallbackSigner(options.secret);
  }

  /** Sends the notice with its read button; a network error or 5xx is "ambiguous" (sent again later, possibly duplicated). */
  async send(job: SendJob): Promise<SendOutcome> {
    const chatId = Number(job.identity.chatId);
    if (!Number.isSafeInteger(chatId) || chatId === 0) return { kind: "failed", error: `not a Telegram chat id: ${job.identity.chatId}` };
    const rendered = this.render(job, chatId);
    if (!rendered) return { kind: "failed", error: "the broadcast has no text" };
    try {
      const message = job.content.image
        ? await this.api.sendPhoto(chatId, job.content.image, { caption: rendered.text, reply_markup: rendered.keyboard })
        : await this.api.sendMessage(chatId, rendered.text, { reply_markup: rendered.keyboard, link_preview_options: { is_disabled: true } });
      return { kind: "sent", messageId: String(message.message_id) };
    } catch (error) {
      return toSendOutcome(error);
    }
  }

  /** The text and keyboard of one delivery. */
  private render(job: SendJob, chatId: number): { text: string; keyboard: InlineKeyboardMarkup } | undefined {
    const shown = deliveryMessage(job.content, job.delivery.resident.lang, job.delivery.id, "button");
    if (!shown) return undefined;
    const { keyboard } = buildKeyboard(shown.message.options ?? [], false, (payload) => this.signer.sign(payload, chatId));
    if (!keyboard) return undefined;
    return { text: shown.message.text, keyboard };
  }
}

function toSendOutcome(error: unknown): SendOutcome {
  const failure = classifySendError(error);
  if (failure.blocked) return { kind: "blocked", error: failure.message };
  if (failure.retryAfterMs !== undefined) return { kind: "retry-after", ms: failure.retryAfterMs, error: failure.message };
  if (error instanceof GrammyError && error.error_code === 429) return { kind: "retry-after", ms: 1000, error: failure.message };
  // A network error or a 5xx may come after Telegram carried the call out: nothing can tell.
  if (!failure.permanent) return { kind: "ambiguous", error: failure.message };
  return { kind: "failed", error: failure.message };
}
