/** Pushes waiting for a web chat page that is not open (the WebInboxStore port). */
import { json, parse, type StoreContext } from "./context.js";
import type { WebInboxRecord, WebInboxStore } from "../../core/model/index.js";

export class WebInboxTables implements WebInboxStore {
  constructor(private readonly db: StoreContext) {}

  /** Keeps a push for a web session whose page is closed. */
  async putWebInbox(item: { sessionId: string; residentId?: string | null; lang: string; messages: unknown[]; now: Date }): Promise<void> {
    await this.db.client.webInboxItem.create({ data: { sessionId: item.sessionId, residentId: item.residentId ?? null, lang: item.lang, messages: json(item.messages), createdAt: item.now } });
  }

  /**
   * Removes and returns up to `limit` waiting pushes of a web session, oldest first. Each item is
   * deleted on its own, so two pages opening at once never both get the same one.
   */
  async takeWebInbox(sessionId: string, limit: number): Promise<WebInboxRecord[]> {
    const rows = await this.db.client.webInboxItem.findMany({ where: { sessionId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: Math.min(Math.max(limit, 1), 500) });
    const taken: WebInboxRecord[] = [];
    for (const row of rows) {
      const deleted = await this.db.client.webInboxItem.deleteMany({ where: { id: row.id } });
      if (deleted.count === 1) taken.push({ id: row.id, sessionId: row.sessionId, residentId: row.residentId, lang: row.lang, messages: parse<unknown[]>(row.messages, []), createdAt: row.createdAt });
    }
    return taken;
  }
}
