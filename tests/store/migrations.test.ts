import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { migrate, MigrationError, MIGRATIONS_DIR, readMigrations } from "../../prisma/migrate.js";
import { derivePostgresSchema } from "../../tools/derive-postgres-schema.mjs";
import { diffSchemas, isEmptyMigration, prismaMigrateDeploy } from "../../tools/schema-engine.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import type { DatabaseTarget } from "../../prisma/database-url.js";

interface Row {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  logs: string | null;
  applied_steps_count: number;
}

async function migrationRows(target: DatabaseTarget): Promise<Row[]> {
  const sql = `SELECT migration_name, checksum, finished_at, logs, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at, migration_name`;
  if (target.provider === "sqlite") {
    const db = new Database(target.file, { readonly: true });
    try {
      return db.prepare(sql).all() as Row[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    return (await client.query<Row>(sql)).rows;
  } finally {
    await client.end();
  }
}

const SCHEMA = {
  sqlite: readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8"),
  postgresql: readFileSync(new URL("../../prisma/postgresql/schema.prisma", import.meta.url), "utf8"),
};

describe("the committed schema", () => {
  it("has a PostgreSQL twin derived from it", () => {
    expect(SCHEMA.postgresql).toBe(derivePostgresSchema(SCHEMA.sqlite));
  });

  it.each(["sqlite", "postgresql"] as const)("has migrations up to date for %s (npm run db:migration)", async (provider) => {
    const snapshot = readFileSync(join(MIGRATIONS_DIR[provider], "schema.snapshot.prisma"), "utf8");
    const sql = await diffSchemas(provider, snapshot, SCHEMA[provider]);
    expect(isEmptyMigration(sql), sql).toBe(true);
  });
});

describe.each(BACKENDS)("migrations on $name", ({ name, create }) => {
  const dbs: TestDatabase[] = [];
  const fresh = async () => {
    const db = await create();
    dbs.push(db);
    return db;
  };
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.drop();
  });

  it("applies every migration once, recorded with Prisma's checksum", async () => {
    const db = await fresh();
    const files = readMigrations(MIGRATIONS_DIR[name]);
    expect(files.length).toBeGreaterThan(0);
    const first = await migrate(db.target);
    expect(first.applied).toEqual(files.map((f) => f.name));
    const second = await migrate(db.target);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length });
    const rows = await migrationRows(db.target);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const row of rows) {
      const bytes = readFileSync(join(MIGRATIONS_DIR[name], row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).not.toBeNull();
      expect(Number(row.applied_steps_count)).toBe(1);
    }
  });

  it("is accepted by Prisma's own engine as up to date", async () => {
    const db = await fresh();
    await migrate(db.target);
    const report = await prismaMigrateDeploy(name, db.target.provider === "sqlite" ? db.target.file : db.target.url, MIGRATIONS_DIR[name], SCHEMA[name]);
    expect(report).toEqual({ failedMigrationNames: [], editedMigrationNames: [], history: null, appliedByPrisma: [] });
  });

  it("reports a broken migration by name, marks it failed and blocks later ones", async () => {
    const db = await fresh();
    const dir = mkdtempSync(join(tmpdir(), "anxin-migrations-"));
    cpSync(MIGRATIONS_DIR[name], dir, { recursive: true });
    mkdirSync(join(dir, "29990101000000_broken"));
    writeFileSync(join(dir, "29990101000000_broken", "migration.sql"), `CREATE TABLE "Broken" ("id" TEXT PRIMARY KEY);\nTHIS IS NOT SQL;\n`);
    mkdirSync(join(dir, "29990102000000_later"));
    writeFileSync(join(dir, "29990102000000_later", "migration.sql"), `CREATE TABLE "Later" ("id" TEXT PRIMARY KEY);\n`);

    const error = await migrate(db.target, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe("29990101000000_broken");
    expect((error as Error).message).toMatch(/migration 29990101000000_broken failed: .*syntax/i);

    const rows = await migrationRows(db.target);
    const broken = rows.find((r) => r.migration_name === "29990101000000_broken");
    expect(broken?.finished_at).toBeNull();
    expect(broken?.logs).toMatch(/syntax/i);
    expect(rows.some((r) => r.migration_name === "29990102000000_later")).toBe(false);

    const again = await migrate(db.target, dir).catch((e: unknown) => e);
    expect((again as MigrationError).migration).toBe("29990101000000_broken");
    expect((again as Error).message).toMatch(/failed earlier and blocks/);
    expect((await migrationRows(db.target)).some((r) => r.migration_name === "29990102000000_later")).toBe(false);

    const report = await prismaMigrateDeploy(name, db.target.provider === "sqlite" ? db.target.file : db.target.url, dir, SCHEMA[name]).catch((e: unknown) => e);
    // Prisma's own engine sees the same failed migration (and refuses to go on, P3009).
    expect(String((report as Error).message ?? JSON.stringify(report))).toMatch(/29990101000000_broken/);
  });
});
