/**
 * The web inbox: where pushes wait while a resident's chat page is closed, to be shown when it
 * opens again. It is durable — WebInboxItem rows ({@link storeWebInbox}), so a restart loses no
 * case update — and the broadcast outbox writes into the same table in the transaction that
 * marks a delivery sent (core/outreach/transports/web.ts). A web chat created without an inbox
 * reports a push to a closed page as retryable instead.
 */
import type { Store } from "../../prisma/store.js";
import type { OutMessage } from "../../core/engine/types.js";
import { isLang } from "../../core/engine/types.js";
import { toWebMessages, type WebPush } from "./messages.js";

/** Durable storage of pushes per web session. */
export interface WebInbox {
  /** Keeps a push for a session whose page is closed. */
  put(sessionId: string, push: WebPush, now: Date): Promise<void>;
  /** Removes and returns up to `limit` waiting pushes of a session, oldest first. */
  take(sessionId: string, limit: number): Promise<WebPush[]>;
}

/** The inbox in the database (WebInboxItem), tied to the session's resident so erasure removes it. */
export function storeWebInbox(store: Store): WebInbox {
  return {
    async put(sessionId, push, now) {
      const identity = await store.findIdentity("web", sessionId);
      await store.putWebInbox({ sessionId, residentId: identity?.residentId ?? null, lang: push.lang, messages: push.messages, now });
    },
    async take(sessionId, limit) {
      const items = await store.takeWebInbox(sessionId, limit);
      return items.map((item) => ({ lang: isLang(item.lang) ? item.lang : "zh-CN", messages: toWebMessages(item.messages.filter(isOutMessage)) }));
    },
  };
}

function isOutMessage(value: unknown): value is OutMessage {
  return typeof value === "object" && value !== null && typeof (value as { text?: unknown }).text === "string" && typeof (value as { kind?: unknown }).kind === "string";
}
