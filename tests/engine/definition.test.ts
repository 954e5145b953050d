import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  DefinitionError,
  checkQuestionnaire,
  formatIssue,
  parseQuestionnaire,
  questionnaireChecksum,
  scaleScoreOf,
  validateQuestionnaire,
} from "../../core/engine/definition.js";
import { DEFAULT_QUESTIONNAIRE_PATH, loadDefaultQuestionnaire, loadQuestionnaireFile } from "../../core/definitions/load.js";
import { SCHEMA_PATH, schemaFileText } from "../../core/definitions/write-schema.js";
import { canonicalJson, sha256Hex } from "../../core/engine/sha256.js";
import type { QuestionnaireDefinition } from "../../core/engine/types.js";

/** A valid three-question definition to break in each test. */
function base(): QuestionnaireDefinition {
  return {
    id: "t",
    version: 1,
    title: { "zh-CN": "测试", en: "Test" },
    languages: ["zh-CN", "en"],
    questions: [
      { id: "victim", type: "yesno", label: { "zh-CN": "受害？", en: "Victim?" } },
      {
        id: "hot",
        type: "multiple",
        label: { "zh-CN": "问题", en: "Problems" },
        options: [
          { id: "theft", label: { "zh-CN": "盗窃", en: "Theft" } },
          { id: "fraud", label: { "zh-CN": "诈骗", en: "Fraud" } },
          { id: "drugs", label: { "zh-CN": "毒品", en: "Drugs" } },
        ],
      },
      { id: "age", type: "number", label: { "zh-CN": "年龄", en: "Age" }, min: 18, max: 120 },
    ],
  };
}

/** The formatted issues of an invalid definition. */
function issuesOf(def: unknown): string[] {
  const result = checkQuestionnaire(def);
  if (result.ok) throw new Error("expected the definition to be invalid");
  return result.issues.map(formatIssue);
}

