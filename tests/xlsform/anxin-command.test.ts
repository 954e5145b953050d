/** `anxin survey import` as a user runs it: the real executable, a real .xlsx file, a real database. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runAnxin } from "../support/anxin-process.js";
import { buildXlsx } from "./workbook.js";
import { communityForm, refusedForm } from "./forms.js";

describe("anxin survey import", () => {
  it("stores a form, opens a wave on it and writes its YAML", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anxin-xlsform-"));
    writeFileSync(join(dir, "form.xlsx"), await buildXlsx(communityForm()));
    const result = await runAnxin(["survey", "import", "form.xlsx", "--open-wave", "--out", "form.yaml"], {
      cwd: dir,
      env: { DATABASE_URL: "file:./data/anxin.db" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/stored|opened|wave/i);
    expect(readFileSync(join(dir, "form.yaml"), "utf8")).toMatch(/^id: /m);
  });

  it("refuses a form with unsupported constructs, listing each, and stores nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anxin-xlsform-"));
    writeFileSync(join(dir, "bad.xlsx"), await buildXlsx(refusedForm()));
    const result = await runAnxin(["survey", "import", "bad.xlsx"], { cwd: dir, env: { DATABASE_URL: "file:./data/anxin.db" } });
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/refused/i);
    expect(`${result.stdout}${result.stderr}`).toMatch(/repeat/i);
  });
});
