/**
 * `anxin survey import`, run in-process through registerSurveyCommands on a commander program
 * (the lead wires it into app/cli.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, CommanderError } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { registerSurveyCommands } from "../../app/survey-command.js";
import { XlsFormImportError } from "../../core/definitions/xlsform.js";
import { parseQuestionnaire } from "../../core/engine/definition.js";
import { openStore } from "../../prisma/store.js";
import { communityForm, refusedForm } from "./forms.js";
import { buildXlsx, type FormSheets } from "./workbook.js";

const now = new Date("2026-05-01T09:00:00Z");

/** A program with just the survey commands; output captured. */
function cli() {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("anxin").exitOverride().configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerSurveyCommands(program, { out: (s) => out.push(s), err: (s) => err.push(s), now: () => now });
  return {
    out,
    err,
    run: (...args: string[]) => program.parseAsync(["node", "anxin", ...args]),
  };
}

async function xlsxFile(dir: string, name: string, sheets: FormSheets): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, await buildXlsx(sheets));
  return file;
}

const dirs: string[] = [];
/** A temporary folder removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "anxin-survey-cli-"));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  vi.unstubAllEnvs();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("anxin survey import", () => {
  it("stores the questionnaire, opens a wave and writes the YAML", async () => {
    const dir = tempDir();
    const file = await xlsxFile(dir, "community.xlsx", communityForm());
    const db = `file:${join(dir, "anxin.db")}`;
    const yamlFile = join(dir, "community.yaml");

    const first = cli();
    await first.run("survey", "import", file, "--db", db, "--open-wave", "--out", yamlFile);
    const text = first.out.join("\n");
    expect(text).toContain("converted  survey row 6 'crime_types': constraint becomes max 3, 'none' exclusive (picking it clears the others)");
    expect(text).toContain(`${file}: imported community_safety version 2024010101: 8 questions, 1 section, languages zh-CN, en (3 ignored, 4 converted)`);
    expect(text).toContain(`wrote ${yamlFile}`);
    expect(text).toContain("stored questionnaire community_safety version 2024010101");
    expect(text).toMatch(/opened wave "社区安全感调查 2026-05-01" \(\w+\)$/m);
    expect(first.err).toEqual([]);

    const yaml = readFileSync(yamlFile, "utf8");
    expect(yaml).toMatch(/^# Converted from .*community\.xlsx by "anxin survey import" on 2026-05-01\.\n# Import report:\n#   converted  settings row 2/);
    const fromYaml = parseQuestionnaire(yaml, yamlFile);

    const store = await openStore({ provider: "sqlite", file: join(dir, "anxin.db"), url: db });
    try {
      const [record] = await store.listQuestionnaires();
      expect(record).toMatchObject({ key: "community_safety", version: 2024010101, title: "社区安全感调查", source: "xlsform", checksum: fromYaml.checksum });
      const waves = await store.listWaves();
      expect(waves.map((w) => [w.questionnaireKey, w.questionnaireVersion, w.opensAt.toISOString()])).toEqual([
        ["community_safety", 2024010101, now.toISOString()],
      ]);
    } finally {
      await store.close();
    }

    // Importing the same form again changes nothing.
    const again = cli();
    await again.run("survey", "import", file, "--db", db);
    expect(again.out.join("\n")).toContain("questionnaire community_safety version 2024010101 was already stored with the same content");

    // Changed content under the same version is refused.
    const changed = communityForm();
    (changed.survey[3] as unknown[])[3] = "How old are you now?";
    const changedFile = await xlsxFile(dir, "changed.xlsx", changed);
    await expect(cli().run("survey", "import", changedFile, "--db", db)).rejects.toThrow(
      /already stored with other content; raise its version \(set a higher version in the settings sheet\)/,
    );
  });

  it("only reports with --dry-run, and uses DATABASE_URL without --db", async () => {
    const dir = tempDir();
    const file = await xlsxFile(dir, "community.xlsx", communityForm());
    const dbFile = join(dir, "configured.db");
    vi.stubEnv("DATABASE_URL", `file:${dbFile}`);

    const dry = cli();
    await dry.run("survey", "import", file, "--dry-run", "--open-wave");
    expect(dry.out.at(-1)).toBe("dry run: nothing stored and no wave opened");
    expect(existsSync(dbFile)).toBe(false);

    const real = cli();
    await real.run("survey", "import", file);
    expect(real.out.at(-1)).toBe("stored questionnaire community_safety version 2024010101");
    expect(existsSync(dbFile)).toBe(true);
  });

  it("prints the report of a refused import and fails", async () => {
    const dir = tempDir();
    const file = await xlsxFile(dir, "refused.xlsx", refusedForm());
    const run = cli();
    const failure = run.run("survey", "import", file, "--dry-run", "--out", join(dir, "never.yaml"));
    await expect(failure).rejects.toBeInstanceOf(XlsFormImportError);
    await expect(failure).rejects.toThrow(/^.*refused\.xlsx: XLSForm import refused \(13 problems\)\n/);
    const report = run.err.join("\n").split("\n");
    expect(report).toHaveLength(19);
    expect(report).toContain(
      "refused    survey row 6, choice_filter (H6) 'town': cannot translate 'region = ${district}': 'region' is not a column of the choices sheet (at column 1); without it the resident would be offered choices the form hides",
    );
    expect(run.out).toEqual([]);
    expect(existsSync(join(dir, "never.yaml"))).toBe(false);
  });

  it("checks --lang", async () => {
    const run = cli();
    const failure = run.run("survey", "import", "x.xlsx", "--lang", "fr", "--dry-run");
    await expect(failure).rejects.toBeInstanceOf(CommanderError);
    expect(run.err.join("")).toMatch(/option '--lang <lang>' argument 'fr' is invalid\. expected one of zh-CN, zh-TW, en/);
  });

  it("reads plain label columns in the --lang language", async () => {
    const dir = tempDir();
    const file = await xlsxFile(dir, "plain.xlsx", {
      survey: [["type", "name", "label"], ["text", "q", "您好"]],
      settings: [["form_id", "version"], ["plain", 1]],
    });
    const run = cli();
    await run.run("survey", "import", file, "--lang", "zh-TW", "--dry-run");
    expect(run.out.join("\n")).toContain("columns without a language (label, hint …) are read as zh-TW, as requested");
    expect(run.out.join("\n")).toContain("languages zh-TW");
  });
});
