import { mkdtempSync, existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { runAnxin, startAnxin } from "../support/anxin-process.js";
import { freshPostgres } from "../support/databases.js";
import { MIGRATIONS_DIR, readMigrations } from "../../prisma/migrate.js";

const MIGRATION_COUNT = readMigrations(MIGRATIONS_DIR.sqlite).length;

const workDir = () => mkdtempSync(join(tmpdir(), "anxin-cli-"));

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines, stderr).toHaveLength(1);
  return lines[0] ?? "";
}

describe("anxin start", () => {
  it("creates the SQLite file, migrates, serves /healthz, and keeps data across restarts", async () => {
    const cwd = workDir();
    const first = await startAnxin({ cwd });
    try {
      expect(first.url).toMatch(/^http:\/\/localhost:\d+$/);
      const health = await fetch(`${first.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", database: "sqlite" });
    } finally {
      expect(await first.stop()).toBe(0);
    }
    const file = join(cwd, "data", "anxin.db");
    expect(existsSync(file)).toBe(true);

    const added = await runAnxin(["admin", "add", "telegram:777"], { cwd });
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/telegram:777 is now admin/);

    const migrate = await runAnxin(["db", "migrate"], { cwd });
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain(`up to date (${MIGRATION_COUNT} migration(s) applied earlier)`);

    const second = await startAnxin({ cwd, env: { LOG_LEVEL: "info" } });
    try {
      expect((await fetch(`${second.url}/healthz`)).status).toBe(200);
      expect(second.output()).toMatch(/"applied":\[\]/);
    } finally {
      await second.stop();
    }
    const db = new Database(file, { readonly: true });
    try {
      expect(db.prepare(`SELECT count(*) AS n FROM "_prisma_migrations"`).get()).toEqual({ n: MIGRATION_COUNT });
      expect(db.prepare(`SELECT count(*) AS n FROM "Wave"`).get()).toEqual({ n: 1 });
      expect(db.prepare(`SELECT key, version FROM "Questionnaire"`).all()).toEqual([{ key: "public-safety", version: 3 }]);
      expect(db.prepare(`SELECT role FROM "Resident"`).all()).toEqual([{ role: "admin" }]);
    } finally {
      db.close();
    }
  });

  it("runs on PostgreSQL", async () => {
    const pg = await freshPostgres();
    const cwd = workDir();
    try {
      const app = await startAnxin({ cwd, env: { DATABASE_URL: pg.target.url } });
      try {
        expect(await (await fetch(`${app.url}/healthz`)).json()).toEqual({ status: "ok", database: "postgresql" });
      } finally {
        await app.stop();
      }
    } finally {
      await pg.drop();
    }
  });

  it.each([
    ["a bad DATABASE_URL", { DATABASE_URL: "mysql://localhost/x" }, /^anxin: DATABASE_URL: must start with file: \(SQLite\) or postgresql:\/\//],
    ["an unreachable PostgreSQL", { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/anxin" }, /^anxin: cannot reach PostgreSQL at 127\.0\.0\.1:1\/anxin/],
    ["an unwritable data folder", { DATABASE_URL: "file:/proc/anxin/anxin.db" }, /^anxin: cannot write the SQLite database \/proc\/anxin\/anxin\.db/],
    ["a bad PORT", { PORT: "http" }, /^anxin: PORT: must be a port number/],
    ["a bad log level", { LOG_LEVEL: "loud" }, /^anxin: LOG_LEVEL: must be one of fatal, error/],
  ])("refuses %s with one clear line and a non-zero exit", async (_name, env, expected) => {
    const result = await runAnxin(["start"], { cwd: workDir(), env });
    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result.stderr)).toMatch(expected);
  });

  it("refuses a data folder that is a file", async () => {
    const cwd = workDir();
    writeFileSync(join(cwd, "data"), "not a folder");
    const result = await runAnxin(["start"], { cwd });
    expect(result.code).not.toBe(0);
    expect(oneErrorLine(result.stderr)).toMatch(/^anxin: cannot write the SQLite database .*data\/anxin\.db/);
  });
});

describe("anxin --help", () => {
  it.each([[[]], [["start"]], [["db"]], [["db", "migrate"]], [["admin"]], [["admin", "add"]], [["wave"]], [["wave", "list"]], [["wave", "open"]], [["wave", "close"]], [["wave", "cancel"]]])("documents %j", async (args) => {
    const result = await runAnxin([...args, "--help"], { cwd: workDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: anxin/);
  });

  it("rejects a malformed account", async () => {
    const result = await runAnxin(["admin", "add", "nobody"], { cwd: workDir() });
    expect(result.code).toBe(1);
    expect(oneErrorLine(result.stderr)).toMatch(/expected <platform>:<user-id>/);
  });
});
