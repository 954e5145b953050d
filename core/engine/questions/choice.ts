/**
 * `single` and `scale5`: one option, by button, number, or label in any language. Options with a
 * `relevant` (a choice filter) are offered only while it holds; the resident numbers the offered
 * ones 1..n, and a button carries the option's definition index, so a button of an option no
 * longer offered (the filter changed after /back) is out of date rather than another option.
 */
import { encodePayload } from "../payload.js";
import { allLabels, label, offeredOptions, pickIndex, questionRef, questionText, skipOptions, typedSkip } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import { t } from "../i18n.js";
import type { Scale5Question, SingleQuestion } from "../types.js";

type ChoiceQuestion = SingleQuestion | Scale5Question;

/** Handler for single-choice and five-level scale questions. */
export const choiceHandler: QuestionHandler<ChoiceQuestion> = {
  render(scope: QuestionScope<ChoiceQuestion>): Rendered {
    const ref = questionRef(scope);
    const offered = offeredOptions(scope);
    // Only a required question comes here with nothing to offer (an optional one is passed
    // over, flow.ts): say why, and how to go on, instead of showing an empty question.
    if (offered.length === 0) return { text: questionText(scope, t(scope.lang, "error.choice_none")), options: [] };
    return {
      text: questionText(scope),
      options: [
        ...offered.map(({ option, index }, i) => ({
          key: String(i + 1),
          label: label(scope, option.label),
          payload: encodePayload({ op: "answer", ...ref, option: index }),
        })),
        ...skipOptions(scope),
      ],
    };
  },

  handle(scope: QuestionScope<ChoiceQuestion>, reply: Reply): Outcome {
    const offered = offeredOptions(scope);
    if (offered.length === 0) return reply.kind === "button" ? { kind: "stale" } : { kind: "invalid", notice: { key: "error.choice_none" } };
    let option: ChoiceQuestion["options"][number] | undefined;
    if (reply.kind === "button") {
      const payload = reply.payload;
      if (payload.op !== "answer") return { kind: "stale" };
      option = offered.find((o) => o.index === payload.option)?.option;
    } else {
      if (typedSkip(scope, reply.text)) return { kind: "skip" };
      const i = pickIndex(reply.text, offered.map((o) => allLabels(o.option.label)));
      if (i < 0) return { kind: "invalid", notice: { key: "error.choice", vars: { max: offered.length } } };
      option = offered[i]?.option;
    }
    if (!option) return { kind: "stale" };
    if (option.specify) return { kind: "specify", value: { kind: "choice", option: option.id } };
    return { kind: "answer", value: { kind: "choice", option: option.id } };
  },
};
