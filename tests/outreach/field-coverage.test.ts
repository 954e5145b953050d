/**
 * Coverage from the field and the chat together, against a hand count of the seeded office in
 * field-fixture.ts (its module comment is the count's source): per officer and village, for the
 * whole office, in chat (/coverage), on the command line (`anxin coverage --format json|csv`), on
 * the dashboard (JSON and page), and the visits export (`anxin export visits`, csv, xlsx, json).
 * Every expected figure below is a literal worked out by hand, not a call into the code.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import ExcelJS from "exceljs";
import { pino } from "pino";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { coverageReport, CoverageRequestError, type CoverageReport } from "../../core/outreach/coverage.js";
import { adminCoverageText, officerCoverageText } from "../../core/outreach/commands.js";
import { registerStaffCommands } from "../../app/staff-command-line.js";
import { registerAdminCommands } from "../../app/admin-commands.js";
import { buildServer } from "../../app/server.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { mountAdmin } from "../../bots/dashboard/mount.js";
import { AdminService } from "../../core/admin/service.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { hoursAfter, seedFieldOffice, T0, type FieldFixture } from "./field-fixture.js";

let opened: TestStore & { wave: WaveRecord };
let store: Store;
let fx: FieldFixture;
let app: FastifyInstance;
let adminToken: string;
const dir = mkdtempSync(join(tmpdir(), "anxin-field-coverage-"));
const NOW = hoursAfter(48);
const SECRET = "test-secret-0123456789-abcdefghijklmnop";

beforeAll(async () => {
  opened = await openTestStore({ defaultSurvey: T0 });
  store = opened.store;
  fx = await seedFieldOffice(store, opened.wave);
  const admin = await store.setRole("cli", "admin-1", "admin");
  const logger = pino({ level: "silent" });
  app = await buildServer({ store, logger, mounts: [mountAdmin({ service: new AdminService(store, { now: () => NOW }), secret: SECRET, logger })] });
  await app.ready();
  adminToken = issueStaffToken(SECRET, admin, new Date());
}, 120_000);
afterAll(async () => {
  await app?.close();
  await opened?.close();
});

/** An officer's report and villages as [code, assigned, visited, material, self, interviewer, surveyed, reached, confirmed, missing, meets, visitsMeet, complete]. */
function figures(report: Pick<CoverageReport, "officers">) {
  return report.officers
    .map((o) => ({
      officer: o.officerName,
      villages: o.villages.map((v) => [v.regionCode, v.assigned, v.visited, v.materialDelivered, v.surveyedSelf, v.surveyedInterviewer, v.surveyed, v.reached, v.confirmed, v.missing, v.meetsMinimum, v.visitsMeetMinimum, v.complete]),
      totals: o.totals,
    }))
    .sort((a, b) => (a.officer ?? "").localeCompare(b.officer ?? ""));
}

// The hand count (field-fixture.ts):
//   A/V1: 11 dwellings (r1's chat assignment is a3, not a 12th); visited a1–a10 = 10 (a1's second
//         visit counts once); material a1–a7 + a8 (tip) = 8; self r1 = 1; reached r1, r2 = 2;
//         confirmed r1 = 1; missing 11 − 2 = 9; 11 ≥ 10 assigned, exactly 10 visited: both met.
//   A/V3: 2 dwellings + r3 + r4 = 4; visited a12 = 1; material 1; reached/confirmed r3 = 1; missing 3.
//   B/V2: 10 dwellings + r5 = 11; visited b1–b9 = 9 (one short); material b1–b5 = 5; interview b2 = 1;
//         reached r5 = 1, confirmed 0; missing 10.
const A_V1 = ["V1", 11, 10, 8, 1, 0, 1, 2, 1, 9, true, true, false];
const A_V3 = ["V3", 4, 1, 1, 0, 0, 0, 1, 1, 3, false, false, false];
const B_V2 = ["V2", 11, 9, 5, 0, 1, 1, 1, 0, 10, true, false, false];
const A_TOTALS = { assigned: 15, visited: 11, materialDelivered: 9, surveyedSelf: 1, surveyedInterviewer: 0, surveyed: 1, reached: 3, confirmed: 2, missing: 12, villages: 2, villagesBelowMinimum: 1, villagesBelowVisitMinimum: 1, villagesComplete: 0 };
const B_TOTALS = { assigned: 11, visited: 9, materialDelivered: 5, surveyedSelf: 0, surveyedInterviewer: 1, surveyed: 1, reached: 1, confirmed: 0, missing: 10, villages: 1, villagesBelowMinimum: 0, villagesBelowVisitMinimum: 1, villagesComplete: 0 };
const OFFICE = { assigned: 26, visited: 20, materialDelivered: 14, surveyedSelf: 1, surveyedInterviewer: 1, surveyed: 2, reached: 4, confirmed: 2, missing: 22, villages: 3, villagesBelowMinimum: 1, villagesBelowVisitMinimum: 2, villagesComplete: 0 };

