/**
 * Officer-administered interviews: the survey of a household run on the officer's phone with the
 * same engine and definition as the chat, in interviewer mode (questions in their `read_aloud`
 * wording). Pure, like the engine: the phone page runs it offline (bundled by
 * bots/web/field-bundle.ts) and the server runs it again on sync.
 *
 * The phone keeps the inputs, not the answers: on sync the server replays them through the engine
 * from the same start ({@link replayInterview}), so what is stored passed exactly the validation
 * and branching a resident's chat answers pass, whatever a phone sends.
 */
import { step } from "../engine/step.js";
import { initialState } from "../engine/types.js";
import type { AnswerValue, EngineContext, Input, Lang, OutMessage, Questionnaire, RegionNode, SessionState, WaveInfo } from "../engine/types.js";

/** What an interview runs against: the wave and its questionnaire, the region tree, the language. */
export interface InterviewSetup {
  wave: WaveInfo;
  questionnaire: Questionnaire;
  /** The same tree the chat asks from (core/survey/region-tree.ts askedRegionTree). */
  regions: RegionNode[];
  lang: Lang;
  timeZone?: string;
}

/** One step of an interview: the new state, what to show the officer, and whether it is complete. */
export interface InterviewStep {
  state: SessionState;
  messages: OutMessage[];
  /** The questionnaire was completed in this step. */
  completed: boolean;
}

/** The most inputs one interview may take (a 40-question form with /back and retries fits easily). */
export const MAX_INTERVIEW_INPUTS = 2000;

function contextOf(setup: InterviewSetup, now: string): EngineContext {
  return {
    now,
    wave: { ...setup.wave, open: true },
    questionnaire: (id, version) => (id === setup.questionnaire.id && version === setup.questionnaire.version ? setup.questionnaire : undefined),
    regions: setup.regions,
    interviewer: true,
    ...(setup.timeZone ? { timeZone: setup.timeZone } : {}),
  };
}

/**
 * Starts an interview: a fresh session that has consented (the officer asks for consent at the
 * door, before opening the form) and enters the survey at once. The first messages are the intro
 * and the first question.
 */
export function beginInterview(setup: InterviewSetup, now: string): InterviewStep {
  const state: SessionState = { ...initialState(setup.lang), langChosen: true, consent: "given", mode: "menu" };
  const result = step(contextOf(setup, now), state, { kind: "text", text: "/survey" });
  return { state: result.state, messages: result.messages, completed: false };
}

/**
 * One input of the officer (a tapped option, a typed answer, "/back", "/skip"). Only `text` and
 * `button` inputs are taken; anything else changes nothing.
 */
export function continueInterview(setup: InterviewSetup, state: SessionState, input: Input, now: string): InterviewStep {
  if (!isInterviewInput(input)) return { state, messages: [], completed: false };
  const result = step(contextOf(setup, now), state, input);
  const completed = result.events.some((event) => event.type === "ResponseCompleted");
  // The engine's thank-you is followed by the resident's main menu, which is no use on the phone.
  const messages = completed ? result.messages.filter((message) => message.kind !== "menu") : result.messages;
  return { state: result.state, messages, completed };
}

/** Is this an input an interview takes (text of bounded length, or a button payload)? */
export function isInterviewInput(input: unknown): input is Extract<Input, { kind: "text" | "button" }> {
  if (input === null || typeof input !== "object") return false;
  const value = input as { kind?: unknown; text?: unknown; payload?: unknown };
  if (value.kind === "text") return typeof value.text === "string" && value.text.length <= 20_000;
  if (value.kind === "button") return typeof value.payload === "string" && value.payload.length <= 200;
  return false;
}

/** What replaying an interview's inputs gave. */
export type ReplayResult =
  | {
      ok: true;
      /** The answers as the engine recorded them (the latest per question; retracted ones gone). */
      answers: Record<string, AnswerValue>;
      /** The region code the answers name (a `region` question), when there is one. */
      regionCode: string | null;
      /** A telephone number given at a phone question (canonical), when there was one. */
      phone: string | null;
    }
  | { ok: false; reason: "incomplete" | "too-long" | "not-started" };

/**
 * Replays an interview from its start: the inputs must carry it to completion (and nothing may
 * follow). `now` is the time the answers are recorded at (the phone's completion time).
 */
export function replayInterview(setup: InterviewSetup, inputs: readonly unknown[], now: string): ReplayResult {
  if (inputs.length > MAX_INTERVIEW_INPUTS) return { ok: false, reason: "too-long" };
  const ctx = contextOf(setup, now);
  const first = beginInterview(setup, now);
  if (first.state.mode !== "survey") return { ok: false, reason: "not-started" };
  const answers: Record<string, AnswerValue> = {};
  let regionCode: string | null = null;
  let phone: string | null = null;
  let state = first.state;
  let completed = false;
  for (const input of inputs) {
    if (completed || !isInterviewInput(input)) return { ok: false, reason: "incomplete" };
    const result = step(ctx, state, input);
    state = result.state;
    for (const event of result.events) {
      if (event.type === "AnswerRecorded") {
        answers[event.questionId] = event.value;
        if (event.value.kind === "region") regionCode = event.value.code;
      } else if (event.type === "AnswerRetracted") {
        delete answers[event.questionId];
      } else if (event.type === "PhoneShared") {
        phone = event.phone;
      } else if (event.type === "PhoneWithdrawn") {
        phone = null;
      } else if (event.type === "ResponseCompleted") {
        completed = true;
      }
    }
    // Anything that took the session out of the survey (a menu command, a language switch) is
    // not an interview: the phone page never sends such input.
    if (!completed && state.mode !== "survey") return { ok: false, reason: "incomplete" };
  }
  if (!completed) return { ok: false, reason: "incomplete" };
  // A region answer retracted later leaves no region.
  if (regionCode !== null && !Object.values(answers).some((a) => a.kind === "region" && a.code === regionCode)) regionCode = null;
  return { ok: true, answers, regionCode, phone };
}
