/**
 * What holds residents' phone numbers and the key to every staff sign-in is readable by its
 * owner only: a new data folder is 0700, the database and its -wal/-shm files and the app secret
 * 0600, and files an earlier version left readable by others are narrowed.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../app/database.js";
import { loadOrCreateSecret } from "../../app/secret.js";
import { parseDatabaseUrl } from "../../prisma/database-url.js";

const root = mkdtempSync(join(tmpdir(), "anxin-perm-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

describe("file permissions", () => {
  it("creates the data folder 0700 and the database with its WAL files 0600", async () => {
    const dir = join(root, "fresh", "data");
    const file = join(dir, "anxin.db");
    const { store } = await openDatabase(parseDatabaseUrl(`file:${file}`));
    try {
      await store.upsertRegion({ code: "330106", name: { "zh-CN": "西湖区" } });
      expect(mode(dir)).toBe(0o700);
      for (const path of [file, `${file}-wal`, `${file}-shm`]) {
        expect(existsSync(path), path).toBe(true);
        expect(mode(path), path).toBe(0o600);
      }
    } finally {
      await store.close();
    }
  });

  it("narrows a database an earlier version left readable by others", async () => {
    const file = join(root, "old.db");
    const first = await openDatabase(parseDatabaseUrl(`file:${file}`));
    await first.store.close();
    chmodSync(file, 0o644);
    const again = await openDatabase(parseDatabaseUrl(`file:${file}`));
    await again.store.close();
    expect(mode(file)).toBe(0o600);
  });

  it("keeps the app secret 0600 in a 0700 folder, and narrows one left readable", () => {
    const dir = join(root, "secret-home");
    const secret = loadOrCreateSecret(undefined, dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, "app-secret"))).toBe(0o600);

    const other = join(root, "old-secret");
    loadOrCreateSecret(undefined, other);
    const file = join(other, "app-secret");
    writeFileSync(file, `${"k".repeat(43)}\n`);
    chmodSync(file, 0o644);
    expect(loadOrCreateSecret(undefined, other)).toBe("k".repeat(43));
    expect(mode(file)).toBe(0o600);
    expect(secret).toHaveLength(43);
  });
});
