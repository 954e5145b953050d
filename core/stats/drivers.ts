/**
 * Drivers of a bad outcome ("feels unsafe", "dissatisfied"): one logistic regression of the
 * outcome on dummy variables of the residents' answers and of how they answered, with small
 * levels suppressed, separated levels set apart, and the odds ratios ranked. Pure. The rules are
 * specified in `tools/expected-stats/README.md` ("Drivers"), which the independent script follows.
 */

import { fitLogistic, type LogisticOptions } from "./logistic.js";
import { StatsConfigError, matchesCondition } from "./measures.js";
import { checkMinGroupSize } from "./suppression.js";
import { compareKeys } from "./tally.js";
import type { MeasureCondition, StatAnswer, StatResponse } from "./types.js";

/** The outcome: 1 when the answer to a scale question is one of its bottom levels. */
export interface DriverOutcomeSpec {
  /** e.g. `unsafe`, `dissatisfied`. */
  id: string;
  /** The scale question. */
  questionId: string;
  /** Valid levels (top → bottom); any other answer leaves the resident out of the model. */
  levels: string[];
  /** The levels that count as the outcome (the valid levels outside the rate's positive ones). */
  bad: string[];
}

/**
 * A factor, turned into dummy columns:
 * - `multi`: one 0/1 column per listed option (named or not; not naming it is the reference);
 * - `yesno`: a "yes" column and a "no answer" column (missing, invalid or unknown answers of the
 *   residents the factor applies to); reference "no" — residents outside `among` count as "no"
 *   (e.g. "reported" among the victims: non-victims did not report);
 * - `single`: one column per level except the reference (the most common answered level), plus
 *   "no answer" for missing or other answers;
 * - `region`: the response's region at `level` (`regionPath[level]`), "no answer" when its path is
 *   shorter; reference the most common region;
 * - `channel`: how the resident answered: `interviewer` for an officer's interview, else the
 *   channel (`web`, `telegram`, `wechat` …); reference the most common.
 */
export type DriverFactorSpec =
  | { id: string; kind: "multi"; questionId: string; options: string[] }
  | { id: string; kind: "yesno"; questionId: string; yes?: string[]; no?: string[]; among?: MeasureCondition }
  | { id: string; kind: "single"; questionId: string; levels: string[] }
  | { id: string; kind: "region"; level: number }
  | { id: string; kind: "channel" };

/** A model: its outcome and factors. */
export interface DriversSpec {
  outcome: DriverOutcomeSpec;
  factors: DriverFactorSpec[];
}

/** The level id of answers that are missing or not understood. */
export const NO_ANSWER_LEVEL = "(no_answer)";

/** One dummy column: the factor and the level it marks. */
export interface DriverLevel {
  factorId: string;
  level: string;
}

/** One estimated odds ratio. */
export interface DriverEstimate extends DriverLevel {
  /** Residents in the model with this level. */
  n: number;
  /** Of them, with the outcome. */
  events: number;
  coefficient: number;
  standardError: number;
  oddsRatio: number;
  /** Wald 95 % interval of the odds ratio. */
  lower: number;
  upper: number;
  /** Two-sided p-value (Wald, normal). */
  p: number;
  /** Rank (1 = first): significant at 5 % first, then by distance of ln(OR) from 0. */
  rank: number;
}

/** A level whose residents all had — or all did not have — the outcome: its odds ratio is ∞ or 0. */
export interface SeparatedLevel extends DriverLevel {
  /** `all`: every resident with it had the outcome (OR → ∞); `none`: no one did (OR → 0). */
  outcome: "all" | "none";
}

/** What a drivers model holds whatever its status. */
interface DriversCommon {
  outcomeId: string;
  minGroupSize: number;
  /** Levels with fewer than the minimum residents with or without them: no number is shown. */
  suppressed: DriverLevel[];
  /** Reference level of every factor that has one (`multi`/`yesno`: not named / no). */
  references: DriverLevel[];
}

/** The result of {@link computeDrivers}. */
export type DriversResult =
  | (DriversCommon & {
      /** Too few residents, or too few with or without the outcome, for any model. */
      status: "suppressed";
    })
  | (DriversCommon & {
      /** No finite estimates: the columns named are involved. */
      status: "singular" | "separation" | "not_converged";
      n: number;
      events: number;
      columns: DriverLevel[];
      separated: SeparatedLevel[];
    })
  | (DriversCommon & {
      status: "ok";
      /** Residents in the model. */
      n: number;
      /** Of them, with the outcome. */
      events: number;
      /** Estimates in rank order. */
      estimates: DriverEstimate[];
      /** Intercept (log odds of the outcome at every reference level) and its SE. */
      intercept: { coefficient: number; standardError: number };
      separated: SeparatedLevel[];
    });

