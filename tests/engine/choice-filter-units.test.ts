/**
 * Choice filters (options with a `relevant`, what XLSForm's choice_filter becomes): only the
 * options whose condition holds are offered, numbered 1..n the same way when shown and when
 * typed; a button of an option no longer offered is out of date; an optional question with
 * nothing to offer is passed over, a required one says so and /back gets out; the definition
 * checks the conditions like any other. Pure: the engine only.
 */
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseQuestionnaire, checkQuestionnaire } from "../../core/engine/definition.js";
import { shownOptions } from "../../core/engine/flow.js";
import type { Questionnaire, SingleQuestion } from "../../core/engine/types.js";
import { makeCtx, Session } from "./helpers.js";

/** District → town → village, as a questionnaire file (the YAML format carries the filters). */
const CASCADE_YAML = `
id: cascade
version: 1
title: { zh-CN: 住址, en: Address }
languages: [zh-CN, en]
questions:
  - id: district
    type: single
    label: { zh-CN: 哪个区？, en: Which district? }
    options:
      - { id: d1, label: { zh-CN: 西湖区, en: West Lake } }
      - { id: d2, label: { zh-CN: 上城区, en: Shangcheng } }
  - id: town
    type: single
    label: { zh-CN: 哪个街道？, en: Which town? }
    options:
      - { id: t1, label: { zh-CN: 北山街道, en: Beishan }, relevant: "district == 'd1'" }
      - { id: t2, label: { zh-CN: 西溪街道, en: Xixi }, relevant: "district == 'd1'" }
      - { id: t3, label: { zh-CN: 湖滨街道, en: Hubin }, relevant: "district == 'd2'" }
      - { id: t4, label: { zh-CN: 清波街道, en: Qingbo }, relevant: "district == 'd2'" }
  - id: village
    type: single
    required: false
    label: { zh-CN: 哪个社区？, en: Which village? }
    options:
      - { id: v1, label: { zh-CN: 宝石社区, en: Baoshi }, relevant: "town == 't1'" }
      - { id: v2, label: { zh-CN: 保俶社区, en: Baochu }, relevant: "town == 't1'" }
      - { id: v3, label: { zh-CN: 古荡社区, en: Gudang }, relevant: "town == 't2'" }
      - { id: v4, label: { zh-CN: 东坡社区, en: Dongpo }, relevant: "\${town} = 't3'" }
  - id: services
    type: multiple
    required: false
    label: { zh-CN: 附近有什么？, en: What is near you? }
    options:
      - { id: police, label: { zh-CN: 派出所, en: Police station } }
      - { id: lake, label: { zh-CN: 湖边巡逻, en: Lake patrol }, relevant: "district == 'd1' or town == 't3'" }
      - { id: market, label: { zh-CN: 市场, en: Market }, relevant: "district == 'd2' and town != 't3'" }
  - id: safe
    type: yesno
    label: { zh-CN: 您觉得安全吗？, en: Do you feel safe? }
`;

const cascade = (): Questionnaire => parseQuestionnaire(CASCADE_YAML, "cascade.yaml");

/** The option labels of the latest question, without Skip / Done. */
function offered(s: Session): string[] {
  return (s.question?.options ?? []).filter((o) => o.key !== "0").map((o) => `${o.key}. ${o.label}`);
}

describe("shownOptions", () => {
  it("keeps the options whose condition holds, in definition order, with their definition index", () => {
    const qn = cascade();
    const town = qn.questions[1] as SingleQuestion;
    expect(shownOptions(qn, town, { district: { kind: "choice", option: "d2" } }).map((o) => [o.option.id, o.index])).toEqual([
      ["t3", 2],
      ["t4", 3],
    ]);
    // Nothing answered yet: no town's condition holds.
    expect(shownOptions(qn, town, {})).toEqual([]);
  });
});

