/**
 * `anxin … | head`: a reader that stops early ends the command quietly with exit code 0, as Unix
 * tools do, instead of an unhandled EPIPE with a stack trace.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ANXIN_BIN, childEnv, runAnxin } from "../support/anxin-process.js";

const dir = mkdtempSync(join(tmpdir(), "anxin-pipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("stops quietly when the reader of its output goes away", async () => {
  const db = `file:${join(dir, "anxin.db")}`;
  expect((await runAnxin(["regions", "import", "--division", "330106", "--db", db], { cwd: dir, timeoutMs: 120_000 })).code).toBe(0);
  // `true` reads nothing and has long exited when the first of the 235 lines is written.
  const run = spawnSync("bash", ["-c", `"${process.execPath}" "${ANXIN_BIN}" regions list --db "${db}" | true; exit "\${PIPESTATUS[0]}"`], {
    cwd: dir,
    env: childEnv({}),
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
}, 180_000);
