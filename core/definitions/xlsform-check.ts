/**
 * The last check of an XLSForm import: the converted definition goes through the engine's own
 * validation, and each issue it finds is reported against the sheet row it came from.
 */
import { checkQuestionnaire, type DefinitionIssue } from "../engine/definition.js";
import type { Questionnaire, QuestionnaireDefinition } from "../engine/types.js";
import { columnOf, fail, locate, type ImportContext } from "./xlsform-context.js";
import { msg } from "./xlsform-messages.js";
import type { ReportInput } from "./xlsform-report.js";

/** The validated questionnaire; ends the import with the engine's issues when it refuses it. */
export function checkDefinition(ctx: ImportContext, definition: QuestionnaireDefinition): Questionnaire {
  const checked = checkQuestionnaire(definition);
  if (!checked.ok) {
    for (const issue of checked.issues) ctx.report.add(issueItem(ctx, issue));
    fail(ctx);
  }
  return checked.questionnaire;
}

/** A validation issue of the converted definition, pointed back at the workbook. */
function issueItem(ctx: ImportContext, issue: DefinitionIssue): ReportInput {
  // The engine's validation speaks English (it checks hand-written YAML files too); its words are
  // quoted in the translated frame. The importer makes sure they are rare: see the phases above.
  const message = issue.path ? msg("msg.engine_refuses_at", { path: issue.path, issue: issue.message }) : msg("msg.engine_refuses", { issue: issue.message });
  const q = /^questions\[(\d+)\](?:\.options\[(\d+)\])?(?:\.([a-z_]+))?/.exec(issue.path);
  if (q) {
    const qi = Number(q[1]);
    const origin = ctx.questionOrigins[qi];
    if (q[2] !== undefined) {
      const option = ctx.optionOrigins[qi]?.[Number(q[2])];
      if (option) return { outcome: "refused", sheet: option.sheet, row: option.row, ...(option.name ? { name: option.name } : {}), message };
    }
    if (origin) {
      const field = q[3];
      const column = field === "min" || field === "max" ? "constraint" : field === "options" ? "type" : field;
      const c = column ? columnOf(ctx.survey, column) : undefined;
      return { outcome: "refused", ...locate({ sheet: "survey", row: origin.row, ...(c ? { column: c.col } : {}) }), ...(origin.name ? { name: origin.name } : {}), message };
    }
  }
  const s = /^sections\[(\d+)\]/.exec(issue.path);
  if (s) {
    const origin = ctx.sectionOrigins[Number(s[1])];
    const typeColumn = columnOf(ctx.survey, "type");
    if (origin) return { outcome: "refused", ...locate({ sheet: "survey", row: origin.row, ...(typeColumn ? { column: typeColumn.col } : {}) }), message };
  }
  if (/^(id|version|title)\b/.test(issue.path)) return { outcome: "refused", sheet: "settings", message };
  return { outcome: "refused", sheet: "workbook", message };
}
