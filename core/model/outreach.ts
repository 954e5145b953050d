/**
 * Broadcasts, their outbox deliveries, audiences, household coverage, the web inbox and tip
 * quiz answers.
 */
import type { IdentityRecord } from "./residents.js";

/** Where a broadcast stands. */
export type BroadcastStatus = "draft" | "scheduled" | "sending" | "done" | "cancelled";

/** A broadcast; `content` and `audience` are the parsed JSON (shaped by core/outreach). */
export interface BroadcastRecord {
  id: string;
  authorId: string | null;
  content: unknown;
  audience: unknown;
  status: BroadcastStatus;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

/** Where one delivery of the outbox stands. */
export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "blocked" | "skipped" | "undeliverable";

/**
 * Deliveries of a broadcast counted by status; `read`: confirmed by the resident;
 * `possiblyDuplicated`: sent, but resent after an attempt whose outcome could not be known (its
 * sender died during the call, or the call timed out), so the resident may have it twice.
 */
export type DeliveryCounts = Record<DeliveryStatus, number> & { total: number; read: number; possiblyDuplicated: number };

/** A broadcast with its delivery counts. */
export interface BroadcastSummary extends BroadcastRecord {
  counts: DeliveryCounts;
}

/** Who a broadcast goes to; see {@link Store.audienceMembers}. */
export interface AudienceQuery {
  officerId?: string;
  regionPath?: string;
  unfinishedWaveId?: string;
}

/** A resident an audience reaches. */
export interface AudienceMember {
  residentId: string;
  lang: string;
  optedOut: boolean;
  identities: IdentityRecord[];
}

/** One outbox row to write at fan-out. */
export interface DeliveryPlan {
  residentId: string;
  identityId: string | null;
  status: "pending" | "skipped" | "undeliverable" | "blocked";
  lastError?: string;
}

/** A delivery a sender works on, with what it needs to decide and send. */
export interface DeliveryJob {
  id: string;
  broadcastId: string;
  residentId: string;
  identityId: string | null;
  status: "pending" | "sending";
  attempts: number;
  platformMessageId: string | null;
  /** An earlier attempt may have reached the resident (see {@link DeliveryCounts}). */
  possiblyDuplicated: boolean;
  broadcastStatus: BroadcastStatus;
  resident: { lang: string; optedOut: boolean; deleted: boolean };
  identity: IdentityRecord | null;
}

/** The outcome of a delivery attempt, for {@link Store.settleDelivery}. */
export interface DeliverySettlement {
  status: DeliveryStatus;
  platformMessageId?: string | null;
  lastError?: string | null;
  /** When to try again (pending) or when the lease ends (sending). */
  nextAttemptAt?: Date | null;
  /** The attempt may have been carried out although it is tried again (ambiguous failure). */
  possiblyDuplicated?: boolean;
}

/** Filter of {@link Store.coverageRows}. */
export interface CoverageQuery {
  officerId?: string;
  /** Only assignments in this region subtree (Region.path prefix). */
  regionPath?: string;
  /** Count deliveries of this broadcast only. */
  broadcastId?: string;
  /** Count deliveries sent at or after this time only. */
  since?: Date;
}

/** One household assignment with its outreach state. */
export interface CoverageRow {
  officerId: string;
  officerName: string | null;
  householdId: string;
  regionId: string | null;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  reached: boolean;
  confirmed: boolean;
}

/** A push waiting in a web session's inbox. */
export interface WebInboxRecord {
  id: string;
  sessionId: string;
  residentId: string | null;
  lang: string;
  messages: unknown[];
  createdAt: Date;
}

/** One stored quiz answer (the first answer of a resident to a tip). */
export interface TipQuizAnswerRecord {
  residentId: string;
  tipId: string;
  option: string;
  correct: boolean;
  broadcastId: string | null;
  answeredAt: Date;
}

/** A resident's first answer to a tip's quiz. */
export interface FirstQuizAnswer {
  /**
   * Who answered (only used to keep one answer per resident and tip; never shown). The store
   * keeps only first answers already; a reader that returns every answer is reduced here.
   */
  residentId: string;
  tipId: string;
  correct: boolean;
  answeredAt: Date;
  /** `Region.path` of the resident's region, or null when it is not known. */
  regionPath: string | null;
}
