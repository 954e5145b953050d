/**
 * The XLSForm import report: everything the importer did not carry over unchanged, as data and as
 * terminal lines (one per item). Nothing the importer drops is left out of it.
 */
import type { Lang } from "../engine/types.js";
import { renderMessage, type ReportMessage } from "./xlsform-messages.js";

/**
 * What happened to one thing in the workbook.
 * - `refused`: the import fails because of it (the engine cannot keep its meaning).
 * - `skipped`: a row was not imported; harmless because nothing that is imported refers to it.
 * - `ignored`: a column, cell or setting was ignored; harmless for the survey's meaning.
 * - `warning`: imported, but a person should look at it (e.g. `${field}` shown literally).
 * - `converted`: imported in a different form that keeps the meaning (renamed id, or_other …).
 */
export type ReportOutcome = "refused" | "skipped" | "ignored" | "warning" | "converted";

/** The outcomes in the order the summary lists them. */
export const REPORT_OUTCOMES: readonly ReportOutcome[] = ["refused", "skipped", "ignored", "warning", "converted"];

/** Which part of the workbook an item is about. */
export type ReportSheet = "settings" | "survey" | "choices" | "workbook";

/** One line of the report. */
export interface ReportItem {
  outcome: ReportOutcome;
  sheet: ReportSheet;
  /** 1-based sheet row (the header is row 1), when the item is about one row. */
  row?: number;
  /** Every row concerned, when the item is about a whole column. */
  rows?: number[];
  /** The column header as written in the workbook, e.g. `relevant` or `label::English (en)`. */
  column?: string;
  /** Spreadsheet cell reference like `F12`, when row and column are both known. */
  cell?: string;
  /** The XLSForm `name` of the row (question, group, choice list), when it has one. */
  name?: string;
  /** The explanation in English (what {@link formatReport} prints). */
  message: string;
  /** The explanation as a locale key with parameters, for the report in other languages. */
  text: ReportMessage;
}

/** An item as the importer adds it: the explanation as a message, rendered when printed. */
export type ReportInput = Omit<ReportItem, "message" | "text"> & { message: ReportMessage };

/** What was imported, when the import succeeded. */
export interface ImportedFormSummary {
  id: string;
  version: number;
  languages: Lang[];
  questions: number;
  sections: number;
}

/** The report of one import. */
export interface ImportReport {
  /** The file (or name) that was imported. */
  source: string;
  /** False when at least one item is `refused`. */
  ok: boolean;
  /** In workbook order: settings, survey, choices, then workbook-wide items. */
  items: ReportItem[];
  counts: Record<ReportOutcome, number>;
  /** Set when the import succeeded. */
  form?: ImportedFormSummary;
}

const SHEET_ORDER: Record<ReportSheet, number> = { workbook: 0, settings: 1, survey: 2, choices: 3 };

/** Builds a report; column-level items are merged so that one column gives one line. */
export class ReportBuilder {
  private readonly items: ReportItem[] = [];
  private readonly merged = new Map<string, ReportItem>();

  /** Adds one item. */
  add(input: ReportInput): void {
    this.items.push(toItem(input));
  }

  /**
   * Adds `row` to the one item about (`sheet`, `column`, `message`), creating it on first use:
   * "appearance: ignored … (rows 4, 9, 12)" instead of three lines.
   */
  addToColumn(outcome: ReportOutcome, sheet: ReportSheet, column: string, row: number, text: ReportMessage): void {
    const message = renderMessage(text, "en");
    const key = `${outcome}\u0000${sheet}\u0000${column}\u0000${message}`;
    const existing = this.merged.get(key);
    if (existing) {
      if (!existing.rows?.includes(row)) existing.rows?.push(row);
      return;
    }
    const item: ReportItem = { outcome, sheet, column, rows: [row], message, text };
    this.merged.set(key, item);
    this.items.push(item);
  }

  /** Has anything been refused so far? */
  get refused(): boolean {
    return this.items.some((i) => i.outcome === "refused");
  }

  /** The finished report. */
  build(source: string, form?: ImportedFormSummary): ImportReport {
    const items = this.items
      .map((item, index) => ({ item, index }))
      .sort((a, b) => {
        const sheet = SHEET_ORDER[a.item.sheet] - SHEET_ORDER[b.item.sheet];
        if (sheet !== 0) return sheet;
        const row = firstRow(a.item) - firstRow(b.item);
        return row !== 0 ? row : a.index - b.index;
      })
      .map(({ item }) => item);
    const counts = { refused: 0, skipped: 0, ignored: 0, warning: 0, converted: 0 };
    for (const item of items) counts[item.outcome]++;
    const ok = counts.refused === 0;
    return { source, ok, items, counts, ...(ok && form ? { form } : {}) };
  }
}

function toItem(input: ReportInput): ReportItem {
  return { ...input, message: renderMessage(input.message, "en"), text: input.message };
}

function firstRow(item: ReportItem): number {
  return item.row ?? item.rows?.[0] ?? 0;
}

/** Where an item is, for people: `survey row 12, relevant (F12), 'age'`. */
export function formatLocation(item: ReportItem): string {
  const parts: string[] = [];
  if (item.row !== undefined) parts.push(`${item.sheet} row ${item.row}`);
  else if (item.column !== undefined) parts.push(`${item.sheet} column '${item.column}'`);
  else parts.push(item.sheet);
  if (item.row !== undefined && item.column !== undefined) parts.push(item.cell ? `${item.column} (${item.cell})` : item.column);
  let text = parts.join(", ");
  if (item.name !== undefined) text += ` '${item.name}'`;
  if (item.row === undefined && item.rows && item.rows.length > 0) text += ` ${formatRows(item.rows)}`;
  return text;
}

function formatRows(rows: number[]): string {
  const shown = rows.slice(0, 12).join(", ");
  return rows.length === 1 ? `(row ${shown})` : `(rows ${shown}${rows.length > 12 ? `, … ${rows.length - 12} more` : ""})`;
}

/** One terminal line: `refused    survey row 12, relevant (F12) 'age': …`. */
export function formatReportItem(item: ReportItem): string {
  // Cells may hold line breaks (long expressions, labels); a report line must stay one line.
  return `${item.outcome.padEnd(9)}  ${formatLocation(item)}: ${item.message}`.replace(/\s*[\r\n]+\s*/g, " ");
}

/** The whole report for the terminal: one line per item, then a summary line. */
export function formatReport(report: ImportReport): string {
  const lines = report.items.map(formatReportItem);
  const counts = (["refused", "skipped", "ignored", "warning", "converted"] as const)
    .filter((o) => report.counts[o] > 0)
    .map((o) => `${report.counts[o]} ${o}`);
  const tally = counts.length > 0 ? counts.join(", ") : "nothing to report";
  if (report.ok) {
    const form = report.form;
    const what = form
      ? `${form.id} version ${form.version}: ${form.questions} question${form.questions === 1 ? "" : "s"}, ${form.sections} section${form.sections === 1 ? "" : "s"}, languages ${form.languages.join(", ")}`
      : "ok";
    lines.push(`${report.source}: imported ${what} (${tally})`);
  } else {
    lines.push(`${report.source}: import refused (${tally}); fix the items marked 'refused' and import again`);
  }
  return lines.join("\n");
}
