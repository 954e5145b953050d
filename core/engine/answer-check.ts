/**
 * Is an answer value a valid answer to a question? Used by the engine as a last guard before
 * recording, and by tests and the runner to check stored answers.
 */
import { answersEnv, compiledExpression } from "./flow.js";
import { evaluate, truthy } from "./expression.js";
import { isIntegerOnly, multipleBounds, regionDepth, textMaxLength } from "./definition.js";
import { nodesAlong } from "./regions.js";
import type { AnswerValue, QuestionDefinition, Questionnaire, RegionNode } from "./types.js";
import type { ExprValue } from "./expression.js";

/** Longest "other, please specify" text accepted. */
export const MAX_OTHER_LENGTH = 200;

const validOther = (other: string | undefined): boolean =>
  other === undefined || (other.trim() !== "" && [...other].length <= MAX_OTHER_LENGTH);

/**
 * Checks `value` against `question`: kind, option ids, bounds, lengths, region path, and (when
 * `answers` are given) the question's constraint.
 */
export function isValidAnswer(
  questionnaire: Questionnaire,
  question: QuestionDefinition,
  value: AnswerValue,
  regions: readonly RegionNode[],
  answers?: Record<string, AnswerValue>,
  today?: string,
): boolean {
  switch (question.type) {
    case "single":
    case "scale5": {
      if (value.kind !== "choice") return false;
      const option = question.options.find((o) => o.id === value.option);
      if (!option) return false;
      return value.other === undefined ? true : option.specify === true && validOther(value.other);
    }
    case "multiple": {
      if (value.kind !== "choices") return false;
      const { min, max } = multipleBounds(question);
      if (value.options.length < min || value.options.length > max) return false;
      if (new Set(value.options).size !== value.options.length) return false;
      const picked = value.options.map((id) => question.options.find((o) => o.id === id));
      if (picked.some((o) => o === undefined)) return false;
      if (picked.some((o) => o?.exclusive) && picked.length > 1) return false;
      return value.other === undefined ? true : picked.some((o) => o?.specify) && validOther(value.other);
    }
    case "yesno":
      return value.kind === "bool";
    case "number": {
      if (value.kind !== "number" || !Number.isFinite(value.value)) return false;
      if (isIntegerOnly(question) && !Number.isInteger(value.value)) return false;
      if (question.min !== undefined && value.value < question.min) return false;
      if (question.max !== undefined && value.value > question.max) return false;
      return passesConstraint(questionnaire, question.constraint, value.value, answers, today);
    }
    case "text": {
      if (value.kind !== "text" || value.value.trim() === "") return false;
      if ([...value.value].length > textMaxLength(question)) return false;
      return passesConstraint(questionnaire, question.constraint, value.value, answers, today);
    }
    case "region": {
      if (value.kind !== "region" || value.path.length === 0) return false;
      if (value.path[value.path.length - 1] !== value.code) return false;
      const nodes = nodesAlong(regions, value.path);
      if (!nodes) return false;
      const leaf = nodes[nodes.length - 1];
      // Deep enough, or a node with nothing below it.
      const depth = regionDepth(question);
      return value.path.length === depth || (value.path.length < depth && (leaf?.children ?? []).length === 0);
    }
    case "note":
    // A telephone number is never an answer of the response (it is the resident's, see PhoneShared).
    case "phone":
      return false;
  }
}

/** Does `self` satisfy the constraint (true when there is none or no answers were given)? */
export function passesConstraint(
  questionnaire: Questionnaire,
  constraint: string | undefined,
  self: ExprValue,
  answers: Record<string, AnswerValue> | undefined,
  today?: string,
): boolean {
  if (constraint === undefined || answers === undefined) return true;
  const expr = compiledExpression(questionnaire, constraint);
  return expr === null ? true : truthy(evaluate(expr, answersEnv(answers, self, today)));
}
