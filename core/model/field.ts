/**
 * Field work as the core sees it: households (dwellings in a village, assigned to an officer),
 * the visits officers record at their doors, interviews officers administer on their phones and
 * the field re-checks of a spot-check draw. The plan's method is door to door: every cadre visits
 * at least 10 households per village and hands over the publicity material at each.
 *
 * Offline-first: everything an officer records on the phone carries a client id chosen there
 * (`clientId`, 8–64 chars of `A-Za-z0-9_-`), unique per officer, so a sync repeated or cut off
 * halfway stores each item once.
 */

/** How a response was given: by the resident in chat, or read out by an officer and entered on their phone. */
export type SurveyMode = "self" | "interviewer";

/** The survey modes, self first. */
export const SURVEY_MODES: readonly SurveyMode[] = ["self", "interviewer"];

/**
 * What became of the survey at a visit: `interview` (done on the spot, on the officer's phone),
 * `qr_left` (the leaflet's QR left for self-completion), `refused`, `nobody_home`, or `none`
 * (not raised, e.g. the household already answered this wave).
 */
export type VisitSurveyOutcome = "interview" | "qr_left" | "refused" | "nobody_home" | "none";

/** The visit survey outcomes, in the order the phone page offers them. */
export const VISIT_SURVEY_OUTCOMES: readonly VisitSurveyOutcome[] = ["interview", "qr_left", "refused", "nobody_home", "none"];

