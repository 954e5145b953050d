/**
 * Keeping long exports and whole-wave statistics small in memory.
 *
 * V8 grows its heap to match a high allocation rate and hands pages back late, so a long export's
 * resident memory climbs with garbage that is already dead. A full collection every
 * {@link GC_EVERY} rows keeps it near the live size (bench/export.ts measures the effect). The
 * collector is reached without the --expose-gc command-line flag, which `anxin` is not run with;
 * where that is impossible, {@link collectGarbage} does nothing.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Rows between two collections (~10 ms each on a small heap, so < 1 % of an export's time). */
export const GC_EVERY = 5000;

const gc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString("--expose-gc");
    const found: unknown = runInNewContext("gc");
    return typeof found === "function" ? () => (found as () => void)() : undefined;
  } catch {
    return undefined;
  }
})();

/** Runs a full garbage collection when the runtime allows it. */
export function collectGarbage(): void {
  gc?.();
}

/**
 * Stops V8 from growing its young generation any further, for a process that only streams an
 * export from now on. V8 doubles the young generation (up to 2 × 16 MB) whenever enough objects
 * have survived its scavenges, and a long stream of rows always gets there; at its size when the
 * export starts it suffices for rows that live one page (bench/export.ts: 30 MB less peak
 * memory, a little more collection work). Process-wide: a CLI export calls it, never the server.
 */
export function holdYoungGeneration(): void {
  try {
    setFlagsFromString("--semi-space-growth-factor=1");
  } catch {
    // Not settable at run time on this runtime: the export only uses more memory.
  }
}
