/**
 * Measure specifications: their validation, and how one response's answer counts for a measure
 * (the tallies in tally.ts add the counts up). Pure functions. The classification rules are
 * specified in `tools/expected-stats/README.md`.
 */

import { proportion } from "./distributions.js";
import type { MeasureCondition, MeasureSpec, OptionShare, Proportion, StatAnswer, StatResponse } from "./types.js";

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

/**
 * How one answer counts for one measure: excluded for a reason, or valid with the options it
 * counts on (a scale level; `"yes"` / `"no"` for a yes/no measure; the listed options selected
 * on a multiple-choice question).
 */
export type Classified = { status: "missing" | "invalid" | "unknown" } | { status: "valid"; options: readonly string[] };

const YES: readonly string[] = ["yes"];
const NO: readonly string[] = ["no"];

/** Classifies one answer for a measure (applicability — `among` — is the caller's to check). */
export function classifyAnswer(spec: MeasureSpec, answer: StatAnswer): Classified {
  switch (spec.kind) {
    case "rate":
    case "index":
    case "share":
      if (answer.kind !== "choice") return { status: "unknown" };
      if ((spec.invalid ?? []).includes(answer.option)) return { status: "invalid" };
      if (spec.levels.includes(answer.option)) return { status: "valid", options: [answer.option] };
      return { status: "unknown" };
    case "awareness":
    case "victimisation":
    case "reporting":
      if (answer.kind === "bool") return { status: "valid", options: answer.value ? YES : NO };
      if (answer.kind !== "choice") return { status: "unknown" };
      if ((spec.invalid ?? []).includes(answer.option)) return { status: "invalid" };
      if ((spec.yes ?? YES).includes(answer.option)) return { status: "valid", options: YES };
      if ((spec.no ?? NO).includes(answer.option)) return { status: "valid", options: NO };
      return { status: "unknown" };
    case "multi": {
      let selected: readonly string[];
      if (answer.kind === "choices") selected = answer.options;
      else if (answer.kind === "choice") selected = [answer.option];
      else return { status: "unknown" };
      const distinct = new Set(selected);
      if (distinct.size === 0) return { status: "missing" };
      const listed = [...distinct].filter((o) => spec.options.includes(o));
      if (listed.length > 0) return { status: "valid", options: listed };
      if ([...distinct].some((o) => (spec.invalid ?? []).includes(o))) return { status: "invalid" };
      return { status: "unknown" };
    }
  }
}

/** Competition ranks ("1, 2, 2, 4") of counts already sorted in descending order. */
function competitionRanks(sortedCounts: readonly number[]): number[] {
  const ranks: number[] = [];
  sortedCounts.forEach((count, i) => {
    ranks.push(i > 0 && count === sortedCounts[i - 1] ? (ranks[i - 1] as number) : i + 1);
  });
  return ranks;
}

/** Shares of `options` among `n` valid answers, ranked (competition ranks); sorted by count when asked. */
export function optionShares(options: readonly string[], counts: ReadonlyMap<string, number>, n: number, sortByCount: boolean): OptionShare[] {
  const rows = options.map((option, order) => ({ option, order, count: counts.get(option) ?? 0 }));
  const byCount = [...rows].sort((a, b) => b.count - a.count || a.order - b.order);
  const rankOf = new Map<string, number>();
  competitionRanks(byCount.map((r) => r.count)).forEach((rank, i) => rankOf.set((byCount[i] as { option: string }).option, rank));
  return (sortByCount ? byCount : rows).map((r) => {
    const p = proportion(r.count, n) as Proportion;
    return { option: r.option, rank: rankOf.get(r.option) as number, ...p };
  });
}
