/**
 * Plays every tests/scenarios/*.yaml file through the pure engine.
 */
import { describe, it } from "vitest";
import { step } from "../../core/engine/step.js";
import { initialState } from "../../core/engine/types.js";
import type { EngineContext, EngineEvent, SessionState } from "../../core/engine/types.js";
import { answersFromEvents, defaultQuestionnaire, makeCtx } from "./helpers.js";
import { SCENARIO_REGIONS, listScenarioFiles, loadScenario, playScenario } from "./scenario-driver.js";
import type { Scenario } from "./scenario-driver.js";

/** The context a scenario asks for, around the default questionnaire. */
function contextFor(scenario: Scenario): EngineContext {
  const qn = defaultQuestionnaire();
  const open = { id: "wave-1", questionnaireId: qn.id, version: qn.version, open: true };
  const wave = scenario.wave === "none" ? null : scenario.wave === "closed" ? { ...open, open: false } : open;
  return makeCtx(qn, { wave, regions: scenario.regions ? SCENARIO_REGIONS : [] });
}

describe("scenarios", () => {
  for (const file of listScenarioFiles()) {
    const scenario = loadScenario(file);
    it(`${file.split("/").at(-1)}: ${scenario.name}`, async () => {
      const ctx = contextFor(scenario);
      let state: SessionState = initialState(scenario.lang);
      const events: EngineEvent[] = [];
      await playScenario(scenario, {
        send: async (input) => {
          const result = step(ctx, state, input);
          state = result.state;
          events.push(...result.events);
          return result.messages;
        },
        answers: async () => answersFromEvents(events),
      });
    });
  }
});
