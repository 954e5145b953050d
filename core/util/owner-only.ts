/**
 * Files only their owner may read: the database (residents' phone numbers and answers) and the
 * app secret (whoever reads it can sign in as any staff member).
 */
import { chmodSync, existsSync, statSync, writeFileSync } from "node:fs";

/** Narrows a file readable or writable by others to its owner (0600); someone else's file is left as it is. */
export function narrowToOwner(file: string): void {
  if ((statSync(file).mode & 0o077) === 0) return;
  try {
    chmodSync(file, 0o600);
  } catch {
    // Not ours to change (a shared install): it is still used, as before.
  }
}

/** Creates `file` empty with mode 0600 unless it exists, then narrows it to its owner. */
export function ownerOnlyFile(file: string): void {
  if (!existsSync(file)) {
    try {
      writeFileSync(file, "", { mode: 0o600, flag: "wx" });
    } catch (error) {
      // Another process created it first: narrowed below like any existing file.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  narrowToOwner(file);
}
