/**
 * Coverage figures from the field and the chat together, as pure arithmetic over
 * {@link FieldCoverageRow}s (one row per household: a dwelling, or a chat-only assignment). The
 * plan's method is door to door: every cadre visits at least {@link MIN_HOUSEHOLDS_PER_VILLAGE}
 * households per village and hands over the publicity material at each, so beside the chat
 * figures (reached, read-confirmed) each officer's village counts households visited, material
 * delivered and surveyed (self-completed in chat, or an officer-administered interview).
 *
 * The store decides what a row says (which wave counts as surveyed, since when visits count);
 * this module only sums, so a report can be checked against a hand count of rows.
 */
import type { Lang } from "../engine/types.js";
import type { FieldCoverageRow } from "../model/index.js";

/** The plan's minimum: each officer has (and visits) at least this many households per village. */
export const MIN_HOUSEHOLDS_PER_VILLAGE = 10;

/** The figures counted per village, per officer and for the whole office. */
export interface CoverageCounts {
  /** Households assigned: dwellings and chat-only assignments. */
  assigned: number;
  /** Households with at least one visit recorded. */
  visited: number;
  /** Households where a visit handed over the leaflet or at least one safety tip. */
  materialDelivered: number;
  /** Households whose completed response of the wave was given by the resident (chat, web). */
  surveyedSelf: number;
  /** Households whose completed response of the wave was an officer-administered interview. */
  surveyedInterviewer: number;
  /** `surveyedSelf + surveyedInterviewer` (one response per household and wave). */
  surveyed: number;
  /** Households a broadcast reached in chat (a delivery sent). */
  reached: number;
  /** ... and whose resident confirmed reading it. */
  confirmed: number;
  /** Households not reached in chat yet (`assigned - reached`): the chat target is every one. */
  missing: number;
}

/** One officer's households in one village (the region of the household or assignment). */
export interface VillageCoverage extends CoverageCounts {
  regionId: string | null;
  regionCode: string | null;
  /** The region's name per language (null for households assigned without a region). */
  regionName: Record<string, string> | null;
  /** `assigned` is at least the minimum per village. */
  meetsMinimum: boolean;
  /** `visited` is at least the minimum per village: the plan's door-to-door rule. */
  visitsMeetMinimum: boolean;
  /** Every assigned household reached in chat. */
  complete: boolean;
}

/** Figures summed over villages (of one officer, or of the whole office). */
export interface CoverageTotals extends CoverageCounts {
  /** Officer-village pairs summed (a village two officers work in counts twice). */
  villages: number;
  /** Villages with fewer households assigned than the minimum. */
  villagesBelowMinimum: number;
  /** Villages with fewer households visited than the minimum. */
  villagesBelowVisitMinimum: number;
  /** Villages where every household was reached in chat. */
  villagesComplete: number;
}

/** One officer's coverage. */
export interface OfficerCoverageReport {
  officerId: string;
  officerName: string | null;
  villages: VillageCoverage[];
  totals: CoverageTotals;
}

/** The coverage of every officer in the rows, and of the whole office. */
export interface CoverageSummary {
  officers: OfficerCoverageReport[];
  /** The whole office: every officer's villages summed. */
  totals: CoverageTotals;
  minimumPerVillage: number;
}

function emptyCounts(): CoverageCounts {
  return { assigned: 0, visited: 0, materialDelivered: 0, surveyedSelf: 0, surveyedInterviewer: 0, surveyed: 0, reached: 0, confirmed: 0, missing: 0 };
}

/**
 * Sums coverage rows per officer and village. Officers keep the order of their first row (the
 * store's order), villages are sorted by region code (households without a region first).
 */
export function summarizeCoverage(rows: readonly FieldCoverageRow[], minimum: number = MIN_HOUSEHOLDS_PER_VILLAGE): CoverageSummary {
  const officers = new Map<string, { name: string | null; villages: Map<string, VillageCoverage> }>();
  for (const row of rows) {
    let officer = officers.get(row.officerId);
    if (!officer) officers.set(row.officerId, (officer = { name: row.officerName, villages: new Map() }));
    const key = row.regionId ?? "";
    let village = officer.villages.get(key);
    if (!village) {
      village = { regionId: row.regionId, regionCode: row.regionCode, regionName: row.regionName, ...emptyCounts(), meetsMinimum: false, visitsMeetMinimum: false, complete: false };
      officer.villages.set(key, village);
    }
    village.assigned++;
    if (row.visited) village.visited++;
    if (row.materialDelivered) village.materialDelivered++;
    if (row.surveyed === "self") village.surveyedSelf++;
    if (row.surveyed === "interviewer") village.surveyedInterviewer++;
    if (row.reached) village.reached++;
    if (row.confirmed) village.confirmed++;
  }
  const report: OfficerCoverageReport[] = [];
  for (const [officerId, officer] of officers) {
    const villages = [...officer.villages.values()].sort((a, b) => (a.regionCode ?? "").localeCompare(b.regionCode ?? ""));
    for (const village of villages) {
      village.surveyed = village.surveyedSelf + village.surveyedInterviewer;
      village.missing = village.assigned - village.reached;
      village.meetsMinimum = village.assigned >= minimum;
      village.visitsMeetMinimum = village.visited >= minimum;
      village.complete = village.missing === 0;
    }
    report.push({ officerId, officerName: officer.name, villages, totals: sumVillages(villages) });
  }
  return { officers: report, totals: sumVillages(report.flatMap((officer) => officer.villages)), minimumPerVillage: minimum };
}

/** Sums villages' figures (an officer's, or the whole office's). */
export function sumVillages(villages: readonly VillageCoverage[]): CoverageTotals {
  const totals: CoverageTotals = { ...emptyCounts(), villages: villages.length, villagesBelowMinimum: 0, villagesBelowVisitMinimum: 0, villagesComplete: 0 };
  for (const village of villages) {
    totals.assigned += village.assigned;
    totals.visited += village.visited;
    totals.materialDelivered += village.materialDelivered;
    totals.surveyedSelf += village.surveyedSelf;
    totals.surveyedInterviewer += village.surveyedInterviewer;
    totals.surveyed += village.surveyed;
    totals.reached += village.reached;
    totals.confirmed += village.confirmed;
    totals.missing += village.missing;
    if (!village.meetsMinimum) totals.villagesBelowMinimum++;
    if (!village.visitsMeetMinimum) totals.villagesBelowVisitMinimum++;
    if (village.complete) totals.villagesComplete++;
  }
  return totals;
}

/** A village's name in `lang` (its code, or "—", when it has none). */
export function villageName(village: Pick<VillageCoverage, "regionName" | "regionCode">, lang: Lang): string {
  const names = village.regionName;
  return (names && (names[lang] ?? names["zh-CN"] ?? Object.values(names)[0])) ?? village.regionCode ?? "—";
}

/** `part` of `whole` as a percentage with one decimal ("83.3%"), or "—" when there is no whole. */
export function coverageShare(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "—";
}
