/**
 * A consistent copy of the SQLite database while the app keeps writing to it (`anxin db backup`).
 *
 * `VACUUM INTO` copies the database inside one read transaction: in WAL mode writers go on while
 * it runs, and the copy is the database exactly as it was when the copy began — every answer
 * acknowledged before then is in it, and no half of a later turn. (SQLite's page-by-page backup API
 * starts over whenever another process writes between its steps, which a busy app always does.)
 * The copy is written beside the target and renamed into place only once it has been opened and
 * checked, so a failed backup never leaves a file that looks like one.
 */
import { chmodSync, existsSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/** What a backup holds, read back from the copy. */
export interface BackupSummary {
  file: string;
  bytes: number;
  /** Rows in the tables an office cares about most, as a sanity check on the copy. */
  counts: { residents: number; responses: number; answers: number; suggestions: number; regions: number };
}

/** Thrown for a backup that cannot be made (target exists, no such database, copy damaged). */
export class BackupError extends Error {}

/** How long to wait for a writer's lock before giving up (the app's own turns are short). */
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Copies the SQLite database `source` to `target` (which must not exist), checks the copy
 * (`PRAGMA integrity_check`) and reads its row counts. The copy is readable by its owner only: it
 * holds residents' telephone numbers.
 */
export function backupSqlite(source: string, target: string): BackupSummary {
  if (!existsSync(source)) throw new BackupError(`no database at ${source}`);
  if (existsSync(target)) throw new BackupError(`${target} exists already: choose a new file name`);
  if (!existsSync(dirname(target))) throw new BackupError(`the folder ${dirname(target)} does not exist`);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    db.prepare("VACUUM INTO ?").run(partial);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new BackupError(`the copy failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    db.close();
  }
  try {
    chmodSync(partial, 0o600);
    const counts = checkCopy(partial);
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, counts };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error instanceof BackupError ? error : new BackupError(`the copy could not be checked: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Opens a copy, checks it page by page and counts its main tables. */
function checkCopy(file: string): BackupSummary["counts"] {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma("integrity_check", { simple: true });
    if (check !== "ok") throw new BackupError(`the copy is damaged: ${String(check)}`);
    const count = (table: string): number => (copy.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
    return { residents: count("Resident"), responses: count("Response"), answers: count("Answer"), suggestions: count("Suggestion"), regions: count("Region") };
  } finally {
    copy.close();
  }
}
