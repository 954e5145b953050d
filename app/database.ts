/**
 * Opening the database as the app does: apply pending migrations, then connect the store.
 * Errors come out as {@link StartupError} with one line a person can act on.
 */
import { migrate, MigrationError, type MigrateResult } from "../prisma/migrate.js";
import type { Store } from "../core/model/index.js";
import { openStore } from "../prisma/store.js";
import type { DatabaseTarget } from "../prisma/database-url.js";
import { StartupError } from "./errors.js";

export { StartupError };


/** Migrates and opens the database named by `target`. */
export async function openDatabase(target: DatabaseTarget): Promise<{ store: Store; migration: MigrateResult }> {
  let migration: MigrateResult;
  try {
    migration = await migrate(target);
  } catch (error) {
    throw explain(target, error);
  }
  try {
    return { store: await openStore(target), migration };
  } catch (error) {
    throw explain(target, error);
  }
}

/** Turns a driver or file-system error into one line that says what to fix. */
export function explain(target: DatabaseTarget, error: unknown): StartupError {
  if (error instanceof StartupError) return error;
  if (error instanceof MigrationError) return new StartupError(error.message);
  const err = error as { code?: string; message?: string };
  const message = (err.message ?? String(error)).split("\n")[0] ?? "";
  if (target.provider === "sqlite") {
    if (["EACCES", "EPERM", "EROFS", "ENOTDIR", "ENOENT", "SQLITE_CANTOPEN", "SQLITE_READONLY"].includes(err.code ?? "")) {
      return new StartupError(`cannot write the SQLite database ${target.file}: ${message} (check DATABASE_URL and that its folder is writable)`);
    }
    return new StartupError(`SQLite database ${target.file}: ${message}`);
  }
  const where = safeLocation(target.url);
  if (["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "EAI_AGAIN"].includes(err.code ?? "") || /timeout|connect/i.test(message)) {
    return new StartupError(`cannot reach PostgreSQL at ${where}: ${message || err.code} (is the server running? check DATABASE_URL)`);
  }
  return new StartupError(`PostgreSQL at ${where}: ${message}`);
}

/** host:port/database of a URL, without the password. */
function safeLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "5432"}${parsed.pathname}`;
  } catch {
    return "(unparsable URL)";
  }
}
