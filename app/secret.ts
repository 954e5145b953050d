/**
 * The application secret that signs cookies, QR codes and callback buttons. Taken from APP_SECRET,
 * or generated once into DATA_DIR so that restarts keep every signed link valid.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureDir } from "../core/util/ensure-dir.js";
import { narrowToOwner } from "../core/util/owner-only.js";

/** Returns the configured secret, or the one stored in `dataDir`, creating it on first use. */
export function loadOrCreateSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = join(dataDir, "app-secret");
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) {
      narrowToOwner(file);
      return stored;
    }
  }
  ensureDir(dataDir, 0o700);
  const secret = randomBytes(32).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  narrowToOwner(file);
  return secret;
}
