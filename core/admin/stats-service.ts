/**
 * The statistics service: reads responses from the store page by page, converts them for
 * core/stats and computes every figure an admin report shows — overall against targets, the
 * trend over waves, breakdowns by region, channel and survey mode, hot problems, quality flags
 * and the spot-check consistency rate — with suppression applied by core/stats.
 */
import type { RegionRecord, ResponseQuery, WaveRecord, ExportSource } from "../model/index.js";
import { validateQuestionnaire } from "../engine/definition.js";
import type { Questionnaire } from "../engine/types.js";
import {
  BreakdownTally,
  compareWithTargets,
  consistencyRate,
  qualityFlags,
  responseSelector,
  scaleQuestionsFromMeasures,
  type Breakdown,
  type BreakdownGroup,
  type ConsistencyRate,
  type Figure,
  type QualityConfig,
  type StatResponse,
  type Target,
  type TargetComparison,
} from "../stats/index.js";
import { StatConverter, regionCodes } from "./convert.js";
import { measuresFromDefinition, type AdminMeasure } from "./measures.js";
import { adminSettings, type AdminSettings } from "./settings.js";
import { collectGarbage, GC_EVERY } from "./memory.js";

/** What to compute. */
export interface ReportRequest {
  /** The wave; default the wave open now, else the newest. */
  waveId?: string;
  /** Only this region's subtree (a region code). */
  regionCode?: string;
  /** Region level to break down by (0 = top); default the first level below the filter with several regions. */
  level?: number;
  /** Leave out speeders and straight-liners. */
  excludeFlagged?: boolean;
  /** Count in-progress responses too (their answers so far). */
  includeInProgress?: boolean;
  /** Suppression and quality thresholds. */
  settings?: Partial<AdminSettings>;
  /** The clock (to find the current wave). */
  now?: Date;
}

/** One measure's figures in a report. */
export interface MeasureFigures {
  measure: AdminMeasure;
  /** Overall figure of the wave (filtered to the region). */
  figure: Figure;
  /** Against this wave's targets (scalar measures only). */
  comparisons: TargetComparison[];
}

/** Everything a dashboard, a printable report, an export or a chat reply shows. */
export interface StatsReport {
  wave: WaveRecord;
  /** Waves of the same questionnaire, oldest first (the trend's order). */
  waves: WaveRecord[];
  questionnaire: Questionnaire;
  /** The region filter, or null for everything. */
  region: RegionRecord | null;
  /** The region level of the region breakdown. */
  level: number;
  /** Every region, by code (names for labels). */
  regions: Map<string, RegionRecord>;
  settings: AdminSettings;
  excludeFlagged: boolean;
  includeInProgress: boolean;
  /** Response counts of the wave in the region filter; a count below the minimum group size is null. */
  counts: { completed: number | null; inProgress: number | null; abandoned: number | null };
  measures: AdminMeasure[];
  /** Overall figures of every measure, in questionnaire order. */
  overall: MeasureFigures[];
  /** Scalar measures by wave (oldest first). */
  trend: Breakdown[];
  /** Targets of every wave of the trend. */
  targets: Target[];
  /** Scalar and multiple-choice measures by region at {@link level}. */
  byRegion: Breakdown[];
  /** Scalar measures by channel. */
  byChannel: Breakdown[];
  /** Scalar measures by survey mode: always `self` then `interviewer`, each suppressed like any group. */
  byMode: Breakdown[];
  /** Quality flags among the wave's completed responses (null below the minimum group size). */
  quality: { completed: number; speeders: number; straightLiners: number; flagged: number } | null;
  /** The spot checks of the wave (in the region filter). */
  consistency: ConsistencyRate;
  generatedAt: Date;
}

/** The quality thresholds for a set of measures (scale questions = those with a rate). */
export function qualityConfig(measures: readonly AdminMeasure[], settings: AdminSettings): QualityConfig {
  const scales = scaleQuestionsFromMeasures(measures.filter((m) => m.spec.kind === "rate").map((m) => m.spec));
  return {
    speeder: { minSecondsPerAnswer: settings.speederSecondsPerAnswer },
    straightLine: { minQuestions: Math.max(2, Math.min(settings.straightLineMinQuestions, Math.max(scales.length, 2))), scales },
  };
}

/** The wave a request means: the given id, else the one open now, else the newest. */
export async function resolveWave(store: Pick<ExportSource, "listWaves" | "currentWave">, waveId: string | undefined, now: Date): Promise<WaveRecord | null> {
  const waves = await store.listWaves();
  if (waveId) return waves.find((w) => w.id === waveId || w.name === waveId) ?? null;
  return (await store.currentWave(now)) ?? waves[0] ?? null;
}

