/**
 * Plain-data input and output types of the survey statistics (`core/stats`).
 *
 * These types deliberately mirror, but do not import, the dialogue engine's answer values: the
 * statistics must keep working on exported or archived data without the engine.
 *
 * Every formula is documented in `tools/expected-stats/README.md`, which is also the
 * specification the independent expected-value script follows.
 */

// ---------------------------------------------------------------------------------------------
// Input: responses
// ---------------------------------------------------------------------------------------------

/**
 * One recorded answer (mirror of the engine's `AnswerValue`):
 * - `choice`: single choice and five-point scales (option id; `other` = "please specify" text)
 * - `choices`: multiple choice (option ids)
 * - `number`, `text`: typed values
 * - `bool`: yes / no (reads as the option `"yes"` / `"no"` in conditions)
 * - `region`: picked region (`code`, and `path` from the top level down to it)
 */
export type StatAnswer =
  | { kind: "choice"; option: string; other?: string }
  | { kind: "choices"; options: string[]; other?: string }
  | { kind: "number"; value: number }
  | { kind: "text"; value: string }
  | { kind: "bool"; value: boolean }
  | { kind: "region"; code: string; path: string[] };

/** Where a response stands. Abandoned responses never enter any figure. */
export type ResponseStatus = "completed" | "in_progress" | "abandoned";

/**
 * How a response was given: `self` (the resident answered in chat) or `interviewer` (an officer
 * read the questions out and entered the answers). Mirrors the model's survey mode without
 * importing it, like the answers mirror the engine's.
 */
export type StatMode = "self" | "interviewer";

/** The survey modes in report order: self first, then interviewer. */
export const STAT_MODES: readonly StatMode[] = ["self", "interviewer"];

/** One resident's questionnaire in one survey wave, as plain data. */
export interface StatResponse {
  /** Unique id of the response. */
  id: string;
  /** The survey wave (round) the response belongs to. */
  waveId: string;
  /** Region codes from the root (e.g. district) down to the leaf (e.g. village). */
  regionPath: string[];
  /** Channel the resident answered on: `telegram`, `wechat`, `web`, … (`field` for an officer's interview). */
  channel: string;
  /** Who entered the answers: the resident (`self`) or an officer reading the questions out (`interviewer`). */
  mode: StatMode;
  /** Completion state. */
  status: ResponseStatus;
  /** ISO 8601 timestamp with `Z` or a `±HH:MM` offset. */
  startedAt: string;
  /** ISO 8601 timestamp with `Z` or a `±HH:MM` offset; present when completed. */
  completedAt?: string;
  /** Answers keyed by question id. */
  answers: Record<string, StatAnswer>;
}

// ---------------------------------------------------------------------------------------------
// Input: measure specifications (configured per questionnaire)
// ---------------------------------------------------------------------------------------------

/**
 * Restricts a measure to the respondents whose answer to another question matches, e.g. the
 * reporting rate "among victims" or case-feedback satisfaction "among those who reported".
 * Matches when the answer to `questionId` is a `choice` whose option is in `anyOf`, a `choices`
 * answer with at least one option in `anyOf`, or a `bool` whose value reads `"yes"` (true) /
 * `"no"` (false) and is in `anyOf`. Respondents who do not match are "not applicable".
 */
export interface MeasureCondition {
  /** Question whose answer decides applicability. */
  questionId: string;
  /** Option ids (or `"yes"` / `"no"` for yes/no questions) that make the measure applicable. */
  anyOf: string[];
}

/**
 * A measure on a single-choice ordered scale (e.g. very safe … unsafe):
 * - `rate`: share of valid answers whose option is in `positive`, with a Wilson interval;
 * - `index`: mean of `scores` over valid answers, with a Student-t interval;
 * - `share`: share of valid answers on each level, each with a Wilson interval.
 *
 * A valid answer is a `choice` whose option is in `levels`. Options in `invalid` (e.g.
 * `dont_know`) are excluded from the denominator and counted as `invalid`.
 */
export interface ScaleMeasureSpec {
  /** Unique id of the measure (targets refer to it). */
  id: string;
  /** Human-readable name for reports. */
  label?: string;
  /** Which figure to compute. */
  kind: "rate" | "index" | "share";
  /** Question whose answers are measured. */
  questionId: string;
  /** Valid option ids, top (best) → bottom. */
  levels: string[];
  /** Levels counted as positive in a rate, e.g. the top three of five. Required for `rate`. */
  positive: string[];
  /** Options excluded from the denominator, e.g. `["dont_know"]`. Must not overlap `levels`. */
  invalid?: string[];
  /** Score of every level, e.g. 100/80/60/40/20. Required for `index`. */
  scores?: Record<string, number>;
  /** Restrict to respondents matching this condition. */
  among?: MeasureCondition;
}

