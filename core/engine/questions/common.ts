/**
 * What every question-type module shares: the scope a question is asked in, the reply it gets,
 * and the outcome it reports back to the survey flow.
 */
import { isRequired, localize } from "../definition.js";
import { shownOptions, type ShownOption } from "../flow.js";
import { encodePayload, checksumTag } from "../payload.js";
import { pipeAnswers } from "../piping.js";
import type { Payload, QuestionRef } from "../payload.js";
import { t } from "../i18n.js";
import type { BotKey, BotVars } from "../i18n.js";
import { matchKey, parseOrdinal } from "../normalize.js";
import type {
  AnswerValue,
  Lang,
  LocalizedText,
  OptionDefinition,
  OutOption,
  PendingInput,
  QuestionDefinition,
  Questionnaire,
  RegionNode,
} from "../types.js";

/** Everything a question-type module needs to render or read one question. */
export interface QuestionScope<Q extends QuestionDefinition = QuestionDefinition> {
  lang: Lang;
  questionnaire: Questionnaire;
  question: Q;
  /** Position of the question in `questionnaire.questions` (goes into payloads). */
  index: number;
  regions: readonly RegionNode[];
  /** All answers so far (for constraints). */
  answers: Record<string, AnswerValue>;
  /** What today() means in conditions: the office-local date the response started (YYYY-MM-DD). */
  today?: string;
  /** The answer this question already has (after /back), if any. */
  previous: AnswerValue | undefined;
  /** Half-finished input for this question (toggles, region path), if any. */
  pending: PendingInput | null;
  /** The resident left a telephone number before (a phone question says Skip keeps it). */
  phoneOnFile?: boolean;
  /** An officer reads the questions out (the `read_aloud` wording where there is one). */
  interviewer?: boolean;
  /**
   * Offer every option, ignoring options' `relevant` (choice filters): a re-check asks a closed
   * answer again without the answers the filter reads.
   */
  allChoices?: boolean;
}

/** Survey payloads after the survey flow checked they belong to the current question. */
export type SurveyPayload = Extract<Payload, { op: "answer" | "done" | "region" | "up" }>;

/** A reply to the current question: typed text (cleaned, not a command) or a button. */
export type Reply = { kind: "text"; text: string } | { kind: "button"; payload: SurveyPayload };

/** A message to show: a bot string, or text from the questionnaire. */
export type Notice = { key: BotKey; vars?: BotVars } | { text: string };

/** What a reply did. */
export type Outcome =
  /** A complete answer (the flow validates and records it). */
  | { kind: "answer"; value: AnswerValue }
  /** A complete choice whose option wants "please specify" text next. */
  | { kind: "specify"; value: { kind: "choice"; option: string } | { kind: "choices"; options: string[] } }
  /** Progress within the question (toggle, region level): re-show it in place. */
  | { kind: "pending"; pending: PendingInput | null; notice?: Notice }
  /** Not acceptable: explain, then ask again. */
  | { kind: "invalid"; notice: Notice }
  /** A button that cannot belong to this question as it stands. */
  | { kind: "stale" }
  /** The resident chose to skip (optional questions only). */
  | { kind: "skip" }
  /** A phone question got a telephone number (canonical form): it goes to the store, not the answers. */
  | { kind: "phone"; phone: string }
  /** A phone question got "none": the resident wants no number kept (an earlier one is removed). */
  | { kind: "withdrawPhone" };

/** A question ready to send (the flow adds progress and wraps it into an OutMessage). */
export interface Rendered {
  text: string;
  options: OutOption[];
  multi?: boolean;
  /** Multiple choice: ticked so far, and the most allowed when that is fewer than all options. */
  selection?: { count: number; max?: number };
}

/** A question-type module. */
export interface QuestionHandler<Q extends QuestionDefinition> {
  render(scope: QuestionScope<Q>): Rendered;
  handle(scope: QuestionScope<Q>, reply: Reply): Outcome;
}

/**
 * The options offered at a choice question, numbered 1..n in this order by render and read back
 * in the same order by handle (both see the same answers, so the numbering agrees); each keeps
 * its definition index, which its button carries.
 */
export function offeredOptions(scope: QuestionScope<QuestionDefinition & { options: readonly OptionDefinition[] }>): ShownOption[] {
  if (scope.allChoices) return scope.question.options.map((option, index) => ({ option, index }));
  return shownOptions(scope.questionnaire, scope.question, scope.answers, scope.today);
}

/** Localizes questionnaire text for the resident. */
export function label(scope: QuestionScope, text: LocalizedText | undefined): string {
  return localize(text, scope.lang, scope.questionnaire.languages);
}

/** Renders a notice in the resident's language. */
export function noticeText(lang: Lang, notice: Notice): string {
  return "key" in notice ? t(lang, notice.key, notice.vars) : notice.text;
}

/** The payload prefix identifying this question. */
export function questionRef(scope: QuestionScope): QuestionRef {
  return { version: scope.questionnaire.version, ck: checksumTag(scope.questionnaire.checksum), q: scope.index };
}

/** Question text: label, then hint and instruction lines. */
export function questionText(scope: QuestionScope, ...extra: (string | undefined)[]): string {
  const wording = scope.interviewer && scope.question.read_aloud ? scope.question.read_aloud : scope.question.label;
  const piped = (text: string): string => pipeAnswers(text, scope.lang, scope.questionnaire, scope.answers, scope.regions);
  return [piped(label(scope, wording)), piped(label(scope, scope.question.hint)), ...extra].filter((s) => s).join("\n");
}

/** The Skip option of an optional question (key "0", or `key` when given). */
export function skipOptions(scope: QuestionScope, key = "0"): OutOption[] {
  if (isRequired(scope.question)) return [];
  return [{ key, label: t(scope.lang, "common.skip"), payload: encodePayload({ op: "skip", ...questionRef(scope) }) }];
}

/** Did the resident type the Skip key of an optional question? */
export function typedSkip(scope: QuestionScope, text: string): boolean {
  return !isRequired(scope.question) && parseOrdinal(text) === 0;
}

/**
 * Finds which of `labels` the resident meant: a number (1-based, also "２", "二", "第二个"), a
 * numbered line copied back ("2. 安全"), or a label in any language. -1 when none.
 */
export function pickIndex(text: string, labels: readonly (readonly string[])[]): number {
  const n = parseOrdinal(text);
  if (n !== undefined) return n >= 1 && n <= labels.length ? n - 1 : -1;
  const numbered = /^\s*([0-9]{1,3})\s*[.、:：)）]\s*(.+)$/.exec(text.normalize("NFKC"));
  if (numbered) {
    const i = Number(numbered[1]) - 1;
    const rest = matchKey(numbered[2] ?? "");
    if (i >= 0 && i < labels.length && labels[i]?.some((l) => matchKey(l) === rest)) return i;
  }
  const key = matchKey(text);
  if (key === "") return -1;
  const found = labels.findIndex((ls) => ls.some((l) => matchKey(l) === key));
  return found;
}

/** Every language's label of a localized text (for matching typed answers). */
export function allLabels(text: LocalizedText): string[] {
  return Object.values(text).filter((s): s is string => typeof s === "string");
}
