/**
 * The outreach CLI (`anxin staff …`, `anxin broadcast …`, `anxin coverage`) on a scratch
 * database, through commander as cli.ts runs it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Command } from "commander";
import { registerStaffCommands } from "../../app/staff-command-line.js";
import type { Store } from "../../core/model/index.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

let opened: TestStore;
let db: TestDatabase;
let store: Store;
beforeAll(async () => {
  opened = await openTestStore();
  ({ db, store } = opened);
  await store.upsertRegion({ code: "V1", name: { "zh-CN": "一村" } });
  const officer = await store.setRole("telegram", "77", "officer");
  const household = await store.resolveIdentity({ platform: "telegram", platformUserId: "78", chatId: "78" });
  await store.assignHousehold({ officerId: officer.id, householdId: household.resident.id, regionId: (await store.getRegionByCode("V1"))!.id });
});
afterAll(async () => {
  await opened?.close();
});

/** Runs `anxin <args>` and returns what it printed. */
async function anxin(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void lines.push(parts.join(" ")));
  try {
    const program = registerStaffCommands(new Command("anxin").exitOverride());
    await program.parseAsync(["node", "anxin", ...args, "--db", db.target.url]);
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

describe("anxin staff / broadcast / coverage", () => {
  it("invites, lists and revokes", async () => {
    const out = await anxin("staff", "invite", "--role", "officer", "--region", "V1");
    const code = /INV-[A-Z2-9-]{14}/.exec(out)?.[0];
    expect(code).toBeDefined();
    expect(await anxin("staff", "list")).toContain(code);
    expect(await anxin("staff", "list")).toContain("telegram:77");
    await expect(anxin("staff", "invite", "--role", "officer")).rejects.toThrow(/needs the officer's region/);
    await expect(anxin("staff", "invite", "--region", "nowhere")).rejects.toThrow(/no region with code nowhere/);
    expect(await anxin("staff", "revoke", code!)).toMatch(/revoked/);
    expect(await anxin("staff", "list")).not.toContain(code);
    expect((await store.listAudit(50)).map((e) => e.action)).toEqual(expect.arrayContaining(["invitation.create", "invitation.revoke"]));
  });

  it("schedules, lists and cancels a broadcast", async () => {
    const out = await anxin("broadcast", "send", "--text", "夜间锁好门窗", "--text-en", "Lock up at night", "--audience", "households:telegram:77", "--at", "+2h");
    const id = /broadcast (\w+) scheduled/.exec(out)?.[1];
    expect(id).toBeDefined();
    const broadcast = await store.getBroadcast(id!);
    expect(broadcast).toMatchObject({ status: "scheduled", content: { text: { "zh-CN": "夜间锁好门窗", en: "Lock up at night" } } });
    expect(await anxin("broadcast", "list")).toContain(id);
    expect(await anxin("broadcast", "cancel", id!)).toMatch(/cancelled/);
    await expect(anxin("broadcast", "cancel", id!)).rejects.toThrow(/no broadcast/);
    await expect(anxin("broadcast", "send")).rejects.toThrow(/give the notice/);
    await expect(anxin("broadcast", "send", "--text", "x", "--audience", "households:telegram:78")).rejects.toThrow(/is not an officer/);
  });

  it("reports coverage as a table or JSON", async () => {
    expect(await anxin("coverage")).toMatch(/一村\t1\t0\t0\t1\tNO/);
    const report = JSON.parse(await anxin("coverage", "--json", "--officer", "telegram:77")) as { totals: { assigned: number } };
    expect(report.totals.assigned).toBe(1);
    await expect(anxin("coverage", "--region", "nowhere")).rejects.toThrow(/no region/);
  });

  it("revokes staff", async () => {
    expect(await anxin("staff", "revoke", "telegram:77")).toMatch(/resident again/);
    await expect(anxin("staff", "revoke", "telegram:77")).rejects.toThrow(/not staff/);
  });
});
