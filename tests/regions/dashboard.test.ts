/**
 * The dashboard's Regions page through fastify's inject: the overview's banner while there is no
 * region, uploads (CSV, XLSX, dry run, refusals with their lines in the page's language, every
 * kind of bad upload answered with a message and never a 500), renaming, and who may do it.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ExcelJS from "exceljs";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildServer } from "../../app/server.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { csrfToken, mountAdmin } from "../../bots/dashboard/mount.js";
import { AdminService } from "../../core/admin/service.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

const SECRET = "test-secret-0123456789-abcdefghijklmnop";
let env: TestStore;
let app: FastifyInstance;
let token: string;
let officerToken: string;

beforeAll(async () => {
  env = await openTestStore({ defaultSurvey: true });
  const admin = await env.store.setRole("telegram", "regions-admin", "admin");
  const officer = await env.store.setRole("telegram", "regions-officer", "officer");
  token = issueStaffToken(SECRET, admin, new Date());
  officerToken = issueStaffToken(SECRET, officer, new Date());
  const logger = pino({ level: "silent" });
  app = await buildServer({ store: env.store, logger, mounts: [mountAdmin({ service: new AdminService(env.store), secret: SECRET, logger })] });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  await env?.close();
});

const cookie = () => ({ cookie: `anxin_staff=${token}` });

/** A multipart/form-data body as a browser sends the upload form: the CSRF field first, then the file. */
function multipart(fields: Record<string, string>, file?: { name: string; bytes: Uint8Array; type?: string }): { headers: Record<string, string>; payload: Buffer } {
  const boundary = `----anxin${randomBytes(8).toString("hex")}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? "text/csv"}\r\n\r\n`));
    chunks.push(Buffer.from(file.bytes));
    chunks.push(Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { headers: { ...cookie(), "content-type": `multipart/form-data; boundary=${boundary}` }, payload: Buffer.concat(chunks) };
}

async function upload(file: { name: string; bytes: Uint8Array; type?: string } | undefined, fields: Record<string, string> = {}, lang = "en") {
  const body = multipart({ _csrf: csrfToken(SECRET, token), ...fields }, file);
  return app.inject({ method: "POST", url: `/admin/regions/import?lang=${lang}`, headers: body.headers, payload: body.payload });
}

/** Follows a 303 to the page it names. */
async function follow(res: { statusCode: number; headers: Record<string, unknown> }): Promise<string> {
  expect(res.statusCode).toBe(303);
  return (await app.inject({ url: String(res.headers.location), headers: cookie() })).body;
}

const csv = (text: string) => ({ name: "regions.csv", bytes: new TextEncoder().encode(text) });