describe("field coverage", () => {
  it("equals the hand count per officer, village and for the whole office, in the current wave", async () => {
    const report = await coverageReport(store, { now: NOW });
    expect(figures(report)).toEqual([
      { officer: "李警官", villages: [B_V2], totals: B_TOTALS },
      { officer: "王警官", villages: [A_V1, A_V3], totals: A_TOTALS },
    ]);
    expect(report.totals).toEqual(OFFICE);
    expect(report.minimumPerVillage).toBe(10);
    expect(report.wave).toEqual({ id: opened.wave.id, name: opened.wave.name });
  });

  it("filters by officer, region, wave and time", async () => {
    expect((await coverageReport(store, { officerId: fx.officerB.id, now: NOW })).totals).toEqual(B_TOTALS);
    const v3 = await coverageReport(store, { regionCode: "V3", now: NOW });
    expect(figures(v3).map((o) => o.villages)).toEqual([[A_V3]]);
    // By id or name; without the wave, nobody counts as surveyed.
    expect((await coverageReport(store, { waveId: opened.wave.name, now: NOW })).totals.surveyed).toBe(2);
    await expect(coverageReport(store, { waveId: "no such wave" })).rejects.toThrow(CoverageRequestError);
    // Visits were made at hours 1–10 (a1–a10), 11 (a1 again), 12 (a12) and 13–21 (b1–b9); the
    // broadcast at hour 40. Since hour 12: a12 and b1–b9 visited, material at a12 and b1–b5.
    const late = await coverageReport(store, { since: hoursAfter(12), now: NOW });
    expect(late.totals).toMatchObject({ assigned: 26, visited: 10, materialDelivered: 6, reached: 4 });
    const afterEverything = await coverageReport(store, { since: hoursAfter(41), now: NOW });
    expect(afterEverything.totals).toMatchObject({ assigned: 26, visited: 0, materialDelivered: 0, reached: 0, villagesBelowVisitMinimum: 3 });
  });

  it("reads in chat, in each language", async () => {
    const en = officerCoverageText(await coverageReport(store, { officerId: fx.officerA.id, now: NOW }), "en");
    expect(en).toContain("East Village: 11 / 2 / 1 9 not reached\n  visited 10 · material 8 · surveyed 1 (self 1, interviewer 0)\n");
    expect(en).toContain("South Village: 4 / 1 / 1 ⚠ fewer than 10 households 3 not reached\n  visited 1 · material 1 · surveyed 0 (self 0, interviewer 0) ⚠ fewer than 10 visited\n");
    expect(en).toContain("Door to door: 11 visited, 9 given the material, 1 surveyed in");
    const b = officerCoverageText(await coverageReport(store, { officerId: fx.officerB.id, now: NOW }), "zh-CN");
    expect(b).toContain("西村：11 / 1 / 0 还差 10 户\n  走访 9 · 发资料 5 · 调查 1（自填 0，代填 1） ⚠ 走访不足 10 户");
    const tw = officerCoverageText(await coverageReport(store, { officerId: fx.officerB.id, now: NOW }), "zh-TW");
    expect(tw).toContain("走訪 9 · 發資料 5 · 調查 1（自填 0，代填 1） ⚠ 走訪不足 10 戶");
    const admin = adminCoverageText(await coverageReport(store, { now: NOW }), "zh-CN");
    expect(admin).toContain("各民警入户宣传覆盖（2 人）");
    expect(admin).toContain("王警官：2 个村 · 联系户 15 · 已送达 3 · 已确认 2 · 不足 10 户的村 1\n  走访 11 · 发资料 9 · 调查 1（自填 1，代填 0）· 走访不足 10 户的村 1");
    expect(admin).toMatch(/入户走访：已走访 20，已发宣传资料 14，「.+」已调查 2（自填 1，民警代填 1），走访不足 10 户的村 2$/);
  });
});

/** Runs `anxin <args> --db <url>` in this process (as cli.ts would) and returns what it printed. */
async function anxin(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => void lines.push(parts.join(" ")));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const program = registerAdminCommands(registerStaffCommands(new Command("anxin").exitOverride()));
    await program.parseAsync(["node", "anxin", ...args, "--db", opened.db.target.url]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return lines.join("\n");
}

