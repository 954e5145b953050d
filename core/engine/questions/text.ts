/**
 * `text`: free text (suggestions, "please specify"), within a length limit and constraint.
 */
import { isRequired, textMaxLength } from "../definition.js";
import { passesConstraint } from "../answer-check.js";
import { t } from "../i18n.js";
import { MAX_PARSED_INPUT, tidyFreeText } from "../normalize.js";
import { label, questionText, skipOptions, typedSkip } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { TextQuestion } from "../types.js";

/** Handler for free-text questions. Typed "0" skips an optional one (its Skip key). */
export const textHandler: QuestionHandler<TextQuestion> = {
  render(scope: QuestionScope<TextQuestion>): Rendered {
    const hint = isRequired(scope.question) ? t(scope.lang, "hint.text") : t(scope.lang, "hint.text_optional");
    return { text: questionText(scope, hint), options: skipOptions(scope) };
  },

  handle(scope: QuestionScope<TextQuestion>, reply: Reply): Outcome {
    const q = scope.question;
    if (reply.kind === "button") return { kind: "stale" };
    if (typedSkip(scope, reply.text)) return { kind: "skip" };
    const max = textMaxLength(q);
    // Far too long: report it before normalizing (which only looks at the first few thousand chars).
    if (reply.text.length > MAX_PARSED_INPUT) {
      return { kind: "invalid", notice: { key: "error.text_too_long", vars: { max, length: [...reply.text].length } } };
    }
    const text = tidyFreeText(reply.text);
    if (text === "") return { kind: "invalid", notice: { key: "error.text_empty" } };
    const length = [...text].length;
    if (length > max) return { kind: "invalid", notice: { key: "error.text_too_long", vars: { max, length } } };
    if (!passesConstraint(scope.questionnaire, q.constraint, text, scope.answers, scope.today)) {
      return { kind: "invalid", notice: q.constraint_message ? { text: label(scope, q.constraint_message) } : { key: "error.constraint" } };
    }
    return { kind: "answer", value: { kind: "text", value: text } };
  },
};
