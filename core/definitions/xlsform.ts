/**
 * XLSForm import: an ODK / Kobo .xlsx form (survey, choices and settings sheets) converted into an
 * Anxin questionnaire definition, with a report of everything that was not carried over as is.
 *
 * Principles:
 * - Nothing is dropped silently: every ignored column, skipped row or changed construct is an
 *   item of the report (see xlsform-report.ts).
 * - A condition is never dropped: a `relevant`, `constraint`, `choice_filter` or dynamic `required`
 *   the engine cannot express refuses the whole import, since the survey would otherwise ask
 *   questions it should not ask, offer choices it hides, or accept answers the form refuses.
 *   A `choice_filter` becomes a `relevant` on each option (xlsform-choice-filter.ts).
 * - Every report line is a locale key with parameters (xlsform-messages.ts), so that the report
 *   reads in the admin's language.
 * - XLSForm defaults win over the engine's: questions are optional unless `required` says so.
 * - The result passes validateQuestionnaire; its issues are reported against sheet rows.
 *
 * This file is the public entry and runs the phases in order; each phase is a module of its own:
 * xlsform-workbook (sheets) → xlsform-settings (settings) → xlsform-names (row types, names) →
 * xlsform-form-languages (languages) → xlsform-choices (choice lists) → xlsform-groups and
 * xlsform-questions (rows to questions) → xlsform-settings (id, version, title) → xlsform-check
 * (the engine's validation), with xlsform-yaml to write the result.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { QuestionnaireDefinition } from "../engine/types.js";
import { fileOfType, readAttachment } from "./xlsform-attachments.js";
import { checkDefinition } from "./xlsform-check.js";
import { findFilterColumns } from "./xlsform-choice-filter.js";
import { readChoices, reportUnusedLists } from "./xlsform-choices.js";
import { XlsFormImportError, type AttachedFile, type ImportContext, type XlsFormImport, type XlsFormImportOptions } from "./xlsform-context.js";
import { chooseLanguages } from "./xlsform-form-languages.js";
import { msg } from "./xlsform-messages.js";
import { buildQuestions, trailingNotes } from "./xlsform-groups.js";
import { classifyRows, registerNames } from "./xlsform-names.js";
import { ReportBuilder } from "./xlsform-report.js";
import { formHead, readSettings } from "./xlsform-settings.js";
import { readWorkbook, type TextSheet } from "./xlsform-sheets.js";
import { readSheets } from "./xlsform-workbook.js";

export { XlsFormImportError, type XlsFormImport, type XlsFormImportOptions } from "./xlsform-context.js";
export { isPhoneRow } from "./xlsform-phone.js";
export { formatReport, formatReportItem, REPORT_OUTCOMES } from "./xlsform-report.js";
export { formatReportIn } from "./xlsform-report-text.js";
export type { ImportReport, ImportedFormSummary, ReportItem, ReportOutcome, ReportSheet } from "./xlsform-report.js";
export { questionnaireToYaml } from "./xlsform-yaml.js";

/**
 * Imports an XLSForm .xlsx file (a path, or its bytes). Resolves with the definition and the
 * report; rejects with {@link XlsFormImportError} when anything in the form cannot be kept.
 */
export async function importXlsForm(input: string | Uint8Array, options: XlsFormImportOptions = {}): Promise<XlsFormImport> {
  const source = options.sourceName ?? (typeof input === "string" ? basename(input) : "form.xlsx");
  let sheets: TextSheet[];
  try {
    const bytes = typeof input === "string" ? await readFile(input) : input;
    sheets = await readWorkbook(bytes);
  } catch (error) {
    const report = new ReportBuilder();
    // The reader's own words (exceljs) are quoted as they are.
    const why = error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
    report.add({ outcome: "refused", sheet: "workbook", message: msg("msg.workbook_unreadable", { why }) });
    throw new XlsFormImportError(report.build(source));
  }
  const attachments = await readAttachments(sheets, typeof input === "string" ? dirname(input) : undefined, options);
  return convert(sheets, source, options, attachments);
}

/**
 * The choices files `select_*_from_file` rows name: given by the caller, else beside the form
 * (when it is imported from a path). A file that is missing or unreadable is reported by the row
 * that uses it, during the conversion.
 */
async function readAttachments(sheets: readonly TextSheet[], folder: string | undefined, options: XlsFormImportOptions): Promise<Map<string, AttachedFile>> {
  const out = new Map<string, AttachedFile>();
  const survey = sheets.find((s) => s.name.trim().toLowerCase() === "survey");
  const typeColumn = survey?.columns.find((c) => c.header.trim().toLowerCase() === "type");
  if (!survey || !typeColumn) return out;
  for (const row of survey.rows) {
    const file = fileOfType(row.cells.get(typeColumn.index) ?? "");
    if (file === undefined || out.has(file)) continue;
    const given = options.attachments && Object.hasOwn(options.attachments, file) ? options.attachments[file] : undefined;
    if (given) {
      out.set(file, await readAttachment(file, given));
      continue;
    }
    // Only a plain file name is looked for beside the form: never a path out of its folder.
    if (folder === undefined || basename(file) !== file) continue;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(folder, file));
    } catch {
      continue;
    }
    out.set(file, await readAttachment(file, bytes));
  }
  return out;
}

// The phases in order. Most report what the engine cannot keep and go on, so that one run lists
// every problem, and the import is refused once all have run; a few (no survey sheet, no label in
// a language the bot speaks) end it at once.
function convert(sheets: readonly TextSheet[], source: string, options: XlsFormImportOptions, attachments: ReadonlyMap<string, AttachedFile>): XlsFormImport {
  const report = new ReportBuilder();
  const { survey, choices, settings } = readSheets({ report, source }, sheets);
  for (const name of Object.keys(options.attachments ?? {})) {
    if (!attachments.has(name)) report.add({ outcome: "ignored", sheet: "workbook", message: msg("msg.attachment_unused", { file: name }) });
  }
  const ctx: ImportContext = {
    report,
    source,
    options,
    survey,
    choices,
    settings,
    languages: [],
    langColumns: new Map(),
    names: new Map(),
    lists: new Map(),
    questionOrigins: [],
    optionOrigins: [],
    sectionOrigins: [],
    phoneRow: undefined,
    attachments,
    filterColumns: new Set(),
  };
  readSettings(ctx);
  const types = classifyRows(ctx);
  registerNames(ctx, types);
  chooseLanguages(ctx, types);
  ctx.filterColumns = findFilterColumns(ctx);
  readChoices(ctx);
  const { questions, sections } = buildQuestions(ctx, types);
  const outro = trailingNotes(ctx, questions);
  reportUnusedLists(ctx);
  const head = formHead(ctx);
  if (ctx.report.refused || !head) throw new XlsFormImportError(ctx.report.build(ctx.source));

  const definition: QuestionnaireDefinition = {
    id: head.id,
    version: head.version,
    title: head.title,
    languages: ctx.languages,
    ...(outro ? { outro } : {}),
    ...(sections.length > 0 ? { sections } : {}),
    questions,
  };
  const questionnaire = checkDefinition(ctx, definition);
  const summary = ctx.report.build(ctx.source, {
    id: head.id,
    version: head.version,
    languages: ctx.languages,
    questions: questions.length,
    sections: sections.length,
  });
  return { definition: questionnaire, report: summary };
}