/** The level of `response` for a single-valued factor. */
function levelOf(factor: Exclude<DriverFactorSpec, { kind: "multi" }>, response: StatResponse): string {
  switch (factor.kind) {
    case "region":
      return response.regionPath[factor.level] ?? NO_ANSWER_LEVEL;
    case "channel":
      return response.mode === "interviewer" ? "interviewer" : response.channel;
    case "single": {
      const answer = response.answers[factor.questionId];
      return answer?.kind === "choice" && factor.levels.includes(answer.option) ? answer.option : NO_ANSWER_LEVEL;
    }
    case "yesno": {
      if (factor.among && !matchesCondition(response, factor.among)) return "no";
      const answer: StatAnswer | undefined = response.answers[factor.questionId];
      if (answer?.kind === "bool") return answer.value ? "yes" : "no";
      if (answer?.kind === "choice") {
        if ((factor.yes ?? ["yes"]).includes(answer.option)) return "yes";
        if ((factor.no ?? ["no"]).includes(answer.option)) return "no";
      }
      return NO_ANSWER_LEVEL;
    }
  }
}

function named(answer: StatAnswer | undefined, option: string): boolean {
  if (answer?.kind === "choices") return answer.options.includes(option);
  if (answer?.kind === "choice") return answer.option === option;
  return false;
}

interface Column extends DriverLevel {
  values: number[];
}

/** The candidate dummy columns of every factor over the model's responses, and the references. */
function candidateColumns(spec: DriversSpec, rows: readonly StatResponse[]): { columns: Column[]; references: DriverLevel[] } {
  const columns: Column[] = [];
  const references: DriverLevel[] = [];
  for (const factor of spec.factors) {
    if (factor.kind === "multi") {
      for (const option of factor.options) columns.push({ factorId: factor.id, level: option, values: rows.map((r) => (named(r.answers[factor.questionId], option) ? 1 : 0)) });
      continue;
    }
    const levels = rows.map((r) => levelOf(factor, r));
    const counts = new Map<string, number>();
    for (const l of levels) counts.set(l, (counts.get(l) ?? 0) + 1);
    let order: string[];
    let reference: string | undefined;
    if (factor.kind === "yesno") {
      order = ["yes", NO_ANSWER_LEVEL];
      reference = "no";
    } else {
      const answered = [...counts.keys()].filter((l) => l !== NO_ANSWER_LEVEL);
      const listed = factor.kind === "single" ? factor.levels.filter((l) => counts.has(l)) : answered.sort(compareKeys);
      // The most common answered level is the reference (ties: questionnaire order, else code order):
      // the comparison every other level gets is then the best-estimated one.
      reference = listed.reduce<string | undefined>((best, l) => (best === undefined || (counts.get(l) ?? 0) > (counts.get(best) ?? 0) ? l : best), undefined);
      order = [...listed.filter((l) => l !== reference), ...(counts.has(NO_ANSWER_LEVEL) ? [NO_ANSWER_LEVEL] : [])];
    }
    if (reference !== undefined) references.push({ factorId: factor.id, level: reference });
    for (const level of order) columns.push({ factorId: factor.id, level, values: levels.map((l) => (l === level ? 1 : 0)) });
  }
  return { columns, references };
}

function checkSpec(spec: DriversSpec): void {
  const o = spec.outcome;
  if (!o.id || !o.questionId) throw new StatsConfigError("drivers: the outcome needs an id and a question");
  if (o.bad.length === 0 || o.bad.some((l) => !o.levels.includes(l)) || o.bad.length === o.levels.length) {
    throw new StatsConfigError(`drivers "${o.id}": the outcome's levels must be some, not all, of its valid levels`);
  }
  const ids = spec.factors.map((f) => f.id);
  if (new Set(ids).size !== ids.length) throw new StatsConfigError(`drivers "${o.id}": factor ids must be unique`);
  for (const f of spec.factors) if (f.kind === "region" && !(Number.isInteger(f.level) && f.level >= 0)) throw new StatsConfigError(`drivers: region level must be an integer ≥ 0, got ${f.level}`);
}

/**
 * The drivers of one outcome among `responses` (completed ones count; select the wave and region
 * first). Steps, each specified in tools/expected-stats/README.md:
 * 1. residents with a valid answer to the outcome question; y = 1 for its bad levels;
 * 2. fewer than `minGroupSize` residents, or with or without the outcome → suppressed;
 * 3. dummy columns (references: see {@link DriverFactorSpec}); a column with fewer than
 *    `minGroupSize` residents having it, or not having it, is dropped (its residents count
 *    with the reference) and listed as suppressed;
 * 4. a column whose residents all have, or all lack, the outcome has an infinite or zero odds
 *    ratio: it is listed as separated and those residents leave the model (for the other odds
 *    ratios this is the limit of the maximum likelihood fit); steps 2–4 repeat until stable;
 * 5. logistic regression with an intercept; no finite estimate (collinear columns, separation by
 *    a combination of columns, no convergence) is reported as such, with no numbers.
 * @throws StatsConfigError for an inconsistent specification or minimum.
 */
