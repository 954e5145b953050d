/**
 * SIGTERM/SIGINT handling of `anxin start` (app/shutdown.ts), with a fake signal source and exit:
 * a clean close exits 0, a signal during start-up closes once the app runs, a second signal or an
 * overrunning close exits 1.
 */
import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installShutdown } from "../../app/shutdown.js";

function harness(timeoutMs = 1_000) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const said: string[] = [];
  const shutdown = installShutdown({
    timeoutMs,
    signals: signals as unknown as Pick<NodeJS.Process, "on" | "off">,
    exit: (code) => void exits.push(code),
    say: (line) => void said.push(line),
  });
  return { signals, exits, said, shutdown };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("shutdown on a signal", () => {
  it("closes the running app and exits 0", async () => {
    const { signals, exits, said, shutdown } = harness();
    let closed = 0;
    shutdown.running({ close: async () => void closed++ });
    signals.emit("SIGTERM", "SIGTERM");
    await vi.waitFor(() => expect(exits).toEqual([0]));
    expect(closed).toBe(1);
    expect(said).toEqual(["Anxin is stopping (SIGTERM)…", "Anxin stopped (SIGTERM)"]);
    shutdown.dispose();
  });

  it("remembers a signal during start-up and closes as soon as the app runs", async () => {
    const { signals, exits, shutdown } = harness();
    signals.emit("SIGINT", "SIGINT");
    expect(exits).toEqual([]);
    let closed = 0;
    shutdown.running({ close: async () => void closed++ });
    await vi.waitFor(() => expect(exits).toEqual([0]));
    expect(closed).toBe(1);
    shutdown.dispose();
  });

  it("exits 1 when closing overruns the bound, and at once on a second signal", async () => {
    vi.useFakeTimers();
    const slow = harness(500);
    slow.shutdown.running({ close: () => new Promise<void>(() => undefined) });
    slow.signals.emit("SIGTERM", "SIGTERM");
    await vi.advanceTimersByTimeAsync(499);
    expect(slow.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.exits).toEqual([1]);
    expect(slow.said.at(-1)).toMatch(/took longer than 500 ms/);
    slow.shutdown.dispose();

    const twice = harness(10_000);
    twice.shutdown.running({ close: () => new Promise<void>(() => undefined) });
    twice.signals.emit("SIGTERM", "SIGTERM");
    twice.signals.emit("SIGTERM", "SIGTERM");
    expect(twice.exits).toEqual([1]);
    twice.shutdown.dispose();
  });
});
