/** Alerts (the AlertStore port): raised once by key, audited, their chat message written to the outbox in the same transaction. */
import { randomUUID } from "node:crypto";
import { json, parse, type StoreContext } from "./context.js";
import type { AlertKind, AlertMessage, AlertRecord, AlertStore, NewAlert } from "../../core/model/index.js";

interface AlertRow {
  id: string;
  key: string;
  kind: string;
  waveId: string;
  regionCode: string | null;
  measureId: string | null;
  officerId: string | null;
  details: string;
  broadcastId: string | null;
  createdAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedById: string | null;
}

const KINDS: readonly AlertKind[] = ["below-target", "drop", "coverage"];

function toAlert(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    key: row.key,
    kind: (KINDS as readonly string[]).includes(row.kind) ? (row.kind as AlertKind) : "below-target",
    waveId: row.waveId,
    regionCode: row.regionCode,
    measureId: row.measureId,
    officerId: row.officerId,
    details: parse<Record<string, unknown>>(row.details, {}),
    broadcastId: row.broadcastId,
    createdAt: row.createdAt,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedById: row.acknowledgedById,
  };
}

/** Keys asked per query: SQLite allows only so many bound parameters in one statement. */
const KEYS_PER_QUERY = 500;

export class AlertTables implements AlertStore {
  constructor(private readonly db: StoreContext) {}

  /** See the port. */
  async raiseAlert(input: { alert: NewAlert; message: AlertMessage | null; now: Date }): Promise<AlertRecord | null> {
    const { alert, message, now } = input;
    return this.db.client.$transaction(async (tx) => {
      const id = randomUUID();
      // ON CONFLICT DO NOTHING rather than a caught unique violation: PostgreSQL aborts the whole
      // transaction on an error, and a second process inserting the same key waits for the first
      // to commit, then inserts nothing. The rest of the row is written through Prisma below, so
      // that dates are stored the way the client reads them on both databases.
      const inserted = await tx.$executeRaw`INSERT INTO "Alert" ("id", "key", "kind", "waveId", "details")
        VALUES (${id}, ${alert.key}, ${alert.kind}, ${alert.waveId}, ${json(alert.details)})
        ON CONFLICT ("key") DO NOTHING`;
      if (inserted !== 1) return null;
      let broadcastId: string | null = null;
      if (message && message.plans.length > 0) {
        // Written as a broadcast already being sent: the outbox sender delivers it, rate-limited,
        // like any notice; no fan-out (the recipients are decided here).
        const broadcast = await tx.broadcast.create({
          data: { authorId: null, kind: "alert", content: json(message.content), audience: json({ kind: "alert", key: alert.key }), status: "sending", startedAt: now, createdAt: now },
          select: { id: true },
        });
        broadcastId = broadcast.id;
        const seen = new Set<string>();
        const rows = message.plans
          .filter((plan) => !seen.has(plan.residentId) && seen.add(plan.residentId))
          .map((plan) => ({ broadcastId: broadcast.id, residentId: plan.residentId, identityId: plan.identityId, status: plan.status, lastError: plan.lastError ?? null, createdAt: now }));
        for (let i = 0; i < rows.length; i += 100) await tx.delivery.createMany({ data: rows.slice(i, i + 100) });
      }
      const row = await tx.alert.update({
        where: { id },
        data: { regionCode: alert.regionCode, measureId: alert.measureId, officerId: alert.officerId, broadcastId, createdAt: now },
      });
      await tx.auditLog.create({
        data: { actorId: null, action: "alert.raise", target: alert.key, details: json({ kind: alert.kind, waveId: alert.waveId, broadcastId, recipients: message?.plans.length ?? 0, ...alert.details }), at: now },
      });
      return toAlert(row);
    });
  }

  /** See the port. */
  async existingAlertKeys(keys: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
      const rows = await this.db.client.alert.findMany({ where: { key: { in: keys.slice(i, i + KEYS_PER_QUERY) } }, select: { key: true } });
      for (const row of rows) found.add(row.key);
    }
    return found;
  }

  /** See the port. */
  async listOpenAlerts(filter: { kinds?: readonly AlertKind[]; limit?: number } = {}): Promise<AlertRecord[]> {
    const rows = await this.db.client.alert.findMany({
      where: { acknowledgedAt: null, ...(filter.kinds ? { kind: { in: [...filter.kinds] } } : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: Math.min(Math.max(filter.limit ?? 100, 1), 1000),
    });
    return rows.map(toAlert);
  }

  /** See the port. */
  async acknowledgeAlert(id: string, actorId: string | null, now: Date): Promise<AlertRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.alert.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: now, acknowledgedById: actorId } });
      if (updated.count !== 1) return null;
      const row = await tx.alert.findUniqueOrThrow({ where: { id } });
      await tx.auditLog.create({ data: { actorId, action: "alert.acknowledge", target: row.key, details: json({ kind: row.kind, waveId: row.waveId, regionCode: row.regionCode, measureId: row.measureId }), at: now } });
      return toAlert(row);
    });
  }
}
