/**
 * Creates a folder and its missing parents, one level at a time. Node's own
 * `mkdirSync(path, { recursive: true })` never returns under some pseudo file systems (it spins on
 * /proc), and a start-up must fail with a reason instead of hanging.
 */
import { mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";

/**
 * Ensures `dir` exists as a folder; throws the file-system error (ENOTDIR, EACCES, ENOENT …)
 * otherwise. Folders it creates get `mode` (default 0755 less the umask); an existing one is left
 * as it is.
 */
export function ensureDir(dir: string, mode?: number): void {
  let stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (stats) {
    if (stats.isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, ${dir}`), { code: "ENOTDIR", path: dir });
  }
  const parent = dirname(dir);
  if (parent !== dir) ensureDir(parent);
  try {
    mkdirSync(dir, mode === undefined ? undefined : { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
