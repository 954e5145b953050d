/**
 * Officer-administered interviews (core/field/interview.ts): the engine in interviewer mode reads
 * questions in their `read_aloud` wording, and the server's replay of a phone's inputs gives
 * exactly the answers the phone saw — and refuses inputs that do not carry the survey to its end.
 */
import { describe, expect, it } from "vitest";
import { beginInterview, continueInterview, isInterviewInput, MAX_INTERVIEW_INPUTS, replayInterview, type InterviewSetup } from "../../core/field/interview.js";
import type { Input, OutMessage } from "../../core/engine/types.js";
import { defaultQuestionnaire, L, miniQuestionnaire, REGIONS } from "./helpers.js";

const NOW = "2026-12-07T02:00:00.000Z";

function setupOf(questionnaire = defaultQuestionnaire(), lang: InterviewSetup["lang"] = "zh-CN"): InterviewSetup {
  return { wave: { id: "wave-1", questionnaireId: questionnaire.id, version: questionnaire.version, open: true }, questionnaire, regions: REGIONS, lang };
}

const mini = miniQuestionnaire([
  { id: "safe", type: "yesno", label: L("你觉得安全吗？", "Do you feel safe?"), read_aloud: L("请问您觉得您家附近安全吗？", "Would you say you feel safe around your home?") },
  { id: "age", type: "number", label: L("年龄？", "Age?"), min: 16, max: 120 },
  { id: "note", type: "text", label: L("建议？", "Suggestions?"), required: false },
]);

/** Answers every question with its first option, "45" for numbers, skips the rest; returns the inputs. */
function answerAll(setup: InterviewSetup): { inputs: Input[]; shown: OutMessage[]; completed: boolean } {
  let run = beginInterview(setup, NOW);
  const inputs: Input[] = [];
  const shown = [...run.messages];
  for (let i = 0; i < 200 && !run.completed; i++) {
    const question = [...run.messages].reverse().find((m) => m.kind === "question");
    if (!question) break;
    let input: Input;
    if (question.multi) {
      const first = question.options?.find((o) => o.key === "1");
      input = question.options?.some((o) => o.selected) ? { kind: "text", text: "0" } : { kind: "button", payload: first?.payload ?? "" };
    } else if (question.options?.length) input = { kind: "button", payload: question.options[0]?.payload ?? "" };
    else if (question.expects === "phone") input = { kind: "text", text: "/skip" };
    else input = { kind: "text", text: /年龄|age/i.test(question.text) ? "45" : "/skip" };
    inputs.push(input);
    run = continueInterview(setup, run.state, input, NOW);
    shown.push(...run.messages);
  }
  return { inputs, shown, completed: run.completed };
}

describe("interviewer mode", () => {
  it("reads a question in its read_aloud wording to the officer, and the label to a resident in chat", () => {
    const officer = beginInterview(setupOf(mini), NOW);
    const question = officer.messages.find((m) => m.kind === "question");
    expect(question?.text).toContain("请问您觉得您家附近安全吗？");
    expect(question?.text).not.toContain("你觉得安全吗？");
    const english = beginInterview(setupOf(mini, "en"), NOW).messages.find((m) => m.kind === "question");
    expect(english?.text).toContain("Would you say you feel safe around your home?");
  });

  it("uses the label where a question has no read_aloud wording", () => {
    const setup = setupOf(mini);
    const first = beginInterview(setup, NOW);
    const yes = first.messages.find((m) => m.kind === "question")?.options?.[0]?.payload ?? "";
    const second = continueInterview(setup, first.state, { kind: "button", payload: yes }, NOW);
    expect(second.messages.find((m) => m.kind === "question")?.text).toContain("年龄？");
  });

  it("re-prompts a refused answer exactly as the chat does", () => {
    const setup = setupOf(mini);
    const first = beginInterview(setup, NOW);
    const yes = first.messages.find((m) => m.kind === "question")?.options?.[0]?.payload ?? "";
    const asked = continueInterview(setup, first.state, { kind: "button", payload: yes }, NOW);
    const refused = continueInterview(setup, asked.state, { kind: "text", text: "200" }, NOW);
    expect(refused.messages[0]?.kind).toBe("error");
    expect(refused.messages.at(-1)?.questionId).toBe("age");
    expect(refused.completed).toBe(false);
  });

  it("ends without the resident's main menu", () => {
    const { shown, completed } = answerAll(setupOf());
    expect(completed).toBe(true);
    expect(shown.some((m) => m.kind === "menu")).toBe(false);
  });
});

