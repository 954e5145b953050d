/**
 * Which alerts should exist, as a pure function of the figures, the targets, the coverage and the
 * clock (the I/O is alerts-runner.ts). Three kinds, each with a stable key so that it is raised
 * once however often and in however many processes the evaluation runs:
 *
 * - `below-target:<waveId>:<region>:<measure>`: a region's security or satisfaction rate, shown
 *   (not suppressed), has a point estimate below at least one of the wave's targets for it.
 * - `drop:<waveId>:<region>:<measure>`: the rate is lower than in the previous wave of the same
 *   questionnaire and the pooled two-proportion z test (core/stats/two-proportion.ts) gives a
 *   two-sided p below `alpha`. Both waves' figures must be shown: a region suppressed in either
 *   (too few responses, or hidden by complementary suppression) never alerts, so an alert can
 *   never disclose a small group.
 * - `coverage:<waveId>:<officerId>:<village>`: from `reminderDays` before the wave closes
 *   (calendar days in the office time zone) until it closes, each village (region) an officer
 *   holds households in with fewer than `minimum` households covered — visited, or surveyed in
 *   the wave — gets one reminder to that officer. Waves without an end get none.
 */
import type { FieldCoverageRow } from "../model/index.js";
import { isShown, type Figure, type RateValue } from "../stats/index.js";
import { significantDrop } from "../stats/two-proportion.js";
import { MIN_HOUSEHOLDS_PER_VILLAGE } from "../field/coverage.js";
import { instantOfLocal, localDateTime } from "../util/time-zone.js";

/** The two headline rates alerts watch. */
export type AlertMeasureRole = "security" | "satisfaction";

/** A shown rate as an alert records it. */
export interface RateSnapshot {
  value: number;
  numerator: number;
  n: number;
  lower: number;
  upper: number;
}

/** An alert that should exist (see the module comment for each kind). */
export type AlertCandidate =
  | { kind: "below-target"; key: string; waveId: string; regionCode: string; measureId: string; role: AlertMeasureRole; figure: RateSnapshot; targets: { label: string; value: number }[] }
  | { kind: "drop"; key: string; waveId: string; previousWaveId: string; regionCode: string; measureId: string; role: AlertMeasureRole; figure: RateSnapshot; previous: RateSnapshot; z: number; p: number; alpha: number }
  | { kind: "coverage"; key: string; waveId: string; officerId: string; regionCode: string; covered: number; assigned: number; minimum: number; closesAt: string };

/** One measure of one wave, by region, with the previous wave's figures. */
export interface MeasureRates {
  measureId: string;
  role: AlertMeasureRole;
  /** The wave's targets for this measure (rates as proportions). */
  targets: readonly { label: string; value: number }[];
  /** This wave's figure per region code (suppression applied). */
  current: ReadonlyMap<string, Figure>;
  /** The previous wave's figure per region code (suppression applied); empty without a previous wave. */
  previous: ReadonlyMap<string, Figure>;
}

/** The rates of one open wave. */
export interface WaveRates {
  waveId: string;
  /** The previous wave of the same questionnaire, or null. */
  previousWaveId: string | null;
  measures: readonly MeasureRates[];
}

/** The coverage rows of one wave that has an end. */
export interface WaveCoverage {
  waveId: string;
  closesAt: Date;
  /** The store's coverage rows, surveyed counted in this wave. */
  rows: readonly FieldCoverageRow[];
}

/** Thresholds of the evaluation. */
export interface AlertThresholds {
  /** Two-sided significance level of a drop. Default 0.05. */
  alpha: number;
  /** Covered households an officer needs per village. Default {@link MIN_HOUSEHOLDS_PER_VILLAGE}. */
  minimumPerVillage: number;
  /** How many days before a wave closes officers are reminded. Default 7. */
  reminderDays: number;
}

/** The default thresholds. */
export const DEFAULT_ALERT_THRESHOLDS: AlertThresholds = { alpha: 0.05, minimumPerVillage: MIN_HOUSEHOLDS_PER_VILLAGE, reminderDays: 7 };

/** Everything {@link evaluateAlerts} looks at. */
export interface AlertEvaluationInput {
  now: Date;
  /** The office time zone (IANA), for "days before the wave closes". */
  timeZone: string;
  rates: readonly WaveRates[];
  coverage: readonly WaveCoverage[];
  thresholds?: Partial<AlertThresholds>;
}

/** The stable key of a rate alert. */
export function rateAlertKey(kind: "below-target" | "drop", waveId: string, regionCode: string, measureId: string): string {
  return `${kind}:${waveId}:${regionCode}:${measureId}`;
}

