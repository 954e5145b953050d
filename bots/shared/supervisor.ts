/**
 * Keeps a platform connection alive: starts it, and after it fails (to start, or later) starts it
 * again after a growing delay. Bounded both ways: the delay stops growing at `maxDelayMs`, and after
 * `maxRestarts` failures in a row it gives up (a puppet that cannot log in would otherwise hammer
 * WeChat, which is how accounts get banned). A run that stayed up for `stableMs` resets the count.
 *
 * Every failure is logged at warn with its reason, giving up at error, recovery at info; the
 * reason is what `describe` makes of the error, so a channel whose errors carry credentials
 * (Telegram's URLs hold the bot token) passes one that removes them.
 */
import type { Logger } from "../../app/log.js";
import type { ChannelState, ChannelStatus } from "../../core/channel.js";

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

/** How long stop() waits for a connection attempt under way to end after halting it. */
const STOP_WAIT_MS = 2_000;

/** "400 ms", "2 s", "5 min"-ish: a pause as a log line says it. */
function formatDelay(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
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
  policy?: Partial<RestartPolicy> | undefined;
  /** Tests pass one that returns at once and records the delays. */
  sleep?: Sleep | undefined;
  /** Milliseconds clock, for `stableMs`. */
  now?: () => number;
  /** The reason logged and reported for a failure; must not contain credentials. Default: the error's message. */
  describe?: (error: unknown) => string;
  /** Failures no retry can mend (a revoked token): the supervisor gives up at once. */
  permanent?: (error: unknown) => boolean;
}

/** Runs a connection and restarts it with backoff after failures. */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly sleep: Sleep;
  private readonly now: () => number;
  private readonly describe: (error: unknown) => string;
  private current: SupervisorState = "idle";
  private failures = 0;
  private runningSince: number | undefined;
  private changedAt: number;
  private lastError: string | undefined;
  private nextAttemptAt: number | undefined;
  private abort = new AbortController();
  private pending: Promise<void> | undefined;
  private readonly listeners = new Set<(state: SupervisorState) => void>();

  constructor(private readonly options: SupervisorOptions) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...definedOnly(options.policy ?? {}) };
    this.sleep = options.sleep ?? realSleep;
    this.now = options.now ?? Date.now;
    this.describe = options.describe ?? errorMessage;
    this.changedAt = this.now();
  }

  /** The current state. */
  get state(): SupervisorState {
    return this.current;
  }

  /** Failures in a row so far. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The state in the channels' common terms, for the status endpoint. */
  status(): ChannelStatus {
    const state: ChannelState =
      this.current === "running" ? "ready" : this.current === "waiting" ? "retrying" : this.current === "failed" ? "failed" : this.current === "stopped" ? "stopped" : "connecting";
    return {
      state,
      since: new Date(this.changedAt).toISOString(),
      failures: this.failures,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
      ...(state === "retrying" && this.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(this.nextAttemptAt).toISOString() } : {}),
    };
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
    this.pending = this.attempt();
    await this.pending;
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
    // Halt first: it is what ends an attempt still connecting (which `pending` may be waiting on).
    await this.options.halt().catch((error: unknown) => this.options.logger.warn({ reason: this.describe(error) }, `${this.options.name}: error while stopping`));
    // An attempt still connecting may not notice the halt at once (a puppet's start has its own
    // timeouts): a shutdown waits for it only so long; should it come up later, attempt() halts it.
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)));
    await Promise.race([this.pending?.catch(() => undefined), bound]);
    clearTimeout(timer);
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
    // Stopped while connecting: the run came up after its halt, so halt it again.
    if (this.current === "stopped") await this.options.halt().catch(() => undefined);
    if (this.current !== "starting") return;
    this.runningSince = this.now();
    if (this.failures > 0) this.options.logger.info({ attempt: this.failures, previousError: this.lastError }, `${this.options.name}: running again`);
    this.setState("running");
  }

  private scheduleRestart(error: unknown): void {
    const { logger, name } = this.options;
    if (this.runningSince !== undefined && this.now() - this.runningSince >= this.policy.stableMs) this.failures = 0;
    this.runningSince = undefined;
    this.failures++;
    const reason = this.describe(error);
    this.lastError = reason;
    const permanent = this.options.permanent?.(error) === true;
    if (permanent || this.failures > this.policy.maxRestarts) {
      const why = permanent ? "retrying will not help" : `giving up after ${this.policy.maxRestarts} restarts in a row`;
      logger.error({ reason, failures: this.failures }, `${name}: ${why}; fix the cause and restart Anxin`);
      this.setState("failed");
      this.pending = this.options.halt().catch(() => undefined);
      return;
    }
    const delayMs = backoffDelay(this.policy, this.failures);
    this.nextAttemptAt = this.now() + delayMs;
    logger.warn({ reason, attempt: this.failures, maxRestarts: this.policy.maxRestarts, delayMs }, `${name}: failed; restarting in ${formatDelay(delayMs)}`);
    this.setState("waiting");
    const signal = this.abort.signal;
    this.pending = (async () => {
      await this.options.halt().catch((haltError: unknown) => logger.warn({ reason: this.describe(haltError) }, `${name}: error while stopping the failed run`));
      await this.sleep(delayMs, signal);
      if (signal.aborted || this.current !== "waiting") return;
      await this.attempt();
    })().catch((unexpected: unknown) => logger.error({ reason: this.describe(unexpected) }, `${name}: restart failed unexpectedly`));
  }

  private setState(state: SupervisorState): void {
    if (this.current === state) return;
    this.current = state;
    this.changedAt = this.now();
    for (const listener of [...this.listeners]) listener(state);
  }
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
}

// `{ maxRestarts: undefined }` from an unset setting must not wipe out the default.
function definedOnly<T extends object>(partial: Partial<T>): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, value]) => value !== undefined)) as Partial<T>;
}
