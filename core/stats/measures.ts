/**
 * Computing one measure over a set of responses (no grouping, no suppression). Pure functions.
 * The classification rules are specified in `tools/expected-stats/README.md`.
 */

import { meanWithInterval, proportion } from "./distributions.js";
import type {
  BinaryMeasureSpec,
  DistributionValue,
  Exclusions,
  IndexValue,
  MeasureCondition,
  MeasureSpec,
  MeasureValue,
  MultiChoiceMeasureSpec,
  OptionShare,
  Proportion,
  RateValue,
  ScaleMeasureSpec,
  StatAnswer,
  StatResponse,
} from "./types.js";

/** Thrown when a measure specification (or another statistics option) is inconsistent. */
export class StatsConfigError extends Error {
  /** @param message what is wrong with the configuration */
  constructor(message: string) {
    super(message);
    this.name = "StatsConfigError";
  }
}

const hasDuplicates = (list: readonly string[]): boolean => new Set(list).size !== list.length;

/**
 * Checks a measure specification; returns the problems found (empty when valid).
 * Rules: non-empty unique `levels`/`options`; `positive` a non-empty subset of `levels` for a
 * rate; `invalid` disjoint from the valid options; a finite score for every level of an index;
 * `yes` non-empty and disjoint from `no`; `among` required for `reporting`.
 */
export function validateMeasure(spec: MeasureSpec): string[] {
  const errors: string[] = [];
  const where = `measure "${spec.id}"`;
  if (!spec.id) errors.push("measure without id");
  if (!spec.questionId) errors.push(`${where}: questionId is required`);
  if (spec.among && (!spec.among.questionId || spec.among.anyOf.length === 0)) {
    errors.push(`${where}: among needs a questionId and a non-empty anyOf`);
  }
  const invalid = spec.invalid ?? [];
  switch (spec.kind) {
    case "rate":
    case "index":
    case "share": {
      if (spec.levels.length === 0) errors.push(`${where}: levels must not be empty`);
      if (hasDuplicates(spec.levels)) errors.push(`${where}: levels must be unique`);
      const overlap = invalid.filter((o) => spec.levels.includes(o));
      if (overlap.length > 0) errors.push(`${where}: invalid options also listed as levels: ${overlap.join(", ")}`);
      if (spec.kind === "rate") {
        if (spec.positive.length === 0) errors.push(`${where}: positive must not be empty for a rate`);
        const stray = spec.positive.filter((o) => !spec.levels.includes(o));
        if (stray.length > 0) errors.push(`${where}: positive options not among levels: ${stray.join(", ")}`);
      }
      if (spec.kind === "index") {
        for (const level of spec.levels) {
          const score = spec.scores?.[level];
          if (score === undefined || !Number.isFinite(score)) errors.push(`${where}: no finite score for level "${level}"`);
        }
      }
      break;
    }
    case "awareness":
    case "victimisation":
    case "reporting": {
      const yes = spec.yes ?? ["yes"];
      const no = spec.no ?? ["no"];
      if (yes.length === 0) errors.push(`${where}: yes must not be empty`);
      if (yes.some((o) => no.includes(o))) errors.push(`${where}: yes and no overlap`);
      if (invalid.some((o) => yes.includes(o) || no.includes(o))) errors.push(`${where}: invalid overlaps yes/no`);
      if (spec.kind === "reporting" && !spec.among) errors.push(`${where}: a reporting rate needs among (the victims)`);
      break;
    }
    case "multi": {
      if (spec.options.length === 0) errors.push(`${where}: options must not be empty`);
      if (hasDuplicates(spec.options)) errors.push(`${where}: options must be unique`);
      if (invalid.some((o) => spec.options.includes(o))) errors.push(`${where}: invalid overlaps options`);
      break;
    }
    default: {
      const unknown: never = spec;
      errors.push(`unknown measure kind in ${JSON.stringify(unknown)}`);
    }
  }
  return errors;
}

/** Throws {@link StatsConfigError} listing every problem of an invalid measure specification. */
export function assertValidMeasure(spec: MeasureSpec): void {
  const errors = validateMeasure(spec);
  if (errors.length > 0) throw new StatsConfigError(errors.join("; "));
}

/**
 * Whether a response matches a {@link MeasureCondition}: a `choice` option, any `choices`
 * option, or a `bool` read as `"yes"` / `"no"`, is in `anyOf`.
 */
export function matchesCondition(response: StatResponse, condition: MeasureCondition): boolean {
  const answer = response.answers[condition.questionId];
  if (!answer) return false;
  switch (answer.kind) {
    case "choice":
      return condition.anyOf.includes(answer.option);
    case "choices":
      return answer.options.some((o) => condition.anyOf.includes(o));
    case "bool":
      return condition.anyOf.includes(answer.value ? "yes" : "no");
    default:
      return false;
  }
}

/** How one response's answer counts for one measure. */
type Classified<V> =
  | { status: "notApplicable" | "missing" | "invalid" | "unknown" }
  | { status: "valid"; value: V };

const emptyExclusions = (): Exclusions => ({ notApplicable: 0, missing: 0, invalid: 0, unknown: 0 });

/** Classifies every response and tallies exclusions; returns the valid values in input order. */
function classifyAll<V>(
  responses: readonly StatResponse[],
  spec: MeasureSpec,
  classify: (answer: StatAnswer) => Classified<V>,
): { values: V[]; excluded: Exclusions } {
  const excluded = emptyExclusions();
  const values: V[] = [];
  for (const response of responses) {
    let result: Classified<V>;
    if (spec.among && !matchesCondition(response, spec.among)) result = { status: "notApplicable" };
    else {
      const answer = response.answers[spec.questionId];
      result = answer ? classify(answer) : { status: "missing" };
    }
    if (result.status === "valid") values.push(result.value);
    else excluded[result.status] += 1;
  }
  return { values, excluded };
}

