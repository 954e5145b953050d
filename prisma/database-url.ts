/**
 * Parsing of DATABASE_URL into the two backends Anxin supports.
 * `file:` → an embedded SQLite file (path resolved against the working directory, as Prisma does);
 * `postgresql://` or `postgres://` → a PostgreSQL server.
 */
import { resolve } from "node:path";

/** A parsed database location. */
export type DatabaseTarget =
  | { provider: "sqlite"; file: string; url: string }
  | { provider: "postgresql"; url: string };

/** Thrown for a DATABASE_URL that names neither backend. */
export class DatabaseUrlError extends Error {}

/** Parses DATABASE_URL; throws DatabaseUrlError with a one-line explanation. */
export function parseDatabaseUrl(raw: string, cwd = process.cwd()): DatabaseTarget {
  const url = raw.trim();
  if (url.startsWith("file:")) {
    const path = url.slice("file:".length).replace(/^\/\/(?=\/)/, "");
    if (path === "" || path.includes("?")) {
      throw new DatabaseUrlError("expected file:<path>, e.g. file:./data/anxin.db");
    }
    if (path === ":memory:") return { provider: "sqlite", file: ":memory:", url };
    return { provider: "sqlite", file: resolve(cwd, path), url };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      const parsed = new URL(url);
      if (!parsed.hostname && !parsed.searchParams.get("host")) throw new Error("no host");
    } catch {
      throw new DatabaseUrlError("not a valid postgresql:// URL, e.g. postgresql://user@127.0.0.1:5432/anxin");
    }
    return { provider: "postgresql", url };
  }
  throw new DatabaseUrlError("must start with file: (SQLite) or postgresql:// (PostgreSQL)");
}
