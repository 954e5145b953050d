/**
 * The survey sheet's rows: what each row is (from its `type` cell) and the names they declare,
 * with the engine id and answer order of every imported question, so that conditions can refer
 * to them.
 */
import { add, columnOf, locate, type ImportContext } from "./xlsform-context.js";
import { msg } from "./xlsform-messages.js";
import { cell, engineIdFor, isEngineId, parseRowType, type NameEntry, type RowType } from "./xlsform-rows.js";
import type { SheetRow } from "./xlsform-sheets.js";

/** The type of every survey row that has one; a row without a type is refused. */
export function classifyRows(ctx: ImportContext): Map<SheetRow, RowType> {
  const types = new Map<SheetRow, RowType>();
  const typeColumn = columnOf(ctx.survey, "type");
  for (const row of ctx.survey.rows) {
    const raw = cell(row, typeColumn);
    if (raw === "") {
      add(ctx, { ...locate({ sheet: "survey", row: row.number, column: typeColumn?.col ?? "type" }), outcome: "refused", message: msg("msg.row_no_type") });
      continue;
    }
    types.set(row, parseRowType(raw));
  }
  return types;
}

/** Registers the name of every row (refusing missing and duplicate ones) and gives questions, notes and groups engine ids. */
export function registerNames(ctx: ImportContext, types: Map<SheetRow, RowType>): void {
  const nameColumn = columnOf(ctx.survey, "name");
  const rowsWithNames: { row: SheetRow; type: RowType; name: string }[] = [];
  for (const [row, type] of types) {
    if (type.kind === "end_group" || type.kind === "end_repeat" || type.kind === "bad") continue;
    let name = cell(row, nameColumn);
    if (name === "") {
      if (type.kind === "question" && type.qtype !== "note") {
        add(ctx, { ...locate({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }), outcome: "refused", message: msg("msg.row_no_name") });
        continue;
      }
      if (type.kind === "skip") continue;
      name = `${type.kind === "question" ? "note" : "group"}_${row.number}`;
      add(ctx, { outcome: "converted", sheet: "survey", row: row.number, message: msg("msg.named", { name }) });
    }
    const earlier = ctx.names.get(name);
    if (earlier) {
      add(ctx, { ...locate({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }), name, outcome: "refused", message: msg("msg.duplicate_name", { first: earlier.row }) });
      continue;
    }
    const kind: NameEntry["kind"] =
      type.kind === "question" ? (type.qtype === "note" ? "note" : "question") : type.kind === "skip" ? "skipped" : "group";
    const typeName = type.kind === "skip" ? type.type : type.kind === "question" ? type.qtype : type.kind.replace("_", " ");
    ctx.names.set(name, { name, row: row.number, kind, type: typeName });
    if (kind !== "skipped") rowsWithNames.push({ row, type, name });
  }
  // Names that already are engine ids keep them, so renamed ones never take an id someone uses.
  const used = new Set<string>();
  for (const { name } of rowsWithNames) if (isEngineId(name)) used.add(name);
  let order = 0;
  for (const { row, type, name } of rowsWithNames) {
    const entry = ctx.names.get(name) as NameEntry;
    if (isEngineId(name)) entry.id = name;
    else {
      entry.id = engineIdFor(name, used);
      used.add(entry.id);
      add(ctx, {
        ...locate({ sheet: "survey", row: row.number, column: nameColumn?.col ?? "name" }),
        name,
        outcome: "converted",
        message: msg("msg.renamed", { name, id: entry.id }),
      });
    }
    if (type.kind === "question") entry.order = order++;
  }
}
