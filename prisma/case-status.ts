/**
 * Case statuses, apart from the store so that code which only needs the list (parsing an
 * officer's status word, the satisfaction figure) does not load Prisma with it.
 */

/** Where a case stands. */
export type CaseStatus = "received" | "investigating" | "solved" | "closed";

/** The case statuses, in handling order. */
export const CASE_STATUSES: readonly CaseStatus[] = ["received", "investigating", "solved", "closed"];
