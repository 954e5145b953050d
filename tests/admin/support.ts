/** Shared set-up of the admin HTTP tests: a seeded SQLite store (survey and outreach), staff of every role, the server. */
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import type { Store } from "../../core/model/index.js";
import { buildServer, type HttpMount } from "../../app/server.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { mountAdmin } from "../../bots/dashboard/mount.js";
import { AdminService } from "../../core/admin/service.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore } from "../support/store-fixture.js";
import { seedFixture, seedOutreach, type Fixture, type OutreachFixture } from "./fixture.js";

/** A running admin test environment. */
export interface AdminEnv {
  db: TestDatabase;
  store: Store;
  app: FastifyInstance;
  fx: Fixture;
  /** Coverage, cases and quiz answers (fixture.ts, seedOutreach). */
  outreach: OutreachFixture;
  secret: string;
  tokens: { admin: string; officer: string; resident: string };
  adminId: string;
  close(): Promise<void>;
}

/** The secret the tests sign staff tokens with. */
export const TEST_SECRET = "test-secret-0123456789-abcdefghijklmnop";

/**
 * Seeds the fixture and builds a server with the admin mount. `before` runs on the server before
 * the admin routes are added (e.g. a hook that collects them as they are registered).
 */
export async function adminEnv(options: { before?: HttpMount[] } = {}): Promise<AdminEnv> {
  const opened = await openTestStore();
  const { db, store } = opened;
  const fx = await seedFixture(store);
  const now = new Date();
  const admin = await store.setRole("telegram", "admin-1", "admin");
  // A display name, as a real account has: the coverage table names officers by it.
  await store.resolveIdentity({ platform: "telegram", platformUserId: "officer-1", chatId: "officer-1", displayName: "王警官" });
  const officer = await store.setRole("telegram", "officer-1", "officer");
  const outreach = await seedOutreach(store, officer.id);
  const { resident } = await store.resolveIdentity({ platform: "telegram", platformUserId: "resident-1", chatId: "resident-1" });
  const logger = pino({ level: "silent" });
  const app = await buildServer({ store, logger, mounts: [...(options.before ?? []), mountAdmin({ service: new AdminService(store), secret: TEST_SECRET, logger })] });
  await app.ready();
  return {
    db,
    store,
    app,
    fx,
    outreach,
    secret: TEST_SECRET,
    adminId: admin.id,
    tokens: {
      admin: issueStaffToken(TEST_SECRET, admin, now),
      officer: issueStaffToken(TEST_SECRET, officer, now),
      resident: issueStaffToken(TEST_SECRET, resident, now),
    },
    async close() {
      await app.close();
      await opened.close();
    },
  };
}
