// `npm install` runs this: everything a clean clone needs, offline. It derives the PostgreSQL
// schema twin and generates both Prisma clients. Prisma's CLI wants to download a native schema
// engine before every command; `generate` never runs it, so a stub that exits 1 satisfies it while
// a real binary, where a machine has one, is still used.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { derivePostgresSchema, SOURCE, TWIN } from "./derive-postgres-schema.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

mkdirSync(dirname(TWIN), { recursive: true });
writeFileSync(TWIN, derivePostgresSchema(readFileSync(SOURCE, "utf8")));

const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? join(root, "tools", "no-schema-engine.sh"),
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
const prismaCli = require.resolve("prisma/build/index.js");
for (const schema of ["prisma/schema.prisma", "prisma/postgresql/schema.prisma"]) {
  execFileSync(process.execPath, [prismaCli, "generate", "--schema", schema], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
}
