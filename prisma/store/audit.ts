/** The audit trail of staff actions (the AuditLog port). */
import { json, parse, type StoreContext } from "./context.js";
import type { AuditLog } from "../../core/model/index.js";

export class AuditTables implements AuditLog {
  constructor(private readonly db: StoreContext) {}

  /** Appends to the audit log. */
  async audit(actorId: string | null, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
    await this.db.client.auditLog.create({ data: { actorId, action, target, details: json(details) } });
  }

  /** The newest audit entries. */
  async listAudit(limit = 100): Promise<{ actorId: string | null; action: string; target: string | null; details: unknown; at: Date }[]> {
    const rows = await this.db.client.auditLog.findMany({ orderBy: { at: "desc" }, take: limit });
    return rows.map((row) => ({ actorId: row.actorId, action: row.action, target: row.target, details: parse<unknown>(row.details, {}), at: row.at }));
  }
}
