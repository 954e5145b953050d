/**
 * The outbox's web chat transport. A broadcast to a web resident is written to their web inbox
 * in the same transaction that marks the delivery sent, so it can never be lost or doubled; the
 * page gets it live if it is open (the inbox is emptied into it), or when it next opens.
 */
import type { BroadcastStore, WebInboxStore } from "../../model/index.js";
import type { Lang, OutMessage } from "../../engine/types.js";
import { deliveryMessage } from "../content.js";
import type { OutboxTransport, SendJob, SendOutcome } from "../sender.js";

/** The open pages (the web chat's LiveHub fits). */
export interface LivePages {
  listening(sessionId: string): number;
  deliver(sessionId: string, push: { lang: Lang; messages: OutMessage[] }): boolean;
}

/** See the module comment. */
export class WebOutboxTransport implements OutboxTransport {
  readonly platform = "web";
  readonly atomic = true;

  constructor(
    private readonly store: BroadcastStore & WebInboxStore,
    private readonly pages: LivePages | undefined,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Writes the inbox item and settles the delivery in one transaction, then hands it to an open page. */
  async send(job: SendJob): Promise<SendOutcome> {
    const shown = deliveryMessage(job.content, job.delivery.resident.lang, job.delivery.id, "button", { imageAsLink: true });
    if (!shown) return { kind: "failed", error: "the broadcast has no text" };
    const sessionId = job.identity.chatId;
    try {
      const written = await this.store.deliverToWebInbox(job.delivery.id, { sessionId, residentId: job.delivery.residentId, lang: shown.lang, messages: [shown.message] }, this.now());
      if (!written) return { kind: "sent" };
    } catch (error) {
      return { kind: "transient", error: error instanceof Error ? error.message : String(error) };
    }
    await flushInbox(this.store, this.pages, sessionId, this.now).catch(() => undefined);
    return { kind: "sent" };
  }
}

/**
 * Hands a session's waiting pushes to its open page, if there is one; a push the page did not
 * take goes back into the inbox. Returns how many were delivered.
 */
export async function flushInbox(store: WebInboxStore, pages: LivePages | undefined, sessionId: string, now: () => Date = () => new Date()): Promise<number> {
  if (!pages || pages.listening(sessionId) === 0) return 0;
  let delivered = 0;
  for (const item of await store.takeWebInbox(sessionId, 50)) {
    const push = { lang: item.lang as Lang, messages: item.messages as OutMessage[] };
    if (pages.deliver(sessionId, push)) delivered++;
    else await store.putWebInbox({ sessionId, residentId: item.residentId, lang: item.lang, messages: item.messages, now: now() });
  }
  return delivered;
}
