/**
 * A small RFC 4180 CSV reader for region files: quoted fields with commas, doubled quotes and line
 * breaks inside, CRLF, LF or CR line ends, a UTF-8 byte order mark. Every record carries the line
 * it starts on, so that an error can name it the way a text editor numbers lines.
 *
 * Lenient where spreadsheets are sloppy (text after a closing quote is kept, a quote inside an
 * unquoted field is literal); strict only where the data would be lost: a quote never closed.
 */

/** One record: its fields and the (1-based) line it starts on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The records of a file, or the line of a quoted field that is never closed. */
export type CsvResult = { ok: true; records: CsvRecord[] } | { ok: false; unclosedQuoteLine: number };

/**
 * The field separator: a comma, unless the first line has none and has tabs (a sheet copied
 * out of a spreadsheet) or semicolons (Excel in locales whose decimal mark is a comma).
 */
function separatorOf(text: string): string {
  const end = text.search(/\r|\n/);
  const first = end < 0 ? text : text.slice(0, end);
  if (first.includes(",")) return ",";
  if (first.includes("\t")) return "\t";
  if (first.includes(";")) return ";";
  return ",";
}

/** Reads `text` (a BOM is dropped) into records; blank lines are left out. */
export function parseCsv(text: string): CsvResult {
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const sep = separatorOf(input);
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = "";
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  // Whether the current field began with a quote (then a blank record is not blank).
  let sawQuote = false;
  let quoteLine = 1;

  const endField = () => {
    fields.push(field);
    field = "";
  };
  const endRecord = () => {
    endField();
    const blank = fields.length === 1 && fields[0] === "" && !sawQuote;
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    sawQuote = false;
  };

  for (let i = 0; i < input.length; i++) {
    const ch = input[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (ch === "\n" || (ch === "\r" && input[i + 1] !== "\n")) line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field === "") {
      quoted = true;
      sawQuote = true;
      quoteLine = line;
    } else if (ch === sep) {
      endField();
    } else if (ch === "\r" || ch === "\n") {
      if (ch === "\r" && input[i + 1] === "\n") i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (quoted) return { ok: false, unclosedQuoteLine: quoteLine };
  if (field !== "" || fields.length > 0 || sawQuote) endRecord();
  return { ok: true, records };
}
