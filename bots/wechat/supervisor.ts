/**
 * Keeps a connection alive: starts it, and after it fails (to start, or later) starts it again
 * after a growing delay. Bounded both ways: the delay stops growing at `maxDelayMs`, and after
 * `maxRestarts` failures in a row it gives up (a puppet that cannot log in would otherwise hammer
 * WeChat, which is how accounts get banned). A run that stayed up for `stableMs` resets the count.
 */
import type { Logger } from "../../app/log.js";

/** How restarts are spaced and when to give up. */
export interface RestartPolicy {
  /** Delay before the first restart. */
  initialDelayMs: number;
  /** The delay doubles per failure up to this. */
  maxDelayMs: number;
  /** Failures in a row after which the supervisor gives up. */
  maxRestarts: number;
  /** A run that lasted this long counts as healthy: the next failure starts counting from 1. */
  stableMs: number;
}

/** Defaults: 2 s, 4 s, 8 s … 5 min, giving up after 12 failures in a row (about half an hour). */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 2_000,
  maxDelayMs: 5 * 60_000,
  maxRestarts: 12,
  stableMs: 10 * 60_000,
};

/** The delay before restart number `attempt` (1-based). */
export function backoffDelay(policy: RestartPolicy, attempt: number): number {
  const exponent = Math.max(0, Math.min(attempt - 1, 30));
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** Where the supervised connection is. */
export type SupervisorState = "idle" | "starting" | "running" | "waiting" | "failed" | "stopped";

/** Waits `ms`, or until `signal` aborts (then resolves early). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** The real clock's sleep. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });

/** Options of {@link Supervisor}. */
export interface SupervisorOptions {
  /** What is supervised, for log lines ("WeChat"). */
  name: string;
  /** Starts one run; rejects when the start failed. */
  run: () => Promise<void>;
  /** Stops the current run (also after a failed start); must not throw for a run that is down. */
  halt: () => Promise<void>;
  logger: Logger;
  policy?: Partial<RestartPolicy>;
  /** Tests pass one that returns at once and records the delays. */
  sleep?: Sleep;
  /** Milliseconds clock, for `stableMs`. */
  now?: () => number;
}

/** Runs a connection and restarts it with backoff after failures. */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private current: SupervisorState = "idle";
  private failures = 0;
  private runningSince: number | undefined;
  private abort = new AbortController();
  private pending: Promise<void> | undefined;
  private readonly listeners = new Set<(state: SupervisorState) => void>();

  constructor(private readonly options: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
  }

  /** The current state. */
  get state(): SupervisorState {
    return this.current;
  }

  /** Failures in a row so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onState(listener: (state: SupervisorState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when the state is one of `states` (now or later). */
  until(...states: SupervisorState[]): Promise<SupervisorState> {
    if (states.includes(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve) => {
      const off = this.onState((state) => {
        if (!states.includes(state)) return;
        off();
        resolve(state);
      });
    });
  }

  /**
   * Makes the first attempt. Resolves once it is running, or once a failed first start has been
   * logged and a restart scheduled: one channel that cannot connect must not stop the app.
   */
  async start(): Promise<void> {
    if (this.current !== "idle" && this.current !== "stopped") return;
    this.abort = new AbortController();
    this.failures = 0;
    await this.attempt();
  }

  /** The running connection reported that it is broken: restart it (with backoff). */
  failed(error: unknown): void {
    if (this.current !== "running") return;
    this.scheduleRestart(error);
  }

  /** Stops for good: cancels a pending restart and halts the current run. */
  async stop(): Promise<void> {
    if (this.current === "stopped") return;
    this.setState("stopped");
    this.abort.abort();
    await this.pending?.catch(() => undefined);
    await this.options.halt().catch((error: unknown) => this.options.logger.warn({ err: error }, `${this.options.name}: error while stopping`));
  }

  private async attempt(): Promise<void> {
    this.setState("starting");
    try {
      await this.options.run();
    } catch (error) {
      if (this.current === "stopped") return;
      this.scheduleRestart(error);
      return;
    }
    if (this.current !== "starting") return;
    this.runningSince = this.now();
    if (this.failures > 0) this.options.logger.info({ attempt: this.failures }, `${this.options.name}: running again`);
    this.setState("running");
  }

  private scheduleRestart(error: unknown): void {
    const { logger, name } = this.options;
    if (this.runningSince !== undefined && this.now() - this.runningSince >= this.policy.stableMs) this.failures = 0;
    this.runningSince = undefined;
    this.failures++;
    if (this.failures > this.policy.maxRestarts) {
      logger.error({ err: error, failures: this.failures - 1 }, `${name}: giving up after ${this.policy.maxRestarts} restarts in a row; fix the cause and restart Anxin`);
      this.setState("failed");
      this.pending = this.options.halt().catch(() => undefined);
      return;
    }
    const delayMs = backoffDelay(this.policy, this.failures);
    logger.warn({ err: error, attempt: this.failures, maxRestarts: this.policy.maxRestarts, delayMs }, `${name}: failed; restarting in ${Math.round(delayMs / 1000)} s`);
    this.setState("waiting");
    const signal = this.abort.signal;
    this.pending = (async () => {
      await this.options.halt().catch((haltError: unknown) => logger.warn({ err: haltError }, `${name}: error while stopping the failed run`));
      await this.sleep(delayMs, signal);
      if (signal.aborted || this.current !== "waiting") return;
      await this.attempt();
    })().catch((unexpected: unknown) => logger.error({ err: unexpected }, `${name}: restart failed unexpectedly`));
  }

  private setState(state: SupervisorState): void {
    if (this.current === state) return;
    this.current = state;
    for (const listener of [...this.listeners]) listener(state);
  }
}
