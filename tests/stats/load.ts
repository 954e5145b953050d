/** Loads the committed statistics fixture and the independently computed expected values. */

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { QualityConfig } from "../../core/stats/quality.js";
import type { SpotCheckOptions, SpotCheckResult } from "../../core/stats/sampling.js";
import type { MeasureSpec, StatMode, StatResponse, Target } from "../../core/stats/types.js";

/** The fixture written by `tools/expected-stats/make-fixture.py`. */
export interface Fixture {
  waves: string[];
  smallGroups: { village: string[]; channel: string };
  measures: MeasureSpec[];
  targets: Target[];
  quality: QualityConfig;
  sampling: SpotCheckOptions;
  samplingByVillage: SpotCheckOptions;
  spotCheckOutcomes: SpotCheckResult[];
  responses: StatResponse[];
}

/** A figure as written by `tools/expected-stats/expected.py`. */
export type ExpectedFigure =
  | { suppressed: true }
  | {
      suppressed: false;
      kind: string;
      n: number;
      numerator?: number;
      value?: number;
      sd?: number;
      lower?: number;
      upper?: number;
      excluded: { notApplicable: number; missing: number; invalid: number; unknown: number };
      options?: { option: string; rank: number; n: number; numerator: number; value: number; lower: number; upper: number }[];
    };

/** One expected breakdown. */
export interface ExpectedCase {
  name: string;
  measureId: string;
  by: { kind: "overall" } | { kind: "region"; level: number } | { kind: "wave" } | { kind: "channel" } | { kind: "mode" };
  options: { includeInProgress: boolean; excludeFlagged: boolean; minGroupSize: number };
  regionPrefix?: string[];
  /** Only the responses of this survey mode (before grouping). */
  mode?: StatMode;
  groups: { key: string; path: string[]; figure: ExpectedFigure }[];
}

/** Expected comparisons with targets. */
export interface ExpectedTargets {
  unit: string;
  regionPrefix: string[];
  measureId: string;
  waveId: string;
  comparisons: (
    | { label: string; target: number; suppressed: true }
    | { label: string; target: number; suppressed: false; value: number; difference: number; direction: string; significant: boolean }
  )[];
}

/** Expected spot-check sample. */
export interface ExpectedSample {
  seed: number;
  population: number;
  target: number;
  strata: { key: string | null; population: number; proportional: number; drawn: number }[];
  sample: { id: string; stratum: string | null }[];
}

/** `tests/stats/expected.json`. */
export interface Expected {
  fixtureSha256: string;
  z: number;
  tQuantiles975: Record<string, number>;
  quality: { speeders: string[]; straightLiners: string[] };
  cases: ExpectedCase[];
  targets: ExpectedTargets[];
  sampling: ExpectedSample;
  samplingByVillage: ExpectedSample;
  consistency: {
    consistent: number;
    inconsistent: number;
    unreachable: number;
    rate: { n: number; numerator: number; value: number; lower: number; upper: number } | null;
  };
}

const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Raw fixture bytes' SHA-256 (hex). */
export function fixtureSha256(): string {
  return createHash("sha256").update(readFileSync(here("./fixture.json"))).digest("hex");
}

/** The parsed fixture. */
export function loadFixture(): Fixture {
  return JSON.parse(readFileSync(here("./fixture.json"), "utf8")) as Fixture;
}

/** The parsed expected values. */
export function loadExpected(): Expected {
  return JSON.parse(readFileSync(here("./expected.json"), "utf8")) as Expected;
}
