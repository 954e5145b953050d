/**
 * The outbox's Telegram transport: sends a broadcast with its "I've read it ✓" button, and after
 * a crash finds out whether an interrupted send reached the chat by probing for the message.
 *
 * The probe: Telegram has no idempotency key and no way to read a chat, but editing a message's
 * keyboard to exactly what it already is fails with "message is not modified" — and only our
 * own message of this delivery carries that keyboard (its callback data holds the delivery id,
 * signed for the resident). So, for the message ids just after the newest one known in the chat
 * before the send: "not modified" → it was sent (that is its id); "message to edit not found"
 * → no message there; "message can't be edited" → the resident's own message, look further.
 * Three empty ids in a row end the search: it was never sent. See core/outreach/README.md.
 *
 * It uses an Api of its own without the auto-retry of replies: the outbox honours retry_after
 * itself (pausing the whole platform, not one call) and must see every failure.
 */
import { Api, GrammyError, HttpError } from "grammy";
import type { InlineKeyboardMarkup } from "grammy/types";
import type { IdentityRecord } from "../../core/model/index.js";
import { CallbackSigner } from "./callback-data.js";
import { buildKeyboard } from "./render.js";
import { classifySendError } from "./sender.js";
import { deliveryMessage } from "../../core/outreach/content.js";
import type { OutboxLogger, OutboxTransport, ResolveOutcome, SendJob, SendOutcome } from "../../core/outreach/sender.js";

/** Options of {@link TelegramOutboxTransport}. */
export interface TelegramOutboxOptions {
  token: string;
  /** A local Bot API server (tests, TELEGRAM_API_ROOT). */
  apiRoot?: string;
  /** The app secret: buttons are signed like the bot's own, so the bot accepts their presses. */
  secret: string;
  /** Seconds before a call is given up (and counted ambiguous); keep it well under the outbox lease. Default 15. */
  timeoutSeconds?: number;
  /** The newest message id this process has seen in a chat (from the bot's updates and replies). */
  lastMessageId?: (chatId: number) => number | undefined;
  /** Ids probed past the anchor at most. Default 20. */
  probeLimit?: number;
  /** Empty ids in a row that end a probe. Default 3. */
  probeGap?: number;
  logger?: OutboxLogger;
}

const NOT_MODIFIED = /message is not modified/i;
const NOT_FOUND = /message to edit not found|MESSAGE_ID_INVALID/i;
const ANCHOR_NOTE = /^after:(\d+)$/;

/** See the module comment. */
export class TelegramOutboxTransport implements OutboxTransport {
  readonly platform = "telegram";
  private readonly api: Api;
  private readonly signer: CallbackSigner;

  constructor(
    private readonly options: TelegramOutboxOptions,
    /** Past message ids of deliveries sent to an account, newest first (probe anchors). */
    private readonly sentMessageIds: (identityId: string) => Promise<string[]>,
  ) {
    this.api = new Api(options.token, { ...(options.apiRoot ? { apiRoot: options.apiRoot } : {}), timeoutSeconds: options.timeoutSeconds ?? 15 });
    this.signer = new CallbackSigner(options.secret);
  }

  /** Stored with the claim: the newest message id known in the chat before this send. */
  claimNote(identity: IdentityRecord): string | null {
    const known = this.options.lastMessageId?.(Number(identity.chatId));
    return known !== undefined ? `after:${known}` : null;
  }

  /** Sends the notice with its read button; a network error or 5xx is "ambiguous" (the probe decides). */
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

  /** Probes the chat for the message of an interrupted send (see the module comment). */
  async resolve(job: SendJob): Promise<ResolveOutcome> {
    const chatId = Number(job.identity.chatId);
    const rendered = this.render(job, chatId);
    if (!rendered || !Number.isSafeInteger(chatId)) return { kind: "not-sent" };
    const anchor = await this.anchor(job);
    const limit = this.options.probeLimit ?? 20;
    const gapLimit = this.options.probeGap ?? 3;
    let gap = 0;
    for (let id = anchor + 1; id <= anchor + limit; id++) {
      try {
        await job.slot(() => this.api.editMessageReplyMarkup(chatId, id, { reply_markup: rendered.keyboard }));
        // It took: this was another message of ours (a reply), now wearing this button. Undo.
        this.options.logger?.warn({ chatId, messageId: id, delivery: job.delivery.id }, "a delivery probe changed another message's buttons; removing them");
        await job.slot(() => this.api.editMessageReplyMarkup(chatId, id)).catch(() => undefined);
        gap = 0;
      } catch (error) {
        if (error instanceof GrammyError) {
          if (NOT_MODIFIED.test(error.description)) return { kind: "sent", messageId: String(id) };
          if (NOT_FOUND.test(error.description)) {
            if (++gap >= gapLimit) return { kind: "not-sent" };
            continue;
          }
          const failure = classifySendError(error);
          if (failure.blocked) return { kind: "blocked", error: failure.message };
          if (failure.retryAfterMs !== undefined) return { kind: "retry-after", ms: failure.retryAfterMs, error: failure.message };
          if (error.error_code >= 500) return { kind: "unknown", error: failure.message };
          // "message can't be edited" (the resident's own) and the like: not ours, look further.
          gap = 0;
          continue;
        }
        return { kind: "unknown", error: error instanceof HttpError ? `network: ${error.message}` : String(error) };
      }
    }
    return { kind: "not-sent" };
  }

  /** The newest message id known in the chat before the send: from the claim, or the last delivery sent there. */
  private async anchor(job: SendJob): Promise<number> {
    let anchor = 0;
    const note = job.delivery.platformMessageId ? ANCHOR_NOTE.exec(job.delivery.platformMessageId) : null;
    if (note?.[1]) anchor = Number(note[1]);
    for (const id of await this.sentMessageIds(job.identity.id)) {
      const n = Number(id);
      if (Number.isSafeInteger(n) && n > anchor) anchor = n;
    }
    return anchor;
  }

  /** The text and keyboard, built the same way for the send and for every probe. */
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
  // A network error or a 5xx may come after Telegram carried the call out: only a probe can tell.
  if (!failure.permanent) return { kind: "ambiguous", error: failure.message };
  return { kind: "failed", error: failure.message };
}
