/**
 * A cascading XLSForm (district → town → village with choice_filter) imported and answered in the
 * terminal chat (bots/terminal/chat.ts) over the real runner and a SQLite store: a resident who
 * picks a district sees only its towns, then only that town's villages, numbered 1..n as typed;
 * where a town has no village the optional village question is passed over.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lang, Questionnaire } from "../../core/engine/types.js";
import { openFormWorld, type FormWorld } from "./form-world.js";
import { cascadingForm } from "./cascading-form.js";
import { buildXlsx } from "./workbook.js";

let world: FormWorld;
let questionnaire: Questionnaire;

beforeAll(async () => {
  world = await openFormWorld(await buildXlsx(cascadingForm()), { sourceName: "cascading.xlsx", waveName: "cascading wave" });
  ({ questionnaire } = world);
});

afterAll(async () => {
  await world?.close();
});

/** Runs the terminal chat as `user` on the scripted lines; what it printed after each line. */
async function chat(user: string, lang: Lang, lines: string[]): Promise<string[]> {
  return (await world.chat(user, lang, lines)).split("\n---\n");
}

const answersOf = (user: string) => world.answersOf(user);

describe("a cascading XLSForm in the terminal chat", () => {
  it("imports the filters onto the options", () => {
    const town = questionnaire.questions.find((q) => q.id === "town");
    expect(town && "options" in town ? town.options.map((o) => [o.id, o.relevant]) : []).toEqual([
      ["t1", "district == 'd1'"],
      ["t2", "district == 'd1'"],
      ["t3", "district == 'd2'"],
      ["t4", "district == 'd2'"],
    ]);
  });

  it("in en: Shangcheng's towns only, then Hubin's village only", async () => {
    const out = await chat("cascade-en", "en", ["1", "2", "3", "1", "1", "1"]);
    expect(out[1]).toContain("Which district do you live in?\n  1. West Lake\n  2. Shangcheng");
    expect(out[2]).toContain("Which town?\n  1. Hubin\n  2. Qingbo");
    expect(out[2]).not.toMatch(/Beishan|Xixi/);
    // The numbering typed is the numbering shown.
    expect(out[3]).toContain("1 to 2");
    expect(out[4]).toContain("Which village?\n  1. Dongpo\n  0. Skip");
    expect(out[4]).not.toMatch(/Baoshi|Baochu|Gudang/);
    expect(out[5]).toContain("Do you feel safe at night?");
    expect(await answersOf("cascade-en")).toEqual({
      district: { kind: "choice", option: "d2" },
      town: { kind: "choice", option: "t3" },
      village: { kind: "choice", option: "v4" },
      safe: { kind: "choice", option: "yes" },
    });
  }, 60_000);

  it("in zh-CN: West Lake's towns, Xixi's village; a town without villages passes the village over", async () => {
    const out = await chat("cascade-zh", "zh-CN", ["1", "西湖区", "西溪街道", "1", "1"]);
    expect(out[2]).toContain("哪个街道？\n  1. 北山街道\n  2. 西溪街道");
    expect(out[3]).toContain("哪个社区？\n  1. 古荡社区\n  0. 跳过");
    expect(await answersOf("cascade-zh")).toMatchObject({ district: { option: "d1" }, town: { option: "t2" }, village: { option: "v3" } });

    const none = await chat("cascade-none", "zh-CN", ["1", "2", "2", "2"]);
    // Qingbo (t4) has no village: the next question is the last one.
    expect(none[3]).toContain("晚上您觉得安全吗？");
    expect(none[3]).not.toContain("哪个社区？");
    expect(await answersOf("cascade-none")).toEqual({
      district: { kind: "choice", option: "d2" },
      town: { kind: "choice", option: "t4" },
      safe: { kind: "choice", option: "no" },
    });
  }, 60_000);
});
