/**
 * Telephone spot checks of completed questionnaires: a reproducible stratified random sample,
 * and the consistency rate of the verification results. Pure functions; the only randomness is
 * the seeded PRNG below.
 *
 * Sampling algorithm (specified in `tools/expected-stats/README.md`):
 * 1. Eligible: completed responses, sorted by id (so input order does not matter).
 * 2. Stratum: `regionPath[regionLevel]` (`null` when the path is shorter); strata sorted by key,
 *    `null` last.
 * 3. Total T = ⌈share·N − 1e-9⌉ (N eligible). Proportional allocation by largest remainder:
 *    a_h = ⌊T·N_h / N⌋, the T − Σa_h leftover units go to the strata with the largest remainders
 *    T·N_h mod N (ties: stratum order). Then n_h = min(N_h, max(a_h, minPerStratum)).
 * 4. Selection: one mulberry32 stream seeded with the 32-bit seed; strata in order; within a
 *    stratum (ids sorted) a partial Fisher–Yates shuffle: for i < n_h,
 *    j = i + ⌊u·(N_h − i)⌋ with u the next PRNG output in [0, 1), swap i and j; the first n_h
 *    ids in drawn order form the stratum's sample.
 */

import { compareKeys } from "./tally.js";
import { proportion } from "./distributions.js";
import { StatsConfigError } from "./measures.js";
import type { Proportion, StatResponse } from "./types.js";

/**
 * mulberry32: a small, fast 32-bit PRNG (Tommy Ettinger). Returns a generator of floats in
 * [0, 1) with 32 bits of randomness each. Same seed → same sequence on every platform.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed from a number (an integer 0 … 2³²−1, used as is) or a string (FNV-1a 32-bit
 * hash of its UTF-8 bytes).
 * @throws StatsConfigError for a number that is not such an integer.
 */
export function seedFrom(seed: number | string): number {
  if (typeof seed === "number") {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new StatsConfigError(`seed must be an integer in [0, 2^32 - 1] or a string, got ${seed}`);
    }
    return seed;
  }
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(seed)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Options of {@link drawSpotCheckSample}. */
export interface SpotCheckOptions {
  /** Share of eligible responses to check, 0–1 (e.g. 0.1). */
  share: number;
  /** At least this many per stratum, where the stratum has that many. */
  minPerStratum: number;
  /** Stratify by region at this level of `regionPath` (0 = root). */
  strata: { regionLevel: number };
  /** Seed: an unsigned 32-bit integer or any string. */
  seed: number | string;
}

/** One stratum of a spot-check sample. */
export interface SpotCheckStratum {
  /** Region code at the stratum level, `null` for responses whose path is too short. */
  key: string | null;
  /** Eligible (completed) responses in the stratum. */
  population: number;
  /** Proportional allocation before the per-stratum minimum. */
  proportional: number;
  /** Responses drawn. */
  drawn: number;
}

/** A sampled response. */
export interface SpotCheckPick {
  /** Response id. */
  id: string;
  /** Its stratum key. */
  stratum: string | null;
}

/** A reproducible stratified spot-check sample. */
export interface SpotCheckSample {
  /** The 32-bit seed actually used. */
  seed: number;
  /** Eligible (completed) responses. */
  population: number;
  /** Proportional target total ⌈share·N⌉ (before per-stratum minimums). */
  target: number;
  /** Strata in order. */
  strata: SpotCheckStratum[];
  /** The sample: strata in order, draw order within a stratum. */
  sample: SpotCheckPick[];
}

/**
 * Draws a stratified random sample of completed responses for telephone re-checks:
 * proportional allocation (largest remainder) with at least `minPerStratum` per stratum where
 * available, reproducible from `seed` and independent of input order.
 * @throws StatsConfigError on invalid options or duplicate response ids.
 */
