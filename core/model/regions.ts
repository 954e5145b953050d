/**
 * What an import of the region tree hands the store, and what the store reports back: the
 * validated plan (core/regions/plan.ts makes it), the counts of an import, and the data that
 * hangs on each region (residents, households, responses …), which decides whether a region may
 * be removed and what the region list shows.
 */

/** One region of an import plan: its code, its names by language (zh-CN always), its parent's code. */
export interface PlannedRegion {
  code: string;
  /** Names by language; the languages left out keep the name the region already has. */
  name: Record<string, string>;
  /** The parent's code (in the plan before it, or already stored); null for a root. */
  parentCode: string | null;
}

/** A validated import: every region once, parents before their children. */
export interface RegionImportPlan {
  regions: PlannedRegion[];
}

/** How to apply a plan. */
export interface RegionImportOptions {
  /** Also remove the stored regions the plan leaves out, unless data or a kept child hangs on them. */
  replace: boolean;
  /** Work everything out in the transaction, then roll it back: the counts of what would happen. */
  dryRun?: boolean;
}

/** A stored region the plan leaves out that stays (with --replace): why it cannot go. */
export interface KeptRegion {
  code: string;
  name: Record<string, string>;
  /** `data`: residents, households, responses, suggestions, cases or invitations hang on it; `children`: only a kept child does. */
  reason: "data" | "children";
}

/** What an import did (or, dry, would do). */
export interface RegionImportCounts {
  added: number;
  renamed: number;
  unchanged: number;
  removed: number;
  /** With `replace`: regions left out of the plan that stay, parents before children. */
  kept: KeptRegion[];
}

/** The data that hangs on one region (its own, not its subtree's). */
export interface RegionDataCounts {
  regionId: string;
  residents: number;
  /** Household assignments. */
  assignments: number;
  /** Distinct officers with households in the region. */
  officers: number;
  responses: number;
  suggestions: number;
  cases: number;
  invitations: number;
}

/** Whether anything hangs on a region (then an import with --replace keeps it). */
export function hasRegionData(counts: RegionDataCounts | undefined): boolean {
  if (!counts) return false;
  return counts.residents + counts.assignments + counts.responses + counts.suggestions + counts.cases + counts.invitations > 0;
}