describe("questionnaire validation", () => {
  it("accepts a valid definition and adds a checksum", () => {
    const q = validateQuestionnaire(base());
    expect(q.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(q.checksum).toBe(createHash("sha256").update(canonicalJson(base())).digest("hex"));
  });

  it("rejects duplicate question ids", () => {
    const def = base();
    def.questions.push({ id: "victim", type: "yesno", label: { "zh-CN": "又一题", en: "Again" } });
    expect(issuesOf(def)).toContain("questions[3].id: duplicate question id 'victim' (first used at questions[0])");
  });

  it("rejects duplicate option ids", () => {
    const def = base();
    const hot = def.questions[1];
    if (hot?.type !== "multiple") throw new Error();
    hot.options.push({ id: "fraud", label: { "zh-CN": "诈骗2", en: "Fraud 2" } });
    expect(issuesOf(def)).toContain("questions[1].options[3].id: duplicate option id 'fraud' (first used at options[1])");
  });

  it("rejects relevant pointing at a later question, an unknown one, or itself", () => {
    const later = base();
    later.questions[0]!.relevant = "count(hot) >= 2";
    expect(issuesOf(later)).toEqual(["questions[0].relevant: refers to question 'hot' which comes later (questions[1]) (column 7)"]);

    const unknown = base();
    unknown.questions[1]!.relevant = "victm == 'yes'";
    expect(issuesOf(unknown)).toEqual(["questions[1].relevant: unknown question 'victm' (column 1)"]);

    const self = base();
    self.questions[1]!.relevant = "count(hot) > 0";
    expect(issuesOf(self)).toEqual(["questions[1].relevant: refers to the question itself ('hot') (column 7)"]);
  });

  it("rejects constraints pointing at later questions and '.' in relevant", () => {
    const def = base();
    const age = def.questions[2];
    if (age?.type !== "number") throw new Error();
    age.constraint = ". > 0 and nope == 'x'";
    def.questions[1]!.relevant = ". == 'x'";
    expect(issuesOf(def)).toEqual([
      "questions[1].relevant: '.' (this answer) is only allowed in a constraint",
      "questions[2].constraint: unknown question 'nope' (column 11)",
    ]);
  });

  it("rejects unknown option ids in expressions", () => {
    const def = base();
    def.questions[2]!.relevant = "selected(hot, 'gambling') or victim == 'maybe'";
    expect(issuesOf(def)).toEqual([
      "questions[2].relevant: question 'hot' has no option 'gambling' (column 15); its options are theft, fraud, drugs",
      "questions[2].relevant: question 'victim' has no option 'maybe' (column 40); its options are yes, no",
    ]);
  });

  it("reports expression syntax errors with the column", () => {
    const def = base();
    def.questions[1]!.relevant = "victim == 'yes' and";
    expect(issuesOf(def)).toEqual(["questions[1].relevant: syntax error at column 20: unexpected end of expression"]);
  });

  it("requires a label in every declared language, with the exact path", () => {
    const def = base();
    const hot = def.questions[1];
    if (hot?.type !== "multiple") throw new Error();
    hot.options[2] = { id: "drugs", label: { "zh-CN": "毒品" } };
    def.questions[0]!.hint = { en: "only English" };
    expect(issuesOf(def)).toEqual(["questions[0].hint.zh-CN: required", "questions[1].options[2].label.en: required"]);
  });

  it("rejects min > max", () => {
    const def = base();
    const hot = def.questions[1];
    const age = def.questions[2];
    if (hot?.type !== "multiple" || age?.type !== "number") throw new Error();
    hot.min = 3;
    hot.max = 2;
    age.min = 200;
    expect(issuesOf(def)).toEqual([
      "questions[1].min: min (3) is greater than max (2)",
      "questions[2].min: min (200) is greater than max (120)",
    ]);
  });

  it("explains structural errors with paths", () => {
    const def = base() as unknown as Record<string, unknown>;
    (def.questions as Record<string, unknown>[])[1]!.type = "checkbox";
    (def.questions as Record<string, unknown>[])[0]!.relevent = "x";
    (def.questions as Record<string, unknown>[])[2]!.label = undefined;
    def.version = 1.5;
    const issues = issuesOf(def);
    expect(issues).toContain("version: must be an integer");
    expect(issues).toContain("questions[0]: unknown field 'relevent'");
    expect(issues).toContain("questions[1].type: must be one of single, multiple, scale5, yesno, number, text, region, note, phone");
    expect(issues).toContain("questions[2].label: required");
  });

  it("accepts an optional phone question, and refuses a required one, a required_message or a second one", () => {
    const phone = { id: "tel", type: "phone", label: { "zh-CN": "电话", en: "Phone" } } as const;
    const ok = base();
    ok.questions.push(phone, { ...phone, id: "tel_off", required: false, relevant: "victim == 'yes'" });
    expect(issuesOf(ok)).toEqual(["questions[4].type: only one phone question is allowed (the first is questions[3])"]);
    ok.questions.pop();
    expect(validateQuestionnaire(ok).questions.at(-1)).toMatchObject({ id: "tel", type: "phone" });
    const required = base() as unknown as { questions: unknown[] };
    required.questions.push({ ...phone, required: true });
    expect(issuesOf(required)).toContain("questions[3].required: a phone question is always optional: the resident may skip it");
    const message = base() as unknown as { questions: unknown[] };
    message.questions.push({ ...phone, required_message: { "zh-CN": "请填", en: "Please" } });
    expect(issuesOf(message)).toContain("questions[3]: unknown field 'required_message'");
  });

  it("checks scale5 levels", () => {
    const def = base();
    def.questions.push({
      id: "feel",
      type: "scale5",
      label: { "zh-CN": "感受", en: "Feeling" },
      options: ["a", "b", "c", "d", "e", "f"].map((id) => ({ id, label: { "zh-CN": id, en: id } })),
    });
    expect(issuesOf(def)).toEqual([
      'questions[3].options: needs exactly 5 valid levels, found 6 (mark extras like "don\'t know" with valid: false)',
    ]);
  });

  it("refuses reserved words and bad ids", () => {
    const def = base();
    def.questions[0]!.id = "and";
    def.questions[2]!.id = "Age";
    const issues = issuesOf(def);
    expect(issues).toContain("questions[0].id: is a reserved word of the expression language");
    expect(issues[1]).toMatch(/^questions\[2\]\.id: must be 1-32 chars/);
  });

  it("accepts a stored questionnaire with its checksum, and refuses an edited one", () => {
    const q = validateQuestionnaire(base());
    expect(validateQuestionnaire(JSON.parse(JSON.stringify(q))).checksum).toBe(q.checksum);
    const edited = { ...JSON.parse(JSON.stringify(q)), title: { "zh-CN": "改了", en: "Changed" } };
    expect(issuesOf(edited)[0]).toMatch(/^checksum: does not match the content/);
  });
});

describe("parseQuestionnaire", () => {
  it("throws DefinitionError listing every issue", () => {
    const yaml = `id: t\nversion: 1\ntitle: { zh-CN: 测试 }\nlanguages: [zh-CN, en]\nquestions:\n  - { id: a, type: yesno, label: { zh-CN: 甲 } }\n`;
    try {
      parseQuestionnaire(yaml, "bad.yaml");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DefinitionError);
      const e = err as DefinitionError;
      expect(e.issues.map(formatIssue)).toEqual(["title.en: required", "questions[0].label.en: required"]);
      expect(e.message).toContain("bad.yaml: invalid questionnaire");
      expect(e.message).toContain("questions[0].label.en: required");
    }
  });

  it("reports YAML syntax errors with line and column", () => {
    try {
      parseQuestionnaire("id: t\nversion: [1\n", "broken.yaml");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DefinitionError);
      expect((err as DefinitionError).issues[0]?.path).toMatch(/^line \d+, column \d+$/);
    }
  });

  it("rejects duplicate keys", () => {
    expect(() => parseQuestionnaire("id: t\nid: u\n", "dup.yaml")).toThrow(DefinitionError);
  });

  it("gives the same checksum whatever the formatting", () => {
    const a = parseQuestionnaire(
      `id: t\nversion: 1\ntitle: { zh-CN: 测试 }\nlanguages: [zh-CN]\nquestions:\n  - { id: a, type: yesno, label: { zh-CN: 甲 } }\n`,
      "a",
    );
    const b = parseQuestionnaire(
      `# comment\nquestions:\n  - label:\n      zh-CN: 甲\n    type: yesno\n    id: a\nlanguages:\n  - zh-CN\ntitle:\n  zh-CN: 测试\nversion: 1\nid: t\n`,
      "b",
    );
    expect(a.checksum).toBe(b.checksum);
  });
});

