/**
 * importXlsForm: the bilingual community form converted in detail, languages, names, groups,
 * settings, and precise reports of what is missing.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importXlsForm, questionnaireToYaml, XlsFormImportError } from "../../core/definitions/xlsform.js";
import type { ImportReport, ReportItem, XlsFormImportOptions } from "../../core/definitions/xlsform.js";
import { parseQuestionnaire, validateQuestionnaire } from "../../core/engine/definition.js";
import { communityForm, EN, ZH } from "./forms.js";
import { plainItems } from "./report-items.js";
import { buildXlsx, type FormSheets } from "./workbook.js";

async function imported(form: FormSheets, options: XlsFormImportOptions = {}) {
  return importXlsForm(await buildXlsx(form), { sourceName: "test.xlsx", ...options });
}

async function refusal(form: FormSheets, options: XlsFormImportOptions = {}): Promise<ImportReport> {
  try {
    await imported(form, options);
  } catch (error) {
    if (error instanceof XlsFormImportError) return error.report;
    throw error;
  }
  throw new Error("the import was expected to be refused");
}

const pick = (report: ImportReport, outcome: ReportItem["outcome"]) => plainItems(report.items.filter((i) => i.outcome === outcome));

/** A minimal valid form around survey rows (two yes/no choices available as list yn). */
function form(survey: FormSheets["survey"], extra: Partial<FormSheets> = {}): FormSheets {
  return {
    survey,
    choices: [
      ["list_name", "name", "label"],
      ["yn", "yes", "Yes"],
      ["yn", "no", "No"],
    ],
    settings: [
      ["form_id", "version", "default_language"],
      ["t", 1, "English (en)"],
    ],
    ...extra,
  };
}

