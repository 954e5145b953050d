/**
 * Conditions of survey rows: `relevant` and `constraint` cells translated into the engine's
 * expression language (references resolved to earlier questions' ids), and select_multiple
 * constraints turned into the engine's min / max / exclusive options.
 */
import type { Expr } from "../engine/expression.js";
import type { MultipleQuestion } from "../engine/types.js";
import { add, columnOf, locate, type ImportContext } from "./xlsform-context.js";
import { parseXlsExpression, toEngineText, type RefResolution, type TranslateOptions } from "./xlsform-expression.js";
import { msg, type ReportMessage } from "./xlsform-messages.js";
import { countBound, exclusiveOption } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/** Translates an expression cell; reports and returns undefined when it cannot be kept. */
export function translate(
  ctx: ImportContext,
  src: string,
  row: SheetRow,
  columnBase: "relevant" | "constraint",
  name: string,
  how: { allowSelf: boolean; selfName?: string; order: number },
): Expr | undefined {
  const options: TranslateOptions = {
    allowSelf: how.allowSelf,
    ...(how.selfName !== undefined ? { selfName: how.selfName } : {}),
    resolve: (ref) => resolveRef(ctx, ref, how.order, columnBase),
  };
  const parsed = parseXlsExpression(src, options);
  if (parsed.ok) {
    const printed = toEngineText(parsed.expr);
    if (printed.ok) return parsed.expr;
    add(ctx, { ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, columnBase)?.col ?? columnBase }), name, outcome: "refused", message: printed.message });
    return undefined;
  }
  add(ctx, {
    ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, columnBase)?.col ?? columnBase }),
    name,
    outcome: "refused",
    message: msg("msg.cannot_translate", {
      source: src,
      reason: parsed.error.message,
      at: parsed.error.column,
      consequence: msg(columnBase === "relevant" ? "msg.without_relevant" : "msg.without_constraint"),
    }),
  });
  return undefined;
}

/**
 * A ${name} reference in a condition (`relevant`, `constraint`, `choice_filter`): only an earlier
 * question (by answer order) has an answer to use; a constraint's own question reads as `.`.
 */
export function resolveRef(ctx: ImportContext, ref: string, order: number, columnBase: string): RefResolution {
  const entry = ctx.names.get(ref);
  const field = `\${${ref}}`;
  if (!entry) {
    const other = [...ctx.names.keys()].find((n) => n.toLowerCase() === ref.toLowerCase());
    return { ok: false, message: other ? msg("msg.ref_unknown_case", { field, other: `\${${other}}` }) : msg("msg.ref_unknown", { field }) };
  }
  switch (entry.kind) {
    case "skipped":
      return { ok: false, message: msg("msg.ref_skipped", { field, type: entry.type, row: entry.row }) };
    case "group":
      return { ok: false, message: msg("msg.ref_group", { field }) };
    case "note":
      return { ok: false, message: msg("msg.ref_note", { field }) };
    case "question":
      if (entry.order === undefined || entry.id === undefined) return { ok: false, message: msg("msg.ref_not_imported", { field }) };
      if (entry.order === order && columnBase !== "constraint") return { ok: false, message: msg("msg.ref_itself", { field }) };
      if (entry.order >= order) return { ok: false, message: msg("msg.ref_later", { field, row: entry.row }) };
      return { ok: true, id: entry.id };
  }
}

/**
 * A select_multiple constraint the engine can express: `count-selected(.)` bounds (→ min / max)
 * and `not(selected(., 'x') and count-selected(.) > 1)` (→ option x exclusive), joined by `and`.
 * Reports and returns false for anything else.
 */
export function applyMultipleConstraint(ctx: ImportContext, q: MultipleQuestion, expr: Expr, row: SheetRow, name: string): boolean {
  const parts: Expr[] = [];
  const split = (e: Expr): void => {
    if (e.t === "bin" && e.op === "and") {
      split(e.left);
      split(e.right);
    } else parts.push(e);
  };
  split(expr);
  let min: number | undefined;
  let max: number | undefined;
  const exclusive: string[] = [];
  for (const part of parts) {
    const bound = countBound(part);
    if (bound) {
      if (bound.min !== undefined) min = Math.max(min ?? 0, bound.min);
      if (bound.max !== undefined) max = Math.min(max ?? Number.MAX_SAFE_INTEGER, bound.max);
      continue;
    }
    const only = exclusiveOption(part);
    if (only !== undefined) {
      exclusive.push(only);
      continue;
    }
    add(ctx, {
      ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "constraint")?.col ?? "constraint" }),
      name,
      outcome: "refused",
      message: msg("msg.multiple_constraint_shape", { at: part.col }),
    });
    return false;
  }
  const notes: ReportMessage[] = [];
  if (min !== undefined && min > 0) {
    if (!q.required) {
      add(ctx, {
        ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "constraint")?.col ?? "constraint" }),
        name,
        outcome: "refused",
        message: msg("msg.multiple_optional_min", { min }),
      });
      return false;
    }
    q.min = min;
    notes.push(msg("msg.bound_min", { min }));
  }
  if (max !== undefined) {
    q.max = max;
    notes.push(msg("msg.bound_max", { max }));
  }
  for (const id of exclusive) {
    const option = q.options.find((o) => o.id === id);
    if (!option) {
      add(ctx, {
        ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "constraint")?.col ?? "constraint" }),
        name,
        outcome: "refused",
        message: msg("msg.constraint_unknown_choice", { id }),
      });
      return false;
    }
    option.exclusive = true;
    notes.push(msg("msg.bound_exclusive", { id }));
  }
  if (notes.length > 0) add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: msg("msg.constraint_becomes", { notes: { list: notes } }) });
  return true;
}
