/**
 * `anxin survey import --attach`: the choices file of a select_one_from_file row given on the
 * command line or found beside the form; a missing one refuses the import naming the cell; the
 * report in the admin's language with --report-lang.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { registerSurveyCommands } from "../../app/survey-command.js";
import { XlsFormImportError } from "../../core/definitions/xlsform.js";
import { CSV_BYTES, pyxformStyleForm } from "./convention-forms.js";
import { buildXlsx } from "./workbook.js";

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("anxin").exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerSurveyCommands(program, { out: (s) => out.push(s), err: (s) => err.push(s), now: () => new Date("2026-05-01T09:00:00Z") });
  return { out, err, run: (...args: string[]) => program.parseAsync(["node", "anxin", ...args]) };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function formIn(): Promise<{ dir: string; form: string }> {
  const dir = mkdtempSync(join(tmpdir(), "anxin-attach-"));
  dirs.push(dir);
  const form = join(dir, "form.xlsx");
  writeFileSync(form, await buildXlsx(pyxformStyleForm()));
  return { dir, form };
}

describe("anxin survey import --attach", () => {
  it("reads the file given with --attach", async () => {
    const { dir, form } = await formIn();
    mkdirSync(join(dir, "media"));
    writeFileSync(join(dir, "media", "streets.csv"), CSV_BYTES);
    const run = cli();
    await run.run("survey", "import", form, "--attach", join(dir, "media", "streets.csv"), "--dry-run", "--report-lang", "en");
    const text = run.out.join("\n");
    expect(text).toContain("converted  survey row 9, Type (A9) 'street': streets.csv: 2 choices read from the file");
    expect(text).toContain("dry run: nothing stored");
  });

  it("finds the file beside the form, and reports in zh-CN with --report-lang", async () => {
    const { dir, form } = await formIn();
    writeFileSync(join(dir, "streets.csv"), CSV_BYTES);
    const run = cli();
    await run.run("survey", "import", form, "--dry-run", "--report-lang", "zh-CN");
    const text = run.out.join("\n");
    expect(text).toContain("转换  survey 表第9行，Type (A9) 'street'：streets.csv：从文件读入 2 个选项");
    // Every explanation is in Chinese: no line of the report is the importer's English.
    expect(text).not.toMatch(/choices read from the file|is not|ignored|not supported/);
    expect(text).toMatch(/：已导入 pyxform_style 第2024060101版：6道题，0个部分，语言 en, zh-CN, zh-TW（/);
  });

  it("refuses the import without the file, naming the cell", async () => {
    const { form } = await formIn();
    const run = cli();
    await expect(run.run("survey", "import", form, "--dry-run", "--report-lang", "en")).rejects.toBeInstanceOf(XlsFormImportError);
    expect(run.err.join("\n")).toContain("refused    survey row 9, Type (A9) 'street': streets.csv: the choices file was not found beside the form; put it there or pass it with --attach");
  });

  it("says which --attach file it cannot read", async () => {
    const { dir, form } = await formIn();
    const run = cli();
    await expect(run.run("survey", "import", form, "--attach", join(dir, "nowhere.csv"), "--dry-run")).rejects.toThrow(/--attach .*nowhere\.csv: cannot read it/);
  });
});