/** A household: one dwelling in a village, assigned to an officer. */
export interface HouseholdRecord {
  id: string;
  /** The village (or community) it is in. */
  regionId: string;
  regionCode: string;
  regionPath: string;
  regionName: Record<string, string>;
  /** Door plate or address as written locally; unique within the village (compared trimmed, case- and width-insensitively). */
  address: string;
  /** Head of household, when known. */
  headName: string | null;
  /** A telephone number for the field re-check and telephone spot checks (canonical form), when known. */
  phone: string | null;
  /** The officer it is assigned to; null when the officer was erased or it was never assigned. */
  officerId: string | null;
  /** The resident (chat account) living there, linked when they joined through the officer's leaflet or by hand. */
  residentId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A household to add or import. The region is the village's code. */
export interface HouseholdInput {
  regionCode: string;
  address: string;
  headName?: string | null;
  phone?: string | null;
  /** The officer it is assigned to (an officer's or admin's resident id). */
  officerId: string;
}

/** What was handed over at a visit. */
export interface HandedOver {
  /** The printed leaflet (publicity material with the survey QR). */
  leaflet: boolean;
  /** Safety-tip topics from the tip library (tip ids), talked through or handed out. */
  tips: string[];
}

/** A visit as recorded on the phone (and synced). */
export interface VisitInput {
  /** The phone's id for this visit (see the module comment). */
  clientId: string;
  householdId: string;
  /** When the visit happened (the phone's clock; shown in the office time zone). */
  visitedAt: Date;
  handedOver: HandedOver;
  survey: VisitSurveyOutcome;
  /** Free notes, at most {@link MAX_VISIT_NOTES} characters. */
  notes: string | null;
}

/** Longest visit note accepted, in characters. */
export const MAX_VISIT_NOTES = 1000;

/** How long the author may still change a visit after it was first stored: a day. */
export const VISIT_EDIT_WINDOW_MS = 24 * 3600 * 1000;

/** A stored visit. */
export interface VisitRecord extends VisitInput {
  id: string;
  officerId: string;
  /** The interview response made at this visit, when there is one. */
  responseId: string | null;
  /** When the server first stored it (the edit window runs from here). */
  createdAt: Date;
  updatedAt: Date;
}

/** A visit with its household, for lists and exports. */
export interface VisitWithHousehold extends VisitRecord {
  household: Pick<HouseholdRecord, "address" | "headName" | "regionId" | "regionCode" | "regionPath" | "regionName" | "officerId">;
  officerName: string | null;
}

/** Filter of household and visit lists; every field optional. */
export interface FieldQuery {
  /** One officer's only. */
  officerId?: string;
  /** A region subtree (Region.path prefix). */
  regionPath?: string;
  /** Visits at or after / before (visitedAt). */
  since?: Date;
  until?: Date;
  householdId?: string;
}

/** An officer-administered interview, as the phone synced it (answers come from replaying `inputs`). */
export interface InterviewInput {
  clientId: string;
  officerId: string;
  householdId: string;
  /** The visit (by its client id) the interview was made at, when known. */
  visitClientId: string | null;
  waveId: string;
  questionnaireId: string;
  /** The language the questions were read in. */
  lang: string;
  /** The household's village, or the region the answers name when the questionnaire asks one. */
  regionId: string | null;
  answers: Record<string, unknown>;
  /** A telephone number given at the questionnaire's phone question (canonical): kept on the household when it has none. */
  phone?: string | null;
  startedAt: Date;
  completedAt: Date;
}

/**
 * What storing an interview did: `stored` (new response), `duplicate` (this client id was stored
 * before: nothing changed), `already-surveyed` (the household has a completed response to this
 * wave, in either mode: nothing stored).
 */
export type InterviewOutcome =
  | { outcome: "stored"; responseId: string }
  | { outcome: "duplicate"; responseId: string }
  | { outcome: "already-surveyed"; responseId: string; mode: SurveyMode };

/** One household's field and chat state, the row behind the coverage report. */
export interface FieldCoverageRow {
  officerId: string;
  officerName: string | null;
  /** The household id, or for a chat-only household (an assignment without a dwelling) `chat:<residentId>`. */
  householdKey: string;
  regionId: string | null;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  /** A dwelling (Household row) rather than a chat-only assignment. */
  dwelling: boolean;
  visited: boolean;
  /** A visit handed over the leaflet or at least one tip. */
  materialDelivered: boolean;
  /** The completed response of the wave asked about (null: none, or no wave asked). */
  surveyed: SurveyMode | null;
  /** A broadcast delivery reached the household's resident in chat. */
  reached: boolean;
  /** ... and they confirmed reading it. */
  confirmed: boolean;
}

/** What the coverage rows count. */
export interface FieldCoverageQuery {
  officerId?: string;
  regionPath?: string;
  /** Completed responses of this wave count as surveyed. */
  waveId?: string;
  /** Visits and deliveries at or after this time only. */
  since?: Date;
  /** Deliveries of this broadcast only. */
  broadcastId?: string;
}

/** A field re-check (spot check with method `visit`) as the verifying officer's phone lists it. */
export interface FieldRecheckRecord {
  spotCheckId: string;
  waveId: string;
  responseId: string;
  mode: SurveyMode;
  /** Who made the response (interviewer mode) or whose household it is. */
  officerId: string | null;
  household: Pick<HouseholdRecord, "id" | "address" | "headName" | "phone"> | null;
  regionId: string | null;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  questionnaireId: string;
  answers: Record<string, unknown>;
  outcome: string | null;
  checkedAt: Date | null;
}

/** A verifier's outcome of a field re-check. */
export type FieldRecheckOutcome = "confirmed" | "differs" | "not_found";

/** Thrown when a household or visit write is refused for a reason the user can fix. */
export class FieldRequestError extends Error {
  constructor(
    /** Machine-readable reason, also the i18n key suffix (locales `field.refused.<reason>`). */
    readonly reason: FieldRefusal,
    message?: string,
  ) {
    super(message ?? reason);
  }
}

/** Why a field write was refused. */
export type FieldRefusal =
  | "not-found"
  | "not-yours"
  | "too-late"
  | "bad-input"
  | "unknown-region"
  | "not-a-village"
  | "outside-area"
  | "duplicate-address"
  | "unknown-household"
  | "unknown-wave"
  | "wave-closed"
  | "interview-incomplete"
  | "already-surveyed"
  | "unknown-tip"
  | "not-staff";
