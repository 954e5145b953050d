/**
 * Periodic jobs: on this process's timers (one instance), and through BullMQ on the local Redis,
 * where three instances registering the same job run each round once between them — also after
 * one of them stops in the middle.
 */
import { afterAll, describe, expect, it } from "vitest";
import { InProcessJobs } from "../../core/util/periodic-jobs.js";
import { RedisJobs } from "../../prisma/redis/jobs.js";
import { freshRedis } from "../support/redis.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("periodic jobs", () => {
  const redis = freshRedis();
  afterAll(async () => {
    await redis.drop();
  });

  it("in process: rounds never overlap, and stop waits for the one running", async () => {
    const jobs = new InProcessJobs();
    let running = 0;
    let most = 0;
    let rounds = 0;
    jobs.every("slow", 20, async () => {
      running++;
      most = Math.max(most, running);
      await sleep(70);
      running--;
      rounds++;
    });
    await jobs.start();
    await sleep(400);
    await jobs.stop();
    expect(running).toBe(0);
    expect(most).toBe(1);
    expect(rounds).toBeGreaterThan(1);
    const after = rounds;
    await sleep(150);
    expect(rounds).toBe(after);
  });

  it("in process: a failing round is reported and the job goes on", async () => {
    const errors: string[] = [];
    const jobs = new InProcessJobs((error, job) => errors.push(`${job}: ${(error as Error).message}`));
    let calls = 0;
    jobs.every("flaky", 20, async () => {
      calls++;
      if (calls === 1) throw new Error("store unreachable");
    });
    expect(() => jobs.every("flaky", 20, async () => undefined)).toThrow(/already registered/);
    await jobs.start();
    await sleep(200);
    await jobs.stop();
    expect(errors).toEqual(["flaky: store unreachable"]);
    expect(calls).toBeGreaterThan(1);
  });

  it("on Redis: three instances run each round once between them, and go on without one", { timeout: 30_000 }, async () => {
    const EVERY = 250;
    const runs: { instance: number; at: number }[] = [];
    let running = 0;
    let most = 0;
    const instances = [0, 1, 2].map((instance) => {
      const jobs = new RedisJobs({ url: redis.url, prefix: redis.prefix });
      jobs.every("tick", EVERY, async () => {
        running++;
        most = Math.max(most, running);
        runs.push({ instance, at: Date.now() });
        await sleep(20);
        running--;
      });
      return jobs;
    });
    for (const jobs of instances) await jobs.start();
    const started = Date.now();
    await sleep(3_000);
    await instances[0]!.stop();
    const stoppedAt = Date.now();
    await sleep(2_000);
    const ended = Date.now();
    await instances[1]!.stop();
    await instances[2]!.stop();
    const span = ended - started;
    console.log(`periodic jobs on Redis: ${runs.length} rounds in ${span} ms at one per ${EVERY} ms, by instances ${[0, 1, 2].map((i) => runs.filter((r) => r.instance === i).length).join("/")}`);
    // Once per round, not once per instance: at most one more than the schedule allows.
    expect(runs.length).toBeLessThanOrEqual(Math.floor(span / EVERY) + 1);
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(span / EVERY / 2));
    expect(most).toBe(1);
    // After instance 0 stopped, the rounds go on in the others.
    const later = runs.filter((run) => run.at > stoppedAt + 300);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((run) => run.instance !== 0)).toBe(true);
  });
});
