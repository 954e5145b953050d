// Derives prisma/postgresql/schema.prisma from prisma/schema.prisma (the source of truth).
// One schema cannot serve two providers in Prisma 7, so the PostgreSQL twin differs only in its
// provider and its client's output folder. Run by `npm install` (tools/setup.mjs).
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const SOURCE = join(root, "prisma", "schema.prisma");
export const TWIN = join(root, "prisma", "postgresql", "schema.prisma");

const HEADER =
  "// GENERATED from prisma/schema.prisma by tools/derive-postgres-schema.mjs. Do not edit:\n" +
  "// change the source schema and run `npm run db:generate`.\n";

/** Returns the PostgreSQL twin of a SQLite source schema. */
export function derivePostgresSchema(source) {
  const replaced = [];
  const out = source
    .replace(/(datasource\s+db\s*\{[^}]*provider\s*=\s*)"sqlite"/, (_m, head) => {
      replaced.push("provider");
      return `${head}"postgresql"`;
    })
    .replace(/(output\s*=\s*)"\.\/generated\/sqlite"/, (_m, head) => {
      replaced.push("output");
      return `${head}"../generated/postgresql"`;
    });
  if (replaced.length !== 2) {
    throw new Error(`prisma/schema.prisma: expected a sqlite datasource and output "./generated/sqlite" (found: ${replaced.join(", ") || "neither"})`);
  }
  return HEADER + out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  mkdirSync(dirname(TWIN), { recursive: true });
  writeFileSync(TWIN, derivePostgresSchema(readFileSync(SOURCE, "utf8")));
  console.log("derived prisma/postgresql/schema.prisma");
}