/**
 * A yes/no measure; the figure is the share of "yes" among valid answers (Wilson interval):
 * - `awareness`: "have you heard of …";
 * - `victimisation`: "were you a victim of a crime in the period";
 * - `reporting`: "did you report it", `among` the victims (required).
 *
 * A `bool` answer is valid (true = yes). A `choice` answer is valid when its option is in `yes`
 * (default `["yes"]`) or `no` (default `["no"]`); options in `invalid` are excluded from the
 * denominator.
 */
export interface BinaryMeasureSpec {
  /** Unique id of the measure (targets refer to it). */
  id: string;
  /** Human-readable name for reports. */
  label?: string;
  /** Which figure this is (computed identically; the kind names it). */
  kind: "awareness" | "victimisation" | "reporting";
  /** Question whose answers are measured. */
  questionId: string;
  /** Choice options meaning yes; default `["yes"]`. */
  yes?: string[];
  /** Choice options meaning no; default `["no"]`. */
  no?: string[];
  /** Choice options excluded from the denominator (don't know, refused). */
  invalid?: string[];
  /** Restrict to respondents matching this condition (required for `reporting`). */
  among?: MeasureCondition;
}

/**
 * A multiple-choice measure such as the "hot problems" residents care about: for every listed
 * option, the share of respondents (valid answers) who selected it, ranked by share.
 */
export interface MultiChoiceMeasureSpec {
  /** Unique id of the measure. */
  id: string;
  /** Human-readable name for reports. */
  label?: string;
  /** Multiple choice. */
  kind: "multi";
  /** Question whose answers are measured. */
  questionId: string;
  /** Options reported, in questionnaire order (the order breaks ties in the ranking). */
  options: string[];
  /** Options that alone do not make an answer valid (e.g. `dont_know`). */
  invalid?: string[];
  /** Restrict to respondents matching this condition. */
  among?: MeasureCondition;
}

/** Any measure specification. */
export type MeasureSpec = ScaleMeasureSpec | BinaryMeasureSpec | MultiChoiceMeasureSpec;

/** A benchmark figure for one measure in one wave (rates as proportions 0–1, indices as scores). */
export interface Target {
  /** Wave the benchmark applies to. */
  waveId: string;
  /** Measure the benchmark applies to (a rate, index or yes/no measure). */
  measureId: string;
  /** `"provincial average"`, `"municipal average"` or any other label. */
  label: string;
  /** The benchmark value, on the same scale as the figure (proportion 0–1 for rates). */
  value: number;
}

// ---------------------------------------------------------------------------------------------
// Output: figures
// ---------------------------------------------------------------------------------------------

/** A two-sided 95 % confidence interval. */
export interface Interval {
  /** Lower bound. */
  lower: number;
  /** Upper bound. */
  upper: number;
  /** How it was computed: Wilson score interval or Student t interval. */
  method: "wilson" | "t";
}

/** Respondents of a group who did not enter a measure's denominator, by reason. */
export interface Exclusions {
  /** Did not match the measure's `among` condition. */
  notApplicable: number;
  /** No answer to the question. */
  missing: number;
  /** Answered with an `invalid` option (don't know, refused). */
  invalid: number;
  /** Answer of an unexpected kind or with an option the measure does not know. */
  unknown: number;
}

/** A proportion with its Wilson interval. */
export interface Proportion {
  /** Denominator (valid answers). */
  n: number;
  /** Numerator. */
  numerator: number;
  /** numerator / n. */
  value: number;
  /** 95 % Wilson score interval. */
  ci: Interval;
}

/** Value of a `rate`, `awareness`, `victimisation` or `reporting` measure for one group. */
export interface RateValue extends Proportion {
  /** Measure kind. */
  kind: "rate" | "awareness" | "victimisation" | "reporting";
  /** Measure id. */
  measureId: string;
  /** Who was left out of the denominator. */
  excluded: Exclusions;
}

/** Value of an `index` measure for one group. */
export interface IndexValue {
  /** Measure kind. */
  kind: "index";
  /** Measure id. */
  measureId: string;
  /** Valid answers. */
  n: number;
  /** Mean score. */
  value: number;
  /** Sample standard deviation of the scores (divisor n − 1). */
  sd: number;
  /** 95 % Student t interval of the mean. */
  ci: Interval;
  /** Who was left out of the denominator. */
  excluded: Exclusions;
}

/** One option's share in a `share` or `multi` figure. */
export interface OptionShare extends Proportion {
  /** Option id. */
  option: string;
  /** Competition rank by share (1 = largest; ties share a rank). */
  rank: number;
}

/** Value of a `share` (level distribution) or `multi` (hot problems) measure for one group. */
export interface DistributionValue {
  /** Measure kind. */
  kind: "share" | "multi";
  /** Measure id. */
  measureId: string;
  /** Valid answers (respondents). */
  n: number;
  /** `share`: levels in scale order; `multi`: options ranked by share, ties in option order. */
  options: OptionShare[];
  /** Who was left out of the denominator. */
  excluded: Exclusions;
}

/** Value of any measure for one group. */
export type MeasureValue = RateValue | IndexValue | DistributionValue;

/** A single-number value that can be compared with a {@link Target}. */
export type ScalarValue = RateValue | IndexValue;
