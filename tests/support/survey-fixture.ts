/**
 * A migrated database with the default questionnaire, an open wave and a small region tree,
 * plus a runner over it: what most end-to-end tests start from.
 */
import type { Store, WaveRecord } from "../../core/model/index.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { ConversationRunner, type RunnerOptions } from "../../core/survey/runner.js";
import { askedRegionTree, buildRegionTree } from "../../core/survey/region-tree.js";
import type { Questionnaire, RegionNode } from "../../core/engine/types.js";
import type { TestDatabase } from "./databases.js";
import { TEST_REGIONS } from "./auto-resident.js";
import { openTestStore } from "./store-fixture.js";

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
  const { db, store, wave, close } = await openTestStore({ db: options.db, regions: TEST_REGIONS, defaultSurvey: true });
  const runner = new ConversationRunner({ store, ...options.runner });
  return {
    db,
    store,
    runner,
    wave,
    questionnaire: loadDefaultQuestionnaire(),
    // What the runner asks residents (the same tree: it has two top regions).
    regions: askedRegionTree(buildRegionTree(await store.listRegions())),
    close,
  };
}
