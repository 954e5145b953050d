/**
 * Cases residents reported and the progress notes officers post on them.
 */

/** Where a case stands. */
export type CaseStatus = "received" | "investigating" | "solved" | "closed";

/** The case statuses, in handling order. */
export const CASE_STATUSES: readonly CaseStatus[] = ["received", "investigating", "solved", "closed"];

/** A case a resident reported (or an officer registered for them). */
export interface CaseRecord {
  id: string;
  code: string;
  reporterId: string | null;
  officerId: string | null;
  regionId: string | null;
  title: string;
  status: CaseStatus;
  /** The reporter's satisfaction after closing, 1..5. */
  rating: number | null;
  createdAt: Date;
  closedAt: Date | null;
}

/** A progress note on a case; `deliveredAt` = when it reached the reporter. */
export interface CaseUpdateRecord {
  id: string;
  caseId: string;
  authorId: string | null;
  status: CaseStatus;
  note: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A case with its newest update. */
export interface CaseWithLatest extends CaseRecord {
  latest: CaseUpdateRecord | null;
}

/** Filter of {@link Store.listCases}. */
export interface CaseQuery {
  statuses?: readonly CaseStatus[];
  officerId?: string;
  /** Closed at or after / before (cases never closed are left out when either is set). */
  closedSince?: Date;
  closedUntil?: Date;
  /** A region subtree: the Region.path prefix. */
  regionPath?: string;
  /** Newest first; default 1000. */
  limit?: number;
}

/** A closed case as the satisfaction figure needs it (nothing that identifies anyone). */
export interface ClosedCaseRating {
  /** The reporter's rating 1–5, or null when they have not rated (yet). */
  rating: number | null;
  /** `Region.path` of the case's region ("/330102/330102001/"), or null when it has none. */
  regionPath: string | null;
  /** When the case was closed (null: not recorded, in no period). */
  closedAt: Date | null;
}
