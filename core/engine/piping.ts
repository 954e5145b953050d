/**
 * Piping: `${question_id}` in a label, hint or note is shown as the resident's earlier answer
 * (as XLSForm does with `${name}`), in the resident's language: an option's label, a number, the
 * text given. An earlier question without an answer (skipped, not asked) reads as nothing; a name
 * that is no question of the questionnaire stays as written.
 */
import { describeAnswer } from "./questions/describe.js";
import type { AnswerValue, Lang, Questionnaire, RegionNode } from "./types.js";

const REFERENCE = /\$\{([a-z][a-z0-9_]{0,31})\}/g;

/** `text` with every `${id}` of a question of `questionnaire` replaced by its answer. */
export function pipeAnswers(
  text: string,
  lang: Lang,
  questionnaire: Questionnaire,
  answers: Record<string, AnswerValue>,
  regions: readonly RegionNode[],
): string {
  if (!text.includes("${")) return text;
  return text.replace(REFERENCE, (whole, id: string) => {
    const question = questionnaire.questions.find((q) => q.id === id);
    if (!question) return whole;
    const answer = Object.hasOwn(answers, id) ? answers[id] : undefined;
    // A phone question's entry is the masked number: never piped into a question.
    if (!answer || question.type === "phone") return "";
    return describeAnswer(lang, questionnaire, question, answer, regions);
  });
}
