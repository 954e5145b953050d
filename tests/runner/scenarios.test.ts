/**
 * The dialogue scenario files (tests/scenarios/*.yaml), played through the persistent runner and
 * a real database instead of the pure engine: the same inputs must give the same replies, and
 * the answers the scenarios expect must be the ones stored.
 */
import { afterEach, describe, it } from "vitest";
import { listScenarioFiles, loadScenario, playScenario, SCENARIO_REGIONS } from "../engine/scenario-driver.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { migrate } from "../../prisma/migrate.js";
import { openStore, type Store } from "../../prisma/store.js";
import { ensureDefaultSurvey } from "../../core/app/seed.js";
import { freshSqlite, type TestDatabase } from "../support/databases.js";
import type { AnswerValue, RegionNode } from "../../core/engine/types.js";

async function storeRegions(store: Store, nodes: RegionNode[], parentCode?: string): Promise<void> {
  for (const node of nodes) {
    const name = typeof node.name === "string" ? { "zh-CN": node.name } : (node.name as Record<string, string>);
    await store.upsertRegion({ code: node.code, name, parentCode });
    await storeRegions(store, node.children ?? [], node.code);
  }
}

const open: { db: TestDatabase; store: Store }[] = [];
afterEach(async () => {
  for (const { db, store } of open.splice(0)) {
    await store.close();
    await db.drop();
  }
});

describe("scenarios through the runner", () => {
  for (const file of listScenarioFiles()) {
    const scenario = loadScenario(file);
    it(`${file.split("/").pop()}: ${scenario.name}`, async () => {
      const db = freshSqlite();
      await migrate(db.target);
      const store = await openStore(db.target);
      open.push({ db, store });
      if (scenario.regions !== false) await storeRegions(store, SCENARIO_REGIONS);
      const now = new Date();
      let waveId: string | undefined;
      if (scenario.wave !== "none") {
        const { wave } = await ensureDefaultSurvey(store, new Date(now.getTime() - 60_000));
        waveId = wave?.id;
      }
      const runner = new ConversationRunner({ store });
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
