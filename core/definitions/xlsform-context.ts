/**
 * What the phases of the XLSForm import (core/definitions/xlsform.ts) share: the public option,
 * result and error types, the state one import builds up (sheets, settings, languages, names,
 * choice lists, where each converted item came from), and the small report helpers every phase
 * uses. Phases are plain functions of an {@link ImportContext}.
 */
import type { Expr } from "../engine/expression.js";
import type { Lang, LocalizedText, OptionDefinition, Questionnaire, SectionDefinition } from "../engine/types.js";
import type { ReportMessage } from "./xlsform-messages.js";
import { formatReport, type ImportReport, type ReportBuilder, type ReportInput, type ReportItem, type ReportOutcome, type ReportSheet } from "./xlsform-report.js";
import type { Column, NameEntry, Sheet } from "./xlsform-rows.js";
import type { SheetColumn, SheetRow, TextSheet } from "./xlsform-sheets.js";

/** Options of `importXlsForm` (xlsform.ts). */
export interface XlsFormImportOptions {
  /** Name shown in the report and used for the form id when settings has no form_id. */
  sourceName?: string;
  /**
   * Language of columns without `::language` (plain `label`, `hint` …) when the settings sheet
   * has no default_language. Without either, it is guessed from the text and reported.
   */
  defaultLanguage?: Lang;
  /**
   * Files of `select_one_from_file` / `select_multiple_from_file` rows (.csv or .xlsx), by the name
   * the type cell gives. A file not given here is looked for beside the form when the form is
   * imported from a path.
   */
  attachments?: Readonly<Record<string, Uint8Array>>;
}

/** A choices file of a `select_*_from_file` row as read (xlsform-attachments.ts): its table, or why it could not be read. */
export type AttachedFile = { ok: true; table: TextSheet } | { ok: false; why: ReportMessage };

/** A successful import. */
export interface XlsFormImport {
  /** The validated questionnaire (with its checksum). */
  definition: Questionnaire;
  report: ImportReport;
}

/** The import was refused; `report` lists why (and everything else found). */
export class XlsFormImportError extends Error {
  readonly report: ImportReport;
  constructor(report: ImportReport) {
    const refused = report.items.filter((i) => i.outcome === "refused").length;
    super(`${report.source}: XLSForm import refused (${refused} problem${refused === 1 ? "" : "s"})\n${formatReport(report)}`);
    this.name = "XlsFormImportError";
    this.report = report;
  }
}

/** One choice of a list, as read from the choices sheet. */
export interface Choice {
  row: number;
  name: string;
}

/** A choice list of the choices sheet. */
export interface ChoiceList {
  name: string;
  rows: SheetRow[];
  choices: Choice[];
  used: boolean;
  /** Options built on first use (labels checked once); undefined until then. */
  options?: OptionDefinition[];
}

/** A `begin group` / `begin repeat` that is open while the survey rows are walked. */
export interface GroupFrame {
  kind: "group" | "repeat";
  name: string;
  row: number;
  /** Section of the questions directly inside (innermost labelled group). */
  section?: SectionDefinition;
  /** The group's own title, when labelled. */
  title?: LocalizedText;
  /** Translated relevant of this group (undefined = none). */
  relevant?: Expr;
}

/** Where a definition path came from, to report validation issues against cells. */
export interface Origin {
  sheet: ReportSheet;
  row: number;
  name?: string;
}

/** A filled cell of the settings sheet's first row. */
export interface Setting {
  value: string;
  column: Column;
  row: number;
}

/** The settings sheet, by lowercased column header. */
export type Settings = Record<string, Setting>;

/** What the report helpers need: the report being built and the name it is built for. */
export interface Reporting {
  readonly report: ReportBuilder;
  readonly source: string;
}

/** The state of one import, shared by its phases. */
export interface ImportContext extends Reporting {
  readonly options: XlsFormImportOptions;
  readonly survey: Sheet;
  readonly choices: Sheet | undefined;
  readonly settings: Settings;
  /** The form's languages, default first; set once the survey labels have been looked at. */
  languages: Lang[];
  /** (sheet kind, base, lang) → candidate columns, best first. */
  readonly langColumns: Map<string, Column[]>;
  readonly names: Map<string, NameEntry>;
  readonly lists: Map<string, ChoiceList>;
  readonly questionOrigins: Origin[];
  readonly optionOrigins: Origin[][];
  readonly sectionOrigins: Origin[];
  /** The choices files of `select_*_from_file` rows, read before the conversion. */
  readonly attachments: ReadonlyMap<string, AttachedFile>;
  /** The survey row imported as the phone question, if any (a questionnaire has at most one). */
  phoneRow: number | undefined;
  /** Choices-sheet columns (lowercased) that a choice_filter reads: used, not reported as ignored. */
  filterColumns: Set<string>;
}

/** Ends the import: throws the report so far as an {@link XlsFormImportError}. */
export function fail(ctx: Reporting): never {
  throw new XlsFormImportError(ctx.report.build(ctx.source));
}

/** Adds an item about a whole sheet (or the workbook). */
export function addToSheet(ctx: Reporting, outcome: ReportOutcome, sheet: ReportSheet, message: ReportMessage): void {
  ctx.report.add({ outcome, sheet, message });
}

/** Adds an item; an empty or missing name is left out. */
export function add(ctx: Reporting, item: Omit<ReportInput, "name"> & { name?: string | undefined }): void {
  const { name, ...rest } = item;
  ctx.report.add(name === undefined || name === "" ? rest : { ...rest, name });
}

/** Location fields for a cell. */
export function locate(where: { sheet: ReportSheet; row?: number; column?: SheetColumn | string }): Pick<ReportItem, "sheet" | "row" | "column" | "cell"> {
  const out: Pick<ReportItem, "sheet" | "row" | "column" | "cell"> = { sheet: where.sheet };
  if (where.row !== undefined) out.row = where.row;
  if (typeof where.column === "string") out.column = where.column;
  else if (where.column) {
    out.column = where.column.header;
    if (where.row !== undefined) out.cell = `${where.column.letter}${where.row}`;
  }
  return out;
}

/** The column `base` of `sheet` without a language suffix. */
export function columnOf(sheet: Sheet, base: string): Column | undefined {
  return sheet.columns.find((c) => c.base === base && c.suffix === null);
}
