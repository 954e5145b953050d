/**
 * `select_one_from_file` / `select_multiple_from_file`: the choices come from a CSV or XLSX file
 * that travels with the form (Kobo and ODK attach it as form media). The file is found beside
 * the form or given by the caller (`anxin survey import --attach`), read before the conversion,
 * and turned into options like a list of the choices sheet: a `name` column (the stored value)
 * and `label` / `label::<language>` columns. Every problem names the survey row that uses the file
 * and the file's own row.
 */
import type { Lang, LocalizedText, OptionDefinition } from "../engine/types.js";
import { add, columnOf, locate, type AttachedFile, type ImportContext, type Origin } from "./xlsform-context.js";
import { langFromName } from "./xlsform-language.js";
import { msg, type ReportMessage } from "./xlsform-messages.js";
import { cell, OPTION_ID, parseColumn, type Column } from "./xlsform-rows.js";
import { columnLetter, readWorkbook, type SheetColumn, type SheetRow, type TextSheet as Table } from "./xlsform-sheets.js";


/** The `select_*_from_file <file>` type cell: the file name, or undefined for any other type. */
export function fileOfType(type: string): string | undefined {
  const m = /^select[_ ](?:one|multiple)[_ ]from[_ ]file\s+(\S+)\s*$/i.exec(type.trim());
  return m?.[1];
}

/** Largest choices file read, in bytes (a list residents pick from in a chat is short). */
export const MAX_ATTACHMENT_BYTES = 5_000_000;

/** Reads a CSV or XLSX choices file's bytes into a table; never throws. */
export async function readAttachment(fileName: string, bytes: Uint8Array): Promise<AttachedFile> {
  if (bytes.byteLength > MAX_ATTACHMENT_BYTES) return { ok: false, why: msg("msg.file_too_large", { mb: MAX_ATTACHMENT_BYTES / 1_000_000 }) };
  const lower = fileName.toLowerCase();
  try {
    if (lower.endsWith(".csv")) return { ok: true, table: csvTable(fileName, new TextDecoder("utf-8").decode(bytes)) };
    if (lower.endsWith(".xlsx")) {
      const sheets = await readWorkbook(bytes);
      const first = sheets[0];
      return first ? { ok: true, table: first } : { ok: false, why: msg("msg.file_no_sheet") };
    }
  } catch (error) {
    // The reader's own words (exceljs, the CSV reader) are quoted as they are.
    const reason = error instanceof Error ? error.message.split("\n")[0] : undefined;
    return { ok: false, why: reason ? msg("msg.file_error", { reason }) : msg("msg.file_unreadable") };
  }
  return { ok: false, why: msg("msg.file_kind") };
}

/** Parses CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF; a UTF-8 BOM is dropped). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const src = text.startsWith("\uFEFF") ? text.slice(1) : text;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && src[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// A CSV file as a table with the same row numbers a spreadsheet would show.
function csvTable(name: string, text: string): Table {
  const lines = parseCsv(text);
  const toRow = (cells: string[], number: number): SheetRow => {
    const map = new Map<number, string>();
    cells.forEach((value, i) => {
      if (value.trim() !== "") map.set(i + 1, value);
    });
    return { number, cells: map };
  };
  const all = lines.map((cells, i) => toRow(cells, i + 1)).filter((r) => r.cells.size > 0);
  const header = all.shift();
  const columns: SheetColumn[] = header ? [...header.cells].map(([index, text]) => ({ index, letter: columnLetter(index), header: text.trim() })) : [];
  return { name, headerRow: header?.number ?? 1, columns, rows: all };
}

/**
 * The options of a `select_*_from_file` row, from its file; undefined after reporting why there
 * are none. Missing translations fall back to the default language with a warning, as in the
 * choices sheet.
 */