/** The validated questionnaire of a wave. */
export async function waveQuestionnaire(store: Pick<ExportSource, "getQuestionnaireById">, wave: WaveRecord): Promise<Questionnaire> {
  const record = await store.getQuestionnaireById(wave.questionnaireId);
  if (!record) throw new Error(`questionnaire ${wave.questionnaireKey} v${wave.questionnaireVersion} of wave ${wave.name} is not stored`);
  return validateQuestionnaire(record.definition, `${record.key} v${record.version}`);
}

/** Thrown for a request that names something that does not exist (unknown wave or region). */
export class ReportRequestError extends Error {}

/** Reads every response matching `query` (streamed page by page), converted for statistics. */
export async function loadStatResponses(store: Pick<ExportSource, "streamResponses">, query: ResponseQuery, converter: StatConverter): Promise<StatResponse[]> {
  const out: StatResponse[] = [];
  for await (const row of store.streamResponses(query)) {
    out.push(converter.convert(row));
    if (out.length % GC_EVERY === 0) collectGarbage();
  }
  return out;
}

/** The measures and quality thresholds of a wave's questionnaire (no data read). */
export async function waveMeasures(store: Pick<ExportSource, "getQuestionnaireById">, wave: WaveRecord, partial: Partial<AdminSettings> = {}): Promise<{ questionnaire: Questionnaire; measures: AdminMeasure[]; quality: QualityConfig; settings: AdminSettings }> {
  const settings = adminSettings(partial);
  const questionnaire = await waveQuestionnaire(store, wave);
  const measures = measuresFromDefinition(questionnaire, settings.measureOverrides);
  return { questionnaire, measures, quality: qualityConfig(measures, settings), settings };
}

/** The region level a breakdown uses by default: the first level inside the filter with several regions. */
export function defaultLevel(regions: readonly RegionRecord[], filter: RegionRecord | null): number {
  const inside = filter ? regions.filter((r) => r.path.startsWith(filter.path)) : regions;
  const byLevel = new Map<number, number>();
  for (const r of inside) byLevel.set(r.level, (byLevel.get(r.level) ?? 0) + 1);
  const levels = [...byLevel.keys()].sort((a, b) => a - b);
  const from = filter ? filter.level + 1 : 0;
  const several = levels.find((l) => l >= from && (byLevel.get(l) ?? 0) >= 2);
  if (several !== undefined) return several;
  return levels.filter((l) => l >= from)[0] ?? filter?.level ?? 0;
}

/** What a figure request is about: the wave, its questionnaire and measures, the region filter and breakdown level. */
export interface ReportScope {
  settings: AdminSettings;
  wave: WaveRecord;
  questionnaire: Questionnaire;
  measures: AdminMeasure[];
  regions: Map<string, RegionRecord>;
  region: RegionRecord | null;
  level: number;
}

/**
 * Resolves a request's wave (default: the current one at `now`), region and level, shared by the
 * statistics report and the drivers.
 * @throws ReportRequestError for an unknown wave or region.
 */
export async function reportScope(
  store: ExportSource,
  request: { waveId?: string; regionCode?: string; level?: number; settings?: Partial<AdminSettings>; now?: Date },
): Promise<ReportScope> {
  const settings = adminSettings(request.settings);
  const wave = await resolveWave(store, request.waveId, request.now ?? new Date());
  if (!wave) throw new ReportRequestError(request.waveId ? `no wave ${request.waveId}` : "there is no survey wave yet");
  const questionnaire = await waveQuestionnaire(store, wave);
  const measures = measuresFromDefinition(questionnaire, settings.measureOverrides);
  const allRegions = await store.listRegions();
  const regions = new Map(allRegions.map((r) => [r.code, r]));
  const region = request.regionCode ? (regions.get(request.regionCode) ?? null) : null;
  if (request.regionCode && !region) throw new ReportRequestError(`no region ${request.regionCode}`);
  return { settings, wave, questionnaire, measures, regions, region, level: request.level ?? defaultLevel(allRegions, region) };
}

/**
 * Computes the report in one pass over the responses as they stream from the database: each
 * response is converted, judged (selected, flagged) and counted into running tallies, then
 * dropped, so memory depends on the number of regions, channels and waves, not of responses.
 * @throws ReportRequestError for an unknown wave or region.
 */
