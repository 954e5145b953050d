/**
 * Which questions are asked, in which order: relevance, the next question, the previous one for
 * /back, progress, and dropping answers that became irrelevant.
 */
import { isAnswerable, isRequired } from "./definition.js";
import { collectReferences, evaluate, parseExpression, truthy } from "./expression.js";
import type { EvalEnv, Expr, ExprValue } from "./expression.js";
import type { AnswerValue, OptionDefinition, QuestionDefinition, Questionnaire, RegionNode, SurveyProgress } from "./types.js";

// Parsed expressions per questionnaire object; validated questionnaires never change, so a
// WeakMap cache is invisible to callers (and lets old versions be garbage-collected).
const compiled = new WeakMap<Questionnaire, Map<string, Expr | null>>();

/** The parsed form of an expression of `questionnaire` (null if it does not parse). */
export function compiledExpression(questionnaire: Questionnaire, source: string): Expr | null {
  let cache = compiled.get(questionnaire);
  if (!cache) {
    cache = new Map();
    compiled.set(questionnaire, cache);
  }
  let expr = cache.get(source);
  if (expr === undefined) {
    const parsed = parseExpression(source);
    expr = parsed.ok ? parsed.expr : null;
    cache.set(source, expr);
  }
  return expr;
}

/** How an answer reads in expressions (see expression.ts). */
export function answerToExprValue(value: AnswerValue | undefined): ExprValue {
  if (!value) return null;
  switch (value.kind) {
    case "choice":
      return value.option;
    case "choices":
      return [...value.options];
    case "number":
      return value.value;
    case "text":
      return value.value;
    case "bool":
      return value.value ? "yes" : "no";
    case "region":
      return value.code;
  }
}

/** An evaluation environment over a set of answers. */
export function answersEnv(answers: Record<string, AnswerValue>, self?: ExprValue, today?: string): EvalEnv {
  return {
    ref: (name) => (Object.hasOwn(answers, name) ? answerToExprValue(answers[name]) : null),
    ...(self === undefined ? {} : { self }),
    ...(today === undefined ? {} : { today }),
  };
}

/**
 * Is the question asked, given the answers so far? Notes count too (they are shown). A region
 * question without any regions configured is never asked.
 */
export function isRelevant(
  questionnaire: Questionnaire,
  question: QuestionDefinition,
  answers: Record<string, AnswerValue>,
  regions: readonly RegionNode[],
  today?: string,
): boolean {
  if (question.type === "region" && regions.length === 0) return false;
  if (question.relevant !== undefined) {
    const expr = compiledExpression(questionnaire, question.relevant);
    // A validated questionnaire always parses; if not, asking is safer than silently skipping.
    if (expr && !truthy(evaluate(expr, answersEnv(answers, undefined, today)))) return false;
  }
  // An optional choice whose filter leaves nothing to pick is passed over, as if not relevant
  // (a required one is asked, and says that the earlier answers leave no choice: see choice.ts).
  if ((question.type === "single" || question.type === "multiple") && !isRequired(question) && question.options.some((o) => o.relevant !== undefined)) {
    return shownOptions(questionnaire, question, answers, today).length > 0;
  }
  return true;
}

/** Does the answer to `q` (if any) name only options that are still offered? */
function stillOffered(questionnaire: Questionnaire, q: QuestionDefinition, answers: Record<string, AnswerValue>, today?: string): boolean {
  if ((q.type !== "single" && q.type !== "multiple") || !q.options.some((o) => o.relevant !== undefined)) return true;
  const answer = answers[q.id];
  if (!answer || (answer.kind !== "choice" && answer.kind !== "choices")) return true;
  const shown = new Set(shownOptions(questionnaire, q, answers, today).map((o) => o.option.id));
  return answer.kind === "choice" ? shown.has(answer.option) : answer.options.every((id) => shown.has(id));
}

/** An option as offered: the option and its position in the definition (what payloads carry). */
export interface ShownOption {
  option: OptionDefinition;
  index: number;
}

/**
 * The options of `question` offered given the answers so far: those without a `relevant`, and
 * those whose `relevant` (an XLSForm choice filter) is true, in definition order. The resident
 * numbers them 1..n in this order.
 */
export function shownOptions(
  questionnaire: Questionnaire,
  question: QuestionDefinition & { options: readonly OptionDefinition[] },
  answers: Record<string, AnswerValue>,
  today?: string,
): ShownOption[] {
  const env = answersEnv(answers, undefined, today);
  const out: ShownOption[] = [];
  question.options.forEach((option, index) => {
    if (option.relevant !== undefined) {
      const expr = compiledExpression(questionnaire, option.relevant);
      // As for questions: an unparsable condition (never in a validated questionnaire) shows it.
      if (expr && !truthy(evaluate(expr, env))) return;
    }
    out.push({ option, index });
  });
  return out;
}

/** Questions that take an answer and are currently relevant, in order. */
export function askableQuestions(
  questionnaire: Questionnaire,
  answers: Record<string, AnswerValue>,
  regions: readonly RegionNode[],
  today?: string,
): QuestionDefinition[] {
  return questionnaire.questions.filter((q) => isAnswerable(q) && isRelevant(questionnaire, q, answers, regions, today));
}

