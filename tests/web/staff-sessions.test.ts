/**
 * Staff sessions that can be ended (docs/security.md): sign-out and `anxin staff revoke` end a
 * person's tokens at once on every surface (dashboard, /field, the staff QR and leaflet pages);
 * a leaflet pass opens its own leaflet and QR code and nothing else; the dashboard's sign-in and
 * sign-out need a CSRF token and our own Origin.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Command } from "commander";
import type { FastifyInstance } from "fastify";
import { loadConfig } from "../../app/config.js";
import { createLogger } from "../../app/log.js";
import { buildServer } from "../../app/server.js";
import { issueLeafletPass, issueStaffToken } from "../../app/staff-auth.js";
import { registerStaffCommands } from "../../app/staff-command-line.js";
import { createWebChat, type WebChat } from "../../bots/web/channel.js";
import { mountField } from "../../bots/web/field-routes.js";
import { staffLeafletLink } from "../../bots/web/staff.js";
import { csrfToken, mountAdmin } from "../../bots/dashboard/mount.js";
import { AdminService } from "../../core/admin/service.js";
import { FieldService } from "../../core/field/service.js";
import type { ResidentRecord } from "../../core/model/index.js";
import { EMPTY_TIP_LIBRARY } from "../../core/outreach/tip-library.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

const SECRET = "staff-sessions-secret-".padEnd(48, "s");
const PUBLIC_URL = "https://anxin.example.gov.cn";
const REGIONS = [
  { code: "330106", name: "西湖区" },
  { code: "330106001", name: "北山街道", parentCode: "330106" },
  { code: "330106002", name: "西溪街道", parentCode: "330106" },
];
const HERE = "330106001";
const ELSEWHERE = "330106002";

let env: TestStore;
let server: FastifyInstance;
let chat: WebChat;
let dataDir: string;

beforeAll(async () => {
  env = await openTestStore({ regions: REGIONS, defaultSurvey: true });
  dataDir = mkdtempSync(join(tmpdir(), "anxin-sessions-"));
  const config = loadConfig({ PORT: "0", DATABASE_URL: env.db.target.url, DATA_DIR: dataDir, LOG_LEVEL: "silent", PUBLIC_URL });
  const logger = createLogger("silent");
  const field = new FieldService({ store: env.store, tips: EMPTY_TIP_LIBRARY, timeZone: "Asia/Shanghai" });
  server = await buildServer({
    store: env.store,
    logger,
    mounts: [mountAdmin({ service: new AdminService(env.store), secret: SECRET, logger, publicUrl: PUBLIC_URL }), mountField({ service: field, secret: SECRET, logger, defaultLang: "zh-CN", publicUrl: PUBLIC_URL })],
  });
  chat = await createWebChat({ config, runner: new ConversationRunner({ store: env.store, defaultLang: "zh-CN" }), logger, server, secret: SECRET }, {});
  await server.ready();
});
afterAll(async () => {
  await chat?.stop();
  await server?.close();
  await env?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

let people = 0;
/** A new staff member with a telegram account of their own (so one test's sign-out ends no other's session). */
async function person(role: "officer" | "admin"): Promise<{ record: ResidentRecord; account: string }> {
  const id = `sessions-${role}-${++people}`;
  return { record: await env.store.setRole("telegram", id, role), account: `telegram:${id}` };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const get = (url: string, headers: Record<string, string> = {}) => server.inject({ method: "GET", url, headers });

/** Status of the token on each surface: the dashboard API, the phone page's bootstrap, the staff QR code. */
async function surfaces(token: string, officerId: string): Promise<number[]> {
  return Promise.all([
    get("/admin/api/suggestions", bearer(token)).then((r) => r.statusCode),
    get("/field/api/bootstrap", bearer(token)).then((r) => r.statusCode),
    get(`/web/staff/qr.png?officer=${officerId}&region=${HERE}`, bearer(token)).then((r) => r.statusCode),
  ]);
}

/** The sign-in page's pre-session cookie and CSRF token. */
async function signInForm(): Promise<{ cookie: string; csrf: string }> {
  const page = await get("/admin/login?lang=en");
  expect(page.statusCode).toBe(200);
  const set = [page.headers["set-cookie"]].flat().find((c) => c?.startsWith("anxin_pre=")) ?? "";
  expect(set).toMatch(/HttpOnly/i);
  expect(set).toMatch(/SameSite=Strict/i);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
  expect(csrf).not.toBe("");
  return { cookie: set.split(";")[0]!, csrf };
}

let posts = 0;
/** Posts a form, each from its own address: the sign-in form is rate-limited per address. */
function postForm(url: string, fields: Record<string, string>, headers: Record<string, string>) {
  const remoteAddress = `10.0.${Math.floor(++posts / 250)}.${posts % 250}`;
  return server.inject({ method: "POST", url, remoteAddress, headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, payload: new URLSearchParams(fields).toString() });
}

async function signIn(token: string, origin = PUBLIC_URL) {
  const form = await signInForm();
  return postForm("/admin/login", { token, lang: "en", _csrf: form.csrf }, { cookie: form.cookie, origin });
}

describe("ending staff sessions", () => {
  it("ends a token everywhere right after the dashboard's sign-out, and a new one works", async () => {
    const admin = await person("admin");
    const { record } = await person("officer");
    const token = issueStaffToken(SECRET, admin.record, new Date());
    const signedIn = await signIn(token);
    expect(signedIn.statusCode).toBe(303);
    expect(String(signedIn.headers["set-cookie"])).toMatch(/anxin_staff=v2\./);
    expect(await surfaces(token, record.id)).toEqual([200, 200, 200]);
    const cookie = `anxin_staff=${token}`;
    expect((await get("/admin?lang=en", { cookie })).statusCode).toBe(200);

    const out = await postForm("/admin/logout", { _csrf: csrfToken(SECRET, token), lang: "en" }, { cookie, origin: PUBLIC_URL });
    expect(out.statusCode).toBe(303);
    expect(String(out.headers["set-cookie"])).toMatch(/anxin_staff=;/);

    // A copy of the cookie or token kept elsewhere is as dead as the browser's.
    expect(await surfaces(token, record.id)).toEqual([401, 401, 401]);
    expect((await get("/admin?lang=en", { cookie })).statusCode).toBe(401);
    expect((await get("/field/api/bootstrap", { cookie })).statusCode).toBe(401);
    expect((await signIn(token)).statusCode).toBe(401);

    const fresh = issueStaffToken(SECRET, (await env.store.getResident(admin.record.id))!, new Date());
    expect(await surfaces(fresh, record.id)).toEqual([200, 200, 200]);
    // Signing out with the old token again cannot end the new session.
    await postForm("/admin/logout", { _csrf: csrfToken(SECRET, token) }, { cookie, origin: PUBLIC_URL });
    expect(await surfaces(fresh, record.id)).toEqual([200, 200, 200]);
  });

  it("ends all of a person's sessions with `anxin staff revoke`, for good", async () => {
    const officer = await person("officer");
    const phone = issueStaffToken(SECRET, officer.record, new Date());
    const laptop = issueStaffToken(SECRET, officer.record, new Date(Date.now() - 60_000));
    const pass = issueLeafletPass(SECRET, { staff: officer.record, officerId: officer.record.id, regionCode: HERE }, new Date());
    for (const token of [phone, laptop]) {
      expect((await get("/field/api/bootstrap", bearer(token))).statusCode).toBe(200);
      expect((await get(`/web/staff/qr.png?region=${HERE}`, bearer(token))).statusCode).toBe(200);
    }
    expect((await get(`/web/staff/leaflet?region=${HERE}&pass=${pass}`)).statusCode).toBe(200);

    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      await registerStaffCommands(new Command("anxin").exitOverride()).parseAsync(["node", "anxin", "staff", "revoke", officer.account, "--db", env.db.target.url]);
    } finally {
      log.mockRestore();
    }
    for (const token of [phone, laptop]) {
      expect((await get("/field/api/bootstrap", bearer(token))).statusCode).toBe(403);
      expect((await get(`/web/staff/qr.png?region=${HERE}`, bearer(token))).statusCode).toBe(403);
    }
    expect((await get(`/web/staff/leaflet?region=${HERE}&pass=${pass}`)).statusCode).toBe(403);

    // Made an officer again, they need new tokens: the old ones stay ended.
    const again = await env.store.setRole("telegram", officer.account.slice("telegram:".length), "officer");
    for (const token of [phone, laptop]) {
      expect((await get("/field/api/bootstrap", bearer(token))).statusCode).toBe(401);
      expect((await get(`/web/staff/qr.png?region=${HERE}`, bearer(token))).statusCode).toBe(401);
    }
    expect((await get(`/web/staff/leaflet?region=${HERE}&pass=${pass}`)).statusCode).toBe(401);
    expect((await get("/field/api/bootstrap", bearer(issueStaffToken(SECRET, again, new Date())))).statusCode).toBe(200);
  });
});

