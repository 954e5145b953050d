/**
 * Importing households from a CSV (UTF-8) or XLSX file: one row per dwelling with the columns
 * `village` (the village's region code), `address`, and optionally `head`, `phone` and `officer`
 * (`platform:user-id` or a resident id; may be left out when the import names a default officer).
 * Like the region import, every problem is reported with its line and nothing is stored while any
 * remains; then the store adds or updates all rows in one transaction (same village and address:
 * head, phone and officer are updated).
 *
 * The files are read with the region import's readers (core/regions/csv.ts, and the workbook
 * reader core/regions/read-file.ts uses), so both imports accept the same files.
 */
import { normalizePhone } from "../engine/phone.js";
import type { HouseholdInput } from "../model/index.js";
import { parseAccount } from "../outreach/invitations.js";
import { parseCsv } from "../regions/csv.js";
import type { RawTable } from "../regions/rows.js";
import type { TextVars } from "../util/translator.js";
import type { FieldServiceStore } from "./context.js";
import type { FieldKey } from "./i18n.js";
import { MAX_ADDRESS, MAX_HEAD_NAME } from "./sync-input.js";

/** Most rows one import takes (a county's dwellings; more should be split by town). */
export const MAX_IMPORT_ROWS = 100_000;

/** One problem of an import: the line (null: the file as a whole) and the text's key (locales field.json `import.*`). */
export interface HouseholdImportIssue {
  line: number | null;
  key: FieldKey;
  vars?: TextVars;
}

/** What an import did, or every problem that stopped it. */
export type HouseholdImportOutcome =
  | { ok: true; dryRun: boolean; counts: { added: number; updated: number; unchanged: number } }
  | { ok: false; issues: HouseholdImportIssue[] };

/** How to import. */
export interface HouseholdImportRequest {
  /** The officer of rows that name none: `platform:user-id` or a resident id. */
  officer?: string | null;
  /** Check and report, store nothing. */
  dryRun?: boolean;
  /** Who imports (audited); null from the command line. */
  actorId: string | null;
  now: Date;
}

const issue = (line: number | null, key: FieldKey, vars?: TextVars): HouseholdImportIssue => (vars ? { line, key, vars } : { line, key });

const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE = [0xd0, 0xcf, 0x11, 0xe0];

/** A file's bytes as a table (header and rows with their lines), or what keeps it from being read. Never throws. */
export async function readHouseholdTable(bytes: Uint8Array): Promise<{ table: RawTable } | { issues: HouseholdImportIssue[] }> {
  if (bytes.length === 0) return { issues: [issue(null, "import.file_empty")] };
  if (startsWith(bytes, OLE)) return { issues: [issue(null, "import.file_xls")] };
  if (startsWith(bytes, ZIP)) return workbookTable(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { issues: [issue(null, "import.file_not_text")] };
  }
  if (text.includes("\u0000")) return { issues: [issue(null, "import.file_not_text")] };
  const parsed = parseCsv(text);
  if (!parsed.ok) return { issues: [issue(parsed.unclosedQuoteLine, "import.csv_unclosed_quote")] };
  const [header, ...rest] = parsed.records.filter((r) => r.fields.some((f) => f.trim() !== ""));
  if (!header) return { issues: [issue(null, "import.file_empty")] };
  return { table: { headerLine: header.line, header: header.fields, rows: rest.map((r) => ({ line: r.line, cells: r.fields })) } };
}

async function workbookTable(bytes: Uint8Array): Promise<{ table: RawTable } | { issues: HouseholdImportIssue[] }> {
  try {
    // Loaded only for a workbook: exceljs is heavy, and most imports are CSV.
    const { readWorkbook } = await import("../definitions/xlsform-sheets.js");
    const sheets = (await readWorkbook(bytes)).filter((s) => s.columns.length > 0);
    const sheet = sheets.find((s) => s.columns.some((c) => c.header.trim().toLowerCase() === "address")) ?? sheets[0];
    if (!sheet) return { issues: [issue(null, "import.xlsx_no_sheet")] };
    const width = Math.max(0, ...sheet.columns.map((c) => c.index));
    const header = Array.from({ length: width }, () => "");
    for (const c of sheet.columns) header[c.index - 1] = c.header;
    const rows = sheet.rows.map((r) => ({ line: r.number, cells: Array.from({ length: width }, (_, i) => r.cells.get(i + 1) ?? "") }));
    return { table: { headerLine: sheet.headerRow, header, rows } };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0]?.slice(0, 200) ?? "";
    return { issues: [issue(null, "import.xlsx_unreadable", { reason })] };
  }
}

type Column = "village" | "address" | "head" | "phone" | "officer";
const COLUMNS: readonly Column[] = ["village", "address", "head", "phone", "officer"];
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;

/** An address as the store compares them: trimmed, case- and width-insensitively. */
export function addressKey(address: string): string {
  return address.normalize("NFKC").trim().replace(/\s+/g, " ").toLowerCase();
}