describe("the default questionnaire", () => {
  it("loads, validates and has the expected questions", () => {
    const q = loadDefaultQuestionnaire();
    expect(q.id).toBe("public-safety");
    // Version 2 added the phone question for telephone spot checks; version 3 has the intro
    // count its questions ({{questions}}) instead of saying "about 15".
    expect(q.version).toBe(3);
    expect(q.languages).toEqual(["zh-CN", "zh-TW", "en"]);
    expect(q.questions.map((x) => x.id)).toEqual([
      "safety_overall",
      "safety_trend",
      "safety_night",
      "hot_issues",
      "victim",
      "reported",
      "solved",
      "kept_informed",
      "heard_campaign",
      "seen_publicity",
      "sat_police",
      "sat_conduct",
      "patrols",
      "region",
      "age_group",
      "suggestion",
      "phone",
    ]);
    expect(q.questions.at(-1)).toMatchObject({ id: "phone", type: "phone", section: "about" });
    const overall = q.questions[0];
    if (overall?.type !== "scale5") throw new Error();
    expect(scaleScoreOf(overall, "very_safe")).toBe(100);
    expect(scaleScoreOf(overall, "unsafe")).toBe(20);
    expect(scaleScoreOf(overall, "dont_know")).toBeUndefined();
    expect(q.checksum).toBe(questionnaireChecksum(parseYaml(readFileSync(DEFAULT_QUESTIONNAIRE_PATH, "utf8"))));
  });

  it("loads through loadQuestionnaireFile with the file name in errors", () => {
    expect(loadQuestionnaireFile(DEFAULT_QUESTIONNAIRE_PATH).id).toBe("public-safety");
    expect(() => loadQuestionnaireFile("/nonexistent/x.yaml")).toThrow();
  });
});

describe("JSON Schema", () => {
  it("committed core/definitions/questionnaire.schema.json is up to date (npx tsx core/definitions/write-schema.ts)", () => {
    expect(readFileSync(SCHEMA_PATH, "utf8")).toBe(schemaFileText());
  });

  it("describes the format", () => {
    const schema = JSON.parse(schemaFileText()) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["id", "version", "title", "languages", "questions"]));
    expect(schema.required).toEqual(expect.arrayContaining(["id", "version", "title", "languages", "questions"]));
  });
});

describe("sha256", () => {
  it("matches node:crypto", () => {
    for (const s of ["", "abc", "a".repeat(55), "a".repeat(56), "a".repeat(64), "安心😀".repeat(300)]) {
      expect(sha256Hex(s)).toBe(createHash("sha256").update(s).digest("hex"));
    }
  });

  it("canonical JSON sorts keys and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }], e: "x" })).toBe('{"a":[{"d":2}],"b":1,"e":"x"}');
  });
});
