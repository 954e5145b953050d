/**
 * Jobs that run every so often — case-update retries, spot-check re-asks in chat, reminders,
 * alerts: each is a function that is safe to run again (it reads what is due from the store and
 * records what it did). Where they run is the composition root's choice: in this process on a
 * timer (one instance, the embedded default), or through a job queue shared by several instances
 * so that each round runs in one of them (prisma/redis/jobs.ts).
 */

/** Registers and runs periodic jobs. */
export interface PeriodicJobs {
  /**
   * Runs `run` about every `everyMs` (first after `everyMs`, or at once with `immediately`). A
   * round never overlaps the previous one of the same job. Register before {@link start}.
   */
  every(name: string, everyMs: number, run: () => Promise<unknown>, options?: { immediately?: boolean }): void;
  /** Starts the rounds. */
  start(): Promise<void>;
  /** Stops starting rounds and waits for the ones running. */
  stop(): Promise<void>;
}

/** Called when a round throws; the job runs again at its next round. */
export type JobErrorHandler = (error: unknown, job: string) => void;

interface Registered {
  name: string;
  everyMs: number;
  immediately: boolean;
  run: () => Promise<unknown>;
  timer?: NodeJS.Timeout;
  round?: Promise<void>;
}

/** {@link PeriodicJobs} on this process's timers (the timers do not keep the process alive). */
export class InProcessJobs implements PeriodicJobs {
  private readonly jobs = new Map<string, Registered>();
  private started = false;

  constructor(private readonly onError: JobErrorHandler = () => undefined) {}

  every(name: string, everyMs: number, run: () => Promise<unknown>, options: { immediately?: boolean } = {}): void {
    if (this.jobs.has(name)) throw new Error(`a periodic job named ${name} is already registered`);
    this.jobs.set(name, { name, everyMs: Math.max(1, everyMs), run, immediately: options.immediately ?? false });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const job of this.jobs.values()) {
      const round = () => {
        if (job.round || !this.started) return;
        job.round = job
          .run()
          .then(() => undefined)
          .catch((error: unknown) => this.onError(error, job.name))
          .finally(() => {
            job.round = undefined;
          });
      };
      job.timer = setInterval(round, job.everyMs);
      job.timer.unref();
      if (job.immediately) round();
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const job of this.jobs.values()) clearInterval(job.timer);
    await Promise.allSettled([...this.jobs.values()].map((job) => job.round));
  }
}
