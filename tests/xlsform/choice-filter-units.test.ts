/**
 * Importing XLSForm choice_filter: each spelling becomes a condition on each option (the choices
 * sheet's columns read as that choice's values), the filter columns count as used, YAML written
 * from the import loads back with its filters, and a filter that cannot be kept refuses the
 * import at its cell with the reason.
 */
import { describe, expect, it } from "vitest";
import { importXlsForm, questionnaireToYaml, XlsFormImportError } from "../../core/definitions/xlsform.js";
import type { ImportReport } from "../../core/definitions/xlsform.js";
import { parseQuestionnaire } from "../../core/engine/definition.js";
import type { QuestionDefinition, Questionnaire } from "../../core/engine/types.js";
import { cascadingForm } from "./cascading-form.js";
import { plainItems } from "./report-items.js";
import { buildXlsx, type FormSheets } from "./workbook.js";

const SETTINGS: FormSheets["settings"] = [["form_id", "version", "default_language"], ["f", 1, "en"]];

/** A form with a district list (with a region column) and a town list (with district and kind columns). */
function withFilter(filter: string, extraSurvey: FormSheets["survey"] = []): FormSheets {
  return {
    survey: [
      ["type", "name", "label", "required", "choice_filter"],
      ["select_one district", "district", "District?", "yes"],
      ["select_multiple kinds", "kinds", "Kinds?", "yes"],
      ["select_one town", "town", "Town?", "yes", filter],
      ...extraSurvey,
    ],
    choices: [
      ["list_name", "name", "label", "district", "kind"],
      ["district", "d1", "North"],
      ["district", "d2", "South"],
      ["kinds", "city", "City"],
      ["kinds", "rural", "Rural"],
      ["town", "t1", "T1", "d1", "city"],
      ["town", "t2", "T2", "d2", "rural"],
      ["town", "any", "Anywhere", "", "city"],
    ],
    settings: SETTINGS,
  };
}

async function imported(form: FormSheets): Promise<{ definition: Questionnaire; report: ImportReport }> {
  return importXlsForm(await buildXlsx(form), { sourceName: "f.xlsx" });
}

async function refusal(form: FormSheets): Promise<ImportReport> {
  try {
    await imported(form);
  } catch (error) {
    if (error instanceof XlsFormImportError) return error.report;
    throw error;
  }
  throw new Error("the import was expected to be refused");
}

const conditions = (q: QuestionDefinition | undefined): (string | undefined)[] => (q && "options" in q ? q.options.map((o) => o.relevant) : []);

describe("choice_filter spellings", () => {
  it.each([
    ["district=${district}", ["district == 'd1'", "district == 'd2'", "district == ''"], "kind"],
    ["${district} = district", ["district == 'd1'", "district == 'd2'", "district == ''"], "kind"],
    ["district = ${district} or district = ''", ["district == 'd1' or 'd1' == ''", "district == 'd2' or 'd2' == ''", "district == '' or '' == ''"], "kind"],
    ["selected(${kinds}, kind) and name != 'any'", ["selected(kinds, 'city') and 't1' != 'any'", "selected(kinds, 'rural') and 't2' != 'any'", "selected(kinds, 'city') and 'any' != 'any'"], "district"],
  ])("%s becomes a condition on each option", async (filter, expected, unused) => {
    const { definition, report } = await imported(withFilter(filter));
    expect(conditions(definition.questions[2])).toEqual(expected);
    // A column the filter reads is used; only the other one is reported, as no filter reads it.
    expect(plainItems(report.items.filter((i) => i.sheet === "choices"))).toEqual([
      { outcome: "ignored", sheet: "choices", column: unused, rows: [6, 7, 8].filter((r) => unused === "kind" || r !== 8), message: "extra choice column: no question's choice_filter uses it; ignored" },
    ]);
  });

  it("writes the filters into YAML that loads back the same", async () => {
    const { definition } = await imported(cascadingForm());
    const yaml = questionnaireToYaml(definition);
    expect(yaml).toContain("relevant: district == 'd1'");
    expect(parseQuestionnaire(yaml, "cascading.yaml").checksum).toBe(definition.checksum);
  });

  it("keeps or_other's option unfiltered", async () => {
    const form = withFilter("${district} = district");
    form.survey[3] = ["select_one town or_other", "town", "Town?", "yes", "${district} = district"];
    const { definition } = await imported(form);
    expect(conditions(definition.questions[2])).toEqual(["district == 'd1'", "district == 'd2'", "district == ''", undefined]);
  });
});

describe("choice_filter that cannot be kept", () => {
  it("refuses an unknown column, a later field and a function the engine lacks, at the filter's cell", async () => {
    const cases: [string, unknown][] = [
      ["region = ${district}", "cannot translate 'region = ${district}': 'region' is not a column of the choices sheet (at column 1); without it the resident would be offered choices the form hides"],
      ["district = ${later}", "cannot translate 'district = ${later}': ${later} is asked later (row 5); conditions can only use earlier answers (at column 12); without it the resident would be offered choices the form hides"],
      ["jr:choice-name(district, '${district}') = 'x'", expect.stringContaining("jr:choice-name() is not supported")],
    ];
    for (const [filter, message] of cases) {
      const report = await refusal(withFilter(filter, [["text", "later", "Later?"]]));
      expect(plainItems(report.items.filter((i) => i.outcome === "refused"))).toEqual([
        { outcome: "refused", sheet: "survey", row: 4, column: "choice_filter", cell: "E4", name: "town", message },
      ]);
    }
  });

  it("refuses a filter on a choices file, and ignores one on a question that is not a select", async () => {
    const onFile = withFilter("");
    onFile.survey[3] = ["select_one_from_file towns.csv", "town", "Town?", "yes", "district = ${district}"];
    const report = await importXlsForm(await buildXlsx(onFile), { sourceName: "f.xlsx", attachments: { "towns.csv": new TextEncoder().encode("name,label\nt1,T1\nt2,T2\n") } }).then(
      () => undefined,
      (error: unknown) => (error instanceof XlsFormImportError ? error.report : undefined),
    );
    expect(report?.items.find((i) => i.outcome === "refused")).toMatchObject({ cell: "E4", message: expect.stringContaining("choice filters on select_one_from_file") });

    const onText = withFilter("${district} = district", [["text", "note_it", "Anything?", "no", "district = ${district}"]]);
    const { report: ok } = await imported(onText);
    expect(plainItems(ok.items)).toContainEqual({ outcome: "ignored", sheet: "survey", column: "choice_filter", rows: [5], message: "choice_filter only applies to select questions; ignored" });
  });
});
