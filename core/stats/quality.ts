/**
 * Response quality flags: speeders and straight-liners. Pure functions.
 *
 * - **Speeder**: a completed response whose completion time divided by the number of answered
 *   questions is below `speeder.minSecondsPerAnswer`. Responses without a parseable start and
 *   completion time, or without answers, cannot be judged and are not flagged.
 * - **Straight-liner**: among the configured scale questions, the response gave a valid level
 *   (an option in `levels`) on at least `straightLine.minQuestions` of them, and every one of
 *   those answers is at the same position (e.g. all top, all "basically safe").
 */

import { StatsConfigError } from "./measures.js";
import type { MeasureSpec, StatAnswer, StatResponse } from "./types.js";

/** An ordered scale question used for straight-lining detection. */
export interface ScaleQuestion {
  /** Question id. */
  questionId: string;
  /** Valid options, top → bottom ("don't know" excluded). */
  levels: string[];
}

/** Thresholds of the quality flags. */
export interface QualityConfig {
  /** Speeders: flagged when (completedAt − startedAt) / answered questions < this (seconds). */
  speeder: { minSecondsPerAnswer: number };
  /** Straight-liners: same level on all of at least `minQuestions` answered `scales`. */
  straightLine: { minQuestions: number; scales: ScaleQuestion[] };
}

/** The quality flags of one response. */
export interface QualityFlags {
  /** Completed too fast. */
  speeder: boolean;
  /** Same level on every answered scale question (at least `minQuestions`). */
  straightLiner: boolean;
  /** Seconds per answered question, when it can be computed. */
  secondsPerAnswer?: number;
}

/** Which flagged responses to leave out of the figures. */
export interface ExcludeFlagged {
  /** Leave out speeders. */
  speeders: boolean;
  /** Leave out straight-liners. */
  straightLiners: boolean;
  /** The thresholds that define the flags. */
  quality: QualityConfig;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Milliseconds since the epoch of a strict ISO 8601 timestamp with `Z` or a `±HH:MM` offset
 * (fractional seconds allowed), or `null` when it does not parse. Independent of the machine's
 * time zone (strings without a zone are refused, not read as local time).
 */
export function parseTimestamp(text: string): number | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as [string, string, string, string, string, string, string, string | undefined, string];
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  let ms = Date.UTC(Number(y), month - 1, day, hour, minute, second);
  if (new Date(ms).getUTCDate() !== day) return null; // e.g. 2026-02-30
  if (frac) ms += Number(`0.${frac}`) * 1000;
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
    ms -= sign * offsetMinutes * 60_000;
  }
  return ms;
}

/**
 * Seconds per answered question of a completed response, or `undefined` when it cannot be
 * computed (not completed, missing/unparseable times, no answers).
 */
export function secondsPerAnswer(response: StatResponse): number | undefined {
  if (response.status !== "completed" || response.completedAt === undefined) return undefined;
  return secondsPerAnswerBetween(parseTimestamp(response.startedAt), parseTimestamp(response.completedAt), response.answers);
}

function secondsPerAnswerBetween(startedMs: number | null, completedMs: number | null, answers: Readonly<Record<string, StatAnswer>>): number | undefined {
  const answered = Object.keys(answers).length;
  if (startedMs === null || completedMs === null || answered === 0) return undefined;
  return (completedMs - startedMs) / 1000 / answered;
}

/** Checks a quality configuration. @throws StatsConfigError when thresholds are not sensible. */
export function checkQualityConfig(config: QualityConfig): void {
  if (!(config.speeder.minSecondsPerAnswer >= 0) || !Number.isFinite(config.speeder.minSecondsPerAnswer)) {
    throw new StatsConfigError("speeder.minSecondsPerAnswer must be a finite number ≥ 0");
  }
  if (!Number.isInteger(config.straightLine.minQuestions) || config.straightLine.minQuestions < 2) {
    throw new StatsConfigError("straightLine.minQuestions must be an integer ≥ 2");
  }
}

/** The quality flags of one response. */
export function qualityFlags(response: StatResponse, config: QualityConfig): QualityFlags {
  const completed = response.status === "completed" && response.completedAt !== undefined;
  return qualityFlagsOf(response.answers, completed ? { startedMs: parseTimestamp(response.startedAt), completedMs: parseTimestamp(response.completedAt as string) } : null, config);
}

/**
 * {@link qualityFlags} of a response given by its answers and, when it is completed, its start and
 * completion instants (ms, null when unknown): an export flags every row as it streams, without
 * writing its times as text to parse them back.
 */
export function qualityFlagsOf(answers: Readonly<Record<string, StatAnswer>>, completion: { startedMs: number | null; completedMs: number | null } | null, config: QualityConfig): QualityFlags {
  checkQualityConfig(config);
  const spa = completion ? secondsPerAnswerBetween(completion.startedMs, completion.completedMs, answers) : undefined;
  const positions: number[] = [];
  for (const scale of config.straightLine.scales) {
    const answer = answers[scale.questionId];
    if (answer?.kind !== "choice") continue;
    const position = scale.levels.indexOf(answer.option);
    if (position >= 0) positions.push(position);
  }
  const straightLiner = positions.length >= config.straightLine.minQuestions && positions.every((p) => p === positions[0]);
  const flags: QualityFlags = { speeder: spa !== undefined && spa < config.speeder.minSecondsPerAnswer, straightLiner };
  if (spa !== undefined) flags.secondsPerAnswer = spa;
  return flags;
}

/** Quality flags of every response, keyed by response id. */
export function flagResponses(responses: readonly StatResponse[], config: QualityConfig): Map<string, QualityFlags> {
  const result = new Map<string, QualityFlags>();
  for (const r of responses) result.set(r.id, qualityFlags(r, config));
  return result;
}

/**
 * The scale questions of a set of measures (each `rate`/`index`/`share` question once, first
 * specification wins), for {@link QualityConfig.straightLine}. Filter out non-scale questions
 * (e.g. better/same/worse) before use if they should not count.
 */
export function scaleQuestionsFromMeasures(measures: readonly MeasureSpec[]): ScaleQuestion[] {
  const seen = new Set<string>();
  const scales: ScaleQuestion[] = [];
  for (const m of measures) {
    if ((m.kind === "rate" || m.kind === "index" || m.kind === "share") && !seen.has(m.questionId)) {
      seen.add(m.questionId);
      scales.push({ questionId: m.questionId, levels: [...m.levels] });
    }
  }
  return scales;
}
