/**
 * `single` and `scale5`: one option, by button, number, or label in any language.
 */
import { encodePayload } from "../payload.js";
import { allLabels, label, pickIndex, questionRef, questionText, skipOptions, typedSkip } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { Scale5Question, SingleQuestion } from "../types.js";

type ChoiceQuestion = SingleQuestion | Scale5Question;

/** Handler for single-choice and five-level scale questions. */
export const choiceHandler: QuestionHandler<ChoiceQuestion> = {
  render(scope: QuestionScope<ChoiceQuestion>): Rendered {
    const ref = questionRef(scope);
    return {
      text: questionText(scope),
      options: [
        ...scope.question.options.map((o, i) => ({
          key: String(i + 1),
          label: label(scope, o.label),
          payload: encodePayload({ op: "answer", ...ref, option: i }),
        })),
        ...skipOptions(scope),
      ],
    };
  },

  handle(scope: QuestionScope<ChoiceQuestion>, reply: Reply): Outcome {
    const options = scope.question.options;
    let index: number;
    if (reply.kind === "button") {
      if (reply.payload.op !== "answer" || reply.payload.option >= options.length) return { kind: "stale" };
      index = reply.payload.option;
    } else {
      if (typedSkip(scope, reply.text)) return { kind: "skip" };
      index = pickIndex(reply.text, options.map((o) => allLabels(o.label)));
      if (index < 0) return { kind: "invalid", notice: { key: "error.choice", vars: { max: options.length } } };
    }
    const option = options[index];
    if (!option) return { kind: "stale" };
    if (option.specify) return { kind: "specify", value: { kind: "choice", option: option.id } };
    return { kind: "answer", value: { kind: "choice", option: option.id } };
  },
};