describe("leaflet passes", () => {
  it("open their own leaflet and QR code, and nothing else", async () => {
    const admin = await person("admin");
    const officer = await person("officer");
    const link = new URL(staffLeafletLink(SECRET, PUBLIC_URL, admin.record, HERE, new Date(), { officerId: officer.record.id }));
    const pass = link.searchParams.get("pass") ?? "";
    expect(pass).toMatch(/^lp1\./);
    expect(link.searchParams.get("token")).toBeNull();

    const page = await get(`${link.pathname}${link.search}&lang=en`);
    expect(page.statusCode).toBe(200);
    // Its own downloads carry the pass; links to other places' leaflets do not.
    expect(page.body).toContain(`/web/staff/qr.png?officer=${officer.record.id}&amp;region=${HERE}&amp;pass=${pass}`);
    const places = [...page.body.matchAll(/href="(\/web\/staff\/leaflet\?[^"]+)"/g)].map((m) => m[1]!).filter((href) => !href.includes(`region=${HERE}`));
    expect(places.length).toBeGreaterThan(0);
    for (const href of places) expect(href).not.toContain("pass=");

    for (const kind of ["png", "svg"]) expect((await get(`/web/staff/qr.${kind}?officer=${officer.record.id}&region=${HERE}&pass=${pass}`)).statusCode).toBe(200);
    expect((await get(`/web/staff/qr.png?pass=${pass}`)).statusCode).toBe(200);

    // Not a staff credential anywhere.
    for (const headers of [bearer(pass), { cookie: `anxin_staff=${pass}` }]) {
      expect((await get("/admin", headers)).statusCode).toBe(401);
      expect((await get("/admin/api/suggestions", headers)).statusCode).toBe(401);
      expect((await get("/admin/api/stats", headers)).statusCode).toBe(401);
      expect((await get("/field/api/bootstrap", headers)).statusCode).toBe(401);
      expect((await get(`/web/staff/leaflet?region=${HERE}`, headers)).statusCode).toBe(401);
    }
    expect((await get(`/admin?pass=${pass}`)).statusCode).toBe(401);
    expect((await get(`/web/staff/leaflet?region=${HERE}&token=${pass}`)).statusCode).toBe(401);
    // Not for another region, nor another officer's leaflet.
    expect((await get(`/web/staff/leaflet?officer=${officer.record.id}&region=${ELSEWHERE}&pass=${pass}`)).statusCode).toBe(403);
    expect((await get(`/web/staff/qr.svg?region=${ELSEWHERE}&pass=${pass}`)).statusCode).toBe(403);
    expect((await get(`/web/staff/leaflet?officer=${admin.record.id}&region=${HERE}&pass=${pass}`)).statusCode).toBe(403);
  });

  it("refuses forged, expired, foreign passes and staff tokens in the link", async () => {
    const officer = await person("officer");
    const scope = { staff: officer.record, officerId: officer.record.id, regionCode: HERE };
    const good = issueLeafletPass(SECRET, scope, new Date());
    const [head, payload, mac] = good.split(".") as [string, string, string];
    const widened = Buffer.from(JSON.stringify([officer.record.id, officer.record.id, ELSEWHERE, 0, 4_000_000_000])).toString("base64url");
    const forged = [
      issueLeafletPass(SECRET, scope, new Date(Date.now() - 8 * 24 * 3600_000)),
      issueLeafletPass(SECRET, scope, new Date(Date.now() - 7200_000), 3600_000),
      issueLeafletPass("another-secret-".padEnd(48, "y"), scope, new Date()),
      `${head}.${widened}.${mac}`,
      `${head}.${payload}.${mac.slice(0, -2)}xx`,
      issueStaffToken(SECRET, officer.record, new Date()),
      "lp1.e30.x",
      "x".repeat(5000),
    ];
    for (const pass of forged) {
      const region = pass.includes(widened) ? ELSEWHERE : HERE;
      expect((await get(`/web/staff/leaflet?region=${region}&pass=${encodeURIComponent(pass)}`)).statusCode, pass.slice(0, 40)).toBe(401);
      expect((await get(`/web/staff/qr.png?region=${region}&pass=${encodeURIComponent(pass)}`)).statusCode).toBe(401);
    }
    expect((await get(`/web/staff/leaflet?region=${HERE}&pass=${good}`)).statusCode).toBe(200);
  });
});

