/**
 * Staff who joined through the web chat get into their pages from it: /web/staff/enter exchanges
 * the chat session of an officer or admin for the staff cookie (admins go on to the dashboard,
 * officers to their leaflet page), and the leaflet page links to the places around the region.
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STAFF_COOKIE, verifyStaffToken } from "../../app/staff-auth.js";
import { toWebMessages } from "../../bots/web/messages.js";
import { ApiClient, staffFixture, startWebChat, type StaffFixture, type WebTestApp } from "./support.js";

/** The web account (session id) of the only web chat visitor so far. */
function webAccounts(dbFile: string): string[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    return (db.prepare(`SELECT "platformUserId" AS id FROM "Identity" WHERE "platform" = 'web' ORDER BY "createdAt"`).all() as { id: string }[]).map((row) => row.id);
  } finally {
    db.close();
  }
}

describe("staff entry from the web chat", () => {
  let app: WebTestApp;
  let staff: StaffFixture;

  beforeAll(async () => {
    app = await startWebChat();
    staff = await staffFixture(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  const enter = (client: ApiClient, accept = "text/html") =>
    fetch(`${app.url}/web/staff/enter`, { headers: { accept, ...(client.cookie ? { cookie: client.cookie } : {}) }, redirect: "manual" });

  /** A visitor who has opened the chat once; returns its client and web account id. */
  async function visitor(): Promise<{ client: ApiClient; account: string }> {
    const before = new Set(webAccounts(app.dbFile));
    const client = new ApiClient(app.url);
    expect((await client.session()).status).toBe(200);
    expect((await client.send({ kind: "open" })).status).toBe(200);
    const account = webAccounts(app.dbFile).find((id) => !before.has(id));
    if (!account) throw new Error("the visitor has no web account");
    return { client, account };
  }

  it("signs an admin's chat session into the dashboard with a staff cookie", async () => {
    const { client, account } = await visitor();
    const admin = await app.store.setRole("web", account, "admin");
    const response = await enter(client);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/admin?lang=zh-CN");
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${STAFF_COOKIE}=`)) ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const token = /^anxin_staff=([^;]+)/.exec(cookie)?.[1] ?? "";
    expect(verifyStaffToken(app.secret, token, new Date())?.residentId).toBe(admin.id);
  });

  it("sends an officer to their phone page; the leaflet page of their area links to the places around it", async () => {
    const { client, account } = await visitor();
    await app.store.setRole("web", account, "officer");
    // The officer's area is the fixture's district, so the leaflet lists its streets.
    const db = new Database(app.dbFile);
    try {
      db.prepare(`UPDATE "Resident" SET "regionId" = ? WHERE "id" = (SELECT "residentId" FROM "Identity" WHERE "platform" = 'web' AND "platformUserId" = ?)`).run(staff.district.id, account);
    } finally {
      db.close();
    }
    const response = await enter(client);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/field?lang=zh-CN");
    const cookie = (response.headers.getSetCookie().find((c) => c.startsWith(`${STAFF_COOKIE}=`)) ?? "").split(";")[0] ?? "";
    const page = await fetch(`${app.url}/web/staff/leaflet?lang=zh-CN`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("地区：上城区");
    expect(html).toContain("其他地方的传单");
    expect(html).toMatch(/href="\/web\/staff\/leaflet\?officer=[^"]+&amp;region=330102001&amp;lang=zh-CN">清波街道</);
    expect(html).toMatch(/region=330102002&amp;lang=zh-CN">湖滨街道</);

    // A street's page links up to the district (inside the officer's area) and has no streets below.
    const street = await (await fetch(`${app.url}/web/staff/leaflet?region=330102001&lang=en`, { headers: { cookie } })).text();
    expect(street).toMatch(/region=330102&amp;lang=en">↑ Shangcheng District</);
  });

  it("does not link above an officer's own area", async () => {
    const html = await (await fetch(`${app.url}/web/staff/leaflet?region=${staff.street.code}&lang=zh-CN`, { headers: { authorization: `Bearer ${staff.officerToken}` } })).text();
    expect(html).not.toContain("↑");
  });

  it("refuses a visitor without a chat session (401) and a resident's session (403), setting no cookie", async () => {
    const stranger = await enter(new ApiClient(app.url));
    expect(stranger.status).toBe(401);
    expect(stranger.headers.get("content-type")).toMatch(/^text\/html/);
    expect(stranger.headers.getSetCookie()).toEqual([]);

    const { client } = await visitor();
    const resident = await enter(client);
    expect(resident.status).toBe(403);
    expect(await resident.text()).toContain("这个页面只对民警和管理员开放");
    expect(resident.headers.getSetCookie()).toEqual([]);
  });

  it("passes the engine's staff entry on to the page", () => {
    expect(toWebMessages([{ kind: "info", text: "欢迎", staffEntry: "admin" }])).toEqual([{ kind: "info", text: "欢迎", staffEntry: "admin" }]);
    expect(toWebMessages([{ kind: "info", text: "欢迎" }])).toEqual([{ kind: "info", text: "欢迎" }]);
  });
});