describe("the bilingual community form", () => {
  it("converts every row into the engine's definition", async () => {
    const { definition, report } = await imported(communityForm());
    expect(() => validateQuestionnaire(definition)).not.toThrow();
    const L = (zh: string, en: string) => ({ "zh-CN": zh, en });
    expect(definition).toMatchObject({
      id: "community_safety",
      version: 2024010101,
      languages: ["zh-CN", "en"],
      title: L("社区安全感调查", "社区安全感调查"),
      outro: L("谢谢您的参与！", "Thank you for taking part!"),
      sections: [{ id: "about", title: L("关于您", "About you") }],
    });
    expect(definition.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(definition.questions).toEqual([
      { id: "intro", type: "note", label: L("欢迎参加社区安全感调查。", "Welcome to the community safety survey.") },
      {
        id: "age",
        type: "number",
        section: "about",
        label: L("您今年多大年纪？", "How old are you?"),
        required: true,
        required_message: L("请告诉我们您的年龄", "Please tell us your age"),
        constraint: ". >= 16 and . < 120",
        constraint_message: L("年龄应在16到119岁之间", "Age must be between 16 and 119"),
      },
      {
        id: "victim",
        type: "single",
        section: "about",
        label: L("过去一年您受过侵害吗？", "Were you a victim of crime in the past year?"),
        required: true,
        options: [
          { id: "yes", label: L("是", "Yes") },
          { id: "no", label: L("否", "No") },
        ],
      },
      {
        id: "crime_types",
        type: "multiple",
        section: "about",
        label: L("遇到过哪些？", "What happened?"),
        hint: L("最多选三项", "Up to three"),
        required: true,
        relevant: "victim == 'yes'",
        max: 3,
        options: [
          { id: "theft", label: L("盗窃", "Theft") },
          { id: "fraud", label: L("诈骗", "Fraud") },
          { id: "robbery", label: L("抢劫", "Robbery") },
          { id: "none", label: L("都没有", "None of these"), exclusive: true },
          { id: "other", label: L("其他（请说明）", "Other (please specify)"), specify: true },
        ],
      },
      {
        id: "trend",
        type: "single",
        label: L("和一年前比，治安怎么样？", "Compared with a year ago, safety is…"),
        required: true,
        relevant: "age >= 18",
        options: [
          { id: "better", label: L("变好了", "Better") },
          { id: "same", label: L("差不多", "About the same") },
          { id: "worse", label: L("变差了", "Worse") },
        ],
      },
      {
        id: "hours",
        type: "number",
        label: L("每周晚上在外面大约几个小时？", "About how many hours a week are you out at night?"),
        required: false,
        relevant: "count(crime_types) >= 2 or trend != 'better'",
        integer: false,
        constraint: ". >= 0 and . <= 168",
        constraint_message: L("一周最多168小时", "A week has at most 168 hours"),
      },
      { id: "theft_note", type: "note", label: L("我们会跟进盗窃问题。", "We will follow up on theft."), relevant: "selected(crime_types, 'theft')" },
      {
        id: "comments",
        type: "text",
        label: L("您有什么建议？", "Any suggestions?"),
        hint: L("可以不填", "Optional"),
        required: false,
        constraint: "length(.) <= 200",
      },
    ]);

    expect(report.ok).toBe(true);
    expect(report.form).toEqual({ id: "community_safety", version: 2024010101, languages: ["zh-CN", "en"], questions: 8, sections: 1 });
    expect(report.items.map((i) => [i.outcome, i.sheet, i.row ?? i.rows, i.column ?? null])).toEqual([
      ["converted", "settings", 2, "form_title"],
      ["converted", "survey", 6, null], // or_other
      ["converted", "survey", 6, null], // constraint → max 3, 'none' exclusive
      ["ignored", "survey", [6], "constraint_message::中文 (zh-CN)"],
      ["ignored", "survey", [6], "constraint_message::English (en)"],
      ["ignored", "survey", [11], "appearance"],
      ["converted", "survey", 12, null], // trailing note → outro
    ]);
    expect(report.items[2]?.message).toBe("constraint becomes max 3, 'none' exclusive (picking it clears the others)");
  });

  it("writes YAML that loads back to the same questionnaire", async () => {
    const { definition } = await imported(communityForm());
    const yaml = questionnaireToYaml(definition, "from community.xlsx");
    expect(yaml.startsWith("# from community.xlsx\nid: community_safety\n")).toBe(true);
    expect(yaml).toContain('- id: "yes"');
    expect(yaml).not.toContain("checksum");
    expect(parseQuestionnaire(yaml, "community.yaml").checksum).toBe(definition.checksum);
  });

  it("reads a file path and names the report after it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anxin-xlsform-"));
    const file = join(dir, "community.xlsx");
    writeFileSync(file, await buildXlsx(communityForm()));
    try {
      const { report } = await importXlsForm(file);
      expect(report.source).toBe("community.xlsx");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("languages", () => {
  it("maps language names and codes: Chinese (Simplified), zh-TW, English", async () => {
    const { definition } = await imported({
      survey: [
        ["type", "name", "label::Chinese (Simplified)", "label::zh-TW", "label::English"],
        ["text", "name_q", "姓名", "姓名", "Name"],
      ],
      settings: [["form_id", "version"], ["langs", 1]],
    });
    expect(definition.languages).toEqual(["zh-CN", "zh-TW", "en"]);
    expect(definition.questions[0]?.label).toEqual({ "zh-CN": "姓名", "zh-TW": "姓名", en: "Name" });
  });

  it("puts default_language first and reads plain columns in it", async () => {
    // The hint exists only in English (the plain column): zh-CN readers see it in English, with a warning.
    const fellBack = await imported({
      survey: [
        ["type", "name", "label", ZH, "hint"],
        ["text", "q1", "Your name", "您的姓名", "Optional"],
      ],
      settings: [["form_id", "version", "default_language"], ["x", 1, "English (en)"]],
    });
    expect(fellBack.definition.questions[0]?.hint).toEqual({ en: "Optional", "zh-CN": "Optional" });
    expect(pick(fellBack.report, "warning")).toEqual([
      {
        outcome: "warning",
        sheet: "survey",
        column: "hint::zh-CN",
        rows: [2],
        message: "there is no hint column in zh-CN: residents who read zh-CN see the en hint (add a hint::zh-CN column to translate it)",
      },
    ]);

    const ok = await imported({
      survey: [
        ["type", "name", "label", ZH],
        ["text", "q1", "Your name", "您的姓名"],
      ],
      settings: [["form_id", "version", "default_language"], ["x", 1, "English (en)"]],
    });
    expect(ok.definition.languages).toEqual(["en", "zh-CN"]);
    expect(plainItems(ok.report.items)).toEqual([{ outcome: "converted", sheet: "settings", message: "no form_title: the title is 'x'" }]);
  });

  it("guesses the language of plain columns and says so, or takes defaultLanguage", async () => {
    const plain = (text: string): FormSheets => ({ survey: [["type", "name", "label"], ["text", "q", text]], settings: [["form_id", "version"], ["g", 1]] });
    const simplified = await imported(plain("您觉得这里的治安怎么样？"));
    expect(simplified.definition.languages).toEqual(["zh-CN"]);
    expect(pick(simplified.report, "warning").map((i) => i.message)).toContainEqual(expect.stringMatching(/read as zh-CN, guessed from their text; set default_language/));
    expect((await imported(plain("您覺得這裡的治安怎麼樣？"))).definition.languages).toEqual(["zh-TW"]);
    expect((await imported(plain("How safe do you feel?"))).definition.languages).toEqual(["en"]);
    const told = await imported(plain("您好"), { defaultLanguage: "zh-TW" });
    expect(told.definition.languages).toEqual(["zh-TW"]);
    expect(pick(told.report, "warning")).toEqual([]);
  });

  it("reports a language the bot does not speak, and refuses a form with only such languages", async () => {
    const { report } = await imported({
      survey: [["type", "name", EN, "label::Español (es)"], ["text", "q", "Name", "Nombre"]],
      settings: [["form_id", "version"], ["es", 1]],
    });
    expect(pick(report, "ignored")).toContainEqual({
      outcome: "ignored",
      sheet: "survey",
      column: "label::Español (es)",
      message: "language 'Español (es)' is not one the bot speaks (zh-CN, zh-TW, en); column ignored",
    });
    const refused = await refusal({ survey: [["type", "name", "label::Français (fr)"], ["text", "q", "Nom"]] });
    expect(pick(refused, "refused").map((i) => i.message)).toContainEqual(
      "no labels in a language the bot speaks (zh-CN, zh-TW, en); the form has Français (fr)",
    );
  });

  it("falls back to the default language for each empty translation and missing column, with one warning per column", async () => {
    const sheets = communityForm();
    (sheets.survey[4] as unknown[])[3] = null; // row 5 (victim): no English label
    sheets.choices = [["list_name", "name", ZH], ...(sheets.choices ?? []).slice(1).map((r) => r.slice(0, 3))];
    const { definition, report } = await imported(sheets);
    expect(definition.questions.find((q) => q.id === "victim")?.label).toEqual({ "zh-CN": "过去一年您受过侵害吗？", en: "过去一年您受过侵害吗？" });
    const warnings = pick(report, "warning");
    expect(warnings).toContainEqual({
      outcome: "warning",
      sheet: "survey",
      column: EN,
      rows: [5],
      message: "empty: the label is missing in en, so residents who read en see the zh-CN label",
    });
    expect(warnings).toContainEqual(expect.objectContaining({ sheet: "choices", column: "label::en", rows: [2, 3, 4, 5, 6, 7, 8, 9, 10] }));
    expect(pick(report, "refused")).toEqual([]);
  });

  it("refuses only a question with no label in any language, naming its cell", async () => {
    const report = await refusal({
      survey: [
        ["type", "name", "label:English", "label:Chinese"],
        ["text", "q1", "Name?", "姓名？"],
        ["text", "q2"],
      ],
      settings: [["form_id", "version"], ["x", 1]],
    });
    expect(pick(report, "refused")).toEqual([
      { outcome: "refused", sheet: "survey", row: 3, column: "label:English", cell: "C3", name: "q2", message: "question 'q2' has no label" },
    ]);
  });
});

describe("names, groups and settings", () => {
  it("renames XLSForm names the engine cannot use and follows them into expressions", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "relevant"],
        ["select_one yn", "Has-Car", "Do you have a car?"],
        ["text", "has_car", "Which car?", "${Has-Car} = 'yes'"],
        ["integer", "2nd.Q", "A number", "${has_car} != ''"],
      ]),
    );
    expect(definition.questions.map((q) => [q.id, q.relevant])).toEqual([
      ["has_car_2", undefined],
      ["has_car", "has_car_2 == 'yes'"],
      ["q_2nd_q", "has_car != ''"],
    ]);
    expect(pick(report, "converted").filter((i) => i.sheet === "survey").map((i) => [i.row, i.message])).toEqual([
      [2, "name 'Has-Car' becomes the id 'has_car_2' (engine ids are lowercase a-z, 0-9 and _, at most 32)"],
      [4, "name '2nd.Q' becomes the id 'q_2nd_q' (engine ids are lowercase a-z, 0-9 and _, at most 32)"],
    ]);
  });

  it("flattens nested groups into sections and keeps every group's relevant", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "relevant", "appearance"],
        ["select_one yn", "resident", "Do you live here?"],
        ["begin group", "home", "Your home", "${resident} = 'yes'", "field-list"],
        ["integer", "years", "How many years?"],
        ["begin group", "night", "At night", "${years} > 1"],
        ["select_one yn", "lights", "Street lights work?", "${years} < 50"],
        ["end group"],
        ["begin group", "unlabelled"],
        ["text", "street", "Street name"],
        ["end group"],
        ["end group"],
        ["text", "other", "Anything else?"],
      ]),
    );
    expect(definition.sections).toEqual([
      { id: "home", title: { en: "Your home" } },
      { id: "night", title: { en: "Your home / At night" } },
    ]);
    expect(definition.questions.map((q) => [q.id, q.section, q.relevant])).toEqual([
      ["resident", undefined, undefined],
      ["years", "home", "resident == 'yes'"],
      ["lights", "night", "resident == 'yes' and years > 1 and years < 50"],
      ["street", "home", "resident == 'yes'"],
      ["other", undefined, undefined],
    ]);
    expect(pick(report, "converted").filter((i) => i.sheet === "survey").map((i) => [i.row, i.message])).toEqual([
      [5, "nested group flattened into section 'night' titled 'Your home / At night'; its relevant (and its parents') applies to each of its questions"],
      [8, "group without a label: its questions are imported without a section title of their own"],
    ]);
    expect(pick(report, "ignored")).toContainEqual(expect.objectContaining({ column: "appearance", rows: [3] }));
  });

  it("keeps a yes/no list as a single choice and reads required like XLSForm", async () => {
    const { definition } = await imported(
      form([
        ["type", "name", "label", "required"],
        ["select_one yn", "a", "A?", "yes"],
        ["select_one yn", "b", "B?", true],
        ["select_one yn", "c", "C?", "1"],
        ["select_one yn", "d", "D?", "no"],
        ["select_one yn", "e", "E?"],
        ["select_one yn", "f", "F?", "true()"],
      ]),
    );
    expect(definition.questions.map((q) => [q.type, q.required])).toEqual([
      ["single", true],
      ["single", true],
      ["single", true],
      ["single", false],
      ["single", false],
      ["single", true],
    ]);
  });

  it("turns count-selected bounds into min and max, and refuses what they cannot say", async () => {
    const { definition } = await imported(
      form([
        ["type", "name", "label", "required", "constraint"],
        ["select_multiple yn", "both", "Both?", "yes", "count-selected(.) = 2"],
        ["select_multiple yn", "one", "One?", "yes", "1 >= count-selected(.)"],
      ]),
    );
    expect(definition.questions.map((q) => (q.type === "multiple" ? [q.min, q.max] : null))).toEqual([
      [2, 2],
      [undefined, 1],
    ]);
    const report = await refusal(
      form([
        ["type", "name", "label", "required", "constraint"],
        ["select_multiple yn", "optional_two", "Two if any?", "no", "count-selected(.) >= 2"],
        ["select_multiple yn", "pair", "Not both?", "yes", "not(selected(., 'yes') and selected(., 'no'))"],
        ["select_multiple yn", "named", "Named?", "yes", "not(selected(., 'maybe') and count-selected(.) > 1)"],
      ]),
    );
    expect(pick(report, "refused").map((i) => [i.row, i.message])).toEqual([
      [2, `"optional, but at least 2 choices when answered" cannot be expressed (the engine's min applies to required questions); make the question required or drop the lower bound`],
      [3, "column 1: a select_multiple constraint can only be count-selected(.) bounds or not(selected(., 'x') and count-selected(.) > 1), joined by 'and'"],
      [4, "the constraint names choice 'maybe', which the list does not have"],
    ]);
  });

  it("imports a text row with the numbers appearance named as a phone number as the phone question", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "required", "appearance", "relevant", "constraint_message"],
        ["select_one yn", "call_ok", "May we call you?", "yes"],
        ["text", "phone_number", "Your phone number?", "yes", "numbers", "${call_ok} = 'yes'", "Digits only"],
        ["text", "id_number", "Your ID number?", "no", "numbers"],
        ["text", "hotel", "Your hotel?", "no", "numbers"],
        ["text", "tel_2", "Another number?", "no", "numbers"],
      ]),
    );
    expect(definition.questions.map((q) => [q.id, q.type, q.required])).toEqual([
      ["call_ok", "single", true],
      ["phone_number", "phone", undefined],
      ["id_number", "text", false],
      ["hotel", "text", false],
      ["tel_2", "text", false],
    ]);
    expect(definition.questions[1]).toEqual({ id: "phone_number", type: "phone", label: { en: "Your phone number?" }, relevant: "call_ok == 'yes'" });
    expect(pick(report, "converted").filter((i) => i.row === 3).map((i) => i.message)).toEqual([
      "text with the numbers appearance, named as a phone number: imported as a phone question (type: phone) — the number is kept with the resident for telephone spot checks, never as an answer or in an export",
    ]);
    expect(pick(report, "warning").map((i) => [i.row, i.column, i.message])).toEqual([
      [3, "required", "a phone number is always optional in Anxin (residents may keep theirs to themselves): imported as optional"],
      [6, "type", "looks like a phone number, but row 3 is already the phone question (one number per resident): it stays a text question, its answers exported with the others"],
    ]);
    // The appearance of the phone row was used; the others' is ignored as before.
    const appearance = pick(report, "ignored").find((i) => i.column === "appearance");
    expect(appearance?.rows).toEqual([4, 5, 6]);
    expect(pick(report, "ignored").find((i) => i.column === "constraint_message")?.rows).toEqual([3]);
  });

  it("keeps a phone-like row with a constraint as text, with a warning (a constraint is never dropped)", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "appearance", "constraint"],
        ["text", "mobile", "Mobile?", "numbers", "string-length(.) = 11"],
      ]),
    );
    expect(definition.questions[0]).toMatchObject({ id: "mobile", type: "text", constraint: "length(.) == 11" });
    expect(pick(report, "warning").map((i) => [i.row, i.column])).toEqual([[2, "constraint"]]);
    expect(pick(report, "warning")[0]?.message).toMatch(/stays a text question .* exported with the others; remove the constraint/);
  });

  it("accepts pyxform's other column spellings and reports custom XForm columns", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "relevance", "constraint", "jr:constraintMsg", "bind::oc:itemgroup"],
        ["select_one yn", "a", "A?"],
        ["integer", "b", "B?", "${a} = 'yes'", ". > 0", "Positive, please", "group1"],
      ]),
    );
    expect(definition.questions[1]).toMatchObject({ relevant: "a == 'yes'", constraint: ". > 0", constraint_message: { en: "Positive, please" } });
    expect(pick(report, "ignored")).toEqual([
      { outcome: "ignored", sheet: "survey", column: "bind::oc:itemgroup", rows: [3], message: "custom XForm attributes are not supported; ignored" },
    ]);
  });

  it("pipes ${field} of an earlier question into labels (renamed ids followed), and warns about any other", async () => {
    const { definition, report } = await imported(
      form([
        ["type", "name", "label", "hint"],
        ["text", "Who", "Your name?"],
        ["note", "hello", "Hello ${Who}!"],
        ["text", "more", "More, ${ Who }? (${later}, ${nobody})", "About ${hello}"],
        ["text", "later", "Later"],
      ]),
    );
    expect(definition.questions.map((q) => q.label.en)).toEqual(["Your name?", "Hello ${who}!", "More, ${who}? (${later}, ${nobody})", "Later"]);
    expect(pick(report, "warning")).toEqual([
      { outcome: "warning", sheet: "survey", column: "label", rows: [4], message: "${later}: it is asked later (row 5), so there is no answer to show yet; residents see it as written" },
      { outcome: "warning", sheet: "survey", column: "label", rows: [4], message: "${nobody}: no row has this name; residents see it as written" },
      { outcome: "warning", sheet: "survey", column: "hint", rows: [4], message: "${hello}: it is a note, which has no answer; residents see it as written" },
    ]);
  });

  it("reads id and version from settings, or says what it assumed", async () => {
    const survey: FormSheets["survey"] = [["type", "name", "label"], ["text", "q", "Q?"]];
    const noSettings = await importXlsForm(await buildXlsx({ survey }), { sourceName: "Night Patrol 2024.xlsx", defaultLanguage: "en" });
    expect([noSettings.definition.id, noSettings.definition.version, noSettings.definition.title]).toEqual(["night-patrol-2024", 1, { en: "Night Patrol 2024" }]);
    expect(noSettings.report.items.map((i) => [i.outcome, i.sheet, i.message])).toEqual([
      ["converted", "workbook", "columns without a language (label, hint …) are read as en, as requested"],
      ["converted", "settings", "no form_id: the questionnaire id 'night-patrol-2024' comes from the file name"],
      ["warning", "settings", "no version: using 1; give every changed form a higher version (e.g. 2024010101)"],
      ["converted", "settings", "no form_title: the title is 'Night Patrol 2024'"],
    ]);

    for (const [version, message] of [
      ["v1.2", "version 'v1.2' is not a positive whole number (a date-like number such as 2024010101 works)"],
      ["202401010101", "version 202401010101 is too large (at most 2147483647; a yyyymmddnn number such as 2024010101 fits)"],
      ["0", "version '0' is not a positive whole number (a date-like number such as 2024010101 works)"],
    ]) {
      const report = await refusal({ survey, settings: [["form_id", "version"], ["v", version as string]] }, { defaultLanguage: "en" });
      expect(pick(report, "refused")).toEqual([{ outcome: "refused", sheet: "settings", row: 2, column: "version", cell: "B2", message }]);
    }
    const chinese = await refusal({ survey }, { sourceName: "安全感.xlsx", defaultLanguage: "en" });
    expect(pick(chinese, "refused").map((i) => i.message)).toEqual(["'安全感' gives no usable questionnaire id; set form_id (letters a-z, digits, - and _)"]);
  });

  it("reports validation issues of the result against rows", async () => {
    const report = await refusal(
      form([
        ["type", "name", "label"],
        ["select_one one", "single_option", "Only one?"],
      ], {
        choices: [["list_name", "name", "label"], ["one", "only", "Only"]],
      }),
    );
    expect(pick(report, "refused")).toEqual([
      {
        outcome: "refused",
        sheet: "survey",
        row: 2,
        column: "type",
        cell: "A2",
        name: "single_option",
        message: "the engine refuses the result: questions[0].options: needs at least 2 options",
      },
    ]);
  });

  it("refuses files that are not XLSForm workbooks", async () => {
    const notXlsx = await refusal({ survey: [] }).catch(() => undefined);
    expect(notXlsx?.items.map((i) => i.message)).toContain("the survey sheet has no 'type' column (the first row must hold the column names)");
    try {
      await importXlsForm(new TextEncoder().encode("type,name,label\ntext,q,Q?\n"), { sourceName: "form.csv" });
      throw new Error("expected a refusal");
    } catch (error) {
      expect(error).toBeInstanceOf(XlsFormImportError);
      const report = (error as XlsFormImportError).report;
      expect(report.items).toHaveLength(1);
      expect(report.items[0]?.message).toMatch(/^cannot read the workbook: .*\(XLSForms must be saved as \.xlsx\)$/);
    }
    const noSurvey = await refusal({ survey: undefined as unknown as FormSheets["survey"], choices: [["list_name", "name", "label"]] });
    expect(noSurvey.items.map((i) => i.message)).toContain("no 'survey' sheet");
  });
});