export function computeDrivers(responses: readonly StatResponse[], spec: DriversSpec, minGroupSize: number, options: LogisticOptions = {}): DriversResult {
  const min = checkMinGroupSize(minGroupSize);
  checkSpec(spec);
  const { outcome } = spec;
  let rows = responses.filter((r) => {
    const a = r.answers[outcome.questionId];
    return r.status === "completed" && a?.kind === "choice" && outcome.levels.includes(a.option);
  });
  const outcomeOf = (r: StatResponse): number => (outcome.bad.includes((r.answers[outcome.questionId] as { option: string }).option) ? 1 : 0);
  const separated: SeparatedLevel[] = [];
  let suppressedLevels: DriverLevel[] = [];
  let references: DriverLevel[] = [];
  for (;;) {
    const y = rows.map(outcomeOf);
    const events = y.reduce((s, v) => s + v, 0);
    if (rows.length < min || events < min || rows.length - events < min) {
      return { status: "suppressed", outcomeId: outcome.id, minGroupSize: min, suppressed: suppressedLevels, references };
    }
    const built = candidateColumns(spec, rows);
    references = built.references;
    const kept: Column[] = [];
    suppressedLevels = [];
    for (const c of built.columns) {
      // A separated level's residents have left the model: it is reported as separated only.
      if (separated.some((s) => s.factorId === c.factorId && s.level === c.level)) continue;
      const ones = c.values.reduce((s, v) => s + v, 0);
      if (ones < min || rows.length - ones < min) suppressedLevels.push({ factorId: c.factorId, level: c.level });
      else kept.push(c);
    }
    const split = kept.map((c) => {
      let with1 = 0;
      let events1 = 0;
      let events0 = 0;
      c.values.forEach((v, i) => {
        if (v === 1) {
          with1 += 1;
          events1 += y[i]!;
        } else events0 += y[i]!;
      });
      return { with1, events1, without: rows.length - with1, events0 };
    });
    // Separation by one level (the usual case in survey data: a level of 12 residents none of
    // whom feels unsafe): the rows that have it leave the model. Separation by a combination of
    // columns, or among the residents *without* a level, is left to the fit, which reports it.
    const firstSeparated = split.findIndex((s) => s.events1 === 0 || s.events1 === s.with1);
    if (firstSeparated >= 0) {
      const column = kept[firstSeparated]!;
      const s = split[firstSeparated]!;
      separated.push({ factorId: column.factorId, level: column.level, outcome: s.events1 === 0 ? "none" : "all" });
      rows = rows.filter((_, i) => column.values[i] === 0);
      continue;
    }
    const design = rows.map((_, i) => [1, ...kept.map((c) => c.values[i]!)]);
    const fit = fitLogistic(design, y, options);
    const common = { outcomeId: outcome.id, minGroupSize: min, suppressed: suppressedLevels, references, n: rows.length, events, separated };
    if (fit.status !== "ok") {
      const columns = fit.columns.filter((j) => j > 0).map((j) => ({ factorId: kept[j - 1]!.factorId, level: kept[j - 1]!.level }));
      return { ...common, status: fit.status, columns };
    }
    const estimates: DriverEstimate[] = kept.map((c, k) => {
      const j = k + 1;
      return {
        factorId: c.factorId,
        level: c.level,
        n: split[k]!.with1,
        events: split[k]!.events1,
        coefficient: fit.coefficients[j]!,
        standardError: fit.standardErrors[j]!,
        oddsRatio: Math.exp(fit.coefficients[j]!),
        lower: Math.exp(fit.lower[j]!),
        upper: Math.exp(fit.upper[j]!),
        p: fit.p[j]!,
        rank: 0,
      };
    });
    return { ...common, status: "ok", estimates: rankEstimates(estimates), intercept: { coefficient: fit.coefficients[0]!, standardError: fit.standardErrors[0]! } };
  }
}

/**
 * Ranks estimates: significant at 5 % (p < 0.05) before the others; within each, by |ln OR|
 * (an odds ratio of 0.5 is as far from 1 as one of 2) descending; ties by factor, then level.
 */
export function rankEstimates(estimates: readonly DriverEstimate[]): DriverEstimate[] {
  const sorted = [...estimates].sort((a, b) => {
    const sa = a.p < 0.05 ? 0 : 1;
    const sb = b.p < 0.05 ? 0 : 1;
    return sa - sb || Math.abs(b.coefficient) - Math.abs(a.coefficient) || compareKeys(a.factorId, b.factorId) || compareKeys(a.level, b.level);
  });
  return sorted.map((e, i) => ({ ...e, rank: i + 1 }));
}
