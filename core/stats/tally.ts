/**
 * Running tallies: figures computed from responses added one at a time, so that a whole wave
 * can be measured while it streams out of the database, in memory that depends on the number of
 * groups and options, never on the number of responses.
 *
 * Every figure of core/stats is built on these tallies ({@link measureValue} and
 * {@link breakdown} feed them an array), so the streamed statistics and the array functions are
 * one implementation, and the independent expected values (tools/expected-stats) check both.
 */

import { meanFromCounts, proportion } from "./distributions.js";
import { assertValidMeasure, classifyAnswer, matchesCondition, optionShares, StatsConfigError } from "./measures.js";
import { applySuppression, checkMinGroupSize, complementSuppression } from "./suppression.js";
import type { Breakdown, GroupBy } from "./groups.js";
import { STAT_MODES, type Exclusions, type MeasureSpec, type MeasureValue, type StatResponse } from "./types.js";

/**
 * One measure over the responses added so far (no grouping, no suppression). Keeps counts
 * only: exclusions by reason, and how many valid answers fell on each option (for a yes/no
 * measure, on `"yes"` / `"no"`).
 */
export class MeasureTally {
  private readonly excluded: Exclusions = { notApplicable: 0, missing: 0, invalid: 0, unknown: 0 };
  private readonly counts = new Map<string, number>();
  private valid = 0;

  /** @throws StatsConfigError when the specification is invalid. */
  constructor(readonly spec: MeasureSpec) {
    assertValidMeasure(spec);
  }

  /** Counts one response (already selected and grouped by the caller). */
  add(response: StatResponse): void {
    const spec = this.spec;
    if (spec.among && !matchesCondition(response, spec.among)) {
      this.excluded.notApplicable += 1;
      return;
    }
    const answer = response.answers[spec.questionId];
    const result = answer ? classifyAnswer(spec, answer) : { status: "missing" as const };
    if (result.status !== "valid") {
      this.excluded[result.status] += 1;
      return;
    }
    this.valid += 1;
    for (const option of result.options) this.counts.set(option, (this.counts.get(option) ?? 0) + 1);
  }

  /** The figure so far, or `null` when none exists: no valid answer, or fewer than two for an index. */
  value(): MeasureValue | null {
    const spec = this.spec;
    const n = this.valid;
    const excluded = { ...this.excluded };
    const count = (option: string): number => this.counts.get(option) ?? 0;
    switch (spec.kind) {
      case "rate": {
        const p = proportion(spec.positive.reduce((sum, o) => sum + count(o), 0), n);
        return p ? { kind: "rate", measureId: spec.id, ...p, excluded } : null;
      }
      case "index": {
        const scores = spec.scores as Record<string, number>;
        const estimate = meanFromCounts(spec.levels.map((level) => [scores[level] as number, count(level)]));
        return estimate ? { kind: "index", measureId: spec.id, n: estimate.n, value: estimate.mean, sd: estimate.sd, ci: estimate.ci, excluded } : null;
      }
      case "share":
        return n === 0 ? null : { kind: "share", measureId: spec.id, n, options: optionShares(spec.levels, this.counts, n, false), excluded };
      case "multi":
        return n === 0 ? null : { kind: "multi", measureId: spec.id, n, options: optionShares(spec.options, this.counts, n, true), excluded };
      case "awareness":
      case "victimisation":
      case "reporting": {
        const p = proportion(count("yes"), n);
        return p ? { kind: spec.kind, measureId: spec.id, ...p, excluded } : null;
      }
    }
  }
}

interface TallyGroup {
  key: string;
  path: string[];
  size: number;
  tallies: MeasureTally[];
}

/**
 * The value of a measure over `responses` (all of them: select and group first), or `null`
 * when no figure exists: no valid answer, or fewer than two for an index.
 * @throws StatsConfigError when the specification is invalid.
 */
export function measureValue(responses: readonly StatResponse[], spec: MeasureSpec): MeasureValue | null {
  const tally = new MeasureTally(spec);
  for (const r of responses) tally.add(r);
  return tally.value();
}

/** Code-unit string comparison (locale-independent). */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Element-wise code-unit order of region paths (parents before their children). */
export function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const c = compareKeys(a[i] as string, b[i] as string);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

/**
 * Several measures broken down by one grouping, fed one response at a time. Region groups are
 * identified by their full path prefix `regionPath[0..level]` (so equal codes under different
 * parents stay apart) and keyed by `regionPath[level]`; a response whose path is shorter than
 * `level + 1` belongs to no region group at that level.
 */
export class BreakdownTally {
  private readonly groups = new Map<string, TallyGroup>();

