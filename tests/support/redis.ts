/**
 * Redis for the scale-out tests: the local server (TEST_REDIS_URL, default redis://127.0.0.1:6379)
 * with a key prefix of each test's own, so that tests running at once never see each other's
 * rate windows, queues or channels; the keys are deleted afterwards.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

/** The Redis server tests use. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** A prefix of one test's own, and a way to remove what was written under it. */
export interface TestRedis {
  url: string;
  prefix: string;
  /** Deletes every key under the prefix. */
  drop(): Promise<void>;
}

/** A unique prefix on the test Redis. */
export function freshRedis(): TestRedis {
  const prefix = `anxin-test-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
  return {
    url: TEST_REDIS_URL,
    prefix,
    async drop() {
      const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}
