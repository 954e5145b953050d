/**
 * Fresh databases for tests: a SQLite file in a temporary folder, or a new PostgreSQL database on
 * the local server (TEST_PG_URL, default postgresql://postgres@127.0.0.1:5432/postgres), dropped
 * afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { DatabaseTarget } from "../../prisma/database-url.js";

/** The PostgreSQL server tests use. */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

/** A database that exists until `drop()`. */
export interface TestDatabase {
  target: DatabaseTarget;
  drop(): Promise<void>;
}

/** A new empty SQLite database file. */
export function freshSqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "anxin-test-"));
  const file = join(dir, "anxin.db");
  return {
    target: { provider: "sqlite", file, url: `file:${file}` },
    async drop() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A new empty PostgreSQL database with a unique name. */
export async function freshPostgres(): Promise<TestDatabase> {
  const name = `anxin_test_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  return {
    target: { provider: "postgresql", url: url.toString() },
    async drop() {
      const client = new pg.Client({ connectionString: TEST_PG_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Both backends, for `describe.each`. */
export const BACKENDS: { name: "sqlite" | "postgresql"; create: () => Promise<TestDatabase> }[] = [
  { name: "sqlite", create: async () => freshSqlite() },
  { name: "postgresql", create: freshPostgres },
];
