/**
 * How `anxin start` ends on SIGTERM/SIGINT: the app closes (server, channels — even mid-connect —,
 * services, database) and the process exits 0, within a bound. Handlers are installed before
 * start-up, so a signal during start-up also ends in a clean close instead of the default 143.
 * A close that overruns the bound, or a second signal, exits at once with 1.
 */

/** What is closed: the running app. */
export interface Closable {
  close(): Promise<void>;
}

/** Options of {@link installShutdown}. */
export interface ShutdownOptions {
  /** Longest the close may take (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  /** One-line messages for the operator (stderr). */
  say?: (line: string) => void;
  exit?: (code: number) => void;
  /** Where the signals come from (tests pass an emitter). */
  signals?: Pick<NodeJS.Process, "on" | "off">;
}

/** Installed handlers: hand them the app once it runs. */
export interface Shutdown {
  /** The app is up: a signal closes it (now, if one came during start-up). */
  running(app: Closable): void;
  /** Removes the handlers (tests). */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

/** Installs the SIGTERM/SIGINT handlers; see the module comment. */
export function installShutdown(options: ShutdownOptions): Shutdown {
  const say = options.say ?? ((line: string) => console.error(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? process;
  let app: Closable | undefined;
  let requested: NodeJS.Signals | undefined;
  let closing = false;

  const close = (target: Closable, signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => {
      say(`anxin: shutting down took longer than ${options.timeoutMs} ms (SHUTDOWN_TIMEOUT_MS); exiting anyway`);
      exit(1);
    }, options.timeoutMs);
    timer.unref();
    target.close().then(
      () => {
        clearTimeout(timer);
        say(`Anxin stopped (${signal})`);
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(timer);
        say(`anxin: error while shutting down: ${error instanceof Error ? error.message : String(error)}`);
        exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (requested !== undefined) {
      say(`anxin: ${signal} again; exiting without waiting`);
      exit(1);
      return;
    }
    requested = signal;
    if (app) {
      say(`Anxin is stopping (${signal})…`);
      close(app, signal);
      return;
    }
    say(`Anxin is stopping (${signal}) once start-up has finished…`);
    // Start-up itself must not outlast the bound either (a database that never answers).
    setTimeout(() => {
      if (app) return;
      say(`anxin: start-up did not finish within ${options.timeoutMs} ms of ${signal}; exiting`);
      exit(1);
    }, options.timeoutMs).unref();
  };

  for (const signal of SIGNALS) signals.on(signal, onSignal);
  return {
    running(target) {
      app = target;
      if (requested !== undefined) close(target, requested);
    },
    dispose() {
      for (const signal of SIGNALS) signals.off(signal, onSignal);
    },
  };
}
