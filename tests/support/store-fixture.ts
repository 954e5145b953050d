/**
 * A migrated database with the store open on it: what the database tests start from. A fresh
 * SQLite file unless `db` is given (e.g. a PostgreSQL one from BACKENDS), optionally with regions
 * and the default questionnaire with its wave open. Tests add their own seeding on `store`.
 */
import { migrate } from "../../prisma/migrate.js";
import { openStore } from "../../prisma/store.js";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { ensureDefaultSurvey } from "../../core/survey/default-survey.js";
import { freshSqlite, type TestDatabase } from "./databases.js";

/**
 * A region to create: in a flat list parents come first and name theirs (TEST_REGIONS), in a tree
 * the children sit under their parent (RegionNode[], e.g. SCENARIO_REGIONS). A name that is one
 * string is the zh-CN name.
 */
export interface RegionSeed {
  code: string;
  name: string | Partial<Record<string, string>>;
  parentCode?: string;
  children?: readonly RegionSeed[];
}

/** What {@link openTestStore} sets up besides the empty migrated database. */
export interface TestStoreOptions {
  /** The database (it is dropped by `close()`); default a fresh SQLite file. */
  db?: TestDatabase;
  /** Regions to create. */
  regions?: readonly RegionSeed[];
  /**
   * Store the default questionnaire and open its wave (ensureDefaultSurvey, after the regions):
   * `true` opens it a minute ago, a Date is the clock it runs at (the wave opens then).
   */
  defaultSurvey?: boolean | Date;
}

/** A database and a store open on it. */
export interface TestStore {
  db: TestDatabase;
  store: Store;
  /** The default survey's wave, when `defaultSurvey` was asked for. */
  wave?: WaveRecord;
  /** Closes the store, then drops the database. */
  close(): Promise<void>;
}

/** Fresh (or the given) database → migrate → store → regions → default survey. */
export function openTestStore(options: TestStoreOptions & { defaultSurvey: true | Date }): Promise<TestStore & { wave: WaveRecord }>;
export function openTestStore(options?: TestStoreOptions): Promise<TestStore>;
export async function openTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const db = options.db ?? freshSqlite();
  let store: Store | undefined;
  try {
    await migrate(db.target);
    const opened = (store = await openStore(db.target));
    await createRegions(opened, options.regions ?? []);
    let wave: WaveRecord | undefined;
    if (options.defaultSurvey) {
      const now = options.defaultSurvey === true ? new Date(Date.now() - 60_000) : options.defaultSurvey;
      wave = (await ensureDefaultSurvey(opened, now)).wave ?? undefined;
      if (!wave) throw new Error("the default survey opened no wave");
    }
    return {
      db,
      store: opened,
      ...(wave ? { wave } : {}),
      async close() {
        await opened.close();
        await db.drop();
      },
    };
  } catch (error) {
    // Nothing is returned to close, so clean up here.
    await store?.close();
    await db.drop();
    throw error;
  }
}

async function createRegions(store: Store, regions: readonly RegionSeed[], parentCode?: string): Promise<void> {
  for (const region of regions) {
    const name = typeof region.name === "string" ? { "zh-CN": region.name } : (region.name as Record<string, string>);
    await store.upsertRegion({ code: region.code, name, parentCode: region.parentCode ?? parentCode });
    await createRegions(store, region.children ?? [], region.code);
  }
}
