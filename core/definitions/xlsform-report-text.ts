/**
 * The XLSForm import report in the admin's language (locales/<lang>/xlsform.json): one line per
 * item, grouped in workbook order, then a summary line, as formatReport prints it in English.
 * Both the frame (outcomes, sheets, rows, cells, the summary) and each item's explanation (a
 * locale key with parameters, xlsform-messages.ts) are in that language; only what the form
 * itself says (names, headers, expressions, labels) stays as written.
 */
import type { Lang } from "../engine/types.js";
import { renderMessage, reportText as tr } from "./xlsform-messages.js";
import { formatReport, REPORT_OUTCOMES, type ImportReport, type ReportItem } from "./xlsform-report.js";

export { XLSFORM_REPORT_RESOURCES, type XlsFormReportKey } from "./xlsform-messages.js";

const MAX_ROWS_LISTED = 12;

/** Where an item is, in `lang`: `survey 表第12行，relevant (F12) 'age'`. */
export function formatLocationIn(item: ReportItem, lang: Lang): string {
  const sep = tr(lang, "list_separator");
  const sheet = tr(lang, `sheet.${item.sheet}`);
  const parts: string[] = [];
  if (item.row !== undefined) parts.push(tr(lang, "location.row", { sheet, row: item.row }));
  else if (item.column !== undefined) parts.push(tr(lang, "location.column", { sheet, column: item.column }));
  else parts.push(sheet);
  if (item.row !== undefined && item.column !== undefined) parts.push(item.cell ? `${item.column} (${item.cell})` : item.column);
  let text = parts.join(sep);
  if (item.name !== undefined) text += ` '${item.name}'`;
  if (item.row === undefined && item.rows && item.rows.length > 0) {
    const rows = item.rows.slice(0, MAX_ROWS_LISTED).join(sep);
    const more = item.rows.length - MAX_ROWS_LISTED;
    const listed = more > 0 ? tr(lang, "location.rows_more", { rows, more }) : tr(lang, item.rows.length === 1 ? "location.rows_one" : "location.rows_many", { rows });
    // A full-width bracket brings its own space.
    text += listed.startsWith("（") ? listed : ` ${listed}`;
  }
  return text;
}

/**
 * The whole report for the admin in `lang`: one line per item in workbook order (a column's rows
 * merged into one line), then a summary line. English is {@link formatReport}'s text exactly.
 */
export function formatReportIn(report: ImportReport, lang: Lang): string {
  if (lang === "en") return formatReport(report);
  const lines: string[] = [];
  const sep = tr(lang, "list_separator");
  const width = Math.max(...REPORT_OUTCOMES.map((o) => tr(lang, `outcome.${o}`).length));
  for (const item of report.items) {
    // Cells may hold line breaks (long expressions, labels); a report line must stay one line.
    lines.push(`${tr(lang, `outcome.${item.outcome}`).padEnd(width)}  ${formatLocationIn(item, lang)}${tr(lang, "explanation_separator")}${renderMessage(item.text, lang)}`.replace(/\s*[\r\n]+\s*/g, " "));
  }
  const counts = REPORT_OUTCOMES.filter((o) => report.counts[o] > 0).map((o) => tr(lang, "count", { outcome: tr(lang, `outcome.${o}`), count: report.counts[o] }));
  const tally = counts.length > 0 ? counts.join(sep) : tr(lang, "nothing");
  const form = report.form;
  if (report.ok && form) {
    lines.push(tr(lang, "imported", { source: report.source, id: form.id, version: form.version, questions: form.questions, sections: form.sections, languages: form.languages.join(", "), tally }));
  } else if (!report.ok) {
    lines.push(tr(lang, "refused", { source: report.source, tally }));
  }
  return lines.join("\n");
}