describe("the dashboard's sign-in and sign-out", () => {
  it("signs in only with the sign-in page's CSRF token, from our own origin", async () => {
    const admin = await person("admin");
    const token = issueStaffToken(SECRET, admin.record, new Date());
    const form = await signInForm();
    const other = await signInForm();
    const tries: [Record<string, string>, Record<string, string>][] = [
      [{ token }, { cookie: form.cookie, origin: PUBLIC_URL }],
      [{ token, _csrf: form.csrf }, { origin: PUBLIC_URL }],
      [{ token, _csrf: other.csrf }, { cookie: form.cookie, origin: PUBLIC_URL }],
      [{ token, _csrf: csrfToken(SECRET, token) }, { cookie: form.cookie, origin: PUBLIC_URL }],
      [{ token, _csrf: form.csrf }, { cookie: form.cookie, origin: "https://evil.example" }],
      [{ token, _csrf: form.csrf }, { cookie: form.cookie, origin: "http://anxin.example.gov.cn" }],
      [{ token, _csrf: form.csrf }, { cookie: form.cookie, origin: "null" }],
      [{ token, _csrf: form.csrf }, { cookie: form.cookie, "sec-fetch-site": "cross-site" }],
    ];
    for (const [fields, headers] of tries) {
      const refused = await postForm("/admin/login", { lang: "en", ...fields }, headers);
      expect(refused.statusCode, JSON.stringify([Object.keys(fields), headers])).toBe(403);
      expect(refused.body).toContain("sign-in form has expired or was sent from another site");
      expect(String(refused.headers["set-cookie"] ?? "")).not.toMatch(/anxin_staff=/);
    }
    const ok = await postForm("/admin/login", { token, lang: "en", _csrf: form.csrf }, { cookie: form.cookie, origin: PUBLIC_URL });
    expect(ok.statusCode).toBe(303);
    const cookie = String(ok.headers["set-cookie"]);
    expect(cookie).toMatch(/anxin_staff=/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    // The request's own origin counts as well as PUBLIC_URL (no proxy in front).
    const direct = await signInForm();
    expect((await postForm("/admin/login", { token, _csrf: direct.csrf }, { cookie: direct.cookie, origin: "http://localhost:80", host: "localhost:80" })).statusCode).toBe(303);
    // `Origin: null` (what a page under a no-referrer policy sends) passes only as a same-origin fetch.
    const sandboxed = await signInForm();
    expect((await postForm("/admin/login", { token, _csrf: sandboxed.csrf }, { cookie: sandboxed.cookie, origin: "null", "sec-fetch-site": "same-origin" })).statusCode).toBe(303);
    // Without Origin a form from a non-browser client still needs the token.
    const bare = await signInForm();
    expect((await postForm("/admin/login", { token, _csrf: bare.csrf }, { cookie: bare.cookie })).statusCode).toBe(303);
    // Wrong tokens and officers are still told so, after the CSRF check.
    const officer = await person("officer");
    const again = await signInForm();
    expect((await postForm("/admin/login", { token: "nope", _csrf: again.csrf }, { cookie: again.cookie, origin: PUBLIC_URL })).statusCode).toBe(401);
    expect((await postForm("/admin/login", { token: issueStaffToken(SECRET, officer.record, new Date()), _csrf: again.csrf }, { cookie: again.cookie, origin: PUBLIC_URL })).statusCode).toBe(403);
  });

  it("signs out only with the page's CSRF token, from our own origin", async () => {
    const admin = await person("admin");
    const token = issueStaffToken(SECRET, admin.record, new Date());
    const cookie = `anxin_staff=${token}`;
    const csrf = csrfToken(SECRET, token);
    const refusals: [Record<string, string>, Record<string, string>][] = [
      [{}, { cookie, origin: PUBLIC_URL }],
      [{ _csrf: "x".repeat(32) }, { cookie, origin: PUBLIC_URL }],
      [{ _csrf: csrf }, { cookie, origin: "https://evil.example" }],
      [{ _csrf: csrf }, { cookie, "sec-fetch-site": "cross-site" }],
    ];
    for (const [fields, headers] of refusals) {
      expect((await postForm("/admin/logout", fields, headers)).statusCode).toBe(403);
      // Still signed in: a forged sign-out does nothing.
      expect((await get("/admin?lang=en", { cookie })).statusCode).toBe(200);
    }
    expect((await postForm("/admin/logout", { _csrf: csrf }, { cookie, origin: PUBLIC_URL })).statusCode).toBe(303);
    expect((await get("/admin?lang=en", { cookie })).statusCode).toBe(401);
  });

  it("refuses other changes from a foreign origin even with the CSRF token", async () => {
    const admin = await person("admin");
    const token = issueStaffToken(SECRET, admin.record, new Date());
    const headers = { cookie: `anxin_staff=${token}`, "x-csrf-token": csrfToken(SECRET, token), "content-type": "application/json" };
    const patch = (origin: string) => server.inject({ method: "PATCH", url: "/admin/api/suggestions/none", headers: { ...headers, origin }, payload: { status: "read" } });
    expect((await patch("https://evil.example")).statusCode).toBe(403);
    expect((await patch(PUBLIC_URL)).statusCode).not.toBe(403);
    const upload = await server.inject({ method: "POST", url: "/admin/regions/import?lang=en", headers: { ...headers, origin: "https://evil.example", "content-type": "multipart/form-data; boundary=x" }, payload: "--x--\r\n" });
    expect(upload.statusCode).toBe(403);
  });
});