/** Index of a question id in the questionnaire (-1 when unknown). */
export function questionIndex(questionnaire: Questionnaire, id: string | null | undefined): number {
  if (!id) return -1;
  return questionnaire.questions.findIndex((q) => q.id === id);
}

/** Has the question been answered or skipped in this response? */
export function isDone(survey: SurveyProgress, id: string): boolean {
  return Object.hasOwn(survey.answers, id) || survey.skipped.includes(id);
}

/** The first askable question not yet answered or skipped; undefined when the survey is complete. */
export function nextQuestion(
  questionnaire: Questionnaire,
  survey: SurveyProgress,
  regions: readonly RegionNode[],
  today?: string,
): QuestionDefinition | undefined {
  return askableQuestions(questionnaire, survey.answers, regions, today).find((q) => !isDone(survey, q.id));
}

/** The askable question before `currentId` that was answered or skipped (for /back). */
export function previousQuestion(
  questionnaire: Questionnaire,
  survey: SurveyProgress,
  currentId: string | null,
  regions: readonly RegionNode[],
  today?: string,
): QuestionDefinition | undefined {
  const current = questionIndex(questionnaire, currentId);
  const limit = current < 0 ? questionnaire.questions.length : current;
  const candidates = askableQuestions(questionnaire, survey.answers, regions, today).filter(
    (q) => questionIndex(questionnaire, q.id) < limit && isDone(survey, q.id),
  );
  return candidates[candidates.length - 1];
}

/**
 * How many questions this response can still come to ask: those answered or skipped, plus those
 * not yet reached whose condition is true, or still undecided because it depends on an answer
 * not given yet. Conditions refer only to earlier questions (the definition checks that), so one
 * pass in order decides each question. `reopened` is the question on screen, counted as not yet
 * answered even when it was (after /back its answer may change).
 *
 * Moving forward only ever decides conditions, never undecides them, so this number never grows
 * from one question to the next; it shrinks when an answer rules a branch out.
 */
export function reachableCount(
  questionnaire: Questionnaire,
  survey: SurveyProgress,
  regions: readonly RegionNode[],
  reopened: string | null = null,
  today?: string,
): number {
  /** Per question id: "asked" (or already done), "never" (condition false), "maybe" (undecided). */
  const status = new Map<string, "asked" | "never" | "maybe">();
  const known: Record<string, AnswerValue> = {};
  const open = (id: string): boolean => id === reopened || !isDone(survey, id);
  let count = 0;
  for (const q of questionnaire.questions) {
    if (!isAnswerable(q)) continue;
    let verdict: "asked" | "never" | "maybe";
    if (q.type === "region" && regions.length === 0) verdict = "never";
    else if (q.relevant === undefined) verdict = "asked";
    else {
      const expr = compiledExpression(questionnaire, q.relevant);
      const undecided = expr === null || collectReferences(expr).some((ref) => {
        const of = status.get(ref.name);
        return of === "maybe" || (of === "asked" && open(ref.name));
      });
      verdict = undecided ? "maybe" : truthy(evaluate(expr, answersEnv(known, undefined, today))) ? "asked" : "never";
    }
    status.set(q.id, verdict);
    if (verdict !== "never") count += 1;
    // Only answers that stand (their question asked, not reopened) decide later conditions.
    if (verdict === "asked" && !open(q.id) && Object.hasOwn(survey.answers, q.id)) {
      const answer = survey.answers[q.id];
      if (answer) known[q.id] = answer;
    }
  }
  return Math.max(count, 1);
}

/**
 * "3/18": the position of `id` among the currently askable questions, out of the questions this
 * response can still come to ask ({@link reachableCount}, with `id` itself undecided).
 */
export function progressOf(
  questionnaire: Questionnaire,
  survey: SurveyProgress,
  id: string,
  regions: readonly RegionNode[],
  today?: string,
): { index: number; total: number } {
  const askable = askableQuestions(questionnaire, survey.answers, regions, today);
  const at = askable.findIndex((q) => q.id === id);
  const index = at < 0 ? askable.length : at + 1;
  return { index, total: Math.max(reachableCount(questionnaire, survey, regions, id, today), index) };
}

/**
 * Removes answers and skips of questions that are no longer relevant, and answers naming an
 * option no longer offered (a choice filter changed: the town of another district), in order,
 * because both depend on earlier answers. Returns the ids whose answers were removed. Mutates
 * `survey` (callers pass their own copy).
 */
export function dropIrrelevant(questionnaire: Questionnaire, survey: SurveyProgress, regions: readonly RegionNode[], today?: string): string[] {
  const retracted: string[] = [];
  for (const q of questionnaire.questions) {
    if (!isAnswerable(q) || !isDone(survey, q.id)) continue;
    if (isRelevant(questionnaire, q, survey.answers, regions, today) && stillOffered(questionnaire, q, survey.answers, today)) continue;
    if (Object.hasOwn(survey.answers, q.id)) {
      delete survey.answers[q.id];
      retracted.push(q.id);
    }
    survey.skipped = survey.skipped.filter((id) => id !== q.id);
    survey.order = survey.order.filter((id) => id !== q.id);
  }
  return retracted;
}
