/**
 * The web inbox: where pushes wait while a resident's chat page is closed, to be shown when it
 * opens again. It must be durable (a restart must not lose a case update), so it belongs in the
 * database; the schema has no table that fits yet (see bots/web/README-section.md). Until one
 * exists the web channel runs without an inbox and reports a push to a closed page as
 * retryable, so the sender's own durable outbox (Delivery rows, CaseUpdate.deliveredAt) keeps it.
 */
import type { WebPush } from "./messages.js";

/** Durable storage of pushes per web session. */
export interface WebInbox {
  /** Keeps a push for a session whose page is closed. */
  put(sessionId: string, push: WebPush, now: Date): Promise<void>;
  /** Removes and returns up to `limit` waiting pushes of a session, oldest first. */
  take(sessionId: string, limit: number): Promise<WebPush[]>;
}