describe("anxin coverage", () => {
  it("prints the report as JSON with the new fields", async () => {
    const report = JSON.parse(await anxin("coverage", "--format", "json")) as CoverageReport;
    expect(figures(report)).toEqual([
      { officer: "李警官", villages: [B_V2], totals: B_TOTALS },
      { officer: "王警官", villages: [A_V1, A_V3], totals: A_TOTALS },
    ]);
    expect(report.totals).toEqual(OFFICE);
    expect(report.wave?.id).toBe(opened.wave.id);
    const one = JSON.parse(await anxin("coverage", "--json", "--officer", "cli:officer-b", "--wave", opened.wave.id)) as CoverageReport;
    expect(one.totals).toEqual(B_TOTALS);
    await expect(anxin("coverage", "--wave", "nowhere")).rejects.toThrow(/no wave nowhere/);
    await expect(anxin("coverage", "--format", "yaml")).rejects.toThrow();
  });

  it("prints CSV rows per village, officer and office, and a table with the old columns first", async () => {
    const csv = (await anxin("coverage", "--format", "csv", "--lang", "en")).replace(/^\uFEFF/, "").split("\r\n");
    expect(csv[0]).toBe("level,officer_id,officer,village_code,village,assigned,visited,material_delivered,surveyed,surveyed_self,surveyed_interviewer,reached,confirmed,missing,meets_minimum,visits_meet_minimum,complete");
    expect(csv).toContain(`village,${fx.officerB.id},李警官,V2,West Village,11,9,5,1,0,1,1,0,10,true,false,false`);
    expect(csv).toContain(`village,${fx.officerA.id},王警官,V1,East Village,11,10,8,1,1,0,2,1,9,true,true,false`);
    expect(csv).toContain(`officer,${fx.officerA.id},王警官,,,15,11,9,1,1,0,3,2,12,false,false,false`);
    expect(csv).toContain("office,,,,,26,20,14,2,1,1,4,2,22,false,false,false");
    expect(csv).toHaveLength(1 + 3 + 2 + 1);
    const table = await anxin("coverage");
    expect(table).toMatch(/^王警官\t东村\t11\t2\t1\t9\tyes\t10\t8\t1\t1\t0\tyes$/m);
    expect(table).toMatch(/^李警官\t西村\t11\t1\t0\t10\tyes\t9\t5\t1\t0\t1\tNO$/m);
    expect(table).toMatch(/^total\t3 villages\t26\t4\t2\t22\t1 below\t20\t14\t2\t1\t1\t2 below$/m);
  });
});

describe("anxin export visits", () => {
  const exported = async (name: string, ...args: string[]): Promise<string> => {
    const file = join(dir, name);
    await anxin("export", "visits", ...args, "--output", file);
    return file;
  };

  it("writes one CSV row per visit, times in office time, no phone numbers", async () => {
    const text = readFileSync(await exported("visits.csv", "--lang", "en"), "utf8");
    expect(text.startsWith("\uFEFF")).toBe(true);
    const lines = text.slice(1).trimEnd().split("\r\n");
    expect(lines[0]).toBe("Visit id,Visited at,Officer id,Officer,Village code,Village,Address,Head of household,Leaflet handed over,Safety tips,Survey outcome,Response id,Notes,Recorded at,Last edited at");
    // 10 + a1 again + a12 + 9 = 21 visits, oldest first.
    expect(lines).toHaveLength(1 + 21);
    expect(lines[1]).toMatch(new RegExp(`^\\w+,2026-11-02T09:00:00\\+08:00,${fx.officerA.id},王警官,V1,East Village,幸福路 1号,户主a1,yes,,QR left for self-completion,,,2026-11-02T09:00:00\\+08:00,2026-11-02T09:00:00\\+08:00$`));
    expect(lines[8]).toContain(",幸福路 8号,户主a8,no,\"telecom-fraud, night-locks\",QR left for self-completion,,");
    expect(lines[10]).toContain(",幸福路 10号,户主a10,no,,Nobody home,,下午再来,");
    expect(lines[14]).toContain(`,幸福路 102号,户主b2,yes,,Interviewed on the spot,${fx.interviewId},,`);
    expect(text).not.toMatch(/1380000/);
  });

  it("filters by officer, region and office days", async () => {
    const rows = (file: string) => readFileSync(file, "utf8").trimEnd().split("\r\n").length - 1;
    expect(rows(await exported("b.csv", "--officer", "cli:officer-b"))).toBe(9);
    expect(rows(await exported("b-id.csv", "--officer", fx.officerB.id))).toBe(9);
    expect(rows(await exported("v3.csv", "--region", "V3"))).toBe(1);
    // Hours 1–15 after T0 are 2 November 09:00–23:00 in Shanghai; hour 16 on is the 3rd.
    expect(rows(await exported("day2.csv", "--until", "2026-11-02"))).toBe(15);
    expect(rows(await exported("day3.csv", "--since", "2026-11-03"))).toBe(6);
    await expect(anxin("export", "visits", "--officer", "cli:nobody")).rejects.toThrow(/not an officer/);
    await expect(anxin("export", "visits", "--region", "nowhere")).rejects.toThrow(/no region with code nowhere/);
    await expect(anxin("export", "visits", "--since", "soon")).rejects.toThrow(/not a date/);
  });

  it("writes an XLSX workbook and JSON lines", async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(await exported("visits.xlsx", "--format", "xlsx"));
    const sheet = workbook.worksheets[0]!;
    expect(sheet.name).toBe("入户走访");
    expect(sheet.getRow(1).getCell(1).value).toBe("走访编号");
    expect(sheet.actualRowCount).toBe(1 + 21);
    expect(sheet.getRow(2).getCell(6).value).toBe("东村");
    expect(sheet.getRow(2).getCell(9).value).toBe("是");
    const json = readFileSync(await exported("visits.jsonl", "--format", "json", "--officer", "cli:officer-b"), "utf8")
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(json).toHaveLength(9);
    expect(Object.keys(json[0]!)).toEqual(["visit_id", "visited_at", "officer_id", "officer", "village_code", "village", "address", "head", "leaflet", "tips", "survey", "response_id", "notes", "recorded_at", "edited_at"]);
    expect(json[1]).toMatchObject({ officer: "李警官", village_code: "V2", address: "幸福路 102号", survey: "当场代填问卷", response_id: fx.interviewId, leaflet: "是" });
    expect(json.filter((row) => row.leaflet === "是")).toHaveLength(5);
    expect((await store.listAudit(20)).filter((e) => e.action === "export" && e.target === "visits").length).toBeGreaterThanOrEqual(3);
  });
});

