/**
 * Coverage of the door-to-door publicity: per officer and village (and for the whole office), how
 * many households are assigned, visited, given the material, surveyed in a wave (self-completed
 * or interviewed), reached by a broadcast in chat and read-confirmed — against the plan's rule of
 * at least 10 households per village per cadre. The sums are core/field/coverage.ts' (re-exported
 * here so importers of this module keep compiling); the rows are the store's
 * {@link FieldStore.fieldCoverageRows}, which merge dwellings and chat-only assignments.
 * {@link coverageReport} is what the admin dashboard and `anxin coverage` call; officers see
 * their own with /coverage.
 */
import type { FieldCoverageQuery, FieldStore, RegionStore, SurveyStore, WaveRecord } from "../model/index.js";
import { summarizeCoverage, MIN_HOUSEHOLDS_PER_VILLAGE, type OfficerCoverageReport, type CoverageTotals } from "../field/coverage.js";

export {
  MIN_HOUSEHOLDS_PER_VILLAGE,
  coverageShare,
  summarizeCoverage,
  sumVillages,
  villageName,
  type CoverageCounts,
  type CoverageSummary,
  type CoverageTotals,
  type OfficerCoverageReport,
  type VillageCoverage,
} from "../field/coverage.js";

/** The whole report. */
export interface CoverageReport {
  officers: OfficerCoverageReport[];
  /** The whole office: every officer's villages summed. */
  totals: CoverageTotals;
  minimumPerVillage: number;
  /** The wave whose completed responses count as surveyed (null: there is no wave, nothing counts as surveyed). */
  wave: { id: string; name: string } | null;
  /** What was counted: one broadcast, or every broadcast since a time (or ever). */
  broadcastId: string | null;
  /** Visits and deliveries at or after this time only (null: ever). */
  since: Date | null;
}

/** What {@link coverageReport} counts. */
export interface CoverageOptions {
  /** One officer only. */
  officerId?: string;
  /** Villages inside this region (code) only. */
  regionCode?: string;
  /** The wave (id or name) whose responses count as surveyed; default the current wave, else the newest. */
  waveId?: string;
  /** Deliveries of this broadcast only. */
  broadcastId?: string;
  /** Visits and deliveries at or after this time only. */
  since?: Date;
  /** Default {@link MIN_HOUSEHOLDS_PER_VILLAGE}. */
  minimumPerVillage?: number;
  /** The clock that decides which wave is current; default now. */
  now?: Date;
}

/** What the report reads. */
export type CoverageSource = Pick<FieldStore, "fieldCoverageRows"> & Pick<RegionStore, "getRegionByCode"> & Pick<SurveyStore, "currentWave" | "listWaves">;

/** Thrown for a region code or wave that does not exist. */
export class CoverageRequestError extends Error {}

/**
 * The wave whose responses count: the one named (id or name), else the current one, else the
 * newest (as the other reports default), else null.
 * @throws CoverageRequestError for a wave that does not exist
 */
export async function coverageWave(store: Pick<SurveyStore, "currentWave" | "listWaves">, waveId: string | undefined, now: Date): Promise<WaveRecord | null> {
  const waves = await store.listWaves();
  if (waveId) {
    const wave = waves.find((w) => w.id === waveId) ?? waves.find((w) => w.name === waveId);
    if (!wave) throw new CoverageRequestError(`no wave ${waveId}`);
    return wave;
  }
  return (await store.currentWave(now)) ?? waves[0] ?? null;
}

/** Computes coverage per officer and village, and for the whole office. */
export async function coverageReport(store: CoverageSource, options: CoverageOptions = {}): Promise<CoverageReport> {
  const minimum = options.minimumPerVillage ?? MIN_HOUSEHOLDS_PER_VILLAGE;
  const query: FieldCoverageQuery = {};
  if (options.officerId) query.officerId = options.officerId;
  if (options.broadcastId) query.broadcastId = options.broadcastId;
  if (options.since) query.since = options.since;
  if (options.regionCode) {
    const region = await store.getRegionByCode(options.regionCode);
    if (!region) throw new CoverageRequestError(`no region with code ${options.regionCode}`);
    query.regionPath = region.path;
  }
  const wave = await coverageWave(store, options.waveId, options.now ?? new Date());
  if (wave) query.waveId = wave.id;
  const summary = summarizeCoverage(await store.fieldCoverageRows(query), minimum);
  return {
    ...summary,
    wave: wave ? { id: wave.id, name: wave.name } : null,
    broadcastId: options.broadcastId ?? null,
    since: options.since ?? null,
  };
}
