/**
 * `number`: typed numbers, with full-width digits, Chinese numerals and units ("六十五岁").
 */
import { isIntegerOnly } from "../definition.js";
import { passesConstraint } from "../answer-check.js";
import { SKIP_KEYWORD } from "../commands.js";
import { t } from "../i18n.js";
import { parseNumberText } from "../normalize.js";
import { label, questionText, skipOptions } from "./common.js";
import type { Notice, Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { NumberQuestion } from "../types.js";

/** The range re-prompt for a number question. */
function rangeNotice(q: NumberQuestion): Notice {
  if (q.min !== undefined && q.max !== undefined) return { key: "error.number_range", vars: { min: q.min, max: q.max } };
  if (q.min !== undefined) return { key: "error.number_min", vars: { min: q.min } };
  if (q.max !== undefined) return { key: "error.number_max", vars: { max: q.max } };
  return { key: "error.number", vars: { example: 12 } };
}

/** A plausible example number for the re-prompt. */
function example(q: NumberQuestion): number {
  if (q.min !== undefined && q.max !== undefined) return Math.round((q.min + q.max) / 2);
  return q.min ?? (q.max !== undefined ? Math.min(q.max, 12) : 12);
}

/** Handler for number questions. */
export const numberHandler: QuestionHandler<NumberQuestion> = {
  render(scope: QuestionScope<NumberQuestion>): Rendered {
    const q = scope.question;
    const hint =
      q.min !== undefined && q.max !== undefined
        ? t(scope.lang, "hint.number_range", { min: q.min, max: q.max })
        : t(scope.lang, "hint.number");
    // "0" may be a real answer here, so Skip is typed as the word (which the command parser knows).
    return { text: questionText(scope, hint), options: skipOptions(scope, SKIP_KEYWORD[scope.lang]) };
  },

  handle(scope: QuestionScope<NumberQuestion>, reply: Reply): Outcome {
    const q = scope.question;
    if (reply.kind === "button") return { kind: "stale" };
    const n = parseNumberText(reply.text);
    if (n === undefined) return { kind: "invalid", notice: { key: "error.number", vars: { example: example(q) } } };
    if (isIntegerOnly(q) && !Number.isInteger(n)) return { kind: "invalid", notice: { key: "error.number_integer" } };
    if ((q.min !== undefined && n < q.min) || (q.max !== undefined && n > q.max)) return { kind: "invalid", notice: rangeNotice(q) };
    if (!passesConstraint(scope.questionnaire, q.constraint, n, scope.answers, scope.today)) {
      return { kind: "invalid", notice: q.constraint_message ? { text: label(scope, q.constraint_message) } : { key: "error.constraint" } };
    }
    return { kind: "answer", value: { kind: "number", value: n } };
  },
};
