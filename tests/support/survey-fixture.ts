/**
 * A migrated database with the default questionnaire, an open wave and a small region tree,
 * plus a runner over it: what most end-to-end tests start from.
 */
import { migrate } from "../../prisma/migrate.js";
import { openStore, type Store, type WaveRecord } from "../../prisma/store.js";
import { ensureDefaultSurvey } from "../../core/app/seed.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { ConversationRunner, buildRegionTree, type RunnerOptions } from "../../core/survey/runner.js";
import type { Questionnaire, RegionNode } from "../../core/engine/types.js";
import { freshSqlite, type TestDatabase } from "./databases.js";
import { TEST_REGIONS } from "./auto-resident.js";

/** What {@link surveyFixture} sets up. */
export interface SurveyFixture {
  db: TestDatabase;
  store: Store;
  runner: ConversationRunner;
  wave: WaveRecord;
  questionnaire: Questionnaire;
  regions: RegionNode[];
  /** Closes the store and deletes the database. */
  close(): Promise<void>;
}

/** Sets up a database (SQLite unless `db` is given) ready for residents. */
export async function surveyFixture(options: { db?: TestDatabase; runner?: Omit<RunnerOptions, "store"> } = {}): Promise<SurveyFixture> {
  const db = options.db ?? freshSqlite();
  await migrate(db.target);
  const store = await openStore(db.target);
  for (const region of TEST_REGIONS) await store.upsertRegion({ code: region.code, name: region.name as Record<string, string>, parentCode: region.parentCode });
  const { wave } = await ensureDefaultSurvey(store, new Date(Date.now() - 60_000));
  if (!wave) throw new Error("no wave opened");
  const runner = new ConversationRunner({ store, ...options.runner });
  return {
    db,
    store,
    runner,
    wave,
    questionnaire: loadDefaultQuestionnaire(),
    regions: buildRegionTree(await store.listRegions()),
    async close() {
      await store.close();
      await db.drop();
    },
  };
}
