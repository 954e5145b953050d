/**
 * Periodic jobs through BullMQ on the shared Redis: every instance registers the same job
 * schedulers (an upsert: registering again changes nothing) and runs a worker; BullMQ hands each
 * round to one worker, so a round runs once whichever instances are up. An instance killed during
 * a round loses its lock and BullMQ gives the round to another worker after `lockMs`; the jobs
 * are safe to run again (core/util/periodic-jobs.ts), so a repeated round does no harm.
 *
 * Why BullMQ: it is the maintained Redis job queue for Node (RapidPro's mailroom does the same with
 * its own Redis queues in Go); its job schedulers keep one schedule per job in Redis instead of one
 * timer per process, and its stalled-job check is what recovers a round from a dead instance.
 */
import { Queue, Worker, type Job } from "bullmq";
import type { JobErrorHandler, PeriodicJobs } from "../../core/util/periodic-jobs.js";

/** Options of {@link RedisJobs}. */
export interface RedisJobsOptions {
  url: string;
  /** Key prefix of the deployment. */
  prefix: string;
  onError?: JobErrorHandler;
  /** How long a round is held by its worker without renewal before another may take it. Default 30 s. */
  lockMs?: number;
}

/** See the module comment. */
export class RedisJobs implements PeriodicJobs {
  private readonly runs = new Map<string, { everyMs: number; run: () => Promise<unknown>; immediately: boolean }>();
  private readonly queues: Queue[] = [];
  private readonly workers: Worker[] = [];
  private started = false;

  constructor(private readonly options: RedisJobsOptions) {}

  every(name: string, everyMs: number, run: () => Promise<unknown>, options: { immediately?: boolean } = {}): void {
    if (this.runs.has(name)) throw new Error(`a periodic job named ${name} is already registered`);
    this.runs.set(name, { everyMs: Math.max(1, everyMs), run, immediately: options.immediately ?? false });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const connection = { url: this.options.url, maxRetriesPerRequest: null };
    const prefix = `${this.options.prefix}:bull`;
    const report = (job: string) => (error: Error) => this.options.onError?.(error, job);
    // A queue per job: only instances that run a job take its rounds (one configured not to
    // send, OUTREACH_SENDER=off, registers no outbox jobs and so never takes one).
    for (const [name, { everyMs, run, immediately }] of this.runs) {
      const queue = new Queue(`periodic-${name}`, { connection, prefix });
      queue.on("error", report(name));
      this.queues.push(queue);
      await queue.upsertJobScheduler(name, { every: everyMs, ...(immediately ? { immediately: true } : {}) }, { name, opts: { removeOnComplete: true, removeOnFail: 50 } });
      const worker = new Worker(`periodic-${name}`, async () => void (await run()), {
        connection,
        prefix,
        // One round at a time per instance; BullMQ gives each round to one instance.
        concurrency: 1,
        lockDuration: this.options.lockMs ?? 30_000,
        // A round taken over from a dead instance runs once more at most; then it waits for the next.
        maxStalledCount: 1,
      });
      worker.on("error", report(name));
      worker.on("failed", (_job: Job | undefined, error: Error) => report(name)(error));
      this.workers.push(worker);
    }
  }

  async stop(): Promise<void> {
    // The workers finish the rounds they hold; the schedules stay in Redis for the other instances.
    await Promise.allSettled(this.workers.map((worker) => worker.close()));
    await Promise.allSettled(this.queues.map((queue) => queue.close()));
    this.workers.length = 0;
    this.queues.length = 0;
    this.started = false;
  }
}
