/**
 * First phase of the XLSForm import: finds the survey, choices and settings sheets among the
 * workbook's sheets and reads the settings row.
 */
import { add, addToSheet, fail, type Reporting, type Settings } from "./xlsform-context.js";
import { msg } from "./xlsform-messages.js";
import type { ReportSheet } from "./xlsform-report.js";
import { cell, parseColumn, type Sheet } from "./xlsform-rows.js";
import type { TextSheet } from "./xlsform-sheets.js";

/** The sheets an XLSForm is made of, with parsed columns. */
export interface FormSheets {
  survey: Sheet;
  choices: Sheet | undefined;
  settings: Settings;
}

/**
 * Picks the XLSForm sheets (reporting every other sheet as ignored) and reads the settings.
 * Ends the import without a survey sheet or without its `type` column.
 */
export function readSheets(ctx: Reporting, sheets: readonly TextSheet[]): FormSheets {
  const byName = new Map<string, TextSheet>();
  for (const sheet of sheets) {
    const key = sheet.name.trim().toLowerCase();
    if ((key === "survey" || key === "choices" || key === "settings") && !byName.has(key)) {
      byName.set(key, sheet);
    } else if (key === "external_choices") {
      addToSheet(ctx, "ignored", "workbook", msg("msg.sheet_external", { sheet: sheet.name }));
    } else {
      addToSheet(ctx, "ignored", "workbook", msg("msg.sheet_other", { sheet: sheet.name }));
    }
  }
  const surveySheet = byName.get("survey");
  if (!surveySheet) {
    addToSheet(ctx, "refused", "workbook", msg("msg.no_survey_sheet"));
    fail(ctx);
  }
  const wrap = (kind: ReportSheet, sheet: TextSheet): Sheet => ({ kind, name: sheet.name, columns: sheet.columns.map(parseColumn), rows: sheet.rows });
  const survey = wrap("survey", surveySheet);
  if (!survey.columns.some((c) => c.base === "type")) {
    addToSheet(ctx, "refused", "survey", msg("msg.no_type_column"));
    fail(ctx);
  }
  const choicesSheet = byName.get("choices");
  const choices = choicesSheet ? wrap("choices", choicesSheet) : undefined;
  const settings: Settings = {};
  const settingsSheet = byName.get("settings");
  if (settingsSheet) {
    const sheet = wrap("settings", settingsSheet);
    const row = sheet.rows[0];
    if (row) {
      for (const column of sheet.columns) {
        const value = cell(row, column);
        if (value !== "") settings[column.col.header.trim().toLowerCase()] = { value, column, row: row.number };
      }
    }
    for (const extra of sheet.rows.slice(1)) {
      add(ctx, { outcome: "ignored", sheet: "settings", row: extra.number, message: msg("msg.settings_extra_row") });
    }
  }
  return { survey, choices, settings };
}
