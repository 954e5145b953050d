/**
 * Reading the `SpotCheck.recheck` JSON column, shared by the store and the plain-SQL reader of
 * exports (which must not load Prisma), so both give the same record.
 */
import type { SpotCheckRecheck } from "../core/model/index.js";

const RECHECK_STATUSES: readonly string[] = ["queued", "asked", "answered", "declined", "expired", "skipped"];

/** The re-check stored in a spot check, or null when there is none (or it cannot be read). */
export function parseRecheck(text: string | null): SpotCheckRecheck | null {
  let value: unknown = null;
  try {
    value = text === null ? null : JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const status = (value as { status?: unknown }).status;
  return typeof status === "string" && RECHECK_STATUSES.includes(status) ? (value as SpotCheckRecheck) : null;
}
