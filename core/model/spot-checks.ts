/**
 * Spot checks of completed responses (telephone and chat re-checks).
 */
import type { IdentityRecord, ResidentRecord } from "./residents.js";

/** The verifier recorded on a spot check decided by its re-check in chat. */
export const RECHECK_VERIFIER = "chat";

/** The outcome of a spot check. */
export type SpotCheckOutcomeValue = "consistent" | "inconsistent" | "unreachable";

/** A drawn spot check with what a verifier needs to call the resident. */
export interface SpotCheckRecord {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  method: string;
  outcome: SpotCheckOutcomeValue | null;
  verifier: string | null;
  notes: string | null;
  drawnAt: Date;
  checkedAt: Date | null;
  channel: string;
  regionCode: string | null;
  regionPath: string | null;
  completedAt: Date | null;
  /** The telephone number the resident chose to share for spot checks, if any. */
  phone: string | null;
  /** The resident's language, to call them in it. */
  lang: string;
  /**
   * Method `chat`: the re-check in chat, once an admin asked for it. Absent otherwise (so a
   * spot check without one reads the same from every reader, BulkReader included).
   */
  recheck?: SpotCheckRecheck;
}

/**
 * Where a spot check's re-check in chat stands (`SpotCheck.recheck`, JSON): `queued` (an admin
 * asked for it) → `asked` (the questions went to the resident) → `answered` / `declined` /
 * `expired`; or `skipped` (it cannot be asked in chat: the spot check stays open for a call).
 */
export type SpotCheckRecheckStatus = "queued" | "asked" | "answered" | "declined" | "expired" | "skipped";

/** One re-asked question: the answer the survey stored, and the new one once given (engine AnswerValues). */
export interface SpotCheckRecheckQuestion {
  id: string;
  original: unknown;
  answer?: unknown;
  same?: boolean;
}

/** The re-check in chat of a spot check (times are ISO 8601 strings: this is stored JSON). */
export interface SpotCheckRecheck {
  status: SpotCheckRecheckStatus;
  queuedAt: string;
  /** The admin who asked for it (null from the command line). */
  queuedBy: string | null;
  /** Deliveries tried that did not reach the resident. */
  attempts: number;
  lastError?: string;
  /** No new delivery attempt before this. */
  nextAttemptAt?: string;
  /** Where it was asked (telegram, wechat, web …). */
  platform?: string;
  askedAt?: string;
  /** Replies after this are no longer taken; the spot check is then unreachable. */
  expiresAt?: string;
  /** When the questions reached the resident's chat (or their web inbox). */
  deliveredAt?: string;
  questions?: SpotCheckRecheckQuestion[];
  finishedAt?: string;
  /** Why it was declined, skipped or expired. */
  reason?: string;
}

/** A re-check in chat that still needs the sender: queued, or asked and not yet answered. */
export interface OpenRecheckRecord {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  recheck: SpotCheckRecheck;
}

/** Everything the re-check service needs to ask one spot check's resident. */
export interface RecheckTarget {
  spotCheck: OpenRecheckRecord;
  response: { id: string; residentId: string; channel: string; status: string; questionnaireKey: string; questionnaireVersion: number; questionnaireDefinition: unknown };
  /** The survey's stored answers by question id (engine AnswerValues, parsed JSON). */
  answers: Record<string, unknown>;
  resident: ResidentRecord;
  identities: IdentityRecord[];
  /** When the resident's session last changed (their last message), or null. */
  conversationUpdatedAt: Date | null;
  /** What the resident is doing in the chat (the session's `mode`: menu, survey …), or null. */
  conversationMode: string | null;
}
