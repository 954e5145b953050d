/**
 * `phone`: a telephone number the resident may leave for the survey's telephone spot checks.
 * Always optional. A typed number is normalised and checked (core/engine/phone.ts); "0" or Skip
 * skips (an earlier number is kept); "none" / "不留" withdraws (an earlier number is removed).
 * The outcome is never an answer: the survey flow hands the number to the store.
 */
import { t } from "../i18n.js";
import { matchKey } from "../normalize.js";
import { normalizePhone } from "../phone.js";
import { questionText, skipOptions, typedSkip } from "./common.js";
import type { Outcome, QuestionHandler, QuestionScope, Rendered, Reply } from "./common.js";
import type { PhoneQuestion } from "../types.js";

/**
 * What residents type to say "keep no number of mine", in every language (compared as
 * {@link matchKey}s, so case, spaces and punctuation do not matter). "Skip" is different: it
 * leaves a number given in an earlier wave as it is.
 */
const NONE_WORDS = new Set(
  [
    "不留", "不留了", "不用", "不用了", "不要", "不要了", "不给", "不給", "无", "無", "没有", "沒有",
    "删除", "刪除", "删掉", "刪掉", "none", "no", "nope", "no number", "no thanks", "remove", "delete",
  ].map(matchKey),
);

/** Does the text ask to keep no telephone number? */
export function isNoPhoneWord(text: string): boolean {
  return NONE_WORDS.has(matchKey(text));
}

/** Handler for phone questions. */
export const phoneHandler: QuestionHandler<PhoneQuestion> = {
  render(scope: QuestionScope<PhoneQuestion>): Rendered {
    const hint = t(scope.lang, scope.phoneOnFile ? "hint.phone_on_file" : "hint.phone");
    return { text: questionText(scope, hint), options: skipOptions(scope) };
  },

  handle(scope: QuestionScope<PhoneQuestion>, reply: Reply): Outcome {
    if (reply.kind === "button") return { kind: "stale" };
    if (typedSkip(scope, reply.text)) return { kind: "skip" };
    if (isNoPhoneWord(reply.text)) return { kind: "withdrawPhone" };
    const phone = normalizePhone(reply.text);
    if (phone === undefined) return { kind: "invalid", notice: { key: "error.phone" } };
    return { kind: "phone", phone };
  },
};
