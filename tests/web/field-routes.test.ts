/**
 * The phone page's HTTP surface (bots/web/field-routes.ts, docs/field-api.md): who may read and
 * change what (401 without a staff token, 403 for a resident or for another officer's household),
 * the files the page works offline from, and bodies a phone (or anyone) might send — every
 * refusal a clear JSON message in the caller's language, never a 500 with internals.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../../app/log.js";
import { buildServer } from "../../app/server.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { mountField } from "../../bots/web/field-routes.js";
import { FieldService } from "../../core/field/service.js";
import { EMPTY_TIP_LIBRARY } from "../../core/outreach/tip-library.js";
import type { HouseholdRecord, ResidentRecord } from "../../core/model/index.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

const SECRET = "field-routes-secret-".padEnd(48, "x");
const REGIONS = [
  { code: "330106", name: "西湖区" },
  { code: "330106001", name: "北山街道", parentCode: "330106" },
  { code: "330106001001", name: "上保社区", parentCode: "330106001" },
  { code: "330106001002", name: "宝石社区", parentCode: "330106001" },
];

describe("the /field routes", () => {
  let env: TestStore;
  let server: FastifyInstance;
  let url: string;
  let officerA: ResidentRecord;
  let officerB: ResidentRecord;
  let admin: ResidentRecord;
  let resident: ResidentRecord;
  let houseA: HouseholdRecord;
  let houseB: HouseholdRecord;
  const token = (id: string) => issueStaffToken(SECRET, { id, sessionEpoch: 0 }, new Date());
  const bearer = (id: string) => ({ authorization: `Bearer ${token(id)}` });

  beforeAll(async () => {
    env = await openTestStore({ regions: REGIONS, defaultSurvey: true });
    const { store } = env;
    officerA = await store.setRole("web", "officer-a", "officer");
    officerB = await store.setRole("web", "officer-b", "officer");
    admin = await store.setRole("web", "boss", "admin");
    resident = (await store.resolveIdentity({ platform: "web", platformUserId: "resident-1", chatId: "resident-1", lang: "zh-CN" })).resident;
    const now = new Date();
    houseA = (await store.addHousehold({ regionCode: "330106001001", address: "1号", headName: "张一", phone: "13800000001", officerId: officerA.id, actorId: null, now })).household;
    houseB = (await store.addHousehold({ regionCode: "330106001002", address: "2号", officerId: officerB.id, actorId: null, now })).household;
    const service = new FieldService({ store, tips: EMPTY_TIP_LIBRARY, timeZone: "Asia/Shanghai" });
    server = await buildServer({ store, logger: createLogger("silent"), mounts: [mountField({ service, secret: SECRET, logger: createLogger("silent"), defaultLang: "zh-CN" })] });
    await server.listen({ port: 0, host: "127.0.0.1" });
    const address = server.server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  const sync = (headers: Record<string, string>, body: string, type = "application/json") =>
    fetch(`${url}/field/api/sync`, { method: "POST", headers: { "content-type": type, ...headers }, body });

  it("serves the page, its service worker (allowed to control /field) and the engine for the browser", async () => {
    const page = await fetch(`${url}/field`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const worker = await fetch(`${url}/field/sw.js`);
    expect(worker.status).toBe(200);
    expect(worker.headers.get("service-worker-allowed")).toBe("/field");
    const engine = await fetch(`${url}/field/static/engine.js`);
    expect(engine.status).toBe(200);
    expect(await engine.text()).toContain("AnxinInterview");
    expect((await fetch(`${url}/field/static/../../secret`)).status).toBe(404);
    expect((await fetch(`${url}/field/static/sw.js.map`)).status).toBe(404);
  });

  it("answers 401 without a staff token and 403 for a resident's or a forged one, in the caller's language", async () => {
    const none = await fetch(`${url}/field/api/bootstrap`, { headers: { "accept-language": "en" } });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "staff_login", message: expect.stringMatching(/officer or admin link/) });
    const forged = await fetch(`${url}/field/api/bootstrap`, { headers: { authorization: `Bearer ${token(officerA.id).slice(0, -2)}xx` } });
    expect(forged.status).toBe(401);
    const residentCall = await fetch(`${url}/field/api/bootstrap`, { headers: bearer(resident.id) });
    expect(residentCall.status).toBe(403);
    expect((await residentCall.json()).error).toBe("staff_only");
    expect((await sync(bearer(resident.id), "{}")).status).toBe(403);
    expect((await sync({}, "{}")).status).toBe(401);
  });

  it("gives an officer only their own households, with each one's own QR link; an admin all", async () => {
    const a = await (await fetch(`${url}/field/api/bootstrap?lang=en`, { headers: bearer(officerA.id) })).json();
    expect(a.me).toMatchObject({ id: officerA.id, role: "officer" });
    expect(a.households.map((h: { id: string }) => h.id)).toEqual([houseA.id]);
    expect(a.households[0].phone).toBe("138****0001");
    expect(a.households[0].qr).toMatch(new RegExp(`/q/${officerA.id}\\.[A-Za-z0-9_-]+\\.${houseA.id}\\.[A-Za-z0-9_-]+$`));
    expect(a.text).toBeTypeOf("object");
    expect(a.survey?.questionnaire?.id).toBe("public-safety");
    const all = await (await fetch(`${url}/field/api/bootstrap`, { headers: bearer(admin.id) })).json();
    expect(all.households.map((h: { id: string }) => h.id).sort()).toEqual([houseA.id, houseB.id].sort());
    // An admin's list names each household's own officer in its QR.
    const b = all.households.find((h: { id: string }) => h.id === houseB.id);
    expect(b.qr).toContain(`/q/${officerB.id}.`);
  });

  it("refuses another officer's household with 403 and an unknown one with 404", async () => {
    const own = await fetch(`${url}/field/api/households/${houseA.id}`, { headers: bearer(officerA.id) });
    expect(own.status).toBe(200);
    expect((await own.json()).address).toBe("1号");
    const other = await fetch(`${url}/field/api/households/${houseB.id}`, { headers: { ...bearer(officerA.id), "accept-language": "zh-CN" } });
    expect(other.status).toBe(403);
    expect(await other.json()).toEqual({ error: "field_not_yours", message: "这一户不是您负责的。" });
    expect((await fetch(`${url}/field/api/households/nope`, { headers: bearer(officerA.id) })).status).toBe(404);
    // Fastify refuses an over-long path parameter before any route runs: a plain refusal.
    const long = await fetch(`${url}/field/api/households/${"x".repeat(500)}`, { headers: bearer(officerA.id) });
    expect(long.status).toBe(414);
    expect(await long.text()).not.toMatch(/stack|node_modules|prisma/i);
    expect((await fetch(`${url}/field/api/households/${houseB.id}`, { headers: bearer(admin.id) })).status).toBe(200);
  });

  it("stores nothing when an officer records a visit at another officer's household", async () => {
    const body = { visits: [{ clientId: "visit-at-b-0001", householdId: houseB.id, visitedAt: new Date().toISOString(), handedOver: { leaflet: true, tips: [] }, survey: "nobody_home", notes: null }] };
    const response = await sync(bearer(officerA.id), JSON.stringify(body));
    expect(response.status).toBe(200);
    const results = (await response.json()).results;
    expect(results.visits).toEqual([{ clientId: "visit-at-b-0001", status: "refused", reason: "not-yours", message: expect.any(String) }]);
    expect(await env.store.listVisits({ householdId: houseB.id })).toEqual([]);
  });

  it("refuses a cross-site or non-JSON sync, and bodies that are not a sync, without internals", async () => {
    expect((await sync({ ...bearer(officerA.id), origin: "https://evil.example" }, "{}")).status).toBe(403);
    expect((await sync(bearer(officerA.id), "visits=1", "application/x-www-form-urlencoded")).status).toBe(415);
    expect((await sync(bearer(officerA.id), "visits=1", "text/plain")).status).toBe(415);
    for (const body of ["[]", "null", "42", '"x"', "{", '{"visits": "all"}', '{"visits": [' + "1,".repeat(300) + "1]}", "\uD800"]) {
      const response = await sync(bearer(officerA.id), body);
      expect([400], body.slice(0, 20)).toContain(response.status);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: "bad_request", message: expect.any(String) });
      expect(text).not.toMatch(/prisma|stack|at \w+ \(|node_modules/i);
    }
    const huge = await sync(bearer(officerA.id), JSON.stringify({ visits: [], notes: "x".repeat(5 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toBe("too_large");
  });
});
