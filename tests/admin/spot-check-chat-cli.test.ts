/**
 * `anxin sample draw --method chat`, `anxin sample reask` and `anxin sample expire` on a seeded
 * survey, and the existing spot-check listing showing a chat re-check's outcome (verifier "chat",
 * the notes).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../core/model/index.js";
import { runAnxin } from "./cli.js";
import { expireChatRechecks } from "../../core/admin/spot-check-chat.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { seedFixture, type Fixture } from "./fixture.js";

let opened: TestStore;
let db: TestDatabase;
let store: Store;
let fx: Fixture;
let dir: string;

beforeAll(async () => {
  opened = await openTestStore();
  ({ db, store } = opened);
  fx = await seedFixture(store);
  dir = mkdtempSync(join(tmpdir(), "anxin-recheck-cli-"));
});
afterAll(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

const anxin = (...args: string[]): Promise<string> => runAnxin(db.target.url, ...args);

describe("anxin sample … for re-checks in chat", () => {
  it("draws with --method chat, queues with reask (--limit), and expires what is not answered in time", async () => {
    await expect(anxin("sample", "draw", "--wave", "2026-H2", "--method", "letter")).rejects.toThrow(/Allowed choices are phone, chat, visit/);
    expect(await anxin("sample", "draw", "--wave", "2026-H2", "--share", "0.1", "--seed", "chat-cli", "--method", "chat")).toMatch(/drew (\d+) new spot check/);
    const drawn = await store.listSpotChecks(fx.w2.id);
    expect(drawn.length).toBeGreaterThan(2);
    expect(drawn.every((c) => c.method === "chat")).toBe(true);

    expect(await anxin("sample", "reask", "--wave", "2026-H2", "--limit", "2")).toMatch(new RegExp(`^wave 2026-H2: 2 spot check\\(s\\) queued for a re-check in chat \\(${drawn.length - 2} more not queued\\); the running Anxin asks them within 60 s`));
    expect(await anxin("sample", "reask", "--wave", "2026-H2")).toContain(`${drawn.length - 2} spot check(s) queued`);
    expect(await anxin("sample", "reask", "--wave", "2026-H2")).toContain("0 spot check(s) queued");
    await expect(anxin("sample", "reask", "--limit", "0")).rejects.toThrow(/--limit must be a whole number ≥ 1/);
    expect((await store.listOpenRechecks()).map((o) => o.recheck.status)).toEqual(drawn.map(() => "queued"));
    expect((await store.listAudit()).filter((a) => a.action === "spotcheck.reask")).toHaveLength(3);

    // Not due yet.
    expect(await anxin("sample", "expire", "--days", "1")).toBe("re-checks in chat recorded unreachable: 0 without a reply, 0 never delivered");
    // Nothing was ever asked (no app running): after the period they count as unreachable.
    expect(await expireChatRechecks(store, { now: new Date(Date.now() + 8 * 24 * 3600 * 1000), lang: "en" })).toEqual({ noReply: 0, notDelivered: drawn.length });

    const out = join(dir, "checks.csv");
    await anxin("sample", "list", "--wave", "2026-H2", "--out", out, "--lang", "en");
    const rows = readFileSync(out, "utf8").trim().split("\r\n");
    expect(rows).toHaveLength(drawn.length + 1);
    for (const row of rows.slice(1)) expect(row).toMatch(/,unreachable,chat,Chat re-check: not sent within 7 days \(is Anxin running\?\)\.,/i);
    // Unreachable is not a check of consistency: the rate has nothing to go on yet.
    expect(await anxin("sample", "report", "--wave", "2026-H2")).toBe(`wave 2026-H2: no spot check reached a resident yet (${drawn.length} drawn, 0 not yet checked)`);
  });
});