export async function computeReport(store: ExportSource, request: ReportRequest = {}): Promise<StatsReport> {
  const now = request.now ?? new Date();
  const { settings, wave, questionnaire, measures, regions, region, level } = await reportScope(store, { ...request, now });
  const includeInProgress = request.includeInProgress ?? false;
  const excludeFlagged = request.excludeFlagged ?? false;

  const waves = (await store.listWaves()).filter((w) => w.questionnaireKey === wave.questionnaireKey).sort((a, b) => a.opensAt.getTime() - b.opensAt.getTime());
  const keep = new Set(measures.flatMap((m) => [m.questionId, ...(m.spec.among ? [m.spec.among.questionId] : [])]));
  const statuses: ("completed" | "in_progress")[] = includeInProgress ? ["completed", "in_progress"] : ["completed"];
  const quality = qualityConfig(measures, settings);
  const select = responseSelector({ includeInProgress, ...(excludeFlagged ? { exclude: { speeders: true, straightLiners: true, quality } } : {}) });

  const scalar = measures.filter((m) => m.scalar);
  const regional = measures.filter((m) => m.scalar || m.spec.kind === "multi");
  const overallTally = new BreakdownTally(measures.map((m) => m.spec), { kind: "overall" });
  const trendTally = new BreakdownTally(scalar.map((m) => m.spec), { kind: "wave", order: waves.map((w) => w.id) });
  const regionTally = new BreakdownTally(regional.map((m) => m.spec), { kind: "region", level });
  const channelTally = new BreakdownTally(scalar.map((m) => m.spec), { kind: "channel" });
  const modeTally = new BreakdownTally(scalar.map((m) => m.spec), { kind: "mode" });
  let completed = 0;
  let speeders = 0;
  let straightLiners = 0;
  let flagged = 0;

  const converter = new StatConverter(keep);
  let seen = 0;
  for await (const row of store.streamResponses({ waveIds: waves.map((w) => w.id), statuses, ...(region ? { regionPath: region.path } : {}) })) {
    const r = converter.convert(row);
    const inWave = r.waveId === wave.id;
    if (inWave && r.status === "completed") {
      const f = qualityFlags(r, quality);
      completed += 1;
      if (f.speeder) speeders += 1;
      if (f.straightLiner) straightLiners += 1;
      if (f.speeder || f.straightLiner) flagged += 1;
    }
    if (select(r)) {
      trendTally.add(r);
      if (inWave) {
        overallTally.add(r);
        regionTally.add(r);
        channelTally.add(r);
        modeTally.add(r);
      }
    }
    // The rows themselves are garbage at once; collecting now and then keeps V8 from growing
    // its heap to the allocation rate of a long stream (memory.ts).
    if (++seen % GC_EVERY === 0) collectGarbage();
  }

  const targets: Target[] = [];
  for (const w of waves) for (const t of await store.waveTargets(w.id)) targets.push({ waveId: w.id, ...t });
  const min = settings.minGroupSize;
  const overall = overallTally.breakdowns(min).map((b, i): MeasureFigures => {
    const measure = measures[i] as AdminMeasure;
    const figure = (b.groups[0] as BreakdownGroup).figure;
    return { measure, figure, comparisons: measure.scalar ? compareWithTargets(figure, targets, measure.spec.id, wave.id) : [] };
  });
  const trend = trendTally.breakdowns(min);
  const byRegion = regionTally.breakdowns(min);
  const byChannel = channelTally.breakdowns(min);
  const byMode = modeTally.breakdowns(min);

  const shown = (count: number): number | null => (count >= settings.minGroupSize ? count : null);
  const countQuery = { waveIds: [wave.id], ...(region ? { regionPath: region.path } : {}) };
  const counts = {
    completed: shown(await store.countResponses({ ...countQuery, statuses: ["completed"] })),
    inProgress: shown(await store.countResponses({ ...countQuery, statuses: ["in_progress"] })),
    abandoned: shown(await store.countResponses({ ...countQuery, statuses: ["abandoned"] })),
  };
  const checks = (await store.listSpotChecks(wave.id)).filter((c) => !region || (c.regionPath ?? "").startsWith(region.path));
  const outcomes = checks.flatMap((c) => (c.outcome ? [c.outcome] : []));

  return {
    wave,
    waves,
    questionnaire,
    region,
    level,
    regions,
    settings,
    excludeFlagged,
    includeInProgress,
    counts,
    measures,
    overall,
    trend,
    targets,
    byRegion,
    byChannel,
    byMode,
    quality: completed >= settings.minGroupSize ? { completed, speeders, straightLiners, flagged } : null,
    consistency: consistencyRate(outcomes),
    generatedAt: now,
  };
}

/** The region path (codes) of a region record, for labels of breakdown groups. */
export function regionPathCodes(region: RegionRecord): string[] {
  return regionCodes(region.path);
}
