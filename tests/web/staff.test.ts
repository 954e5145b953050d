/**
 * Staff routes: QR codes (PNG, SVG) and the printable leaflet, for officers and admins only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyLeafletCode } from "../../bots/web/signing.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { staffLeafletLink } from "../../bots/web/staff.js";
import { ApiClient, rowCounts, staffFixture, startWebChat, type StaffFixture, type WebTestApp } from "./support.js";

describe("staff QR codes and leaflets", () => {
  let app: WebTestApp;
  let staff: StaffFixture;

  beforeAll(async () => {
    app = await startWebChat({}, { PUBLIC_URL: "https://anxin.example.gov.cn" });
    staff = await staffFixture(app, `李警官<script>alert("x")</script>`);
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${app.url}${path}`, { headers });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it("draws an officer's QR code as PNG and SVG, leading to a signed link for their region", async () => {
    const png = await get(`/web/staff/qr.png?region=${staff.street.code}`, bearer(staff.officerToken));
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    const bytes = Buffer.from(await png.arrayBuffer());
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

    const svg = await get(`/web/staff/qr.svg?region=${staff.street.code}`, bearer(staff.officerToken));
    expect(svg.status).toBe(200);
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/);
    expect(await svg.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  });

  it("prints an A5 leaflet with the QR code, the link, the region and the escaped officer name", async () => {
    const response = await get(`/web/staff/leaflet?region=${staff.street.code}&lang=zh-CN`, bearer(staff.officerToken));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain("公众安全感和满意度调查");
    expect(html).toContain("地区：清波街道");
    expect(html).toContain("联系民警：李警官&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).not.toContain("<script>alert");
    expect(html).toContain('<svg role="img" aria-label="参加调查的二维码"');
    // Printed under the QR code: a short link to type, which leads to the signed link of the QR code.
    const link = /<a class="url short-url" href="https:\/\/anxin\.example\.gov\.cn\/q\/([a-z0-9]{8})">https:\/\/anxin\.example\.gov\.cn\/q\/\1<\/a>/.exec(html)?.[1];
    expect(link).toBeDefined();
    const typed = await fetch(`${app.url}/q/${link!.toUpperCase()}`, { redirect: "manual" });
    expect(typed.status).toBe(302);
    const signed = /^\/q\/(.+)$/.exec(typed.headers.get("location") ?? "")?.[1];
    const code = verifyLeafletCode(app.chat.keys, decodeURIComponent(signed!));
    expect(code).toEqual({ officerId: staff.officer.id, regionCode: staff.street.code });
    // The same leaflet printed again keeps its short link; another region's leaflet has its own.
    const again = await (await get(`/web/staff/leaflet?region=${staff.street.code}&lang=en`, bearer(staff.officerToken))).text();
    expect(again).toContain(`/q/${link!}"`);
    const other = await (await get(`/web/staff/leaflet?officer=${staff.officer.id}&region=${staff.otherStreet.code}`, bearer(staff.adminToken))).text();
    expect(other).toMatch(/class="url short-url" href="https:\/\/anxin\.example\.gov\.cn\/q\/[a-z0-9]{8}"/);
    expect(other).not.toContain(`/q/${link!}"`);
  });

  it("answers a short link that stands for no leaflet with a page in the visitor's language, not a redirect", async () => {
    for (const [path, lang, text] of [
      ["/q/zzzz2222", "zh-CN", "没有这个链接"],
      ["/q/ABCDEFGH", "en", "There is no such link"],
      // 0 and 1 are never drawn (misread off paper): the right length, but no code.
      ["/q/a0b1c2d3", "zh-TW", "沒有這個連結"],
    ] as const) {
      const response = await fetch(`${app.url}${path}`, { redirect: "manual", headers: { "accept-language": lang } });
      expect(response.status, path).toBe(404);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await response.text()).toContain(text);
    }
    // A signed QR code still reaches the chat page, and a damaged one is still refused as such.
    const damaged = await fetch(`${app.url}/q/abc.def.ghi`, { redirect: "manual" });
    expect(damaged.status).toBe(400);
  });

  it("defaults to the officer's own area and takes a leaflet pass from a signed staff link", async () => {
    const link = staffLeafletLink(app.secret, app.url, staff.officer, staff.street.code, new Date());
    const response = await fetch(link);
    expect(response.status).toBe(200);
    const html = await response.text();
    // The downloads and languages of this same leaflet carry the pass; no staff token is in the page.
    expect(html).toMatch(/href="\/web\/staff\/qr\.png\?officer=[^"]+&amp;region=330102001&amp;pass=lp1\./);
    expect(html).not.toContain(staff.officerToken);
    expect(html).not.toMatch(/[?&;]token=/);
    const noRegion = await get(`/web/staff/qr.svg`, bearer(staff.officerToken));
    expect(noRegion.status).toBe(200);
  });

  it("accepts the app's staff cookie as well", async () => {
    const response = await get(`/web/staff/qr.svg?region=${staff.street.code}`, { cookie: `anxin_staff=${staff.officerToken}` });
    expect(response.status).toBe(200);
  });

  it("lets an admin make codes for any officer and region", async () => {
    const response = await get(`/web/staff/leaflet?officer=${staff.officer.id}&region=${staff.otherStreet.code}&lang=en`, bearer(staff.adminToken));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Area: Hubin Street");
  });

  describe("refuses, changing nothing", () => {
    async function refused(path: string, headers: Record<string, string>, status: number, message: string) {
      const before = rowCounts(app.dbFile);
      const response = await get(path, { "accept-language": "en", ...headers });
      expect(response.status, path).toBe(status);
      const text = await response.text();
      expect(text).toContain(message);
      expect(rowCounts(app.dbFile)).toEqual(before);
    }

    it("anonymous visitors (401)", async () => {
      await refused(`/web/staff/qr.png?region=${staff.street.code}`, {}, 401, "Please open this page with your officer or admin link.");
      await refused(`/web/staff/leaflet?region=${staff.street.code}`, {}, 401, "Please open this page with your officer or admin link.");
    });

    it("residents with a chat session (403)", async () => {
      // PUBLIC_URL is set: the resident's page is served there, so that is its origin.
      const resident = new ApiClient(app.url, "zh-CN", "https://anxin.example.gov.cn");
      await resident.session({});
      await refused(`/web/staff/qr.svg?region=${staff.street.code}`, { cookie: resident.cookie! }, 403, "This page is for officers and admins only.");
    });

    it("forged, expired and foreign tokens (401)", async () => {
      const expired = issueStaffToken(app.secret, staff.officer, new Date(Date.now() - 7200_000), 3600_000);
      const foreign = issueStaffToken("another-secret-".padEnd(40, "y"), staff.officer, new Date());
      const tampered = staff.officerToken.replace(staff.officer.id, staff.admin.id);
      for (const token of [expired, foreign, tampered, "v1.abc.99999999999.short", "garbage", "x".repeat(5000)]) {
        await refused(`/web/staff/qr.png?region=${staff.street.code}`, bearer(token), 401, "officer or admin link");
        await refused(`/web/staff/leaflet?region=${staff.street.code}&pass=${encodeURIComponent(token)}`, {}, 401, "officer or admin link");
      }
    });

    it("a valid token of someone who is not staff (403)", async () => {
      const { resident } = await app.store.resolveIdentity({ platform: "web", platformUserId: "plain-resident", chatId: "plain-resident" });
      const token = issueStaffToken(app.secret, resident, new Date());
      await refused(`/web/staff/qr.png?region=${staff.street.code}`, bearer(token), 403, "for officers and admins only");
    });

    it("an officer asking for another officer's code or a region outside their area (403)", async () => {
      await refused(`/web/staff/qr.png?officer=${staff.admin.id}&region=${staff.street.code}`, bearer(staff.officerToken), 403, "only make QR codes for themselves");
      await refused(`/web/staff/qr.png?region=${staff.otherStreet.code}`, bearer(staff.officerToken), 403, "outside your area");
      await refused(`/web/staff/qr.png?region=nowhere`, bearer(staff.officerToken), 400, "no such region");
    });

    it("an admin naming someone who is not an officer (400)", async () => {
      const { resident } = await app.store.resolveIdentity({ platform: "web", platformUserId: "plain-2", chatId: "plain-2" });
      await refused(`/web/staff/qr.png?officer=${resident.id}&region=${staff.street.code}`, bearer(staff.adminToken), 400, "no such officer");
    });
  });
});
