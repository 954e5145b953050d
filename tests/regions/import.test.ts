/**
 * Importing regions on both backends through the admin service (what the CLI and the dashboard
 * use): a 3-level CSV, an XLSX workbook, a broken file (nothing stored), re-import renames,
 * --replace (regions with data kept), dry runs, the audit rows and the per-region counts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import { AdminService } from "../../core/admin/service.js";
import type { Store } from "../../core/model/index.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

const CLI = { id: null, via: "cli" as const };
const utf8 = (text: string) => new TextEncoder().encode(text);

/** District → 2 streets → 3 villages, children listed before their parents, CRLF and a BOM. */
const THREE_LEVELS = [
  "\uFEFFcode,name,parent,name:en",
  "330106002001,上保社区,330106002,Shangbao",
  '330106002002,"宝石社区, 北",330106002,',
  "330106003001,翠苑一区社区,330106003,",
  "330106002,北山街道,330106,Beishan",
  "330106003,翠苑街道,330106,Cuiyuan",
  "330106,西湖区,,Xihu",
].join("\r\n");

async function xlsxBytes(rows: (string | number)[][]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet("regions");
  for (const row of rows) sheet.addRow(row);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe.each(BACKENDS)("region import ($name)", ({ create }) => {
  let env: TestStore;
  let store: Store;
  let admin: AdminService;

  beforeAll(async () => {
    env = await openTestStore({ db: await create() });
    store = env.store;
    admin = new AdminService(store);
  });
  afterAll(async () => {
    await env?.close();
  });

  const importCsv = (text: string, options: { replace?: boolean; dryRun?: boolean } = {}) =>
    admin.regionTree.importFile(utf8(text), { replace: options.replace ?? false, dryRun: options.dryRun ?? false, source: "test.csv" }, CLI);

  it("imports a 3-level CSV with parents after children: paths and levels from the tree, audited", async () => {
    const outcome = await importCsv(THREE_LEVELS);
    expect(outcome).toEqual({ ok: true, dryRun: false, counts: { added: 6, renamed: 0, unchanged: 0, removed: 0, kept: [] } });
    const village = await store.getRegionByCode("330106002002");
    expect(village).toMatchObject({ level: 2, path: "/330106/330106002/330106002002/", name: { "zh-CN": "宝石社区, 北" } });
    expect((await store.getRegionByCode("330106002"))?.name).toEqual({ "zh-CN": "北山街道", en: "Beishan" });
    const audit = (await store.listAudit(5)).find((a) => a.action === "region.import");
    expect(audit?.details).toMatchObject({ source: "test.csv", added: 6, replace: false, via: "cli" });
  });

  it("refuses a broken file with every problem at its line, and stores nothing", async () => {
    const before = await store.listRegions();
    const outcome = await importCsv(["code,name,parent", "330106004,新街道,330106", "330106004001,,330106004", "330106004,重复,330106", "77,孤儿,nowhere", "330106002,搬家,"].join("\n"));
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.issues.map((i) => [i.line, i.key])).toEqual([
      [3, "name_empty"],
      [4, "duplicate_code"],
      [5, "parent_unknown"],
      [6, "moving_refused"],
    ]);
    expect(await store.listRegions()).toEqual(before);
  });

  it("re-import renames what changed, keeps the languages a file leaves out, and adds children", async () => {
    const again = THREE_LEVELS.replace("北山街道", "北山街道（新）").replace("Cuiyuan", "Cuiyuan Sub-district") + "\r\n330106003002,翠苑二区社区,330106003,";
    const outcome = await importCsv(again);
    expect(outcome).toMatchObject({ ok: true, counts: { added: 1, renamed: 2, unchanged: 4, removed: 0 } });
    expect((await store.getRegionByCode("330106002"))?.name).toEqual({ "zh-CN": "北山街道（新）", en: "Beishan" });
    // A file without an English column leaves the English names alone.
    const zhOnly = await importCsv("code,name,parent\n330106,西湖区,\n");
    expect(zhOnly).toMatchObject({ ok: true, counts: { added: 0, renamed: 0, unchanged: 1 } });
    expect((await store.getRegionByCode("330106"))?.name).toEqual({ "zh-CN": "西湖区", en: "Xihu" });
  });

  it("imports an XLSX workbook (numeric codes, a parent already stored)", async () => {
    const bytes = await xlsxBytes([
      ["Code", "Name", "Parent", "name:zh-TW"],
      [330106005, "文新街道", 330106, "文新街道"],
      [330106005001, "文新社区", 330106005, ""],
    ]);
    const outcome = await admin.regionTree.importFile(bytes, { replace: false, dryRun: false, source: "test.xlsx" }, CLI);
    expect(outcome).toMatchObject({ ok: true, counts: { added: 2, renamed: 0 } });
    expect(await store.getRegionByCode("330106005001")).toMatchObject({ level: 2, path: "/330106/330106005/330106005001/" });
    expect((await store.getRegionByCode("330106005"))?.name).toEqual({ "zh-CN": "文新街道", "zh-TW": "文新街道" });
    const broken = await admin.regionTree.importFile(await xlsxBytes([["code", "name"], [1, "a"]]), { replace: false, dryRun: false, source: "x.xlsx" }, CLI);
    expect(broken).toEqual({ ok: false, issues: [{ line: 1, key: "missing_column", vars: { column: "parent" } }] });
  });

  it("--replace removes regions left out without data, keeps those with data (and their parents), dry run first", async () => {
    const { resident } = await store.resolveIdentity({ platform: "telegram", platformUserId: "region-resident", chatId: "region-resident" });
    await store.setResidentRegion(resident.id, "330106005001");
    const keep = ["code,name,parent", "330106,西湖区,", "330106002,北山街道,330106", "330106002001,上保社区,330106002"].join("\n");
    const before = (await store.listRegions()).length;
    const dry = await importCsv(keep, { replace: true, dryRun: true });
    expect(dry).toMatchObject({ ok: true, dryRun: true, counts: { added: 0, removed: 4 } });
    expect((await store.listRegions()).length).toBe(before);
    const done = await importCsv(keep, { replace: true });
    expect(done).toEqual({
      ok: true,
      dryRun: false,
      counts: {
        added: 0,
        // 北山街道（新） is 北山街道 again.
        renamed: 1,
        unchanged: 2,
        removed: 4,
        kept: [
          { code: "330106005", name: { "zh-CN": "文新街道", "zh-TW": "文新街道" }, reason: "children" },
          { code: "330106005001", name: { "zh-CN": "文新社区" }, reason: "data" },
        ],
      },
    });
    expect((await store.listRegions()).map((r) => r.code).sort()).toEqual(["330106", "330106002", "330106002001", "330106005", "330106005001"]);
    const counts = await store.countRegionData();
    const village = await store.getRegionByCode("330106005001");
    expect(counts).toEqual([{ regionId: village?.id, residents: 1, assignments: 0, officers: 0, responses: 0, suggestions: 0, cases: 0, invitations: 0 }]);
  });

  it("renames through the service, audited; an empty zh-CN name is refused", async () => {
    const renamed = await admin.regionTree.rename("330106002", { "zh-CN": "北山", "zh-TW": "北山", en: "" }, { id: null, via: "dashboard" });
    expect(renamed?.name).toEqual({ "zh-CN": "北山", "zh-TW": "北山" });
    await expect(admin.regionTree.rename("330106002", { "zh-CN": "  " }, CLI)).rejects.toThrow(/empty/);
    expect(await admin.regionTree.rename("nope", { "zh-CN": "x" }, CLI)).toBeNull();
    const audit = (await store.listAudit(5)).find((a) => a.action === "region.rename");
    expect(audit).toMatchObject({ target: "330106002", details: { via: "dashboard", to: { "zh-CN": "北山", "zh-TW": "北山" } } });
  });
});
