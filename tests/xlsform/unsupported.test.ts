/**
 * Unsupported XLSForm constructs: each one is in the report with its sheet, row, column and
 * consequence; harmless ones let the import through, the others refuse it.
 */
import { describe, expect, it } from "vitest";
import { formatReport, formatReportIn, formatReportItem, importXlsForm, XlsFormImportError } from "../../core/definitions/xlsform.js";
import type { ImportReport } from "../../core/definitions/xlsform.js";
import { harmlessUnsupportedForm, refusedForm } from "./forms.js";
import { buildXlsx } from "./workbook.js";

const OPTIONAL = "; it is optional, so the survey makes sense without it; row not imported";

/** [outcome, where, message start] of every item, for compact expectations. */
const summary = (report: ImportReport) =>
  report.items.map((i) => [i.outcome, `${i.sheet}:${i.row ?? (i.rows ? `[${i.rows.join(",")}]` : "-")}:${i.column ?? "-"}`, i.message]);

describe("a form with harmless unsupported constructs", () => {
  it("imports, and lists every skipped row and ignored column", async () => {
    const { definition, report } = await importXlsForm(await buildXlsx(harmlessUnsupportedForm()), { sourceName: "night.xlsx" });
    expect(definition.id).toBe("night-safety");
    expect(definition.version).toBe(3);
    expect(definition.languages).toEqual(["en"]);
    expect(definition.questions.map((q) => [q.id, q.type])).toEqual([
      ["feel", "single"],
      ["rating", "number"],
      ["children", "number"],
      ["bye", "note"],
    ]);
    expect(definition.questions[1]).toMatchObject({ min: 1, max: 5, required: true });

    expect(summary(report)).toEqual([
      ["ignored", "workbook:-:-", "sheet 'notes' is not part of an XLSForm; ignored"],
      ["ignored", "settings:2:instance_name", "instance_name has no meaning in Anxin; ignored"],
      ["warning", "settings:2:public_key", "answers are not encrypted with this key in Anxin (they are stored in its database); ignored"],
      ["ignored", "settings:2:style", "style has no meaning in Anxin; ignored"],
      ["converted", "settings:2:form_id", "form_id 'Night-Safety' becomes the questionnaire id 'night-safety' (ids are lowercase a-z, 0-9, - and _, at most 40)"],
      ["ignored", "survey:-:label::Français (fr)", "language 'Français (fr)' is not one the bot speaks (zh-CN, zh-TW, en); column ignored"],
      ["skipped", "survey:2:-", "start: form metadata, which the chat survey does not collect; row not imported"],
      ["skipped", "survey:3:-", "end: form metadata, which the chat survey does not collect; row not imported"],
      ["skipped", "survey:4:-", "deviceid: form metadata, which the chat survey does not collect; row not imported"],
      ["skipped", "survey:5:-", `geopoint: locations are not collected in chat${OPTIONAL}`],
      ["skipped", "survey:6:-", `image: photos are not collected in chat${OPTIONAL}`],
      ["skipped", "survey:7:-", `audio: recordings are not collected in chat${OPTIONAL}`],
      ["skipped", "survey:8:-", `date: dates are not supported by the engine${OPTIONAL}`],
      ["skipped", "survey:9:-", "calculate: calculations are not supported; row not imported"],
      ["ignored", "survey:9:calculation", "the calculation '1 + 1' is never worked out: its row is not imported; ignored"],
      ["skipped", "survey:10:-", `rank: ranking questions are not supported${OPTIONAL}`],
      ["skipped", "survey:11:-", `select_one_external: choices from external files are not supported${OPTIONAL}`],
      ["ignored", "survey:[12]:parameters", "select parameters (randomize, seed) are not supported: options keep their order; ignored"],
      ["ignored", "survey:[12,13]:appearance", "appearance (how ODK lays out a question) has no meaning in a chat; ignored"],
      ["ignored", "survey:[12,14]:default", "default answers are not supported: the resident gives the answer; ignored"],
      ["ignored", "survey:[12]:media::image::English (en)", "media are not shown in chat; ignored"],
      ["ignored", "survey:[12]:guidance_hint", "guidance hints are for interviewers; ignored"],
      ["converted", "survey:13:-", "range becomes a typed whole number from 1 to 5 (no slider in chat)"],
      ["ignored", "survey:[14]:trigger", "trigger recalculates calculate rows, which are not imported; ignored"],
      ["ignored", "survey:[14]:comments", "comment column; ignored"],
      ["ignored", "survey:[15]:required", "a note takes no answer, so it cannot be required; ignored"],
      [
        "warning",
        "survey:15:-",
        "conditional note after the last question: the engine only shows notes before a following question, so residents will not see it; move it before a question",
      ],
      ["ignored", "choices:-:label::Français (fr)", "language 'Français (fr)' is not one the bot speaks (zh-CN, zh-TW, en); column ignored"],
      ["ignored", "choices:[2]:media::image", "media are not shown in chat; ignored"],
      ["ignored", "choices:[2,3]:district", "extra choice column: no question's choice_filter uses it; ignored"],
      ["ignored", "choices:4:-", "list 'unused' is not used by any imported question; ignored"],
    ]);
    expect(report.counts).toEqual({ refused: 0, skipped: 10, ignored: 17, warning: 2, converted: 2 });
  });

  it("prints one line per item and a summary line", async () => {
    const { report } = await importXlsForm(await buildXlsx(harmlessUnsupportedForm()), { sourceName: "night.xlsx" });
    const lines = formatReport(report).split("\n");
    expect(lines).toHaveLength(report.items.length + 1);
    expect(lines).toContain(`skipped    survey row 5 'location': geopoint: locations are not collected in chat${OPTIONAL}`);
    expect(lines).toContain("ignored    survey column 'appearance' (rows 12, 13): appearance (how ODK lays out a question) has no meaning in a chat; ignored");
    expect(lines).toContain("warning    settings row 2, public_key (E2): answers are not encrypted with this key in Anxin (they are stored in its database); ignored");
    expect(lines.at(-1)).toBe("night.xlsx: imported night-safety version 3: 4 questions, 0 sections, languages en (10 skipped, 17 ignored, 2 warning, 2 converted)");
  });
});

