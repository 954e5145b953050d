/**
 * What can be wrong with a region file, as values: a message key of locales/<lang>/regions.json
 * (`issues.<key>`), its placeholders, and the line (CSV) or sheet row (XLSX) it is about. Every
 * check reports all it finds; an import stores nothing while any issue remains.
 */

/** The kinds of issue, each a key under `issues.` in locales/<lang>/regions.json. */
export type RegionIssueKey =
  | "file_empty"
  | "file_not_text"
  | "file_xls"
  | "xlsx_unreadable"
  | "xlsx_no_sheet"
  | "csv_unclosed_quote"
  | "missing_column"
  | "duplicate_column"
  | "no_rows"
  | "too_many_rows"
  | "code_empty"
  | "code_invalid"
  | "name_empty"
  | "name_too_long"
  | "duplicate_code"
  | "parent_unknown"
  | "parent_self"
  | "cycle"
  | "moving_refused";

/** One problem: where (null for the whole file), which, and the values its text names. */
export interface RegionIssue {
  line: number | null;
  key: RegionIssueKey;
  vars: Record<string, string | number>;
}

/** An issue at `line` (null: the file as a whole). */
export function issue(line: number | null, key: RegionIssueKey, vars: Record<string, string | number> = {}): RegionIssue {
  return { line, key, vars };
}

/** Issues in line order (file-wide ones first), for printing. */
export function sortedIssues(issues: readonly RegionIssue[]): RegionIssue[] {
  return [...issues].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** How many issues are printed or shown before "… and N more". */
export const ISSUES_SHOWN = 50;