  /** @throws StatsConfigError for an invalid measure or region level. */
  constructor(
    readonly measures: readonly MeasureSpec[],
    readonly by: GroupBy,
  ) {
    for (const m of measures) assertValidMeasure(m);
    if (by.kind === "region") {
      if (!Number.isInteger(by.level) || by.level < 0) throw new StatsConfigError(`region level must be an integer ≥ 0, got ${by.level}`);
      for (const p of by.paths ?? []) {
        if (p.length !== by.level + 1) throw new StatsConfigError(`region path ${JSON.stringify(p)} is not at level ${by.level}`);
        this.group(JSON.stringify(p), p[by.level] as string, [...p]);
      }
    } else if (by.kind === "wave" || by.kind === "channel") {
      for (const k of by.order ?? []) this.group(k, k, [k]);
    } else if (by.kind === "mode") {
      // Both modes always appear: an empty interviewer group is itself a finding (no field work).
      for (const k of STAT_MODES) this.group(k, k, [k]);
    }
  }

  private group(id: string, key: string, path: string[]): TallyGroup {
    let g = this.groups.get(id);
    if (!g) {
      g = { key, path, size: 0, tallies: this.measures.map((m) => new MeasureTally(m)) };
      this.groups.set(id, g);
    }
    return g;
  }

  /** Counts one selected response in its group. */
  add(response: StatResponse): void {
    let g: TallyGroup;
    switch (this.by.kind) {
      case "overall":
        g = this.group("all", "all", ["all"]);
        break;
      case "region": {
        const level = this.by.level;
        if (response.regionPath.length <= level) return;
        const path = response.regionPath.slice(0, level + 1);
        g = this.group(JSON.stringify(path), path[level] as string, path);
        break;
      }
      case "wave":
        g = this.group(response.waveId, response.waveId, [response.waveId]);
        break;
      case "channel":
        g = this.group(response.channel, response.channel, [response.channel]);
        break;
      case "mode":
        g = this.group(response.mode, response.mode, [response.mode]);
        break;
    }
    g.size += 1;
    for (const t of g.tallies) t.add(response);
  }

  /**
   * Groups in report order: regions by path; waves/channels in `order`, then the others sorted;
   * modes self, then interviewer.
   */
  private ordered(): TallyGroup[] {
    const all = [...this.groups.values()];
    switch (this.by.kind) {
      case "overall":
        return all.length > 0 ? all : [this.group("all", "all", ["all"])];
      case "region":
        return all.sort((a, b) => comparePaths(a.path, b.path));
      case "mode": {
        // The constructor created both modes; a mode outside the list (bad input data) follows,
        // sorted, rather than vanishing from the figures.
        const known: readonly string[] = STAT_MODES;
        const other = all.filter((g) => !known.includes(g.key)).sort((a, b) => compareKeys(a.key, b.key));
        return [...STAT_MODES.map((k) => this.groups.get(k) as TallyGroup), ...other];
      }
      case "wave":
      case "channel": {
        const order = this.by.order ?? [];
        const listed = order.filter((k, i) => order.indexOf(k) === i).map((k) => this.groups.get(k) as TallyGroup);
        const rest = all.filter((g) => !order.includes(g.key)).sort((a, b) => compareKeys(a.key, b.key));
        return [...listed, ...rest];
      }
    }
  }

  /**
   * Which groups add up to a published parent figure: regions with the same parent region (the
   * parent's own figure is the level above, or the overall one), all channels and all modes
   * (each adds up to the wave's overall figure). Waves are left alone: no figure over all waves
   * is published.
   */
  private parentOf(): ((g: TallyGroup) => string) | undefined {
    switch (this.by.kind) {
      case "region":
        return (g) => JSON.stringify(g.path.slice(0, -1));
      case "channel":
      case "mode":
        return () => "";
      default:
        return undefined;
    }
  }

  /**
   * One breakdown per measure (in measure order), with suppression applied to every group: a
   * group with fewer responses than `minGroupSize`, or whose figure rests on fewer valid
   * answers, is suppressed — and so is a sibling that would give it away by subtraction
   * ({@link complementSuppression}).
   */
  breakdowns(minGroupSize: number): Breakdown[] {
    const min = checkMinGroupSize(minGroupSize);
    const groups = this.ordered();
    const parent = this.parentOf();
    return this.measures.map((m, i) => {
      const primary = groups.map((g) => applySuppression((g.tallies[i] as MeasureTally).value(), g.size, min));
      const figures = parent ? complementSuppression(groups.map((g, j) => ({ figure: primary[j]!, size: g.size, parent: parent(g) })), min) : primary;
      return { measureId: m.id, by: this.by, groups: groups.map((g, j) => ({ key: g.key, path: [...g.path], figure: figures[j]! })) };
    });
  }
}