describe("a form with constructs the engine cannot keep", () => {
  it("refuses the import and lists each one with its cell", async () => {
    let error: unknown;
    try {
      await importXlsForm(await buildXlsx(refusedForm()), { sourceName: "refused.xlsx" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(XlsFormImportError);
    const report = (error as XlsFormImportError).report;
    expect(report.ok).toBe(false);
    expect(report.form).toBeUndefined();
    expect((error as Error).message.split("\n")[0]).toBe("refused.xlsx: XLSForm import refused (13 problems)");

    const refused = report.items.filter((i) => i.outcome === "refused").map((i) => [i.row, i.cell ?? i.column ?? null, i.name ?? null, i.message]);
    expect(refused).toEqual([
      [
        4,
        "G4",
        "phone",
        "cannot translate 'regex(., '^([0-9])\\1+$')': regex() pattern '^([0-9])\\1+$' cannot be run safely: backreferences ('\\1', '\\k<name>') are not supported (pattern character 9) (at column 10); without it answers the form refuses would be accepted",
      ],
      [6, "H6", "town", "cannot translate 'region = ${district}': 'region' is not a column of the choices sheet (at column 1); without it the resident would be offered choices the form hides"],
      [7, "E7", "household", "'${age} > 18' is not yes/no: conditional required is not supported"],
      [
        8,
        "F8",
        "employed",
        "cannot translate '${adult} = 'true'': ${adult} is a calculate row (row 2), which the chat does not ask, so this condition could never be worked out; remove the reference here or change the type of row 2 (at column 1); without it the question would be asked when the form skips it",
      ],
      [9, "G9", "even", "cannot translate '. mod 2 = 0': 'mod' has no counterpart in the engine's expression language (at column 3); without it answers the form refuses would be accepted"],
      [
        10,
        "F10",
        "early",
        "cannot translate '${late} != \'\'': ${late} is asked later (row 11); conditions can only use earlier answers (at column 1); without it the question would be asked when the form skips it",
      ],
      [12, "A12", "members", "repeats (asking the same questions several times) are not supported; their questions cannot be asked once instead without changing the survey"],
      [15, "A15", "where", "unknown question type 'geopoint2'"],
      [16, "G16", "agree", "constraints on select_one questions are not supported"],
      [17, "B17", "age", "duplicate name (first used on row 3)"],
      [18, "A18", "colour", "choice list 'colours' is not on the choices sheet"],
      [20, "I20", "locked", "read-only questions (shown but not answered) are not supported; asking it as a normal question would change the survey"],
      [21, "C21", "unlabelled", "question 'unlabelled' has no label"],
    ]);
    // Every refusal names the cell to change.
    expect(report.items.filter((i) => i.outcome === "refused" && i.cell === undefined)).toEqual([]);
    // The harmless items are still listed.
    expect(summary(report)).toContainEqual(["skipped", "survey:2:-", "calculate: calculations are not supported; row not imported"]);
    // The calculation of the skipped row is named by its cell.
    expect(summary(report)).toContainEqual(["ignored", "survey:2:calculation", "the calculation '${age} >= 18' is never worked out: its row is not imported; ignored"]);
    expect(summary(report)).toContainEqual(["ignored", "survey:[19]:read_only", "read_only on a note changes nothing; ignored"]);
    expect(formatReport(report).split("\n").at(-1)).toBe(
      "refused.xlsx: import refused (13 refused, 1 skipped, 3 ignored, 1 converted); fix the items marked 'refused' and import again",
    );
    expect(formatReportItem(report.items.find((i) => i.row === 6)!)).toBe(
      "refused    survey row 6, choice_filter (H6) 'town': cannot translate 'region = ${district}': 'region' is not a column of the choices sheet (at column 1); without it the resident would be offered choices the form hides",
    );
  });

  it("refuses a repeat even when everything else is fine", async () => {
    const sheets = {
      survey: [
        ["type", "name", "label"],
        ["begin_repeat", "people", "People"],
        ["text", "person", "Name"],
        ["end_repeat"],
      ],
      settings: [["form_id", "version", "default_language"], ["r", 1, "en"]],
    };
    await expect(importXlsForm(await buildXlsx(sheets))).rejects.toMatchObject({
      report: { ok: false, items: expect.arrayContaining([expect.objectContaining({ outcome: "refused", row: 2, name: "people" })]) },
    });
  });
});

describe("cells of a skipped row", () => {
  it("names a calculation such as now() and a trigger, one line per cell", async () => {
    const sheets = {
      survey: [
        ["type", "name", "label", "calculation", "trigger", "required"],
        ["text", "visit", "Who visits?"],
        ["calculate", "stamp", null, "now()", "${visit}"],
        ["geopoint", "spot", "Where?", null, "${visit}", "no"],
        ["integer", "count", "How many?"],
      ],
      settings: [["form_id", "version", "default_language"], ["s", 1, "en"]],
    };
    const { report } = await importXlsForm(await buildXlsx(sheets), { sourceName: "s.xlsx" });
    const lines = formatReport(report).split("\n");
    expect(lines).toContain("skipped    survey row 3 'stamp': calculate: calculations are not supported; row not imported");
    expect(lines).toContain("ignored    survey row 3, calculation (D3) 'stamp': the calculation 'now()' is never worked out: its row is not imported; ignored");
    expect(lines).toContain("ignored    survey row 3, trigger (E3) 'stamp': the trigger '${visit}' never fires: its row is not imported; ignored");
    expect(lines).toContain("ignored    survey row 4, trigger (E4) 'spot': the trigger '${visit}' never fires: its row is not imported; ignored");
    const zh = formatReportIn(report, "zh-CN").split("\n");
    expect(zh).toContain("忽略  survey 表第3行，calculation (D3) 'stamp'：计算式“now()”不会被计算：它所在的行不导入；已忽略");
  });
});
