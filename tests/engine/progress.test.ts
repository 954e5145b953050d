/**
 * The question counter ("（k/N）"): N counts the questions a response can still come to ask, so it
 * never grows while the resident moves on; and the scenario driver's check of that can fail.
 */
import { describe, expect, it } from "vitest";
import { reachableCount } from "../../core/engine/flow.js";
import type { OutMessage, SurveyProgress } from "../../core/engine/types.js";
import { L, REGIONS, Session, defaultQuestionnaire, makeCtx, miniQuestionnaire } from "./helpers.js";
import { playScenario } from "./scenario-driver.js";
import type { Scenario } from "./scenario-driver.js";

function progressOf(messages: readonly OutMessage[]): { index: number; total: number } | undefined {
  return messages.find((m) => m.progress)?.progress;
}

/** Plays the default survey answering "yes"/"no" to the branching questions as given, "1" elsewhere. */
function walk(victim: "是" | "否", reported: "是" | "否"): { index: number; total: number }[] {
  const s = new Session(makeCtx(defaultQuestionnaire(), { regions: REGIONS }));
  const seen: { index: number; total: number }[] = [];
  let replies = s.begin();
  for (let guard = 0; guard < 40; guard++) {
    const progress = progressOf(replies);
    const q = s.question;
    if (!progress || !q) break;
    const id = q.questionId;
    if (progress.total > (seen.at(-1)?.total ?? Infinity)) throw new Error(`the counter grew to ${progress.index}/${progress.total} at ${id ?? "?"}`);
    // A region question asks level by level under one number.
    if (seen.at(-1)?.index !== progress.index) seen.push(progress);
    const answer = id === "victim" ? victim : id === "reported" ? reported : id === "phone" || id === "suggestion" ? "/skip" : q.multi ? "1 2" : "1";
    replies = s.send(answer);
  }
  return seen;
}

describe("the question counter", () => {
  for (const [victim, reported, asked] of [
    ["否", "否", 14],
    ["是", "否", 15],
    ["是", "是", 17],
  ] as const) {
    it(`never grows on the default survey (victim ${victim}, reported ${reported}) and ends at the number asked`, () => {
      const seen = walk(victim, reported);
      expect(seen.length).toBe(asked);
      expect(seen[0]).toEqual({ index: 1, total: 17 });
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.index).toBe(seen[i - 1]!.index + 1);
        expect(seen[i]!.total, `after ${JSON.stringify(seen.slice(0, i + 1))}`).toBeLessThanOrEqual(seen[i - 1]!.total);
      }
      expect(seen.at(-1)).toEqual({ index: asked, total: asked });
    });
  }

  it("counts a follow-up of a follow-up as possible until the answers rule it out", () => {
    const qn = miniQuestionnaire([
      { id: "a", type: "yesno", label: L("甲？", "A?") },
      { id: "b", type: "yesno", label: L("乙？", "B?"), relevant: "a == 'yes'" },
      { id: "c", type: "yesno", label: L("丙？", "C?"), relevant: "b == 'yes'" },
      { id: "d", type: "region", label: L("哪里？", "Where?") },
    ]);
    const survey = (answers: SurveyProgress["answers"]): SurveyProgress => ({
      waveId: "w",
      questionnaireId: qn.id,
      version: qn.version,
      startedAt: "2026-01-01T00:00:00.000Z",
      answers,
      skipped: [],
      order: Object.keys(answers),
      current: null,
      pending: null,
    });
    // Without regions the region question is never asked.
    expect(reachableCount(qn, survey({}), [])).toBe(3);
    expect(reachableCount(qn, survey({}), REGIONS)).toBe(4);
    expect(reachableCount(qn, survey({ a: { kind: "bool", value: false } }), [])).toBe(1);
    expect(reachableCount(qn, survey({ a: { kind: "bool", value: true } }), [])).toBe(3);
    expect(reachableCount(qn, survey({ a: { kind: "bool", value: true }, b: { kind: "bool", value: false } }), [])).toBe(2);
    // Reopened (after /back), an answer decides nothing: its branches count again.
    expect(reachableCount(qn, survey({ a: { kind: "bool", value: false } }), [], "a")).toBe(3);
  });
});

describe("the scenario driver's counter check", () => {
  const scenario: Scenario = { name: "counter", lang: "zh-CN", wave: "open", regions: true, steps: [{ send: "x" }, { send: "y" }], file: "counter.yaml" };
  const replying = (...progress: { index: number; total: number }[]) => {
    let n = 0;
    return { send: async (): Promise<OutMessage[]> => [{ kind: "question", text: "?", questionId: "q", progress: progress[n++]! }], skipAnswerChecks: true };
  };

  it("fails when the total grows while the position moves on", async () => {
    await expect(playScenario(scenario, replying({ index: 5, total: 13 }, { index: 6, total: 14 }))).rejects.toThrow(/counter grew from 5\/13 to 6\/14/);
  });

  it("fails when a re-asked question shows a larger total", async () => {
    await expect(playScenario(scenario, replying({ index: 5, total: 13 }, { index: 5, total: 14 }))).rejects.toThrow(/counter grew/);
  });

  it("starts afresh when the resident goes back to an earlier question", async () => {
    await expect(playScenario(scenario, replying({ index: 6, total: 14 }, { index: 5, total: 17 }))).resolves.toBeUndefined();
  });
});

describe("multiple choice", () => {
  it("tells the adapters how many options are ticked and the most allowed", () => {
    const s = new Session(makeCtx(defaultQuestionnaire(), { regions: REGIONS }));
    s.begin();
    s.send("1");
    s.send("1");
    s.send("1");
    expect(s.question?.questionId).toBe("hot_issues");
    expect(s.question?.selection).toEqual({ count: 0, max: 3 });
    s.send("3");
    s.send("5");
    expect(s.question?.selection).toEqual({ count: 2, max: 3 });
    const any = new Session(makeCtx(miniQuestionnaire([{ id: "m", type: "multiple", label: L("哪些？", "Which?"), options: [{ id: "x", label: L("甲", "X") }, { id: "y", label: L("乙", "Y") }] }])));
    any.begin();
    any.send("1");
    expect(any.question?.selection).toEqual({ count: 1 });
  });
});
