import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import type { ResidentRecord, Store } from "../../core/model/index.js";
import { runAnxin } from "./cli.js";
import { createAdminStaffCommands, parseSince, parseSuggestionArgs } from "../../core/admin/staff-commands.js";
import type { TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { REGIONS, seedFixture, type Fixture } from "./fixture.js";

let opened: TestStore;
let db: TestDatabase;
let store: Store;
let fx: Fixture;
let dir: string;

beforeAll(async () => {
  opened = await openTestStore();
  ({ db, store } = opened);
  fx = await seedFixture(store);
  dir = mkdtempSync(join(tmpdir(), "anxin-cli-"));
});
afterAll(async () => {
  await opened?.close();
  rmSync(dir, { recursive: true, force: true });
});

const anxin = (...args: string[]): Promise<string> => runAnxin(db.target.url, ...args);

describe("anxin export / sample / targets", () => {
  it("exports suggestions of a region subtree since a date as CSV with a BOM", async () => {
    const out = join(dir, "s.csv");
    await anxin("export", "suggestions", "--region", REGIONS.townA, "--since", "2026-11-01", "--format", "csv", "--out", out);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString("utf8").trim().split("\r\n");
    // k = 1, 9, 17 (A1, A2) and 25 (A-small) are in town A.
    expect(lines).toHaveLength(1 + 4);
    expect(lines[0]).toContain("内容");
  });

  it("exports raw responses as XLSX with English labels", async () => {
    const out = join(dir, "r.xlsx");
    await anxin("export", "responses", "--wave", "2026-H2", "--format", "xlsx", "--lang", "en", "--out", out);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(out);
    const sheet = workbook.worksheets[0];
    expect(sheet?.actualRowCount).toBe(46);
    expect((sheet?.getRow(1).values as unknown[])[1]).toBe("Response id");
  });

  it("exports statistics without flagged responses as JSON lines", async () => {
    const out = join(dir, "stats.jsonl");
    await anxin("export", "stats", "--wave", fx.w2.id, "--exclude-flagged", "--format", "json", "--out", out);
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const rate = rows.find((r) => r.measure_id === "safety_overall.rate" && r.table === "总体");
    expect(rate).toMatchObject({ n: 37, numerator: 32 });
    expect(readFileSync(out, "utf8")).not.toContain(REGIONS.aSmall);
  });

  it("draws, lists, records and reports spot checks", async () => {
    const drawn = await anxin("sample", "draw", "--wave", "2026-H2", "--share", "0.1", "--level", "1", "--seed", "cli");
    expect(drawn).toMatch(/drew \d+ new spot check\(s\) from 40 completed responses in 2 strata .*seed cli/);
    const out = join(dir, "checks.csv");
    await anxin("sample", "list", "--wave", "2026-H2", "--out", out, "--lang", "en");
    const lines = readFileSync(out, "utf8").trim().split("\r\n");
    expect(lines[0]).toContain("Phone");
    const firstId = lines[1]?.split(",")[0] as string;
    expect(await anxin("sample", "record", firstId, "inconsistent", "--verifier", "张警官")).toContain("inconsistent");
    await expect(anxin("sample", "record", firstId, "perhaps")).rejects.toThrow(/consistent, inconsistent or unreachable/);
    expect(await anxin("sample", "report", "--wave", "2026-H2")).toMatch(/consistency 0\.0% \(95% CI 0\.0%–79\.3%, n=1\)/);
  });

  it("lists measures and sets targets", async () => {
    await anxin("targets", "set", "--wave", "2026-H2", "--measure", "sat_police.rate", "--label", "省均", "--value", "0.95");
    const listed = await anxin("targets", "list", "--wave", "2026-H2");
    expect(listed).toMatch(/sat_police\.rate\s+政法工作满意率\s+\[省均=0\.95\]/);
    expect(listed).toContain("safety_overall.index");
  });
});

describe("admin chat commands", () => {
  const now = new Date("2026-11-20T00:00:00Z");
  const person = (role: ResidentRecord["role"]): ResidentRecord => ({
    id: `x-${role}`,
    displayName: null,
    lang: "zh-CN",
    role,
    regionId: null,
    optedOut: false,
    consentAt: null,
    consentDeclinedAt: null,
    deletedAt: null,
    createdAt: now,
    sessionEpoch: 0,
  });
  const commands = () => createAdminStaffCommands({ store, rasterize: async (svgs) => svgs.map(() => new Uint8Array([0x89, 0x50, 0x4e, 0x47])) });

  it("declares the admin role and refuses residents and officers without running", async () => {
    for (const command of commands()) {
      expect(command.role).toBe("admin");
      for (const role of ["resident", "officer"] as const) {
        const reply = await command.run({ staff: person(role), args: "", lang: "zh-CN", now });
        expect(reply.messages).toEqual([{ kind: "error", text: "抱歉，此命令仅限管理员使用。" }]);
        expect(reply.images).toBeUndefined();
      }
    }
  });

  it("parses region and since arguments", () => {
    expect(parseSuggestionArgs("清波街道 7d")).toEqual({ region: "清波街道", since: "7d" });
    expect(parseSuggestionArgs("2026-11-01")).toEqual({ since: "2026-11-01" });
    expect(parseSince("7d", now)?.toISOString()).toBe("2026-11-13T00:00:00.000Z");
    expect(parseSince("yesterday", now)).toBeUndefined();
  });

  it("/suggestions lists a region's suggestions for an admin", async () => {
    const [suggestions] = commands();
    const reply = await suggestions!.run({ staff: person("admin"), args: "湖滨街道 2026-11-01", lang: "zh-CN", now });
    const text = reply.messages[0]?.text ?? "";
    expect(text).toContain("意见建议 (湖滨街道 ≥ 2026-11-01)：共 1 条");
    expect(text).toContain("建议33");
    const unknown = await suggestions!.run({ staff: person("admin"), args: "火星", lang: "en", now });
    expect(unknown.messages[0]?.text).toContain('Unknown region "火星"');
  });

  it("/stats answers with figures, targets and chart images, never a suppressed figure", async () => {
    const [, stats] = commands();
    const reply = await stats!.run({ staff: person("admin"), args: "", lang: "en", now });
    const text = reply.messages[0]?.text ?? "";
    expect(text).toContain("Sense of security rate: 82.1% (95% CI 67.3–91.0%, n=39)");
    expect(text).toContain("省均 85.0%: below");
    expect(text).toContain("Reporting rate (victims): suppressed (fewer than 10 responses)");
    expect(reply.images?.length).toBeGreaterThanOrEqual(3);
    const village = await stats!.run({ staff: person("admin"), args: REGIONS.aSmall, lang: "en", now });
    expect(village.messages[0]?.text).not.toMatch(/\d+\.\d%/);
  });
});
