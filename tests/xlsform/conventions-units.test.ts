/**
 * XLSForms as pyxform reads them (issue 20): header, sheet and type spellings, missing
 * translations falling back to the default language, regex() / if() / coalesce() / today(),
 * piping, questions the chat cannot ask (skipped or refused by cell), select_*_from_file with a
 * CSV or XLSX file, and regular expressions that would backtrack catastrophically.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileBoundedRegex, MAX_REGEX_INPUT, regexMatches } from "../../core/engine/bounded-regex.js";
import { evaluate, parseExpression } from "../../core/engine/expression.js";
import { passesConstraint } from "../../core/engine/answer-check.js";
import { formatReport, importXlsForm, questionnaireToYaml, XlsFormImportError } from "../../core/definitions/xlsform.js";
import { parseQuestionnaire } from "../../core/engine/definition.js";
import type { ImportReport, XlsFormImportOptions } from "../../core/definitions/xlsform.js";
import { parseCsv } from "../../core/definitions/xlsform-attachments.js";
import { parseColumn } from "../../core/definitions/xlsform-rows.js";
import { CSV_BYTES, pyxformStyleForm, streetsXlsx } from "./convention-forms.js";
import { plainItems } from "./report-items.js";
import { buildXlsx, type FormSheets } from "./workbook.js";
import { makeCtx, Session } from "../engine/helpers.js";

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

const refusedItems = (report: ImportReport) => plainItems(report.items.filter((i) => i.outcome === "refused"));
const settings: FormSheets["settings"] = [["form_id", "version", "default_language"], ["t", 1, "en"]];

describe("headers, sheets and types spelled as pyxform accepts them", () => {
  it.each([
    ["label::English (en)", "label", "English (en)"],
    ["label:English", "label", "English"],
    ["Label:english", "label", "english"],
    ["LABEL : 中文", "label", "中文"],
    ["hint::繁體中文 (zh-TW)", "hint", "繁體中文 (zh-TW)"],
    ["constraint message::English", "constraint_message", "English"],
    ["jr:constraintMsg", "constraint_message", null],
    ["jr:constraintMsg::English (en)", "constraint_message", "English (en)"],
    ["jr:requiredMsg:中文", "required_message", "中文"],
    ["media::image::English (en)", "media", "English (en)"],
    ["media:image:English", "media", "English"],
    ["List Name", "list_name", null],
    ["list_name", "list_name", null],
    ["Type", "type", null],
    ["bind::jr:preload", "bind::jr:preload", null],
  ])("%s → %s in %s", (header, base, suffix) => {
    expect(parseColumn({ index: 1, letter: "A", header })).toMatchObject({ base, suffix });
  });

  it("imports the pyxform-style form in three languages, with every choice from the CSV file", async () => {
    const { definition, report } = await imported(pyxformStyleForm(), { attachments: { "streets.csv": CSV_BYTES } });
    expect(definition.id).toBe("pyxform_style");
    expect(definition.languages).toEqual(["en", "zh-CN", "zh-TW"]);
    expect(definition.title).toEqual({ en: "Community safety", "zh-CN": "社区安全", "zh-TW": "Community safety" });
    expect(definition.questions.map((q) => [q.id, q.type])).toEqual([
      ["age", "number"],
      ["postcode", "text"],
      ["safe", "single"],
      ["echo", "note"],
      ["why", "text"],
      ["street", "single"],
    ]);
    const [age, postcode, safe, , why, street] = definition.questions;
    expect(age).toMatchObject({ constraint: ". >= 16 and . <= 120", constraint_message: { en: "Between 16 and 120, please", "zh-CN": "请输入16到120之间的数字", "zh-TW": "請輸入16到120之間的數字" } });
    expect(postcode).toMatchObject({ constraint: "regex(., '^[0-9]{6}$')", constraint_message: { "zh-TW": "郵遞區號是6位數字" } });
    expect(safe?.label).toEqual({ en: "At ${age}, do you feel safe at night?", "zh-CN": "${age}岁的您，晚上觉得安全吗？", "zh-TW": "${age}歲的您，晚上覺得安全嗎？" });
    expect(safe && "options" in safe ? safe.options[1]?.label : undefined).toEqual({ en: "No", "zh-CN": "否", "zh-TW": "No" });
    expect(why).toMatchObject({ relevant: "if(age >= 18, safe == 'no', false)", constraint: "not regex(., '(a+)+$') and length(coalesce(., '')) <= 200" });
    expect(street && "options" in street ? street.options : undefined).toEqual([
      { id: "north", label: { en: "North Road", "zh-CN": "北路", "zh-TW": "北路" } },
      { id: "south", label: { en: "South Road, old town", "zh-CN": "南路", "zh-TW": "南路" } },
    ]);
    expect(definition.outro).toEqual({ en: "Thank you, postcode ${postcode}!", "zh-CN": "谢谢！邮编${postcode}", "zh-TW": "謝謝！郵遞區號${postcode}" });

    const lines = formatReport(report).split("\n");
    expect(lines).toContain("ignored    survey column 'Colour' (row 2): unknown column 'Colour'; ignored");
    expect(lines).toContain("skipped    survey row 6 'where': geopoint: locations are not collected in chat; it is optional, so the survey makes sense without it; row not imported");
    expect(lines).toContain("skipped    survey row 7 'map': osm: map questions are not supported; the form requires it only when its relevant holds, and the chat does not ask it; row not imported");
    expect(lines).toContain("warning    choices column 'LABEL:繁體中文' (row 3): empty: the label is missing in zh-TW, so residents who read zh-TW see the en label");
    expect(lines).toContain("converted  survey row 9, Type (A9) 'street': streets.csv: 2 choices read from the file");
    expect(lines.at(-1)).toMatch(/^test\.xlsx: imported pyxform_style version 2024060101: 6 questions, 0 sections, languages en, zh-CN, zh-TW \(2 skipped, 1 ignored, \d+ warning, \d+ converted\)$/);
  });

  it("reads the choices file as XLSX, and beside a form imported from its path", async () => {
    const fromXlsx = await importXlsForm(
      await buildXlsx({ ...pyxformStyleForm(), Survey: pyxformStyleForm()["Survey"]?.map((r) => r.map((c) => (c === "select_one_from_file streets.csv" ? "select one from file streets.xlsx" : c))) } as FormSheets),
      { sourceName: "x.xlsx", attachments: { "streets.xlsx": await streetsXlsx() } },
    );
    const street = fromXlsx.definition.questions.find((q) => q.id === "street");
    expect(street && "options" in street ? street.options.map((o) => o.label["zh-CN"]) : []).toEqual(["北路", "南路"]);

    const dir = mkdtempSync(join(tmpdir(), "anxin-xlsform-"));
    try {
      writeFileSync(join(dir, "form.xlsx"), await buildXlsx(pyxformStyleForm()));
      writeFileSync(join(dir, "streets.csv"), CSV_BYTES);
      const beside = await importXlsForm(join(dir, "form.xlsx"));
      expect(beside.definition.questions.find((q) => q.id === "street")).toBeDefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a missing, unreadable or bad choices file, naming the type cell and the file's row", async () => {
    const missing = await refusal(pyxformStyleForm());
    expect(refusedItems(missing)).toEqual([
      expect.objectContaining({ row: 9, cell: "A9", name: "street", message: "streets.csv: the choices file was not found beside the form; put it there or pass it with --attach" }),
    ]);
    const bad = await refusal(pyxformStyleForm(), { attachments: { "streets.csv": new TextEncoder().encode("name,label\nnorth,North\nnorth,Again\nbad id!,Bad\n") } });
    expect(refusedItems(bad).map((i) => [i.cell, i.message])).toEqual([
      ["A9", "streets.csv: row 3: duplicate choice 'north' (first on row 2)"],
      ["A9", "streets.csv: row 4: choice name 'bad id!' is not a valid option id (1-32 of A-Z a-z 0-9 _ . -)"],
    ]);
    const noName = await refusal(pyxformStyleForm(), { attachments: { "streets.csv": new TextEncoder().encode("value,label\nnorth,North\n") } });
    expect(refusedItems(noName)[0]?.message).toBe("streets.csv: the choices file needs a 'name' column (the value stored for each choice)");
  });

  it("parses CSV as RFC 4180 says", () => {
    expect(parseCsv('a,"b ""c""",d\r\n"x\ny",,z\n')).toEqual([
      ["a", 'b "c"', "d"],
      ["x\ny", "", "z"],
    ]);
  });
});

describe("missing translations", () => {
  it("fall back to the default language with a warning; only a question with no label at all is refused", async () => {
    const { definition, report } = await imported({
      survey: [
        ["type", "name", "label:English", "label:Chinese", "hint:English"],
        ["text", "q1", "Name?", null, "Your full name"],
        ["text", "q2", "Street?", "街道？"],
      ],
      settings: [["form_id", "version", "default_language"], ["t", 1, "English"]],
    });
    expect(definition.questions[0]).toMatchObject({ label: { en: "Name?", "zh-CN": "Name?" }, hint: { en: "Your full name", "zh-CN": "Your full name" } });
    expect(report.items.filter((i) => i.outcome === "warning").map((i) => [i.column, i.rows, i.message])).toEqual([
      ["label:Chinese", [2], "empty: the label is missing in zh-CN, so residents who read zh-CN see the en label"],
      ["hint::zh-CN", [2], "there is no hint column in zh-CN: residents who read zh-CN see the en hint (add a hint::zh-CN column to translate it)"],
    ]);
  });
});

describe("questions the chat cannot ask", () => {
  it("refuse the form when required of everyone, naming the required and type cells", async () => {
    const report = await refusal({
      survey: [
        ["type", "name", "label", "required"],
        ["text", "q", "Q?"],
        ["geopoint", "home", "Where do you live?", "yes"],
      ],
      settings,
    });
    expect(refusedItems(report)).toEqual([
      {
        outcome: "refused",
        sheet: "survey",
        row: 3,
        column: "required",
        cell: "D3",
        name: "home",
        message: "geopoint: locations are not collected in chat, and the form requires an answer from everyone; set required to no (or give the row a relevant), or change the type in A3 to one the chat can ask",
      },
    ]);
  });

  it("refuse the condition of a question that depends on one, naming its cell", async () => {
    const report = await refusal({
      survey: [
        ["type", "name", "label", "required", "relevant"],
        ["osm", "building", "Which building?"],
        ["integer", "floor", "Which floor?", "yes", "${building} != ''"],
      ],
      settings,
    });
    expect(refusedItems(report)).toEqual([
      expect.objectContaining({
        row: 3,
        cell: "E3",
        name: "floor",
        message: expect.stringContaining("${building} is a osm row (row 2), which the chat does not ask, so this condition could never be worked out; remove the reference here or change the type of row 2"),
      }),
    ]);
  });

  it("are skipped inside a group with a relevant, even when required", async () => {
    const { definition, report } = await imported({
      survey: [
        ["type", "name", "label", "required", "relevant"],
        ["select_one yn", "moved", "Did you move?", "yes"],
        ["begin group", "g", "Move", null, "${moved} = 'yes'"],
        ["geopoint", "old_home", "Old home", "yes"],
        ["end group"],
      ],
      choices: [["list name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]],
      settings,
    });
    expect(definition.questions.map((q) => q.id)).toEqual(["moved"]);
    expect(report.items).toContainEqual(expect.objectContaining({ outcome: "skipped", row: 4, message: expect.stringContaining("the form requires it only when its relevant holds") }));
  });
});

describe("regular expressions that would backtrack catastrophically", () => {
  // Each of these takes exponential time in a backtracking matcher on a long non-matching input.
  const evil = ["(a+)+$", "(a|a)*b", "(.*)*x", "(a*)*b", "^(\\w+\\s?)+$", "(a|aa)+$", "^(([a-z])+.)+[A-Z]([a-z])+$"];
  const long = `${"a".repeat(MAX_REGEX_INPUT - 1)}!`;

  it.each(evil)("%s runs on a long value without hanging, and answers as JavaScript would on short ones", { timeout: 20_000 }, (pattern) => {
    const compiled = compileBoundedRegex(pattern);
    expect(compiled.ok).toBe(true);
    if (!compiled.ok) return;
    expect(typeof compiled.regex.test(long)).toBe("boolean");
    expect(compiled.regex.test(long)).toBe(new RegExp(pattern).test("a".repeat(12) + "!"));
    for (const sample of ["", "a", "aaab", "ab", "x", "aax", "Hello World", "hello world", "aaAbc", "a b c!"]) {
      expect(compiled.regex.test(sample), `${pattern} on '${sample}'`).toBe(new RegExp(pattern).test(sample));
    }
  });

  it("agrees with JavaScript on the patterns forms use", () => {
    const cases: [string, string[]][] = [
      ["^[0-9]{11}$", ["13812345678", "1381234567", "138123456789", "1381234567a"]],
      ["^1[3-9]\\d{9}$", ["13812345678", "12812345678"]],
      ["^[A-Za-z ]+$", ["John Smith", "John3"]],
      ["^\\d{6}(\\d{2})?$", ["123456", "12345678", "1234567"]],
      ["^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$", ["a@b.cn", "a@b", "a b@c.com"]],
      ["colou?r", ["color", "the colour red", "colr"]],
      ["\\bcat\\b", ["a cat sat", "concatenate"]],
      ["^(yes|no)$", ["yes", "no", "yesno"]],
      ["^[\\u4e00-\\u9fa5]{2,4}$", ["张三", "张", "张三李四王"]],
      ["a.c", ["abc", "a\nc"]],
      ["^\\.{3}$", ["...", "abc"]],
      ["^[a-c-]+$", ["a-b", "d"]],
    ];
    for (const [pattern, samples] of cases) {
      for (const sample of samples) expect(regexMatches(pattern, sample), `${pattern} on '${sample}'`).toBe(new RegExp(pattern).test(sample));
    }
  });

  it.each([
    ["(a)\\1", /backreferences/, 4],
    ["(?=a)a", /lookahead/, 1],
    ["(?<!a)b", /lookbehind/, 1],
    ["a*+", /possessive/, 3],
    ["\\p{L}", /Unicode classes/, 1],
    ["(a", /never closed/, 1],
    ["a{3,2}", /below the smallest/, 2],
    ["(a{1000}){1000}", /too large/, 1],
  ])("refuses %s, with the column", (pattern, message, column) => {
    const compiled = compileBoundedRegex(pattern);
    expect(compiled.ok).toBe(false);
    if (compiled.ok) return;
    expect(compiled.error.message).toMatch(message);
    expect(compiled.error.column).toBe(column);
  });

  it("a form with one imports, and its answer check stays bounded (hang guard: time limit, not speed)", { timeout: 20_000 }, async () => {
    const { definition } = await imported({
      survey: [
        ["type", "name", "label", "constraint", "constraint_message"],
        ["text", "word", "A word?", "not(regex(., '^(a+)+$')) and regex(., '(x|x)*y')", "No"],
      ],
      settings,
    });
    const question = definition.questions[0];
    expect(question?.type === "text" ? question.constraint : undefined).toBe("not regex(., '^(a+)+$') and regex(., '(x|x)*y')");
    const constraint = question?.type === "text" ? question.constraint : undefined;
    expect(passesConstraint(definition, constraint, `${"x".repeat(480)}y`, {})).toBe(true);
    expect(passesConstraint(definition, constraint, `${"x".repeat(499)}!`, {})).toBe(false);
    expect(passesConstraint(definition, constraint, "a".repeat(500), {})).toBe(false);
  });

  it("a pattern the matcher cannot run refuses the import, naming the cell and the construct", async () => {
    const report = await refusal({
      survey: [
        ["type", "name", "label", "relevant", "constraint"],
        ["text", "id_no", "ID number?", null, "regex(., '^(\\d)\\1{17}$')"],
        ["text", "other", "Other?", "regex(${id_no}, '(?=1)')"],
      ],
      settings,
    });
    expect(refusedItems(report).map((i) => [i.cell, i.message])).toEqual([
      ["E2", expect.stringMatching(/^cannot translate .*: regex\(\) pattern '\^\(\\d\)\\1\{17\}\$' cannot be run safely: backreferences .* \(pattern character 6\) \(at column 10\)/)],
      ["D3", expect.stringMatching(/regex\(\) pattern '\(\?=1\)' cannot be run safely: lookahead and lookbehind/)],
    ]);
  });
});

describe("if(), coalesce() and today() in the engine", () => {
  const run = (src: string, today?: string) => {
    const parsed = parseExpression(src);
    if (!parsed.ok) throw new Error(parsed.error.message);
    return evaluate(parsed.expr, { ref: (name) => ({ a: 3, b: null, t: "x" })[name] ?? null, ...(today ? { today } : {}) });
  };
  it.each([
    ["if(a > 2, 'big', 'small')", "big"],
    ["if(b, 1, 2)", 2],
    ["coalesce(b, t)", "x"],
    ["coalesce(a, t)", 3],
    ["today()", null],
  ])("%s → %s", (src, expected) => {
    expect(run(src)).toBe(expected);
  });
  it("today() is the date the caller gives, and compares with dates", () => {
    expect(run("today()", "2026-12-07")).toBe("2026-12-07");
    expect(run("today() >= '2026-01-01'", "2026-12-07")).toBe(true);
    expect(run("today() < '2026-12-07'", "2026-12-07")).toBe(false);
    expect(run("today() >= '2026-01-01'")).toBe(false);
  });
  it("refuses a regex pattern that is not a quoted literal", () => {
    expect(parseExpression("regex(t, t)")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/pattern in quotes/) } });
  });
});

describe("today() and piping in the engine's dialogue", () => {
  it("today() is the office-local date the response started, from the context's clock", async () => {
    const { definition } = await imported({
      survey: [
        ["type", "name", "label", "relevant"],
        ["integer", "a", "A?"],
        ["note", "second", "It is the 2nd, and you said ${a}", "today() = '2026-03-02'"],
        ["text", "b", "B, after ${a}?"],
      ],
      settings,
    });
    // 17:00 UTC on 1 March is 01:00 on 2 March in Shanghai (the default office zone).
    const now = "2026-03-01T17:00:00.000Z";
    const shanghai = new Session(makeCtx(definition, { now }), "en");
    shanghai.begin();
    shanghai.send("5");
    expect(shanghai.text).toContain("It is the 2nd, and you said 5");
    expect(shanghai.question?.text).toContain("B, after 5?");

    const utc = new Session({ ...makeCtx(definition, { now }), timeZone: "UTC" }, "en");
    utc.begin();
    utc.send("5");
    expect(utc.text).not.toContain("It is the 2nd");
    expect(utc.question?.text).toContain("B, after 5?");
  });
});

describe("what piping and attachments cannot do is reported", () => {
  it("${name} in messages and choice labels stays as written, with a warning; an unused attachment is listed", async () => {
    const { report } = await imported(
      {
        survey: [
          ["type", "name", "label", "constraint", "constraint_message"],
          ["integer", "a", "A?"],
          ["integer", "b", "B?", ". < ${a}", "Less than ${a}"],
          ["select_one l", "c", "C?"],
        ],
        choices: [["list_name", "name", "label"], ["l", "x", "Same as ${a}"], ["l", "y", "Other"]],
        settings,
      },
      { attachments: { "extra.csv": CSV_BYTES } },
    );
    expect(report.items).toContainEqual(expect.objectContaining({ outcome: "warning", column: "constraint_message", rows: [3], message: "${a}: answers are only filled into the labels and hints of questions and notes; residents see it as written" }));
    expect(report.items).toContainEqual(expect.objectContaining({ outcome: "warning", sheet: "choices", column: "label", rows: [2] }));
    expect(plainItems(report.items)).toContainEqual({ outcome: "ignored", sheet: "workbook", message: "attached file 'extra.csv' is not named by any select_one_from_file / select_multiple_from_file row; ignored" });
  });
});

describe("the converted form as YAML", () => {
  it("loads back with the same checksum (regex patterns, piping and if() survive)", async () => {
    const { definition } = await imported(pyxformStyleForm(), { attachments: { "streets.csv": CSV_BYTES } });
    const yaml = questionnaireToYaml(definition);
    expect(yaml).toContain("regex(., '^[0-9]{6}$')");
    expect(parseQuestionnaire(yaml, "pyxform.yaml").checksum).toBe(definition.checksum);
  });
});

describe("select_multiple_from_file", () => {
  it("reads its options from the file and keeps a count-selected() constraint", async () => {
    const { definition } = await imported(
      {
        survey: [
          ["type", "name", "label", "required", "constraint"],
          ["select_multiple_from_file streets.csv", "streets", "Which streets do you walk?", "yes", "count-selected(.) <= 1"],
        ],
        settings,
      },
      { attachments: { "streets.csv": CSV_BYTES } },
    );
    expect(definition.questions[0]).toMatchObject({ type: "multiple", max: 1, options: [{ id: "north", label: { en: "North Road" } }, { id: "south" }] });
  });
});