export function fileOptions(ctx: ImportContext, fileName: string, row: SheetRow, name: string): { options: OptionDefinition[]; origins: Origin[] } | undefined {
  const typeColumn = columnOf(ctx.survey, "type");
  const at = locate({ sheet: "survey", row: row.number, column: typeColumn?.col ?? "type" });
  const refuse = (message: ReportMessage): undefined => {
    add(ctx, { ...at, name, outcome: "refused", message: msg("msg.in_file", { file: fileName, message }) });
    return undefined;
  };
  const file = ctx.attachments.get(fileName);
  if (!file) return refuse(msg("msg.file_not_found"));
  if (!file.ok) return refuse(msg("msg.file_cannot_read", { why: file.why }));
  const columns = file.table.columns.map(parseColumn);
  const nameColumn = columns.find((c) => c.base === "name" && c.suffix === null);
  if (!nameColumn) return refuse(msg("msg.file_no_name_column"));
  const labelColumns = new Map<Lang, Column>();
  let plain: Column | undefined;
  for (const c of columns) {
    if (c.base !== "label") continue;
    if (c.suffix === null) plain ??= c;
    else {
      const lang = langFromName(c.suffix);
      if (lang && !labelColumns.has(lang)) labelColumns.set(lang, c);
    }
  }
  if (!plain && labelColumns.size === 0) return refuse(msg("msg.file_no_label_column"));
  const options: OptionDefinition[] = [];
  const origins: Origin[] = [];
  const seen = new Map<string, number>();
  let problems = 0;
  const fellBack = new Map<Lang, number[]>();
  for (const line of file.table.rows) {
    const id = cell(line, nameColumn);
    const at = line.number;
    if (id === "") {
      refuse(msg("msg.file_row_no_name", { row: at }));
      problems++;
      continue;
    }
    if (!OPTION_ID.test(id)) {
      refuse(msg("msg.file_row_bad_id", { row: at, id }));
      problems++;
      continue;
    }
    const first = seen.get(id);
    if (first !== undefined) {
      refuse(msg("msg.file_row_duplicate", { row: at, id, first }));
      problems++;
      continue;
    }
    seen.set(id, line.number);
    const found = new Map<Lang, string>();
    for (const [lang, c] of labelColumns) if (cell(line, c) !== "") found.set(lang, cell(line, c));
    const plainText = cell(line, plain);
    const fallback = found.get(ctx.languages[0] as Lang) ?? (plainText !== "" ? plainText : [...found.values()][0]);
    if (fallback === undefined) {
      refuse(msg("msg.file_row_no_label", { row: at, id }));
      problems++;
      continue;
    }
    const label: LocalizedText = {};
    for (const lang of ctx.languages) {
      const own = found.get(lang);
      label[lang] = own ?? fallback;
      // A plain label is the form's default language's; any other language without a column falls back.
      if (own === undefined && !(plainText !== "" && lang === ctx.languages[0])) fellBack.set(lang, [...(fellBack.get(lang) ?? []), line.number]);
    }
    options.push({ id, label });
    origins.push({ sheet: "survey", row: row.number, name });
  }
  for (const [lang, rows] of fellBack) {
    add(ctx, {
      ...at,
      name,
      outcome: "warning",
      message: msg("msg.in_file", {
        file: fileName,
        message:
          rows.length === 1
            ? msg("msg.file_label_fallback_one", { lang, row: rows[0] as number, fallback: ctx.languages[0] as Lang })
            : msg("msg.file_label_fallback_many", { lang, rows: rows.length, first: rows[0] as number, fallback: ctx.languages[0] as Lang }),
      }),
    });
  }
  if (problems > 0) return undefined;
  if (options.length === 0) return refuse(msg("msg.file_empty"));
  add(ctx, { ...at, name, outcome: "converted", message: msg("msg.in_file", { file: fileName, message: msg(options.length === 1 ? "msg.file_read_one" : "msg.file_read_many", { choices: options.length }) }) });
  return { options, origins };
}
