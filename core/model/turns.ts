/**
 * A dialogue turn's durable consequences: the engine's session state and the domain writes the
 * runner commits with it, atomically.
 */
import type { SpotCheckRecheckQuestion } from "./spot-checks.js";

/** The engine's session state of one resident, with the revision that guards concurrent writes. */
export interface ConversationRecord {
  state: unknown;
  revision: number;
}

/** One durable consequence of a dialogue turn. */
export type DomainWrite =
  | { type: "response.start"; waveId: string; questionnaireId: string; officerId?: string | null; regionId?: string | null }
  | { type: "answer.put"; waveId: string; questionId: string; value: unknown }
  | { type: "answer.delete"; waveId: string; questionId: string }
  | { type: "response.complete"; waveId: string }
  | { type: "response.abandon"; waveId: string }
  | { type: "response.region"; waveId: string; regionCode: string }
  | { type: "suggestion.add"; waveId?: string | null; text: string; lang: string }
  | { type: "resident.update"; lang?: string; consentAt?: Date | null; consentDeclinedAt?: Date | null; optedOut?: boolean }
  | { type: "resident.erase" }
  /**
   * The telephone number the resident left for telephone spot checks (canonical form, see
   * core/engine/phone.ts), or null: they withdrew it. Replaces any earlier one.
   */
  | { type: "resident.phone"; phone: string | null }
  /** A resident's answer to a tip's quiz; only their first answer to a tip is kept. */
  | { type: "tipQuiz.answer"; tipId: string; option: string; correct: boolean; broadcastId?: string | null }
  /** The resident reported a concern: a case with status "received" (a taken code is a conflict). */
  | { type: "case.report"; code: string; title: string }
  /**
   * A staff member confirmed a broadcast in the /broadcast dialogue: stored with this id as
   * `scheduled` for `scheduledAt` (due now = send now), audited as `broadcast.schedule`. `content`
   * and `audience` as Broadcast.content / Broadcast.audience keep them. A taken id is a conflict.
   */
  | { type: "broadcast.schedule"; id: string; authorId: string; content: unknown; audience: unknown; scheduledAt: Date }
  /** The resident rated their closed case 1–5 (ignored for a case that is not theirs or not closed). */
  | { type: "case.rate"; code: string; rating: number }
  /**
   * Re-check in chat (only for an open `chat` spot check of this resident's own response; else
   * ignored): the questions were asked; answered (outcome consistent / inconsistent); declined
   * (outcome unreachable); or it cannot be asked (stays open for a call). `notes` for staff.
   */
  | { type: "spotCheck.recheckStart"; spotCheckId: string; questions: SpotCheckRecheckQuestion[]; expiresAt: string; notes: string }
  | { type: "spotCheck.recheckAnswer"; spotCheckId: string; questions: SpotCheckRecheckQuestion[]; consistent: boolean; notes: string }
  | { type: "spotCheck.recheckDecline"; spotCheckId: string; reason: string; notes: string }
  | { type: "spotCheck.recheckSkip"; spotCheckId: string; reason: string; notes: string };

/** Everything one inbound message changes, committed atomically. */
export interface Turn {
  residentId: string;
  channel: string;
  /** The platform message handled, recorded so that a redelivery is recognised. */
  inbound?: { platform: string; messageId: string };
  state: unknown;
  /** The revision the state was computed from; a mismatch means another writer got there first. */
  expectedRevision: number;
  writes: DomainWrite[];
  now: Date;
}

/** The outcome of committing a turn. */
export type TurnOutcome = "committed" | "duplicate" | "conflict";
