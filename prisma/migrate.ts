/**
 * Applies the committed migrations without Prisma's native schema engine (which cannot be
 * downloaded offline), recording each in Prisma's own `_prisma_migrations` table exactly as
 * `prisma migrate deploy` does, so that Prisma's engine accepts the database afterwards.
 *
 * Rules kept from Prisma: migrations run in name order; the checksum is the SHA-256 hex of the
 * migration.sql bytes; a failed migration is recorded with its logs and `finished_at` NULL, and
 * blocks every later run until it is resolved.
 */
import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import pg from "pg";
import type { DatabaseTarget } from "./database-url.js";
import { ensureDir } from "../core/util/ensure-dir.js";
import { ownerOnlyFile } from "../core/util/owner-only.js";

const here = dirname(fileURLToPath(import.meta.url));

/** The migrations folder of each provider. */
export const MIGRATIONS_DIR = {
  sqlite: join(here, "migrations"),
  postgresql: join(here, "postgresql", "migrations"),
} as const;

/** A migration found on disk. */
export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

/** What a run did. */
export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/** A migration failed now or earlier; `migration` names it. */
export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the migrations of one provider in the order Prisma applies them. */
export function readMigrations(dir: string): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(dir, name, "migration.sql"));
      return { name, sql: bytes.toString("utf8"), checksum: createHash("sha256").update(bytes).digest("hex") };
    });
}

interface AppliedRow {
  migration_name: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  logs: string | null;
}

/** The few operations the migrator needs from a raw connection. */
interface MigrationConnection {
  ensureTable(): Promise<void>;
  rows(): Promise<AppliedRow[]>;
  run(migration: MigrationFile): Promise<void>;
  record(migration: MigrationFile, startedAt: Date, error?: string): Promise<void>;
  close(): Promise<void>;
}

// The table definitions are Prisma's own, so its engine reads them without complaint.
const SQLITE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Opens the SQLite file, creating its folder: a missing or unwritable folder fails here. The
 * database holds residents' phone numbers and answers, so a new folder is 0700 and the file 0600
 * (SQLite gives its -wal and -shm files the database file's mode); an existing file readable by
 * others is narrowed to its owner.
 */
export function openSqliteFile(file: string): Database.Database {
  if (file !== ":memory:") {
    ensureDir(dirname(file), 0o700);
    // SQLite takes an empty file as a new database.
    ownerOnlyFile(file);
  }
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  // A migration that rebuilds a table frees the old one's pages: zeroed, they hold no erased rows.
  db.pragma("secure_delete = ON");
  return db;
}

function sqliteConnection(file: string): MigrationConnection {
  const db = openSqliteFile(file);
  // SQLite stores Prisma's DateTime as text in this table: the engine writes RFC 3339.
  const stamp = (d: Date) => d.toISOString();
  return {
    async ensureTable() {
      db.exec(SQLITE_TABLE);
    },
    async rows() {
      return db
        .prepare(`SELECT migration_name, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at`)
        .all() as AppliedRow[];
    },
    async run(migration) {
      // Deliberately not wrapped in a transaction: Prisma's table-redefinition scripts turn
      // foreign keys off with a PRAGMA, which SQLite ignores inside a transaction.
      db.exec(migration.sql);
    },
    async record(migration, startedAt, error) {
      db.prepare(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`,
      ).run(randomUUID(), migration.checksum, error ? null : stamp(new Date()), migration.name, error ?? null, stamp(startedAt), error ? 0 : 1);
    },
    async close() {
      db.close();
    },
  };
}

// The advisory lock id Prisma's engine uses, so Anxin and `prisma migrate deploy` exclude each other.
const PRISMA_ADVISORY_LOCK = 72707369;

async function postgresConnection(url: string): Promise<MigrationConnection> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  await client.query("SELECT pg_advisory_lock($1)", [PRISMA_ADVISORY_LOCK]);
  return {
    async ensureTable() {
      await client.query(POSTGRES_TABLE);
    },
    async rows() {
      const result = await client.query<AppliedRow>(
        `SELECT migration_name, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at`,
      );
      return result.rows;
    },
    async run(migration) {
      // PostgreSQL has transactional DDL: a failed migration leaves nothing half-done.
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK");
        throw error;
      }
    },
    async record(migration, startedAt, error) {
      await client.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)`,
        [randomUUID(), migration.checksum, error ? null : new Date(), migration.name, error ?? null, startedAt, error ? 0 : 1],
      );
    },
    async close() {
      await client.query("SELECT pg_advisory_unlock($1)", [PRISMA_ADVISORY_LOCK]).catch(() => undefined);
      await client.end();
    },
  };
}

/**
 * Applies every pending migration of the target's provider. Throws MigrationError naming the
 * migration that failed now, or that failed before and still blocks the history.
 */
export async function migrate(target: DatabaseTarget, dir: string = MIGRATIONS_DIR[target.provider]): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const connection = target.provider === "sqlite" ? sqliteConnection(target.file) : await postgresConnection(target.url);
  try {
    await connection.ensureTable();
    const rows = await connection.rows();
    const blocked = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (blocked) {
      throw new MigrationError(
        blocked.migration_name,
        `migration ${blocked.migration_name} failed earlier and blocks the others; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${blocked.migration_name}). Its log: ${firstLine(blocked.logs)}`,
      );
    }
    const done = new Set(rows.filter((row) => row.finished_at !== null && row.rolled_back_at === null).map((row) => row.migration_name));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      const startedAt = new Date();
      try {
        await connection.run(migration);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await connection.record(migration, startedAt, `${message}\n`);
        throw new MigrationError(migration.name, `migration ${migration.name} failed: ${firstLine(message)}`);
      }
      await connection.record(migration, startedAt);
      applied.push(migration.name);
    }
    return { applied, alreadyApplied: done.size };
  } finally {
    await connection.close();
  }
}

function firstLine(text: string | null): string {
  return (text ?? "").split("\n")[0] ?? "";
}
