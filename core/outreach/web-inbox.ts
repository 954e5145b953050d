/**
 * The web inbox: where pushes wait while a resident's chat page is closed, to be shown when it
 * opens again. It is durable — WebInboxItem rows, so a restart loses no case update — and the
 * broadcast outbox writes into the same table in the transaction that marks a delivery sent
 * (transports/web.ts). The web chat turns what it takes into what its page shows.
 */
import type { Lang, OutMessage } from "../engine/types.js";
import { isLang } from "../engine/types.js";
import type { ResidentStore, WebInboxStore } from "../model/index.js";

/** The platform of web chat sessions (their session id is the account's user id). */
const WEB_PLATFORM = "web";

/** Pushes waiting for one web session, oldest first. */
export interface WebInboxItem {
  lang: Lang;
  messages: OutMessage[];
}

/** Durable storage of pushes per web session. */
export interface WebInboxService {
  /** Keeps a push for a session whose page is closed. */
  put(sessionId: string, lang: Lang, messages: readonly OutMessage[], now: Date): Promise<void>;
  /** Removes and returns up to `limit` waiting pushes of a session, oldest first. */
  take(sessionId: string, limit: number): Promise<WebInboxItem[]>;
}

/** The inbox in the database, tied to the session's resident so that erasure removes it. */
export function createWebInbox(store: Pick<ResidentStore, "findIdentity"> & Pick<WebInboxStore, "putWebInbox" | "takeWebInbox">): WebInboxService {
  return {
    async put(sessionId, lang, messages, now) {
      const identity = await store.findIdentity(WEB_PLATFORM, sessionId);
      await store.putWebInbox({ sessionId, residentId: identity?.residentId ?? null, lang, messages: [...messages], now });
    },
    async take(sessionId, limit) {
      const items = await store.takeWebInbox(sessionId, limit);
      // Rows are JSON written by older versions too: anything that is not a message is left out.
      return items.map((item) => ({ lang: isLang(item.lang) ? item.lang : "zh-CN", messages: item.messages.filter(isOutMessage) }));
    },
  };
}

function isOutMessage(value: unknown): value is OutMessage {
  return typeof value === "object" && value !== null && typeof (value as { text?: unknown }).text === "string" && typeof (value as { kind?: unknown }).kind === "string";
}