describe("replaying an interview on the server", () => {
  it("gives the answers of the default questionnaire answered through to the end", () => {
    const setup = setupOf();
    const { inputs, completed } = answerAll(setup);
    expect(completed).toBe(true);
    const replay = replayInterview(setup, inputs, NOW);
    expect(replay.ok).toBe(true);
    if (!replay.ok) return;
    expect(replay.answers["safety_overall"]).toEqual({ kind: "choice", option: "very_safe" });
    expect(replay.answers["age"]).toBeUndefined();
    // The region question's first option at each level: the first town's first village.
    expect(replay.regionCode).toBe("110101001");
    expect(replay.phone).toBeNull();
  });

  it("keeps the later answer after /back and a change", () => {
    const setup = setupOf(mini);
    const first = beginInterview(setup, NOW);
    const [yes, no] = first.messages.find((m) => m.kind === "question")?.options ?? [];
    const inputs: Input[] = [{ kind: "button", payload: yes?.payload ?? "" }, { kind: "text", text: "/back" }, { kind: "button", payload: no?.payload ?? "" }, { kind: "text", text: "45" }, { kind: "text", text: "/skip" }];
    const replay = replayInterview(setup, inputs, NOW);
    expect(replay).toEqual({ ok: true, answers: { safe: { kind: "bool", value: false }, age: { kind: "number", value: 45 } }, regionCode: null, phone: null });
  });

  it("refuses inputs that stop short, go past the end, leave the survey or are not inputs at all", () => {
    const setup = setupOf(mini);
    const yes = beginInterview(setup, NOW).messages.find((m) => m.kind === "question")?.options?.[0]?.payload ?? "";
    const full: Input[] = [{ kind: "button", payload: yes }, { kind: "text", text: "45" }, { kind: "text", text: "/skip" }];
    expect(replayInterview(setup, full, NOW).ok).toBe(true);
    expect(replayInterview(setup, full.slice(0, 2), NOW)).toEqual({ ok: false, reason: "incomplete" });
    expect(replayInterview(setup, [...full, { kind: "text", text: "more" }], NOW)).toEqual({ ok: false, reason: "incomplete" });
    expect(replayInterview(setup, [{ kind: "text", text: "/menu" }, ...full], NOW)).toEqual({ ok: false, reason: "incomplete" });
    expect(replayInterview(setup, [{ kind: "start" }, ...full], NOW)).toEqual({ ok: false, reason: "incomplete" });
    expect(replayInterview(setup, [null, "x", 3], NOW)).toEqual({ ok: false, reason: "incomplete" });
    expect(replayInterview(setup, new Array(MAX_INTERVIEW_INPUTS + 1).fill({ kind: "text", text: "x" }), NOW)).toEqual({ ok: false, reason: "too-long" });
  });

  it("refuses an answer the engine refuses: a forged number out of range never becomes an answer", () => {
    const setup = setupOf(mini);
    const yes = beginInterview(setup, NOW).messages.find((m) => m.kind === "question")?.options?.[0]?.payload ?? "";
    const replay = replayInterview(setup, [{ kind: "button", payload: yes }, { kind: "text", text: "999" }, { kind: "text", text: "/skip" }], NOW);
    expect(replay).toEqual({ ok: false, reason: "incomplete" });
  });

  it("takes only text and button inputs of bounded size", () => {
    expect(isInterviewInput({ kind: "text", text: "45" })).toBe(true);
    expect(isInterviewInput({ kind: "button", payload: "a:1:ab:0:1" })).toBe(true);
    expect(isInterviewInput({ kind: "text", text: "x".repeat(20_001) })).toBe(false);
    expect(isInterviewInput({ kind: "button", payload: 7 })).toBe(false);
    expect(isInterviewInput({ kind: "contact", phone: "13812345678" })).toBe(false);
    expect(isInterviewInput({ kind: "system", result: {} })).toBe(false);
  });
});