/** Checks a table against the regions and staff, then imports it (or, with `dryRun`, only reports). */
export async function importHouseholdTable(store: Pick<FieldServiceStore, "listRegions" | "importHouseholds" | "findIdentity" | "getOfficer" | "getResident">, table: RawTable, request: HouseholdImportRequest): Promise<HouseholdImportOutcome> {
  const issues: HouseholdImportIssue[] = [];
  const index = new Map<Column, number>();
  table.header.forEach((text, i) => {
    const name = text.trim().toLowerCase() as Column;
    if (!COLUMNS.includes(name)) return; // other columns (notes, building …) are the office's own business
    if (index.has(name)) issues.push(issue(table.headerLine, "import.duplicate_column", { column: text.trim() }));
    else index.set(name, i);
  });
  for (const column of ["village", "address"] as const) if (!index.has(column)) issues.push(issue(table.headerLine, "import.missing_column", { column }));
  if (issues.length > 0) return { ok: false, issues };
  if (table.rows.length === 0) return { ok: false, issues: [issue(null, "import.no_rows")] };
  if (table.rows.length > MAX_IMPORT_ROWS) return { ok: false, issues: [issue(null, "import.too_many_rows", { count: table.rows.length, max: MAX_IMPORT_ROWS })] };

  const regions = await store.listRegions();
  const byCode = new Map(regions.map((r) => [r.code, r]));
  const parents = new Set(regions.flatMap((r) => (r.parentId ? [r.parentId] : [])));
  const officers = new OfficerLookup(store);
  const defaultOfficer = request.officer?.trim() ? request.officer.trim() : null;
  const seen = new Map<string, number>();
  const inputs: HouseholdInput[] = [];

  for (const { line, cells } of table.rows) {
    const cell = (column: Column): string => {
      const at = index.get(column);
      return at === undefined ? "" : (cells[at] ?? "").trim();
    };
    const rowIssues: HouseholdImportIssue[] = [];
    for (const column of COLUMNS) {
      const value = cell(column);
      if (LONE_SURROGATE.test(value) || CONTROL.test(value)) rowIssues.push(issue(line, "import.text_invalid", { column }));
    }
    const code = cell("village");
    const region = byCode.get(code);
    if (code === "") rowIssues.push(issue(line, "import.village_empty"));
    else if (!region) rowIssues.push(issue(line, "import.unknown_village", { code }));
    else if (parents.has(region.id)) rowIssues.push(issue(line, "import.not_a_village", { code }));
    const address = cell("address");
    if (address === "") rowIssues.push(issue(line, "import.address_empty"));
    else if ([...address].length > MAX_ADDRESS) rowIssues.push(issue(line, "import.address_too_long", { max: MAX_ADDRESS }));
    else if (code !== "") {
      const key = `${code}\n${addressKey(address)}`;
      const first = seen.get(key);
      if (first !== undefined) rowIssues.push(issue(line, "import.duplicate_address", { address, code, first }));
      else seen.set(key, line);
    }
    const head = cell("head");
    if ([...head].length > MAX_HEAD_NAME) rowIssues.push(issue(line, "import.head_too_long", { max: MAX_HEAD_NAME }));
    const phoneText = cell("phone");
    const phone = phoneText === "" ? null : (normalizePhone(phoneText) ?? null);
    if (phoneText !== "" && phone === null) rowIssues.push(issue(line, "import.phone_invalid", { phone: phoneText.slice(0, 40) }));
    const officerText = cell("officer") || defaultOfficer;
    let officerId: string | null = null;
    if (!officerText) rowIssues.push(issue(line, "import.officer_missing"));
    else {
      const found = await officers.find(officerText);
      if (found.ok) officerId = found.id;
      else rowIssues.push(issue(line, found.reason === "unknown" ? "import.officer_unknown" : "import.officer_not_staff", { officer: officerText.slice(0, 100) }));
    }
    issues.push(...rowIssues);
    if (rowIssues.length === 0 && officerId) inputs.push({ regionCode: code, address, headName: head || null, phone, officerId });
  }
  if (issues.length > 0) return { ok: false, issues };
  const dryRun = request.dryRun ?? false;
  const counts = await store.importHouseholds(inputs, { actorId: request.actorId, dryRun, now: request.now });
  return { ok: true, dryRun, counts };
}

/** What an officer name (`platform:user-id` or a resident id) stands for. */
export type OfficerMatch = { ok: true; id: string } | { ok: false; reason: "unknown" | "not-staff" };

/** Resolves officer names (`platform:user-id` or a resident id), each distinct one once. */
export class OfficerLookup {
  private readonly cache = new Map<string, Promise<OfficerMatch>>();

  constructor(private readonly store: Pick<FieldServiceStore, "findIdentity" | "getOfficer" | "getResident">) {}

  /** The officer or admin `text` names, or why there is none. */
  find(text: string): Promise<OfficerMatch> {
    let found = this.cache.get(text);
    if (!found) {
      found = this.resolve(text);
      this.cache.set(text, found);
    }
    return found;
  }

  private async resolve(text: string): Promise<OfficerMatch> {
    const account = parseAccount(text);
    const residentId = account ? ((await this.store.findIdentity(account.platform, account.userId))?.residentId ?? null) : text;
    if (!residentId || residentId.length > 100) return { ok: false, reason: "unknown" };
    const officer = await this.store.getOfficer(residentId);
    if (officer) return { ok: true, id: officer.id };
    return (await this.store.getResident(residentId)) ? { ok: false, reason: "not-staff" } : { ok: false, reason: "unknown" };
  }
}
