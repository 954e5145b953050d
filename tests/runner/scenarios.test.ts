/**
 * The dialogue scenario files (tests/scenarios/*.yaml), played through the persistent runner and
 * a real database instead of the pure engine: the same inputs must give the same replies, and
 * the answers the scenarios expect must be the ones stored. A scenario spoken by staff runs with
 * outreach's hooks (its /broadcast command and the store's side of the dialogue), the speaker
 * made staff by an invitation and given their households.
 */
import { afterEach, describe, it } from "vitest";
import { listScenarioFiles, loadScenario, playScenario, SCENARIO_REGIONS, type Scenario } from "../engine/scenario-driver.js";
import { ConversationRunner, type RunnerOptions } from "../../core/survey/runner.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import type { AnswerValue } from "../../core/engine/types.js";
import type { Store } from "../../core/model/index.js";
import { createOutreach } from "../../core/outreach/index.js";
import { newInvitationCode } from "../../core/outreach/codes.js";
import { outreachSettings } from "../../core/outreach/settings.js";
import { tipLibraryFrom } from "../../core/outreach/tip-library.js";
import * as bundledTips from "../../core/outreach/tips.js";

/** Makes the scenario's speaker staff (with their households) and wires outreach's hooks. */
async function asStaff(store: Store, scenario: Scenario, now: Date): Promise<Pick<RunnerOptions, "staffCommands" | "interceptors">> {
  const staff = scenario.staff;
  if (!staff) return {};
  const { resident } = await store.resolveIdentity({ platform: "scenario", platformUserId: "resident", chatId: "resident", lang: scenario.lang });
  const region = staff.region ? await store.getRegionByCode(staff.region) : null;
  const code = newInvitationCode();
  await store.createInvitation({ code, role: staff.role, regionId: region?.id ?? null, createdById: null, expiresAt: new Date(now.getTime() + 3600_000), now });
  const redeemed = await store.redeemInvitation(code, resident.id, now);
  if (!redeemed.ok) throw new Error(`the scenario's speaker could not become ${staff.role}`);
  for (let i = 0; i < staff.households; i++) {
    const { resident: household } = await store.resolveIdentity({ platform: "scenario", platformUserId: `household-${i}`, chatId: `household-${i}`, lang: "zh-CN" });
    await store.assignHousehold({ officerId: resident.id, householdId: household.id, regionId: region?.id ?? null });
  }
  const outreach = createOutreach({
    store,
    secret: "scenario-tests-secret-0123456789abcdef",
    settings: outreachSettings({ OUTREACH_SENDER: "off" }),
    tips: tipLibraryFrom(bundledTips as unknown as Record<string, unknown>),
  });
  // Broadcasts can go out on the scenario's platform (its residents count as reachable).
  await outreach.start({ channels: [{ platform: "scenario", start: async () => undefined, stop: async () => undefined, push: async () => ({ ok: true }) }] });
  return { staffCommands: outreach.staffCommands, interceptors: outreach.interceptors };
}

const open: TestStore[] = [];
afterEach(async () => {
  for (const opened of open.splice(0)) await opened.close();
});

describe("scenarios through the runner", () => {
  for (const file of listScenarioFiles()) {
    const scenario = loadScenario(file);
    it(`${file.split("/").pop()}: ${scenario.name}`, async () => {
      const clock = scenario.clock ? new Date(scenario.clock.now) : undefined;
      const opened = await openTestStore({
        regions: scenario.regions !== false ? SCENARIO_REGIONS : [],
        defaultSurvey: scenario.wave !== "none" && (clock ? new Date(clock.getTime() - 60_000) : true),
      });
      open.push(opened);
      const { store } = opened;
      const waveId = opened.wave?.id;
      const hooks = await asStaff(store, scenario, clock ?? new Date());
      const runner = new ConversationRunner({ store, ...hooks, ...(clock ? { now: () => clock, timeZone: scenario.clock?.timeZone } : {}) });
      let n = 0;
      await playScenario(scenario, {
        send: async (input) => (await runner.handle({ platform: "scenario", platformUserId: "resident", chatId: "resident", messageId: `s${++n}`, langCode: scenario.lang, input })).messages,
        answers: async () => {
          const identity = await store.findIdentity("scenario", "resident");
          if (!identity || !waveId) return {};
          // The store keeps answers as the engine produced them.
          return ((await store.getResponse(identity.residentId, waveId))?.answers ?? {}) as Record<string, AnswerValue>;
        },
      });
    });
  }
});