export function drawSpotCheckSample(responses: readonly StatResponse[], options: SpotCheckOptions): SpotCheckSample {
  const { share, minPerStratum } = options;
  const level = options.strata.regionLevel;
  if (!(share >= 0 && share <= 1)) throw new StatsConfigError(`share must be in [0, 1], got ${share}`);
  if (!Number.isInteger(minPerStratum) || minPerStratum < 0) throw new StatsConfigError(`minPerStratum must be an integer ≥ 0, got ${minPerStratum}`);
  if (!Number.isInteger(level) || level < 0) throw new StatsConfigError(`strata.regionLevel must be an integer ≥ 0, got ${level}`);
  const seed = seedFrom(options.seed);

  const eligible = responses.filter((r) => r.status === "completed").sort((a, b) => compareKeys(a.id, b.id));
  for (let i = 1; i < eligible.length; i++) {
    if ((eligible[i] as StatResponse).id === (eligible[i - 1] as StatResponse).id) {
      throw new StatsConfigError(`duplicate response id ${(eligible[i] as StatResponse).id}`);
    }
  }
  const byStratum = new Map<string | null, string[]>();
  for (const r of eligible) {
    const key = r.regionPath.length > level ? (r.regionPath[level] as string) : null;
    const ids = byStratum.get(key);
    if (ids) ids.push(r.id);
    else byStratum.set(key, [r.id]);
  }
  const keys = [...byStratum.keys()].sort((a, b) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : compareKeys(a, b)));

  const N = eligible.length;
  const target = N === 0 ? 0 : Math.min(N, Math.max(0, Math.ceil(share * N - 1e-9)));
  const base = keys.map((k) => (N === 0 ? 0 : Math.floor((target * (byStratum.get(k) as string[]).length) / N)));
  const remainders = keys.map((k, i) => target * (byStratum.get(k) as string[]).length - (base[i] as number) * N);
  let leftover = target - base.reduce((s, x) => s + x, 0);
  const byRemainder = keys.map((_, i) => i).sort((x, y) => (remainders[y] as number) - (remainders[x] as number) || x - y);
  const proportional = [...base];
  for (const i of byRemainder) {
    if (leftover <= 0) break;
    proportional[i] = (proportional[i] as number) + 1;
    leftover -= 1;
  }

  const next = mulberry32(seed);
  const strata: SpotCheckStratum[] = [];
  const sample: SpotCheckPick[] = [];
  keys.forEach((key, h) => {
    const ids = [...(byStratum.get(key) as string[])];
    const size = ids.length;
    const drawn = Math.min(size, Math.max(proportional[h] as number, minPerStratum));
    for (let i = 0; i < drawn; i++) {
      const j = i + Math.floor(next() * (size - i));
      const tmp = ids[i] as string;
      ids[i] = ids[j] as string;
      ids[j] = tmp;
      sample.push({ id: ids[i] as string, stratum: key });
    }
    strata.push({ key, population: size, proportional: proportional[h] as number, drawn });
  });
  return { seed, population: N, target, strata, sample };
}

/** Result of one telephone re-check. */
export type SpotCheckResult = "consistent" | "inconsistent" | "unreachable";

/** One verification outcome (a bare result or an object carrying it). */
export type SpotCheckOutcome = SpotCheckResult | { responseId?: string; result: SpotCheckResult };

/** The consistency rate of spot checks. */
export interface ConsistencyRate {
  /** Checks confirming the questionnaire. */
  consistent: number;
  /** Checks contradicting it. */
  inconsistent: number;
  /** Residents who could not be reached (left out of the denominator). */
  unreachable: number;
  /** consistent / (consistent + inconsistent) with a 95 % Wilson interval; `null` when nobody was reached. */
  rate: Proportion | null;
}

/**
 * Consistency rate of verification outcomes: consistent / (consistent + inconsistent), with a
 * 95 % Wilson score interval; unreachable residents are excluded from the denominator.
 */
export function consistencyRate(outcomes: readonly SpotCheckOutcome[]): ConsistencyRate {
  const counts = { consistent: 0, inconsistent: 0, unreachable: 0 };
  for (const o of outcomes) {
    const result = typeof o === "string" ? o : o.result;
    if (!Object.hasOwn(counts, result)) throw new StatsConfigError(`unknown spot-check result ${String(result)}`);
    counts[result] += 1;
  }
  return { ...counts, rate: proportion(counts.consistent, counts.consistent + counts.inconsistent) };
}