describe("a cascading select in the chat", () => {
  it("offers only the chosen district's towns, then only that town's villages, numbered 1..n", () => {
    const s = new Session(makeCtx(cascade()), "en");
    s.begin();
    expect(offered(s)).toEqual(["1. West Lake", "2. Shangcheng"]);
    s.send("2");
    expect(offered(s)).toEqual(["1. Hubin", "2. Qingbo"]);
    // The numbering typed is the numbering shown: 3 is out of range, 1 is Hubin.
    s.send("3");
    expect(s.text).toContain("type a number from 1 to 2");
    s.send("1");
    expect(offered(s)).toEqual(["1. Dongpo"]);
    expect(s.question?.options?.map((o) => o.key)).toEqual(["1", "0"]);
    s.tap("Dongpo");
    // or / and in conditions: Lake patrol (town t3), not Market (town is t3).
    expect(offered(s)).toEqual(["1. Police station", "2. Lake patrol"]);
    s.send("1 2");
    s.send("1");
    expect(s.answers).toEqual({
      district: { kind: "choice", option: "d2" },
      town: { kind: "choice", option: "t3" },
      village: { kind: "choice", option: "v4" },
      services: { kind: "choices", options: ["police", "lake"] },
      safe: { kind: "bool", value: true },
    });
  });

  it("reads a typed label only among the options offered", () => {
    const s = new Session(makeCtx(cascade()), "en");
    s.begin();
    s.send("West Lake");
    s.send("Hubin");
    expect(s.text).toContain("type a number from 1 to 2");
    s.send("西溪街道");
    expect(offered(s)).toEqual(["1. Gudang"]);
  });

  it("passes over an optional question when no option's condition holds", () => {
    const s = new Session(makeCtx(cascade()), "en");
    s.begin();
    s.send("2");
    s.send("2"); // Qingbo: no village of it is listed
    expect(s.question?.questionId).toBe("services");
    expect(offered(s)).toEqual(["1. Police station", "2. Market"]);
    expect(s.events.some((e) => e.type === "QuestionSkipped" && e.questionId === "village")).toBe(false);
    // /back goes to the town, not to the village that was never asked.
    s.send("/back");
    expect(s.question?.questionId).toBe("town");
  });

  it("treats a button of an option no longer offered as out of date, and drops a village that no longer fits", () => {
    const s = new Session(makeCtx(cascade()), "en");
    s.begin();
    s.send("1");
    const beishan = s.option("Beishan").payload;
    s.send("1");
    s.send("2"); // Baochu
    expect(s.answers["village"]).toEqual({ kind: "choice", option: "v2" });
    s.send("/back");
    s.send("/back");
    s.send("/back");
    expect(s.question?.questionId).toBe("district");
    s.send("2");
    expect(offered(s)).toEqual(["1. Hubin", "2. Qingbo"]);
    // Beishan's button (from West Lake's list) records nothing.
    s.press(beishan);
    expect(s.text).toMatch(/out of date|no longer/i);
    expect(s.question?.questionId).toBe("town");
    s.send("1");
    expect(offered(s)).toEqual(["1. Dongpo"]);
    // The West Lake village was retracted once Shangcheng was picked.
    expect(s.answers["village"]).toBeUndefined();
  });

  it("says so when a required question has nothing to offer, and /back leads out", () => {
    const qn = parseQuestionnaire(CASCADE_YAML.replace("    required: false\n    label: { zh-CN: 哪个社区？", "    label: { zh-CN: 哪个社区？"), "required.yaml");
    const s = new Session(makeCtx(qn), "zh-CN");
    s.begin();
    s.send("2");
    s.send("2");
    expect(s.question?.questionId).toBe("village");
    expect(s.question?.options ?? []).toEqual([]);
    expect(s.question?.text).toContain("没有可以选的选项");
    s.send("1");
    expect(s.text).toContain("请回复“返回”");
    expect(s.answers["village"]).toBeUndefined();
    s.send("返回");
    expect(s.question?.questionId).toBe("town");
    s.send("1");
    expect(offered(s)).toEqual(["1. 东坡社区"]);
  });
});

describe("checking option conditions", () => {
  const issues = (yaml: string): string[] => {
    const checked = checkQuestionnaire(parseYaml(yaml));
    return checked.ok ? [] : checked.issues.map((i) => `${i.path}: ${i.message}`);
  };

  it("refuses a condition on a later question and one naming an option the question lacks", () => {
    const later = CASCADE_YAML.replace("relevant: \"district == 'd1'\" }\n      - { id: t2", "relevant: \"safe == 'yes'\" }\n      - { id: t2");
    expect(issues(later)).toEqual([expect.stringMatching(/^questions\[1\]\.options\[0\]\.relevant: refers to question 'safe' which comes later/)]);
    const unknown = CASCADE_YAML.replace("district == 'd2'\" }\n      - { id: t4", "district == 'd9'\" }\n      - { id: t4");
    expect(issues(unknown)).toEqual([expect.stringMatching(/^questions\[1\]\.options\[2\]\.relevant: question 'district' has no option 'd9'/)]);
  });

  it("allows more than 40 options only when every option has a condition", () => {
    const many = (withCondition: boolean) => ({
      id: "many",
      version: 1,
      title: { en: "Many" },
      languages: ["en"],
      questions: [
        { id: "a", type: "single", label: { en: "A" }, options: [{ id: "x", label: { en: "X" } }, { id: "y", label: { en: "Y" } }] },
        {
          id: "b",
          type: "single",
          label: { en: "B" },
          options: Array.from({ length: 60 }, (_, i) => ({ id: `o${i}`, label: { en: `O${i}` }, ...(withCondition ? { relevant: i < 30 ? "a == 'x'" : "a == 'y'" } : {}) })),
        },
      ],
    });
    expect(checkQuestionnaire(many(true)).ok).toBe(true);
    const refused = checkQuestionnaire(many(false));
    expect(refused.ok ? [] : refused.issues.map((i) => i.message)).toEqual([expect.stringContaining("at most 40 options")]);
  });
});
