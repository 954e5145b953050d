/**
 * The alerts as the dashboard shows them: the open rate alerts (below target, significant drop)
 * with their stored figures, and an admin's acknowledgement, which closes one (audited by the
 * store). Coverage reminders are the officers' and are not listed here.
 */
import type { AlertRecord, AlertStore } from "../model/index.js";
import { parseAlertDetails, type AlertDetails } from "./alerts-text.js";

/** An open rate alert with its details read back. */
export interface OpenAlert {
  record: AlertRecord;
  details: Extract<AlertDetails, { kind: "below-target" | "drop" }>;
}

/** How many open alerts the banner lists at most (the rest are counted). */
export const BANNER_LIMIT = 20;

/** See the module comment. */
export class AlertBoard {
  constructor(private readonly ctx: { store: Pick<AlertStore, "listOpenAlerts" | "acknowledgeAlert">; now: () => Date }) {}

  /** The open rate alerts, newest first (at most `limit`), and how many there are in all. */
  async open(limit = BANNER_LIMIT): Promise<{ alerts: OpenAlert[]; total: number }> {
    const records = await this.ctx.store.listOpenAlerts({ kinds: ["below-target", "drop"], limit: 1000 });
    const alerts: OpenAlert[] = [];
    for (const record of records) {
      const details = parseAlertDetails(record.details);
      if (details && details.kind !== "coverage") alerts.push({ record, details });
    }
    return { alerts: alerts.slice(0, limit), total: alerts.length };
  }

  /** Acknowledges an open alert as `actorId` (audited); false when it was not open. */
  async acknowledge(id: string, actorId: string | null): Promise<boolean> {
    return (await this.ctx.store.acknowledgeAlert(id, actorId, this.ctx.now())) !== null;
  }
}
