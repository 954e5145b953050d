/**
 * `anxin export … > file`: the real executable with its stdout redirected to a file (Node's
 * synchronous fs stream) or a pipe must write the whole export and exit 0. exceljs used to wait
 * for process.stdout's "finish", which pipe() never causes, so an XLSX export to stdout exited 13
 * (an unsettled top-level await) with no message.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { ANXIN_BIN, childEnv } from "../support/anxin-process.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { seedFixture } from "./fixture.js";

let opened: TestStore;
let dir: string;

beforeAll(async () => {
  opened = await openTestStore();
  await seedFixture(opened.store);
  // The child opens the database itself: let go of it here.
  await opened.store.close();
  dir = mkdtempSync(join(tmpdir(), "anxin-stdout-"));
});
afterAll(async () => {
  await opened?.db.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `anxin export suggestions --format <format>` with stdout going to `file` (fd) or a pipe; returns the bytes and the exit code. */
function exportTo(target: "file" | "pipe", format: string): Promise<{ code: number | null; bytes: Buffer; stderr: string }> {
  const file = join(dir, `out-${target}.${format}`);
  const fd = target === "file" ? openSync(file, "w") : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ANXIN_BIN, "export", "suggestions", "--format", format, "--lang", "en", "--db", opened.db.target.url], {
      cwd: dir,
      env: childEnv({}),
      stdio: ["ignore", fd ?? "pipe", "pipe"],
    });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`export to ${target} timed out: ${stderr}`));
    }, 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (fd !== undefined) closeSync(fd);
      resolve({ code, bytes: fd !== undefined ? readFileSync(file) : Buffer.concat(chunks), stderr });
    });
  });
}

describe.each(["file", "pipe"] as const)("anxin export with stdout to a %s", (target) => {
  it("writes an XLSX workbook that exceljs opens, and exits 0", async () => {
    const { code, bytes, stderr } = await exportTo(target, "xlsx");
    expect({ code, stderr: stderr.replace(/.*\r/g, "").trim() }).toMatchObject({ code: 0 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect((sheet?.getRow(1).values as unknown[])[1]).toBe("Suggestion id");
    expect(sheet?.actualRowCount).toBeGreaterThan(1);
  });

  it("writes CSV with a BOM, and exits 0", async () => {
    const { code, bytes } = await exportTo(target, "csv");
    expect(code).toBe(0);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString("utf8").trimEnd().split("\r\n");
    expect(lines[0]).toMatch(/^\uFEFFSuggestion id,/);
    expect(lines.length).toBeGreaterThan(1);
  });

  it("writes JSON lines, and exits 0", async () => {
    const { code, bytes } = await exportTo(target, "json");
    expect(code).toBe(0);
    const rows = bytes.toString("utf8").trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toHaveProperty("id");
  });
});
