/**
 * The outbox transport for channels that only offer {@link Channel.push} (WeChat): at least
 * once. A push that fails without saying so permanently is tried again; a crash between the
 * platform accepting a push and the outbox recording it resends it, marked possibly duplicated
 * (the window is the push's own call and one database write). WeChat shows options as numbered lines the resident types, so the read
 * confirmation is a keyword (已读 / 已讀 / read) rather than a button.
 */
import type { Channel } from "../../channel.js";
import { deliveryMessage, type ReadStyle } from "../content.js";
import type { OutboxTransport, SendJob, SendOutcome } from "../sender.js";

/** See the module comment. */
export class PushOutboxTransport implements OutboxTransport {
  readonly platform: string;

  constructor(
    private readonly channel: Pick<Channel, "platform" | "push">,
    private readonly readStyle: ReadStyle = "keyword",
  ) {
    this.platform = channel.platform;
  }

  /** Pushes the notice (read keyword instead of a button) and maps the channel's answer. */
  async send(job: SendJob): Promise<SendOutcome> {
    const shown = deliveryMessage(job.content, job.delivery.resident.lang, job.delivery.id, this.readStyle, { imageAsLink: true });
    if (!shown) return { kind: "failed", error: "the broadcast has no text" };
    try {
      const result = await this.channel.push(job.identity.chatId, shown.lang, [shown.message]);
      if (result.ok) return { kind: "sent", ...(result.platformMessageId ? { messageId: result.platformMessageId } : {}) };
      if (result.blocked) return { kind: "blocked", error: result.error };
      if (result.retryAfterMs !== undefined) return { kind: "retry-after", ms: result.retryAfterMs, error: result.error };
      return result.permanent ? { kind: "failed", error: result.error } : { kind: "transient", error: result.error };
    } catch (error) {
      return { kind: "transient", error: error instanceof Error ? error.message : String(error) };
    }
  }
}
