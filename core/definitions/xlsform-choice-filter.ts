/**
 * XLSForm `choice_filter` (cascading selects: district → town → village). In XLSForm the filter
 * is one expression per question, evaluated against each choice: a bare name is a column of the
 * choices sheet (`district` of a town row), `${field}` an earlier answer. The engine has no
 * per-choice columns, so the filter is worked out here for each choice of the list: its columns
 * become literals, leaving a condition over earlier answers that becomes that option's
 * `relevant` (`district = ${district}` on the row of town t1 with district d1 → `district == 'd1'`).
 * The engine offers only the options whose condition holds (core/engine/flow.ts shownOptions).
 */
import type { Expr } from "../engine/expression.js";
import type { OptionDefinition } from "../engine/types.js";
import { resolveRef } from "./xlsform-conditions.js";
import { add, columnOf, locate, type ImportContext } from "./xlsform-context.js";
import { parseXlsExpression, toEngineText } from "./xlsform-expression.js";
import { msg } from "./xlsform-messages.js";
import { cell, type Column } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/**
 * The choices-sheet columns (lowercased) that some survey row's choice_filter reads, so that the
 * choices phase uses them instead of reporting them as ignored. Filters that do not parse are
 * reported later, by the row they are on.
 */
export function findFilterColumns(ctx: ImportContext): Set<string> {
  const out = new Set<string>();
  const column = columnOf(ctx.survey, "choice_filter");
  if (!column) return out;
  for (const row of ctx.survey.rows) {
    const src = cell(row, column);
    if (src === "") continue;
    parseXlsExpression(src, {
      allowSelf: false,
      resolve: () => ({ ok: true, id: "x" }),
      bare: (name) => {
        out.add(name.toLowerCase());
        return { ok: true, value: "" };
      },
    });
  }
  return out;
}

/**
 * Sets `relevant` on each option of list `listName` from the row's choice_filter `src`, read
 * for that option's choices-sheet row. Options without a row (the `other` that or_other adds)
 * stay unfiltered. Reports at the filter's cell and returns false when the filter cannot be kept.
 */
export function applyChoiceFilter(
  ctx: ImportContext,
  src: string,
  row: SheetRow,
  name: string,
  order: number,
  listName: string,
  options: OptionDefinition[],
): boolean {
  const sheet = ctx.choices;
  const list = ctx.lists.get(listName);
  const where = { ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "choice_filter")?.col ?? "choice_filter" }), name, outcome: "refused" as const };
  if (!sheet || !list) return false;
  const columns = new Map<string, Column>();
  for (const c of sheet.columns) if (c.suffix === null && !columns.has(c.base)) columns.set(c.base, c);
  const nameColumn = columns.get("name") ?? columns.get("value");
  for (const [i, choiceRow] of list.rows.entries()) {
    const option = options[i];
    if (!option) continue;
    const parsed = parseXlsExpression(src, {
      allowSelf: false,
      resolve: (ref) => resolveRef(ctx, ref, order, "choice_filter"),
      bare: (word) => {
        const lower = word.toLowerCase();
        const c = lower === "name" ? nameColumn : columns.get(lower);
        if (!c) return { ok: false, message: msg("msg.filter_no_column", { column: word }) };
        return { ok: true, value: cell(choiceRow, c) };
      },
    });
    if (!parsed.ok) {
      add(ctx, {
        ...where,
        message: msg("msg.cannot_translate", { source: src, reason: parsed.error.message, at: parsed.error.column, consequence: msg("msg.without_filter") }),
      });
      return false;
    }
    const printed = toEngineText(answerFirst(parsed.expr));
    if (!printed.ok) {
      add(ctx, { ...where, message: printed.message });
      return false;
    }
    option.relevant = printed.text;
  }
  return true;
}

/**
 * `'d1' == district` written the way people write conditions, `district == 'd1'` (equality reads
 * the same both ways round); everything else as it is.
 */
function answerFirst(e: Expr): Expr {
  switch (e.t) {
    case "bin": {
      const left = answerFirst(e.left);
      const right = answerFirst(e.right);
      const swap = (e.op === "==" || e.op === "!=") && left.t === "lit" && right.t === "ref";
      return swap ? { ...e, left: right, right: left } : { ...e, left, right };
    }
    case "not":
    case "neg":
      return { ...e, arg: answerFirst(e.arg) };
    case "call":
      return { ...e, args: e.args.map(answerFirst) };
    default:
      return e;
  }
}