describe("the dashboard", () => {
  const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${adminToken}` } });

  it("returns the new fields over /admin/api/coverage", async () => {
    const res = await get("/admin/api/coverage");
    expect(res.statusCode).toBe(200);
    const body = res.json() as CoverageReport;
    expect(figures(body)).toEqual([
      { officer: "李警官", villages: [B_V2], totals: B_TOTALS },
      { officer: "王警官", villages: [A_V1, A_V3], totals: A_TOTALS },
    ]);
    expect(body.totals).toEqual(OFFICE);
    expect(body.wave).toEqual({ id: opened.wave.id, name: opened.wave.name });
    expect((await get("/admin/api/coverage?region=V2")).json()).toMatchObject({ totals: B_TOTALS });
    expect((await get(`/admin/api/coverage?wave=${encodeURIComponent(opened.wave.id)}`)).json()).toMatchObject({ totals: { surveyed: 2 } });
    expect((await get("/admin/api/coverage?wave=nowhere")).statusCode).toBe(404);
  });

  it("shows visited, material and surveyed with shares, and flags villages under 10 visited", async () => {
    const page = (await get("/admin?lang=en")).body;
    const table = page.slice(page.indexOf('id="coverage-table"'), page.indexOf("</table>", page.indexOf('id="coverage-table"')));
    expect(table).toContain('<th scope="colgroup" colspan="2">Door to door</th>');
    expect(table).toContain('<th scope="col" class="num">Visited</th><th scope="col" class="num">Material delivered</th>');
    // West Village: 11 households, 9 visited (81.8%), 5 material (45.5%), 1 surveyed (9.1%) by interview.
    expect(table).toMatch(/<tr class="below-goal"><th scope="row">李警官<\/th><td>West Village<\/td><td class="num">11<\/td>.*?<td class="num">9 <span class="share">\(81\.8%\)<\/span><\/td><td class="num">5 <span class="share">\(45\.5%\)<\/span><\/td><td class="num">1 <span class="share">\(9\.1%\)<\/span><\/td><td class="num">0<\/td><td class="num">1<\/td><td><span class="flag below-minimum below-visits">fewer than 10 households visited<\/span>/);
    // East Village meets the visit rule: no visit flag in its row.
    const east = table.slice(table.indexOf("East Village"), table.indexOf("</tr>", table.indexOf("East Village")));
    expect(east).toContain('<td class="num">10 <span class="share">(90.9%)</span></td>');
    expect(east).not.toContain("households visited");
    expect(table).toMatch(/All officers<\/th><td><\/td><td class="num">26<\/td>.*?<td class="num">20 <span class="share">\(76\.9%\)<\/span><\/td><td class="num">14 <span class="share">\(53\.8%\)<\/span><\/td><td class="num">2 <span class="share">\(7\.7%\)<\/span><\/td><td class="num">1<\/td><td class="num">1<\/td><td><span class="flag below-minimum">2 village\(s\) with fewer than 10 visited<\/span>/);
  });
});
