/**
 * The outbox transport for channels that only offer {@link Channel.push} (WeChat): at least
 * once. A push that fails without saying so permanently is tried again; a crash between the
 * platform accepting a push and the outbox recording it resends it, marked possibly duplicated
 * (the window is the push's own call and one database write). WeChat shows options as numbered lines the resident types, so the read
 * confirmation is a keyword (已读 / 已讀 / read) rather than a button. Refused outside the
 * platform's reply window, a notice goes as the template message of its kind where the resident
 * consented (core/outreach/subscriptions.ts); otherwise it fails with that reason.
 */
import type { Channel } from "../../channel.js";
import type { NoticeConsentStore, NoticeKind } from "../../model/index.js";
import { deliveryMessage, textFor, type ReadStyle } from "../content.js";
import type { OutboxTransport, SendJob, SendOutcome } from "../sender.js";
import { broadcastNoticeValues, sendOutsideWindow } from "../subscriptions.js";

/** How a push transport reaches residents outside the reply window (template messages). */
export interface OutsideWindowOptions {
  consents: Pick<NoticeConsentStore, "noticeConsent">;
  /** Time zone of the date a template shows; default Asia/Shanghai. */
  timeZone?: string;
  /** The notice kind of a delivery (its template); default {@link noticeKindOf}. */
  kindOf?: (job: SendJob) => NoticeKind;
}

/** See the module comment. */
export class PushOutboxTransport implements OutboxTransport {
  readonly platform: string;

  constructor(
    private readonly channel: Pick<Channel, "platform" | "push" | "sendNotice" | "noticeKinds">,
    private readonly readStyle: ReadStyle = "keyword",
    private readonly outsideWindow?: OutsideWindowOptions,
  ) {
    this.platform = channel.platform;
  }

  /** Pushes the notice (read keyword instead of a button) and maps the channel's answer. */
  async send(job: SendJob): Promise<SendOutcome> {
    const shown = deliveryMessage(job.content, job.delivery.resident.lang, job.delivery.id, this.readStyle, { imageAsLink: true });
    if (!shown) return { kind: "failed", error: "the broadcast has no text" };
    try {
      let result = await this.channel.push(job.identity.chatId, shown.lang, [shown.message]);
      if (!result.ok && result.outsideWindow && this.outsideWindow) {
        const { consents, timeZone, kindOf } = this.outsideWindow;
        const kind = kindOf?.(job) ?? noticeKindOf(job);
        const notice = { kind, values: broadcastNoticeValues(textFor(job.content, shown.lang) ?? shown.message.text, new Date(), timeZone) };
        result = await sendOutsideWindow(consents, this.channel, job.identity.chatId, { identityId: job.identity.id, notice }, result);
      }
      if (result.ok) return { kind: "sent", ...(result.platformMessageId ? { messageId: result.platformMessageId } : {}) };
      if (result.blocked) return { kind: "blocked", error: result.error };
      if (result.retryAfterMs !== undefined) return { kind: "retry-after", ms: result.retryAfterMs, error: result.error };
      return result.permanent ? { kind: "failed", error: result.error } : { kind: "transient", error: result.error };
    } catch (error) {
      return { kind: "transient", error: error instanceof Error ? error.message : String(error) };
    }
  }
}

/**
 * The notice kind of a delivery: a resident's reminder (content marked `reminder`, written by
 * core/outreach/reminders.ts) uses the reminder template, every other broadcast the broadcast one.
 */
export function noticeKindOf(job: Pick<SendJob, "content">): NoticeKind {
  // Read structurally: the marker belongs to the reminders' content, this only routes on it.
  return (job.content as { reminder?: unknown }).reminder === true ? "reminder" : "broadcast";
}
