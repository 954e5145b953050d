/**
 * The choices sheet: its rows grouped into lists, each list turned into options when a question
 * first uses it (its labels checked once), and lists no imported question uses reported.
 */
import type { OptionDefinition } from "../engine/types.js";
import { localized, reportCells } from "./xlsform-cells.js";
import { add, addToSheet, columnOf, locate, type Choice, type ImportContext, type Origin } from "./xlsform-context.js";
import { msg } from "./xlsform-messages.js";
import { cell, OPTION_ID } from "./xlsform-rows.js";

/** Groups the choices sheet's rows into `ctx.lists`; a row without list or name is refused. */
export function readChoices(ctx: ImportContext): void {
  const sheet = ctx.choices;
  if (!sheet) return;
  const listColumn = columnOf(sheet, "list_name");
  const nameColumn = columnOf(sheet, "name") ?? columnOf(sheet, "value");
  if (!listColumn || !nameColumn) {
    addToSheet(ctx, "refused", "choices", msg("msg.choices_columns"));
    return;
  }
  for (const row of sheet.rows) {
    const list = cell(row, listColumn);
    const name = cell(row, nameColumn);
    if (list === "" || name === "") {
      add(ctx, {
        ...locate({ sheet: "choices", row: row.number, column: (list === "" ? listColumn : nameColumn).col }),
        outcome: "refused",
        message: msg("msg.choice_missing", { column: list === "" ? "list_name" : "name" }),
      });
      continue;
    }
    let entry = ctx.lists.get(list);
    if (!entry) {
      entry = { name: list, rows: [], choices: [], used: false };
      ctx.lists.set(list, entry);
    }
    entry.rows.push(row);
    entry.choices.push({ row: row.number, name });
  }
}

/** The options of a list, built (and reported on) at first use. */
export function optionsOf(ctx: ImportContext, listName: string): { options: OptionDefinition[]; origins: Origin[] } | undefined {
  const list = ctx.lists.get(listName);
  if (!list || !ctx.choices) return undefined;
  const sheet = ctx.choices;
  const origins = list.choices.map((c) => ({ sheet: "choices" as const, row: c.row, name: c.name }));
  if (list.options) return { options: structuredClone(list.options), origins };
  list.used = true;
  const options: OptionDefinition[] = [];
  const seen = new Map<string, number>();
  const nameColumn = columnOf(sheet, "name") ?? columnOf(sheet, "value");
  list.rows.forEach((row, i) => {
    const choice = list.choices[i] as Choice;
    const consumed = new Set<number>();
    const where = locate({ sheet: "choices", row: row.number, column: nameColumn?.col ?? "name" });
    if (!OPTION_ID.test(choice.name)) {
      add(ctx, { ...where, name: choice.name, outcome: "refused", message: msg("msg.choice_bad_id", { id: choice.name }) });
    }
    const first = seen.get(choice.name);
    if (first !== undefined) {
      add(ctx, { ...where, name: choice.name, outcome: "refused", message: msg("msg.choice_duplicate", { id: choice.name, list: list.name, first }) });
    } else seen.set(choice.name, row.number);
    const label = localized(ctx, sheet, row, "label", consumed, { name: choice.name, mandatory: true, description: msg("msg.what_choice", { name: choice.name }) });
    options.push({ id: choice.name, label: label ?? {} });
    // A column a choice_filter reads (district of a town) is used, not ignored.
    for (const c of sheet.columns) if (c.base === "list_name" || c.base === "name" || c.base === "value" || ctx.filterColumns.has(c.base)) consumed.add(c.col.index);
    reportCells(ctx, sheet, row, consumed, "choices");
  });
  list.options = options;
  return { options: structuredClone(options), origins };
}

/** Reports every list no imported question used. */
export function reportUnusedLists(ctx: ImportContext): void {
  for (const list of ctx.lists.values()) {
    if (list.used) continue;
    add(ctx, { outcome: "ignored", sheet: "choices", row: list.choices[0]?.row, name: list.name, message: msg("msg.list_unused", { list: list.name }) });
  }
}
