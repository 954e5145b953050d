/**
 * `yesno`: Yes / No buttons, or typed 是/否/对/不是/有/没有/yes/no/y/n/1/2.
 */
import { t } from "../i18n.js";
import { parseYesNo } from "../normalize.js";
import { encodePayload } from "../payload.js";
import { allLabels, label, pickIndex, questionRef, questionText, skipOptions, typedSkip } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { YesNoQuestion } from "../types.js";

/** The Yes and No labels of a question (the question's own, else the bot's). */
function yesNoLabels(scope: QuestionScope<YesNoQuestion>): [string, string] {
  return [
    scope.question.yes_label ? label(scope, scope.question.yes_label) : t(scope.lang, "common.yes"),
    scope.question.no_label ? label(scope, scope.question.no_label) : t(scope.lang, "common.no"),
  ];
}

/** Handler for yes/no questions. Option 0 = yes, 1 = no. */
export const yesNoHandler: QuestionHandler<YesNoQuestion> = {
  render(scope: QuestionScope<YesNoQuestion>): Rendered {
    const ref = questionRef(scope);
    const [yes, no] = yesNoLabels(scope);
    return {
      text: questionText(scope),
      options: [
        { key: "1", label: yes, payload: encodePayload({ op: "answer", ...ref, option: 0 }) },
        { key: "2", label: no, payload: encodePayload({ op: "answer", ...ref, option: 1 }) },
        ...skipOptions(scope),
      ],
    };
  },

  handle(scope: QuestionScope<YesNoQuestion>, reply: Reply): Outcome {
    if (reply.kind === "button") {
      if (reply.payload.op !== "answer" || reply.payload.option > 1) return { kind: "stale" };
      return { kind: "answer", value: { kind: "bool", value: reply.payload.option === 0 } };
    }
    if (typedSkip(scope, reply.text)) return { kind: "skip" };
    const word = parseYesNo(reply.text);
    if (word !== undefined) return { kind: "answer", value: { kind: "bool", value: word } };
    // Custom labels ("报了" / "没报") in any language, then the number of the button.
    const q = scope.question;
    const [yes, no] = yesNoLabels(scope);
    const index = pickIndex(reply.text, [
      [yes, ...(q.yes_label ? allLabels(q.yes_label) : [])],
      [no, ...(q.no_label ? allLabels(q.no_label) : [])],
    ]);
    if (index < 0) return { kind: "invalid", notice: { key: "error.yesno" } };
    return { kind: "answer", value: { kind: "bool", value: index === 0 } };
  },
};
