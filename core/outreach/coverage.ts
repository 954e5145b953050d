/**
 * Coverage of the door-to-door publicity: per officer and village, how many assigned households
 * there are, how many a broadcast reached (a delivery sent) and how many confirmed reading it.
 * The target is every assigned household reached, and at least 10 households per village.
 * {@link coverageReport} is what the admin dashboard and `anxin coverage` call; officers see
 * their own with /coverage.
 */
import type { CoverageQuery, RegionStore, StaffStore } from "../model/index.js";
import type { Lang } from "../engine/types.js";

/** The plan's minimum: each officer is assigned at least this many households per village. */
export const MIN_HOUSEHOLDS_PER_VILLAGE = 10;

/** One officer's households in one village (the region of the assignment). */
export interface VillageCoverage {
  regionId: string | null;
  regionCode: string | null;
  /** The region's name per language (null for households assigned without a region). */
  regionName: Record<string, string> | null;
  assigned: number;
  reached: number;
  confirmed: number;
  /** Households not reached yet: the target is every one. */
  missing: number;
  /** `assigned` is at least the minimum per village. */
  meetsMinimum: boolean;
  /** Every assigned household reached. */
  complete: boolean;
}

/** Figures summed over villages. */
export interface CoverageTotals {
  assigned: number;
  reached: number;
  confirmed: number;
  missing: number;
  villages: number;
  /** Villages with fewer households than the minimum. */
  villagesBelowMinimum: number;
  /** Villages where every household was reached. */
  villagesComplete: number;
}

/** One officer's coverage. */
export interface OfficerCoverageReport {
  officerId: string;
  officerName: string | null;
  villages: VillageCoverage[];
  totals: CoverageTotals;
}

/** The whole report. */
export interface CoverageReport {
  officers: OfficerCoverageReport[];
  totals: CoverageTotals;
  minimumPerVillage: number;
  /** What was counted: one broadcast, or every broadcast since a time (or ever). */
  broadcastId: string | null;
  since: Date | null;
}

/** What {@link coverageReport} counts. */
export interface CoverageOptions {
  /** One officer only. */
  officerId?: string;
  /** Villages inside this region (code) only. */
  regionCode?: string;
  /** Deliveries of this broadcast only. */
  broadcastId?: string;
  /** Deliveries sent at or after this time only. */
  since?: Date;
  /** Default {@link MIN_HOUSEHOLDS_PER_VILLAGE}. */
  minimumPerVillage?: number;
}

/** Thrown for a region code that does not exist. */
export class CoverageRequestError extends Error {}

/** Computes coverage per officer and village. */
export async function coverageReport(store: StaffStore & RegionStore, options: CoverageOptions = {}): Promise<CoverageReport> {
  const minimum = options.minimumPerVillage ?? MIN_HOUSEHOLDS_PER_VILLAGE;
  const query: CoverageQuery = {};
  if (options.officerId) query.officerId = options.officerId;
  if (options.broadcastId) query.broadcastId = options.broadcastId;
  if (options.since) query.since = options.since;
  if (options.regionCode) {
    const region = await store.getRegionByCode(options.regionCode);
    if (!region) throw new CoverageRequestError(`no region with code ${options.regionCode}`);
    query.regionPath = region.path;
  }
  const rows = await store.coverageRows(query);
  const officers = new Map<string, { name: string | null; villages: Map<string, VillageCoverage> }>();
  for (const row of rows) {
    let officer = officers.get(row.officerId);
    if (!officer) officers.set(row.officerId, (officer = { name: row.officerName, villages: new Map() }));
    const key = row.regionId ?? "";
    let village = officer.villages.get(key);
    if (!village) {
      village = { regionId: row.regionId, regionCode: row.regionCode, regionName: row.regionName, assigned: 0, reached: 0, confirmed: 0, missing: 0, meetsMinimum: false, complete: false };
      officer.villages.set(key, village);
    }
    village.assigned++;
    if (row.reached) village.reached++;
    if (row.confirmed) village.confirmed++;
  }
  const report: OfficerCoverageReport[] = [];
  for (const [officerId, officer] of officers) {
    const villages = [...officer.villages.values()].sort((a, b) => (a.regionCode ?? "").localeCompare(b.regionCode ?? ""));
    for (const village of villages) {
      village.missing = village.assigned - village.reached;
      village.meetsMinimum = village.assigned >= minimum;
      village.complete = village.missing === 0;
    }
    report.push({ officerId, officerName: officer.name, villages, totals: sum(villages) });
  }
  return {
    officers: report,
    totals: sum(report.flatMap((officer) => officer.villages)),
    minimumPerVillage: minimum,
    broadcastId: options.broadcastId ?? null,
    since: options.since ?? null,
  };
}

function sum(villages: readonly VillageCoverage[]): CoverageTotals {
  const totals: CoverageTotals = { assigned: 0, reached: 0, confirmed: 0, missing: 0, villages: villages.length, villagesBelowMinimum: 0, villagesComplete: 0 };
  for (const village of villages) {
    totals.assigned += village.assigned;
    totals.reached += village.reached;
    totals.confirmed += village.confirmed;
    totals.missing += village.missing;
    if (!village.meetsMinimum) totals.villagesBelowMinimum++;
    if (village.complete) totals.villagesComplete++;
  }
  return totals;
}

/** A village's name in `lang` (its code, or "—", when it has none). */
export function villageName(village: Pick<VillageCoverage, "regionName" | "regionCode">, lang: Lang): string {
  const names = village.regionName;
  return (names && (names[lang] ?? names["zh-CN"] ?? Object.values(names)[0])) ?? village.regionCode ?? "—";
}
