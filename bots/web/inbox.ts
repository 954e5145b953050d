/**
 * The web chat's inbox: where pushes wait while a resident's chat page is closed, to be shown when
 * it opens again. The durable one is the core's (core/outreach/web-inbox.ts, WebInboxItem rows, the
 * table the broadcast outbox also writes into); this module only turns what it keeps into what the
 * page shows. A web chat created without an inbox reports a push to a closed page as retryable.
 */
import type { WebInboxService } from "../../core/outreach/web-inbox.js";
import { toWebMessages, type WebPush } from "./messages.js";

/** Storage of pushes per web session, in the page's terms. */
export interface WebInbox {
  /** Keeps a push for a session whose page is closed. */
  put(sessionId: string, push: WebPush, now: Date): Promise<void>;
  /** Removes and returns up to `limit` waiting pushes of a session, oldest first. */
  take(sessionId: string, limit: number): Promise<WebPush[]>;
}

/** The core's durable inbox (the runner's `webInbox`), for the page. */
export function webInboxOf(inbox: WebInboxService): WebInbox {
  return {
    put: (sessionId, push, now) => inbox.put(sessionId, push.lang, push.messages, now),
    async take(sessionId, limit) {
      // Copied field by field again: only what the page renders leaves the server.
      return (await inbox.take(sessionId, limit)).map((item) => ({ lang: item.lang, messages: toWebMessages(item.messages) }));
    },
  };
}
