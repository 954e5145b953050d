/**
 * `anxin survey import <file.yaml>`: a questionnaire YAML file is checked by the same rules as the
 * bundled one and stored versioned like an XLSForm import — refused with the file and the problem
 * named when it is invalid, when its version is taken by other content, or when a workbook-only
 * option is given.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { registerSurveyCommands } from "../../app/survey-command.js";
import { DEFAULT_QUESTIONNAIRE_PATH } from "../../core/definitions/load.js";
import { openStore } from "../../prisma/store.js";

const now = new Date("2026-05-01T09:00:00Z");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("anxin").exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerSurveyCommands(program, { out: (s) => out.push(s), err: (s) => err.push(s), now: () => now });
  return { out, run: (...args: string[]) => program.parseAsync(["node", "anxin", ...args]) };
}

/** The bundled questionnaire with its version set to `version` and, optionally, one label changed. */
function yamlFile(dir: string, name: string, version: number, change?: [string, string]): string {
  let text = readFileSync(DEFAULT_QUESTIONNAIRE_PATH, "utf8").replace(/^version: .*$/m, `version: ${version}`);
  if (change) text = text.replace(change[0], change[1]);
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe("anxin survey import <file.yaml>", () => {
  it("checks and stores a questionnaire YAML file, versioned, and opens a wave on it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anxin-yaml-import-"));
    dirs.push(dir);
    const db = `file:${join(dir, "anxin.db")}`;
    const file = yamlFile(dir, "survey.yaml", 2099010101);

    const first = cli();
    await first.run("survey", "import", file, "--db", db, "--open-wave");
    expect(first.out[0]).toMatch(/^public-safety version 2099010101: \d+ questions, checked$/);
    expect(first.out).toContain("stored questionnaire public-safety version 2099010101");
    expect(first.out.join("\n")).toMatch(/opened wave ".+" \(\w+\)/);

    const again = cli();
    await again.run("survey", "import", file, "--db", db);
    expect(again.out).toContain("questionnaire public-safety version 2099010101 was already stored with the same content");

    // The same version with other content is refused, saying what to change; nothing is stored.
    const changed = yamlFile(dir, "changed.yaml", 2099010101, ["总的来说，您觉得您住的地方治安怎么样？", "总体上，您觉得您住的地方治安怎么样？"]);
    await expect(cli().run("survey", "import", changed, "--db", db)).rejects.toThrow(/\(raise "version" in changed\.yaml\)$/);
    const store = await openStore({ provider: "sqlite", file: join(dir, "anxin.db"), url: db });
    try {
      const records = await store.listQuestionnaires();
      expect(records.filter((r) => r.version === 2099010101).map((r) => r.source)).toEqual(["yaml"]);
    } finally {
      await store.close();
    }

    // A dry run checks and stores nothing.
    const dry = cli();
    await dry.run("survey", "import", yamlFile(dir, "next.yaml", 2099020101), "--db", db, "--dry-run");
    expect(dry.out).toContain("dry run: nothing stored");
  });

  it("refuses an invalid file, naming it and the problem, and workbook-only options", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anxin-yaml-import-"));
    dirs.push(dir);
    const broken = join(dir, "broken.yaml");
    writeFileSync(broken, "id: x\nversion: 1\nquestions:\n  - id: q1\n    type: single\n");
    await expect(cli().run("survey", "import", broken, "--dry-run")).rejects.toThrow(/broken\.yaml/);
    writeFileSync(join(dir, "bad.yml"), "id: [unclosed\n");
    await expect(cli().run("survey", "import", join(dir, "bad.yml"), "--dry-run")).rejects.toThrow(/bad\.yml/);
    await expect(cli().run("survey", "import", join(dir, "missing.yaml"), "--dry-run")).rejects.toThrow(/missing\.yaml: cannot read it/);
    const good = yamlFile(dir, "good.yaml", 2099010101);
    await expect(cli().run("survey", "import", good, "--attach", "x.csv", "--dry-run")).rejects.toThrow(/^--attach is for XLSForm workbooks/);
    await expect(cli().run("survey", "import", good, "--out", "x.yaml", "--dry-run")).rejects.toThrow(/^--out is for XLSForm workbooks/);
  });
});
