/**
 * Plays every tests/scenarios/*.yaml file through the pure engine.
 */
import { describe, expect, it } from "vitest";
import { step } from "../../core/engine/step.js";
import { initialState, isRequestEvent } from "../../core/engine/types.js";
import type { EngineContext, EngineEvent, OutMessage, SessionState } from "../../core/engine/types.js";
import { listTips } from "../../core/outreach/tips.js";
import { answersFromEvents, defaultQuestionnaire, makeCtx } from "./helpers.js";
import { SCENARIO_REGIONS, listScenarioFiles, loadScenario, playScenario, scenarioContext, scenarioRequests } from "./scenario-driver.js";
import type { Scenario } from "./scenario-driver.js";

/** The context a scenario asks for, around the default questionnaire. */
function contextFor(scenario: Scenario): EngineContext {
  const qn = defaultQuestionnaire();
  const open = { id: "wave-1", questionnaireId: qn.id, version: qn.version, open: true };
  const wave = scenario.wave === "none" ? null : scenario.wave === "closed" ? { ...open, open: false } : open;
  // As the runner does: the bundled tip library, and a case code for a concern reported.
  return { ...makeCtx(qn, { wave, regions: scenario.regions ? SCENARIO_REGIONS : [] }), tips: listTips(), newCaseCode: "K7M3PQ", ...scenarioContext(scenario) };
}

/** The first quiz answer per tip, as the store keeps them. */
function firstQuizAnswers(events: readonly EngineEvent[]): Record<string, { option: string; correct: boolean }> {
  const out: Record<string, { option: string; correct: boolean }> = {};
  for (const event of events) if (event.type === "QuizAnswered" && !out[event.tipId]) out[event.tipId] = { option: event.option, correct: event.correct };
  return out;
}

describe("scenarios", () => {
  for (const file of listScenarioFiles()) {
    const scenario = loadScenario(file);
    it(`${file.split("/").at(-1)}: ${scenario.name}`, async () => {
      const ctx = contextFor(scenario);
      let state: SessionState = initialState(scenario.lang);
      const events: EngineEvent[] = [];
      const perform = scenarioRequests(scenario);
      await playScenario(scenario, {
        send: async (input) => {
          let result = step(ctx, state, input);
          const messages: OutMessage[] = [...result.messages];
          events.push(...result.events);
          // As the runner does: a request the dialogue waits for is answered within the same turn.
          for (let n = 0; n < 4; n++) {
            const request = result.events.filter(isRequestEvent).at(-1);
            if (!request) break;
            result = step(ctx, result.state, { kind: "system", result: perform(request) });
            messages.push(...result.messages);
            events.push(...result.events);
          }
          state = result.state;
          return messages;
        },
        answers: async () => answersFromEvents(events),
      });
      if (scenario.expectQuizAnswers) expect(firstQuizAnswers(events)).toEqual(scenario.expectQuizAnswers);
    });
  }
});
