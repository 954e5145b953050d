// Prisma's schema engine compiled to WebAssembly, loaded without the native binary that the
// `prisma migrate` CLI would download. Used to author migrations (tools/make-migration.ts) and to
// check that the committed migrations match the schema (tests/store/migrations.test.ts).
// The wasm API is internal to Prisma and may change: its version is pinned to the CLI's engine hash.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import * as bindings from "@prisma/schema-engine-wasm/schema_engine_bg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";

/** The two providers Anxin ships migrations for. */
export type Provider = "sqlite" | "postgresql";

interface WasmExports {
  __wbindgen_start(): void;
}

let loaded: Promise<void> | undefined;

function loadWasm(): Promise<void> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = require.resolve("@prisma/schema-engine-wasm").replace(/schema_engine\.js$/, "schema_engine_bg.wasm");
    const module = await WebAssembly.compile(readFileSync(wasmPath));
    const instance = await WebAssembly.instantiate(module, {
      "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
    });
    (bindings as unknown as { __wbg_set_wasm(e: WebAssembly.Exports): void }).__wbg_set_wasm(instance.exports);
    (instance.exports as unknown as WasmExports).__wbindgen_start();
  })();
  return loaded;
}

function adapterFor(provider: Provider, url: string) {
  return provider === "sqlite" ? new PrismaBetterSqlite3({ url }) : new PrismaPg({ connectionString: url });
}

async function engineFor(provider: Provider, url: string, datamodel: string) {
  await loadWasm();
  return bindings.SchemaEngine.new({ datamodels: [["schema.prisma", datamodel]] }, () => {}, bindMigrationAwareSqlAdapterFactory(adapterFor(provider, url)));
}

/** What Prisma's own engine thinks of a database's migration history. */
export interface PrismaHistoryReport {
  failedMigrationNames: string[];
  editedMigrationNames: string[];
  /** null when the database and the folder are in sync. */
  history: unknown;
  /** Migrations `prisma migrate deploy` would apply now (it applies them: use on test databases). */
  appliedByPrisma: string[];
}

/**
 * Runs Prisma's engine against a database as `prisma migrate status` and `prisma migrate deploy`
 * would: diagnose the history, then apply whatever it considers pending.
 */
export async function prismaMigrateDeploy(provider: Provider, url: string, migrationsDir: string, datamodel: string): Promise<PrismaHistoryReport> {
  const engine = await engineFor(provider, url, datamodel);
  try {
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const lockPath = join(migrationsDir, "migration_lock.toml");
    const migrationsList = {
      baseDir: migrationsDir,
      lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? readFileSync(lockPath, "utf8") : null },
      shadowDbInitScript: "",
      migrationDirectories: names.map((name) => ({
        path: name,
        migrationFile: { path: "migration.sql", content: { tag: "ok" as const, value: readFileSync(join(migrationsDir, name, "migration.sql"), "utf8") } },
      })),
    };
    const filters = { externalTables: [], externalEnums: [] };
    const diagnosis = await engine.diagnoseMigrationHistory({ migrationsList, optInToShadowDatabase: false, filters });
    const applied = await engine.applyMigrations({ migrationsList, filters });
    return {
      failedMigrationNames: diagnosis.failedMigrationNames,
      editedMigrationNames: diagnosis.editedMigrationNames,
      history: diagnosis.history,
      appliedByPrisma: applied.appliedMigrationNames,
    };
  } finally {
    engine.free();
  }
}

/**
 * The SQL script that takes a database from schema `from` (undefined: an empty database) to
 * schema `to`. Pure text-to-text: no database is touched.
 */
export async function diffSchemas(provider: Provider, from: string | undefined, to: string): Promise<string> {
  await loadWasm();
  // The engine insists on a connected adapter even for a datamodel-only diff (it reads the
  // server version); nothing is written through it.
  const adapter =
    provider === "sqlite"
      ? new PrismaBetterSqlite3({ url: ":memory:" })
      : new PrismaPg({ connectionString: process.env.MIGRATION_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres" });
  const engine = await bindings.SchemaEngine.new(
    { datamodels: [["schema.prisma", to]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(adapter),
  );
  try {
    const target = (content: string) => ({ tag: "schemaDatamodel" as const, files: [{ path: "schema.prisma", content }] });
    const result = await engine.diff({
      from: from === undefined ? { tag: "empty" } : target(from),
      to: target(to),
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    } as Parameters<typeof engine.diff>[0]);
    return result.stdout ?? "";
  } finally {
    engine.free();
  }
}

/** True when a diff script has no statements (the engine still prints a comment). */
export function isEmptyMigration(sql: string): boolean {
  return sql
    .split("\n")
    .map((line) => line.trim())
    .every((line) => line === "" || line.startsWith("--"));
}
