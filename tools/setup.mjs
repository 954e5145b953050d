// `npm install` runs this: everything a clean clone needs, offline. It derives the PostgreSQL
// schema twin, generates both Prisma clients, then compiles the `anxin` command into dist/
// (tools/build.mjs; after the clients, which it bundles). Prisma's CLI wants to download a native schema
// engine before every command; `generate` never runs it, so a stub that exits 1 satisfies it while
// a real binary, where a machine has one, is still used.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { derivePostgresSchema, SOURCE, TWIN } from "./derive-postgres-schema.mjs";
import { build, buildProblem, OUT_DIR } from "./build.mjs";

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

// A failed build must not fail the install: `anxin` then runs the sources through tsx, saying so.
try {
  const manifest = await build();
  console.log(`anxin: compiled into ${OUT_DIR}/${manifest.entry}`);
} catch (error) {
  console.warn(`anxin: could not compile into ${OUT_DIR}/ (${buildProblem(error)}); the anxin command will run the TypeScript sources through tsx`);
}