function classifyScale(spec: ScaleMeasureSpec, answer: StatAnswer): Classified<string> {
  if (answer.kind !== "choice") return { status: "unknown" };
  if ((spec.invalid ?? []).includes(answer.option)) return { status: "invalid" };
  if (spec.levels.includes(answer.option)) return { status: "valid", value: answer.option };
  return { status: "unknown" };
}

function classifyBinary(spec: BinaryMeasureSpec, answer: StatAnswer): Classified<boolean> {
  if (answer.kind === "bool") return { status: "valid", value: answer.value };
  if (answer.kind !== "choice") return { status: "unknown" };
  if ((spec.invalid ?? []).includes(answer.option)) return { status: "invalid" };
  if ((spec.yes ?? ["yes"]).includes(answer.option)) return { status: "valid", value: true };
  if ((spec.no ?? ["no"]).includes(answer.option)) return { status: "valid", value: false };
  return { status: "unknown" };
}

function classifyMulti(spec: MultiChoiceMeasureSpec, answer: StatAnswer): Classified<ReadonlySet<string>> {
  let selected: string[];
  if (answer.kind === "choices") selected = answer.options;
  else if (answer.kind === "choice") selected = [answer.option];
  else return { status: "unknown" };
  const distinct = new Set(selected);
  if (distinct.size === 0) return { status: "missing" };
  const listed = new Set([...distinct].filter((o) => spec.options.includes(o)));
  if (listed.size > 0) return { status: "valid", value: listed };
  if ([...distinct].some((o) => (spec.invalid ?? []).includes(o))) return { status: "invalid" };
  return { status: "unknown" };
}

/** Competition ranks ("1, 2, 2, 4") of counts already sorted in descending order. */
function competitionRanks(sortedCounts: readonly number[]): number[] {
  const ranks: number[] = [];
  sortedCounts.forEach((count, i) => {
    ranks.push(i > 0 && count === sortedCounts[i - 1] ? (ranks[i - 1] as number) : i + 1);
  });
  return ranks;
}

function optionShares(options: readonly string[], counts: ReadonlyMap<string, number>, n: number, sortByCount: boolean): OptionShare[] {
  const rows = options.map((option, order) => ({ option, order, count: counts.get(option) ?? 0 }));
  const byCount = [...rows].sort((a, b) => b.count - a.count || a.order - b.order);
  const rankOf = new Map<string, number>();
  competitionRanks(byCount.map((r) => r.count)).forEach((rank, i) => rankOf.set((byCount[i] as { option: string }).option, rank));
  return (sortByCount ? byCount : rows).map((r) => {
    const p = proportion(r.count, n) as Proportion;
    return { option: r.option, rank: rankOf.get(r.option) as number, ...p };
  });
}

/**
 * The value of a measure over `responses` (all of them: select and group first), or `null`
 * when no figure exists: no valid answer, or fewer than two for an index.
 * @throws StatsConfigError when the specification is invalid.
 */
export function measureValue(responses: readonly StatResponse[], spec: MeasureSpec): MeasureValue | null {
  assertValidMeasure(spec);
  switch (spec.kind) {
    case "rate": {
      const { values, excluded } = classifyAll(responses, spec, (a) => classifyScale(spec, a));
      const p = proportion(values.filter((v) => spec.positive.includes(v)).length, values.length);
      if (!p) return null;
      const value: RateValue = { kind: "rate", measureId: spec.id, ...p, excluded };
      return value;
    }
    case "index": {
      const { values, excluded } = classifyAll(responses, spec, (a) => classifyScale(spec, a));
      const estimate = meanWithInterval(values.map((v) => (spec.scores as Record<string, number>)[v] as number));
      if (!estimate) return null;
      const value: IndexValue = {
        kind: "index",
        measureId: spec.id,
        n: estimate.n,
        value: estimate.mean,
        sd: estimate.sd,
        ci: estimate.ci,
        excluded,
      };
      return value;
    }
    case "share": {
      const { values, excluded } = classifyAll(responses, spec, (a) => classifyScale(spec, a));
      if (values.length === 0) return null;
      const counts = new Map<string, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const value: DistributionValue = {
        kind: "share",
        measureId: spec.id,
        n: values.length,
        options: optionShares(spec.levels, counts, values.length, false),
        excluded,
      };
      return value;
    }
    case "awareness":
    case "victimisation":
    case "reporting": {
      const { values, excluded } = classifyAll(responses, spec, (a) => classifyBinary(spec, a));
      const p = proportion(values.filter((v) => v).length, values.length);
      if (!p) return null;
      const value: RateValue = { kind: spec.kind, measureId: spec.id, ...p, excluded };
      return value;
    }
    case "multi": {
      const { values, excluded } = classifyAll(responses, spec, (a) => classifyMulti(spec, a));
      if (values.length === 0) return null;
      const counts = new Map<string, number>();
      for (const set of values) for (const o of set) counts.set(o, (counts.get(o) ?? 0) + 1);
      const value: DistributionValue = {
        kind: "multi",
        measureId: spec.id,
        n: values.length,
        options: optionShares(spec.options, counts, values.length, true),
        excluded,
      };
      return value;
    }
  }
}
