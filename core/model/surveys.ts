/**
 * Questionnaires, waves, regions, responses and suggestions as the core sees them.
 */
import type { SurveyMode } from "./field.js";

/** A stored questionnaire version. `definition` is the validated definition object. */
export interface QuestionnaireRecord {
  id: string;
  key: string;
  version: number;
  title: string;
  definition: unknown;
  checksum: string;
  source: string | null;
  createdAt: Date;
}

/** A survey wave. */
export interface WaveRecord {
  id: string;
  name: string;
  questionnaireId: string;
  questionnaireKey: string;
  questionnaireVersion: number;
  opensAt: Date;
  closesAt: Date | null;
}

/** A region of the tree. */
export interface RegionRecord {
  id: string;
  code: string;
  name: Record<string, string>;
  level: number;
  path: string;
  parentId: string | null;
}

/** A response with its answers (values are the engine's JSON answer values). */
export interface ResponseRecord {
  id: string;
  /** The resident who answered in chat; null for an officer-administered interview (the household is who answered). */
  residentId: string | null;
  waveId: string;
  questionnaireId: string;
  status: "in_progress" | "completed" | "abandoned";
  channel: string;
  officerId: string | null;
  regionId: string | null;
  /** `self` (the resident in chat) or `interviewer` (read out and entered by an officer). */
  mode: SurveyMode;
  /** The household this response stands for: an interview's, or a linked resident's completed response (one per household and wave). */
  householdId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  answers: Record<string, unknown>;
}

/** Filter of response paging and counting for statistics and exports. */
export interface ResponseQuery {
  /** One wave or several. */
  waveIds?: readonly string[];
  statuses?: readonly ResponseRecord["status"][];
  /** A region subtree: the Region.path prefix. */
  regionPath?: string;
  channel?: string;
  mode?: SurveyMode;
}

/** A response with its region's code and path, for statistics and exports. */
export interface ResponseWithRegion extends ResponseRecord {
  regionCode: string | null;
  /** Region.path ("/district/town/village/"), or null when the response has no region. */
  regionPath: string | null;
}

/** A stored suggestion. */
export interface SuggestionRecord {
  id: string;
  residentId: string | null;
  waveId: string | null;
  regionId: string | null;
  text: string;
  lang: string;
  status: string;
  tags: string[];
  createdAt: Date;
}

/** Where a suggestion stands in the office's handling. */
export type SuggestionStatus = "new" | "read" | "forwarded" | "answered";

/** The suggestion statuses, in handling order. */
export const SUGGESTION_STATUSES: readonly SuggestionStatus[] = ["new", "read", "forwarded", "answered"];

/** Filter of {@link Store.querySuggestions}; every field optional. */
export interface SuggestionQuery {
  waveId?: string;
  /** A region subtree: the Region.path prefix, e.g. "/330102/330102001/". */
  regionPath?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  status?: SuggestionStatus | readonly SuggestionStatus[];
  /** Carries this tag. */
  tag?: string;
  /** Text contains this (case-insensitive for Latin letters on both backends). */
  search?: string;
  /** Keyset paging: continue after the suggestion with this id (order: newest first). */
  cursor?: string;
  /** Page size; default 100, at most 1000. */
  limit?: number;
}

/** A suggestion as admins see it: with its region and handling state. */
export interface AdminSuggestionRecord extends SuggestionRecord {
  status: SuggestionStatus;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  updatedAt: Date;
}

/** Thrown when a questionnaire key and version are already stored with other content. */
export class QuestionnaireConflictError extends Error {}
