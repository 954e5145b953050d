/**
 * Conditions of survey rows: `relevant` and `constraint` cells translated into the engine's
 * expression language (references resolved to earlier questions' ids), and select_multiple
 * constraints turned into the engine's min / max / exclusive options.
 */
import type { Expr } from "../engine/expression.js";
import type { MultipleQuestion } from "../engine/types.js";
import { add, columnOf, locate, type ImportContext } from "./xlsform-context.js";
import { parseXlsExpression, toEngineText, type RefResolution, type TranslateOptions } from "./xlsform-expression.js";
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
  const consequence =
    columnBase === "relevant"
      ? "without it the question would be asked when the form skips it"
      : "without it answers the form refuses would be accepted";
  add(ctx, {
    ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, columnBase)?.col ?? columnBase }),
    name,
    outcome: "refused",
    message: `cannot translate '${src}': ${parsed.error.message} (at column ${parsed.error.column}); ${consequence}`,
  });
  return undefined;
}

// A ${name} reference: only an earlier question (by answer order) has an answer to use.
function resolveRef(ctx: ImportContext, ref: string, order: number, columnBase: string): RefResolution {
  const entry = ctx.names.get(ref);
  if (!entry) {
    const other = [...ctx.names.keys()].find((n) => n.toLowerCase() === ref.toLowerCase());
    return { ok: false, message: `unknown field \${${ref}}${other ? ` (did you mean \${${other}}? names are case-sensitive)` : ""}` };
  }
  switch (entry.kind) {
    case "skipped":
      return { ok: false, message: `\${${ref}} is a ${entry.type} row (row ${entry.row}), which the chat does not ask, so this condition could never be worked out; remove the reference here or change the type of row ${entry.row}` };
    case "group":
      return { ok: false, message: `\${${ref}} is a group, which has no answer` };
    case "note":
      return { ok: false, message: `\${${ref}} is a note, which has no answer` };
    case "question":
      if (entry.order === undefined || entry.id === undefined) return { ok: false, message: `\${${ref}} cannot be imported` };
      if (entry.order === order && columnBase === "relevant") return { ok: false, message: `\${${ref}} is the question itself` };
      if (entry.order >= order) {
        return { ok: false, message: `\${${ref}} is asked later (row ${entry.row}); conditions can only use earlier answers` };
      }
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
      message: `column ${part.col}: a select_multiple constraint can only be count-selected(.) bounds or not(selected(., 'x') and count-selected(.) > 1), joined by 'and'`,
    });
    return false;
  }
  const notes: string[] = [];
  if (min !== undefined && min > 0) {
    if (!q.required) {
      add(ctx, {
        ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "constraint")?.col ?? "constraint" }),
        name,
        outcome: "refused",
        message: `"optional, but at least ${min} choices when answered" cannot be expressed (the engine's min applies to required questions); make the question required or drop the lower bound`,
      });
      return false;
    }
    q.min = min;
    notes.push(`min ${min}`);
  }
  if (max !== undefined) {
    q.max = max;
    notes.push(`max ${max}`);
  }
  for (const id of exclusive) {
    const option = q.options.find((o) => o.id === id);
    if (!option) {
      add(ctx, {
        ...locate({ sheet: "survey", row: row.number, column: columnOf(ctx.survey, "constraint")?.col ?? "constraint" }),
        name,
        outcome: "refused",
        message: `the constraint names choice '${id}', which the list does not have`,
      });
      return false;
    }
    option.exclusive = true;
    notes.push(`'${id}' exclusive (picking it clears the others)`);
  }
  if (notes.length > 0) add(ctx, { outcome: "converted", sheet: "survey", row: row.number, name, message: `constraint becomes ${notes.join(", ")}` });
  return true;
}
