/**
 * Load-time checks of `relevant` (questions' and options') and `constraint` expressions: syntax (with the column), names
 * that must be earlier questions, option ids that must exist, and `.` only in constraints.
 */
import { collectOptionTests, collectReferences, parseExpression, usesSelf } from "./expression.js";
import type { QuestionDefinition, QuestionnaireDefinition } from "./types.js";

/** One problem, in the same shape as definition.ts's DefinitionIssue. */
interface Issue {
  path: string;
  message: string;
}

/** Checks every expression of a structurally valid definition. */
export function checkExpressions(def: QuestionnaireDefinition): Issue[] {
  const issues: Issue[] = [];
  const indexById = new Map<string, number>();
  def.questions.forEach((q, i) => {
    if (!indexById.has(q.id)) indexById.set(q.id, i);
  });

  def.questions.forEach((q, qi) => {
    const at = `questions[${qi}]`;
    if (q.relevant !== undefined) issues.push(...checkOne(def, indexById, qi, `${at}.relevant`, q.relevant, false));
    if ((q.type === "number" || q.type === "text") && q.constraint !== undefined) {
      issues.push(...checkOne(def, indexById, qi, `${at}.constraint`, q.constraint, true));
    }
    // An option's condition (a choice filter) reads earlier answers, like the question's own.
    if (q.type === "single" || q.type === "multiple") {
      q.options.forEach((o, oi) => {
        if (o.relevant !== undefined) issues.push(...checkOne(def, indexById, qi, `${at}.options[${oi}].relevant`, o.relevant, false));
      });
    }
  });
  return issues;
}

function checkOne(
  def: QuestionnaireDefinition,
  indexById: Map<string, number>,
  selfIndex: number,
  path: string,
  source: string,
  allowSelf: boolean,
): Issue[] {
  const parsed = parseExpression(source);
  if (!parsed.ok) return [{ path, message: `syntax error at column ${parsed.error.column}: ${parsed.error.message}` }];
  const issues: Issue[] = [];
  if (!allowSelf && usesSelf(parsed.expr)) {
    issues.push({ path, message: "'.' (this answer) is only allowed in a constraint" });
  }
  const reported = new Set<string>();
  for (const ref of collectReferences(parsed.expr)) {
    if (reported.has(ref.name)) continue;
    const index = indexById.get(ref.name);
    let problem: string | undefined;
    if (index === undefined) problem = `unknown question '${ref.name}'`;
    else if (index === selfIndex) problem = `refers to the question itself ('${ref.name}')${allowSelf ? "; use '.' for this answer" : ""}`;
    else if (index > selfIndex) problem = `refers to question '${ref.name}' which comes later (questions[${index}])`;
    else if (def.questions[index]?.type === "note") problem = `refers to '${ref.name}', a note, which has no answer`;
    if (problem) {
      reported.add(ref.name);
      issues.push({ path, message: `${problem} (column ${ref.col})` });
    }
  }
  for (const test of collectOptionTests(parsed.expr)) {
    // `x == ''` tests for no answer (an XLSForm choice row with an empty filter column reads so).
    if (reported.has(test.name) || test.option === "") continue;
    const index = indexById.get(test.name);
    const target = index === undefined ? undefined : def.questions[index];
    const known = target ? optionIdsOf(target) : undefined;
    if (known && !known.includes(test.option)) {
      issues.push({
        path,
        message: `question '${test.name}' has no option '${test.option}' (column ${test.col}); its options are ${known.join(", ")}`,
      });
    }
  }
  return issues;
}

/** Values an answer to `q` can compare equal to, when they form a closed list. */
function optionIdsOf(q: QuestionDefinition): string[] | undefined {
  switch (q.type) {
    case "single":
    case "multiple":
    case "scale5":
      return q.options.map((o) => o.id);
    case "yesno":
      return ["yes", "no"];
    default:
      return undefined;
  }
}
