/**
 * Alerts as the store keeps them: a region's security or satisfaction rate below its target or
 * dropped significantly since the previous wave, or an officer's village short of covered
 * households a week before the wave closes. Each is raised once: its key is unique in the
 * database, so concurrent runs cannot raise it twice (core/insight/alerts.ts).
 */
import type { DeliveryPlan } from "./outreach.js";

/** What an alert is about. */
export type AlertKind = "below-target" | "drop" | "coverage";

/** The alert kinds, in the order the dashboard lists them. */
export const ALERT_KINDS: readonly AlertKind[] = ["below-target", "drop", "coverage"];

/** An alert to record. */
export interface NewAlert {
  /** Stable and unique, e.g. `below-target:<waveId>:<regionCode>:<measureId>`. */
  key: string;
  kind: AlertKind;
  waveId: string;
  /** The region (rates) or village (coverage) by code. */
  regionCode: string | null;
  /** The measure of a rate alert, else null. */
  measureId: string | null;
  /** The officer reminded of a coverage alert, else null. */
  officerId: string | null;
  /** The figures the alert was raised on (JSON), so that it reads the same later. */
  details: Record<string, unknown>;
}

/** A recorded alert. */
export interface AlertRecord extends NewAlert {
  id: string;
  /** The broadcast that carried its chat message (null: nobody to tell). */
  broadcastId: string | null;
  createdAt: Date;
  /** When an admin acknowledged it on the dashboard (null: open). */
  acknowledgedAt: Date | null;
  acknowledgedById: string | null;
}

/** The chat message of an alert: the broadcast content (text per language) and one outbox row per recipient. */
export interface AlertMessage {
  content: { text: Partial<Record<string, string>> };
  plans: readonly DeliveryPlan[];
}