/** The stable key of a coverage reminder. */
export function coverageAlertKey(waveId: string, officerId: string, regionCode: string): string {
  return `coverage:${waveId}:${officerId}:${regionCode}`;
}

/**
 * When officers are reminded before a wave closes: the same wall-clock time `days` calendar days
 * earlier in the office time zone (a day of a daylight-saving change is not 24 hours).
 */
export function coverageReminderAt(closesAt: Date, days: number, timeZone: string): Date {
  const local = localDateTime(closesAt, timeZone);
  // Date.UTC carries a day below 1 into the month before.
  const shifted = new Date(Date.UTC(local.year, local.month - 1, local.day - days));
  return new Date(instantOfLocal({ ...local, year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() }, timeZone));
}

/** A shown rate figure as a snapshot, or undefined for a suppressed figure or another kind of measure. */
function shownRate(figure: Figure | undefined): RateSnapshot | undefined {
  if (!figure || !isShown(figure) || figure.kind !== "rate") return undefined;
  const rate = figure as RateValue;
  return { value: rate.value, numerator: rate.numerator, n: rate.n, lower: rate.ci.lower, upper: rate.ci.upper };
}

/** Whether one row counts as a covered household: visited, or surveyed in the wave (self or interview). */
export function isCovered(row: Pick<FieldCoverageRow, "visited" | "surveyed">): boolean {
  return row.visited || row.surveyed !== null;
}

function rateCandidates(wave: WaveRates, alpha: number): AlertCandidate[] {
  const out: AlertCandidate[] = [];
  for (const measure of wave.measures) {
    for (const [regionCode, figure] of measure.current) {
      const now = shownRate(figure);
      if (!now) continue;
      // Highest target first: the one missed by most leads the message.
      const below = measure.targets
        .filter((t) => now.value < t.value)
        .map((t) => ({ label: t.label, value: t.value }))
        .sort((a, b) => b.value - a.value);
      if (below.length > 0) {
        out.push({ kind: "below-target", key: rateAlertKey("below-target", wave.waveId, regionCode, measure.measureId), waveId: wave.waveId, regionCode, measureId: measure.measureId, role: measure.role, figure: now, targets: below });
      }
      const before = wave.previousWaveId ? shownRate(measure.previous.get(regionCode)) : undefined;
      if (!before || !wave.previousWaveId) continue;
      const { drop, test } = significantDrop(now, before, alpha);
      if (drop) {
        out.push({
          kind: "drop",
          key: rateAlertKey("drop", wave.waveId, regionCode, measure.measureId),
          waveId: wave.waveId,
          previousWaveId: wave.previousWaveId,
          regionCode,
          measureId: measure.measureId,
          role: measure.role,
          figure: now,
          previous: before,
          z: test.z,
          p: test.p,
          alpha,
        });
      }
    }
  }
  return out;
}

function coverageCandidates(wave: WaveCoverage, now: Date, timeZone: string, thresholds: AlertThresholds): AlertCandidate[] {
  if (now.getTime() < coverageReminderAt(wave.closesAt, thresholds.reminderDays, timeZone).getTime() || now.getTime() >= wave.closesAt.getTime()) return [];
  const villages = new Map<string, { officerId: string; regionCode: string; covered: number; assigned: number }>();
  for (const row of wave.rows) {
    // Households assigned without a region are in no village: there is nothing to name.
    if (!row.regionCode) continue;
    const id = `${row.officerId}\u0000${row.regionCode}`;
    let village = villages.get(id);
    if (!village) villages.set(id, (village = { officerId: row.officerId, regionCode: row.regionCode, covered: 0, assigned: 0 }));
    village.assigned++;
    if (isCovered(row)) village.covered++;
  }
  const out: AlertCandidate[] = [];
  for (const v of villages.values()) {
    if (v.covered >= thresholds.minimumPerVillage) continue;
    out.push({ kind: "coverage", key: coverageAlertKey(wave.waveId, v.officerId, v.regionCode), waveId: wave.waveId, officerId: v.officerId, regionCode: v.regionCode, covered: v.covered, assigned: v.assigned, minimum: thresholds.minimumPerVillage, closesAt: wave.closesAt.toISOString() });
  }
  return out;
}

/**
 * The alerts that should exist now (see the module comment), in a stable order: rate alerts wave
 * by wave in input order, then coverage reminders. Pure: the same input gives the same keys.
 */
export function evaluateAlerts(input: AlertEvaluationInput): AlertCandidate[] {
  const thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...input.thresholds };
  return [...input.rates.flatMap((wave) => rateCandidates(wave, thresholds.alpha)), ...input.coverage.flatMap((wave) => coverageCandidates(wave, input.now, input.timeZone, thresholds))];
}