describe("the Regions page", () => {
  it("shows the overview's banner while there is no region, and the page with its upload form", async () => {
    const overview = await app.inject({ url: "/admin?lang=en", headers: cookie() });
    expect(overview.statusCode).toBe(200);
    expect(overview.body).toContain('id="no-regions"');
    expect(overview.body).toContain("npx anxin regions import --division &lt;code&gt;");
    expect(overview.body).toContain('<a href="/admin/regions?lang=en">Go to Regions →</a>');
    expect(overview.body).toContain('<a href="/admin/regions?lang=en" class="">Regions</a>');
    const page = await app.inject({ url: "/admin/regions?lang=zh-CN", headers: cookie() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("还没有区域。");
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toMatch(/<input type="hidden" name="_csrf" value="[\w-]+">\n<label>文件 <input type="file" name="file"/);
  });

  it("imports an uploaded CSV (parents after children), shows what it did once, and the banner goes", async () => {
    const text = "\uFEFFcode,name,parent\r\n330106002001,上保社区,330106002\r\n330106002,北山街道,330106\r\n330106,西湖区,\r\n";
    const res = await upload(csv(text));
    const page = await follow(res);
    expect(page).toContain('id="regions-notice"');
    expect(page).toContain("Imported: 3 added, 0 renamed, 0 unchanged, 0 removed, 0 kept with data.");
    expect(page).toMatch(/<tr data-region="330106002001">.*\n<th scope="row">\u3000\u3000上保社区<\/th>/);
    const reload = await app.inject({ url: String(res.headers.location), headers: cookie() });
    expect(reload.body).not.toContain('id="regions-notice"');
    expect((await app.inject({ url: "/admin?lang=en", headers: cookie() })).body).not.toContain('id="no-regions"');
    const audit = (await env.store.listAudit(5)).find((a) => a.action === "region.import");
    expect(audit?.details).toMatchObject({ source: "upload:regions.csv", added: 3, via: "dashboard" });
  });

  it("checks an XLSX upload without storing it (dry run)", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("Sheet1");
    sheet.addRow(["code", "name", "parent"]);
    sheet.addRow([330106003, "翠苑街道", 330106]);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const page = await follow(await upload({ name: "r.xlsx", bytes, type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" }, { dryRun: "1" }));
    expect(page).toContain("Checked, nothing stored. The import would give: 1 added, 0 renamed, 0 unchanged, 0 removed, 0 kept with data.");
    expect(await env.store.getRegionByCode("330106003")).toBeNull();
  });

  it("refuses a broken file with the lines of its problems in the page's language, storing nothing", async () => {
    const before = await env.store.listRegions();
    const res = await upload(csv("code,name,parent\n330106009,,330106\n330106002,搬家,\n9,x,nowhere\n"), {}, "zh-TW");
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('id="regions-error"');
    expect(res.body).toContain("未匯入任何內容：發現 3 個問題。");
    expect(res.body).toContain("第 2 行：區域 330106009 沒有名稱。");
    expect(res.body).toContain("第 3 行：區域 330106002 在資料庫中屬於 330106，檔案卻把它放在 （頂級） 下：不允許移動區域。");
    expect(res.body).toContain("第 4 行：區域 9 的上級 nowhere 既不在檔案中，也不在資料庫中。");
    expect(await env.store.listRegions()).toEqual(before);
  });

  it("answers every bad upload with a message, never a 500", async () => {
    const cases: [string, Awaited<ReturnType<typeof upload>>, number, string][] = [
      ["empty file", await upload(csv("")), 400, "The file is empty."],
      ["binary garbage", await upload({ name: "x.csv", bytes: randomBytes(5000) }), 400, "neither UTF-8 text (CSV) nor an Excel workbook"],
      ["wrong columns", await upload(csv("id,label\n1,a\n")), 400, "Line 1: Column “code” is missing"],
      ["no file chosen", await upload({ name: "", bytes: new Uint8Array() }), 400, "Choose a CSV or XLSX file to import."],
      ["no file part", await upload(undefined), 400, "Choose a CSV or XLSX file to import."],
      ["old .xls", await upload({ name: "x.xls", bytes: new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]) }), 400, "Old Excel files (.xls) cannot be read"],
      ["broken .xlsx", await upload({ name: "x.xlsx", bytes: new Uint8Array([0x50, 0x4b, 0x03, 0x04, 9, 9, 9]) }), 400, "The Excel workbook cannot be read"],
      ["huge file", await upload({ name: "big.csv", bytes: Buffer.alloc(11 * 1024 * 1024, 0x61) }), 413, "The file is larger than 10 MB."],
    ];
    for (const [what, res, status, message] of cases) {
      expect(res.statusCode, what).toBe(status);
      expect(res.headers["content-type"], what).toContain("text/html");
      expect(res.body, what).toContain(message);
    }
    const form = await app.inject({ method: "POST", url: "/admin/regions/import?lang=en", headers: { ...cookie(), "content-type": "application/x-www-form-urlencoded" }, payload: `_csrf=${csrfToken(SECRET, token)}` });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain("The upload could not be read");
    const truncated = multipart({ _csrf: csrfToken(SECRET, token) }, csv("code,name,parent\n1,a,\n"));
    const cut = await app.inject({ method: "POST", url: "/admin/regions/import?lang=en", headers: truncated.headers, payload: truncated.payload.subarray(0, truncated.payload.length - 30) });
    expect(cut.statusCode).toBeLessThan(500);
  });

  it("admits admins only, and a cookie-signed upload needs the CSRF token", async () => {
    const body = multipart({}, csv("code,name,parent\n1,a,\n"));
    expect((await app.inject({ method: "POST", url: "/admin/regions/import", headers: { "content-type": body.headers["content-type"] as string }, payload: body.payload })).statusCode).toBe(401);
    const officer = { ...body.headers, cookie: `anxin_staff=${officerToken}` };
    expect((await app.inject({ method: "POST", url: "/admin/regions/import", headers: officer, payload: body.payload })).statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: "/admin/regions/import", headers: body.headers, payload: body.payload })).statusCode).toBe(403);
    expect(await env.store.getRegionByCode("1")).toBeNull();
    expect((await app.inject({ url: "/admin/regions", headers: { cookie: `anxin_staff=${officerToken}` } })).statusCode).toBe(403);
    expect((await app.inject({ method: "POST", url: "/admin/regions/rename", headers: cookie(), payload: { code: "330106", zhCN: "x" } })).statusCode).toBe(403);
  });

  it("renames a region from its form (audited); an empty Simplified Chinese name is refused", async () => {
    const edit = await app.inject({ url: "/admin/regions?lang=en&edit=330106002", headers: cookie() });
    expect(edit.body).toContain('id="rename-form"');
    expect(edit.body).toContain('<input name="zhCN" value="北山街道"');
    const post = (fields: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/admin/regions/rename?lang=en",
        headers: { ...cookie(), "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: csrfToken(SECRET, token), ...fields }).toString(),
      });
    const page = await follow(await post({ code: "330106002", zhCN: "北山街道", zhTW: "北山街道", en: "Beishan Subdistrict" }));
    expect(page).toContain("Region 330106002 renamed: Beishan Subdistrict.");
    expect((await env.store.getRegionByCode("330106002"))?.name).toEqual({ "zh-CN": "北山街道", "zh-TW": "北山街道", en: "Beishan Subdistrict" });
    const audit = (await env.store.listAudit(5)).find((a) => a.action === "region.rename");
    expect(audit).toMatchObject({ target: "330106002", details: { via: "dashboard" } });
    const empty = await post({ code: "330106002", zhCN: " ", zhTW: "", en: "" });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain("The Simplified Chinese name cannot be empty.");
    expect((await post({ code: "nope", zhCN: "x" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/admin/regions?under=nope", headers: cookie() })).statusCode).toBe(404);
    const api = await app.inject({ url: "/admin/api/regions?under=330106002", headers: { authorization: `Bearer ${token}` } });
    expect(api.json()).toEqual({
      regions: [
        { code: "330106002", name: { "zh-CN": "北山街道", "zh-TW": "北山街道", en: "Beishan Subdistrict" }, parent: "330106", level: 1, depth: 0, residents: 0, responses: 0, officers: 0, households: 0, suggestions: 0, cases: 0 },
        { code: "330106002001", name: { "zh-CN": "上保社区" }, parent: "330106002", level: 2, depth: 1, residents: 0, responses: 0, officers: 0, households: 0, suggestions: 0, cases: 0 },
      ],
    });
    expect((await app.inject({ url: "/admin/api/regions?under=nope", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(404);
    expect((await app.inject({ url: "/admin/api/regions" })).statusCode).toBe(401);
    const under = await app.inject({ url: "/admin/regions?lang=en&under=330106002", headers: cookie() });
    expect(under.body).toContain('data-region="330106002001"');
    expect(under.body).not.toContain('data-region="330106"');
  });
});
