/**
 * OFFICE_TIME_ZONE end to end, with a fixed clock: a wave scheduled at 09:00 office time is stored
 * as the right instant (01:00Z in Asia/Shanghai) and shown as 09:00 everywhere — `anxin wave
 * open` and `wave list`, the dashboard's Waves page, the waves JSON API — and the same in
 * Europe/Berlin around the night its clocks go back (25 October 2026), where a typed time that
 * occurs twice is the earlier one. And an unknown zone stops start-up with a clear line.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildServer } from "../../app/server.js";
import { ConfigError, loadConfig, officeTimeZone } from "../../app/config.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { csrfToken, mountAdmin } from "../../bots/dashboard/mount.js";
import { AdminService } from "../../core/admin/service.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { runAnxin } from "./cli.js";

const SECRET = "test-secret-0123456789-abcdefghijklmnop";
// Tuesday 20 October 2026, 10:00 UTC: Berlin is on summer time (UTC+2) today, on winter time
// (UTC+1) from Sunday 25 October, 03:00.
const NOW = new Date("2026-10-20T10:00:00.000Z");

interface ZoneCase {
  zone: string;
  /** 09:00 on 26 October 2026 in the zone, as stored. */
  stored: string;
  /** The same as the JSON API writes it. */
  iso: string;
  offset: string;
}

const CASES: ZoneCase[] = [
  { zone: "Asia/Shanghai", stored: "2026-10-26T01:00:00.000Z", iso: "2026-10-26T09:00:00+08:00", offset: "+08:00" },
  { zone: "Europe/Berlin", stored: "2026-10-26T08:00:00.000Z", iso: "2026-10-26T09:00:00+01:00", offset: "+01:00" },
];

describe.each(CASES)("office time in $zone", ({ zone, stored, iso, offset }) => {
  let opened: TestStore;
  let app: FastifyInstance;
  let token: string;
  const savedZone = process.env.OFFICE_TIME_ZONE;

  /** `anxin …` in this process at the fixed clock, with OFFICE_TIME_ZONE set. */
  async function anxin(...args: string[]): Promise<string> {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(NOW);
    process.env.OFFICE_TIME_ZONE = zone;
    try {
      return await runAnxin(opened.db.target.url, ...args);
    } finally {
      vi.useRealTimers();
      if (savedZone === undefined) delete process.env.OFFICE_TIME_ZONE;
      else process.env.OFFICE_TIME_ZONE = savedZone;
    }
  }

  beforeAll(async () => {
    opened = await openTestStore({ defaultSurvey: new Date(NOW.getTime() - 24 * 3600_000) });
    const admin = await opened.store.setRole("telegram", "admin-tz", "admin");
    token = issueStaffToken(SECRET, admin, NOW);
    const logger = pino({ level: "silent" });
    app = await buildServer({ store: opened.store, logger, mounts: [mountAdmin({ service: new AdminService(opened.store, { timeZone: zone, now: () => NOW }), secret: SECRET, logger })] });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await opened?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a wave scheduled with `anxin wave open --opens \"2026-10-26 09:00\"` is stored as that office time and listed as 09:00", async () => {
    const out = await anxin("wave", "open", "--name", "autumn", "--opens", "2026-10-26 09:00");
    expect(out.split("\n")[0]).toMatch(new RegExp(`^scheduled wave "autumn" \\(\\w+\\) on public-safety v\\d+: opens 2026-10-26 09:00\\${offset}, open-ended$`));
    const wave = (await opened.store.listWaves()).find((w) => w.name === "autumn")!;
    expect(wave.opensAt.toISOString()).toBe(stored);
    const line = (await anxin("wave", "list")).split("\n").find((l) => l.startsWith("autumn\t"))!;
    expect(line.split("\t").slice(3, 6)).toEqual([`opens 2026-10-26 09:00${offset}`, "open-ended", "scheduled"]);
  });

  it("the dashboard's Waves page shows it at 09:00 and names the zone", async () => {
    const wave = (await opened.store.listWaves()).find((w) => w.name === "autumn")!;
    const body = (await app.inject({ url: "/admin/waves?lang=en", headers: { authorization: `Bearer ${token}` } })).body;
    const start = body.indexOf(`<tr data-wave="${wave.id}"`);
    const row = body.slice(start, body.indexOf("</tr>", start));
    expect(row).toContain('<td class="date">2026-10-26 09:00</td>');
    expect(body).toContain(`Times on this page are office time (${zone}).`);
    expect(body).toContain(`Times on this page are office time: ${zone}.`);
  });

  it("the waves JSON API writes it at the office's offset", async () => {
    const res = await app.inject({ url: "/admin/api/waves", headers: { authorization: `Bearer ${token}` } });
    const body = res.json() as { timeZone: string; waves: { name: string; opensAt: string; status: string }[] };
    expect(body.timeZone).toBe(zone);
    expect(body.waves.find((w) => w.name === "autumn")).toMatchObject({ opensAt: iso, status: "scheduled" });
    expect(Date.parse(iso)).toBe(Date.parse(stored));
  });

  it("a time typed on the dashboard's form is office time too, and the notice shows it back as typed", async () => {
    const cookie = `anxin_staff=${token}`;
    const res = await app.inject({
      method: "POST",
      url: "/admin/waves/open?lang=en",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ name: "winter", opens: "2026-12-08T09:00", _csrf: csrfToken(SECRET, token) }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const winter = (await opened.store.listWaves()).find((w) => w.name === "winter")!;
    expect(winter.opensAt.toISOString()).toBe(zone === "Asia/Shanghai" ? "2026-12-08T01:00:00.000Z" : "2026-12-08T08:00:00.000Z");
    const notice = (await app.inject({ url: String(res.headers.location), headers: { cookie } })).body;
    expect(notice).toContain("it opens 2026-12-08 09:00;");
  });

  it("a time the clocks pass twice (Berlin, 25 October 02:30) is the earlier one; the API shows it with its offset", async () => {
    const res = await app.inject({ method: "POST", url: "/admin/api/waves", headers: { authorization: `Bearer ${token}` }, payload: { name: "fall-back", opens: "2026-10-25 02:30" } });
    expect(res.statusCode).toBe(201);
    const body = res.json() as { wave: { opensAt: string } };
    const wave = (await opened.store.listWaves()).find((w) => w.name === "fall-back")!;
    if (zone === "Europe/Berlin") {
      expect(wave.opensAt.toISOString()).toBe("2026-10-25T00:30:00.000Z");
      expect(body.wave.opensAt).toBe("2026-10-25T02:30:00+02:00");
    } else {
      expect(wave.opensAt.toISOString()).toBe("2026-10-24T18:30:00.000Z");
      expect(body.wave.opensAt).toBe("2026-10-25T02:30:00+08:00");
    }
  });
});

describe("OFFICE_TIME_ZONE", () => {
  it("defaults to Asia/Shanghai and takes any IANA zone", () => {
    expect(officeTimeZone({})).toBe("Asia/Shanghai");
    expect(officeTimeZone({ OFFICE_TIME_ZONE: "" })).toBe("Asia/Shanghai");
    expect(officeTimeZone({ OFFICE_TIME_ZONE: "Europe/Berlin" })).toBe("Europe/Berlin");
    expect(loadConfig({ OFFICE_TIME_ZONE: "Asia/Hong_Kong" }).timeZone).toBe("Asia/Hong_Kong");
    expect(loadConfig({}).timeZone).toBe("Asia/Shanghai");
  });

  it("an unknown zone is a clear configuration error", () => {
    expect(() => loadConfig({ OFFICE_TIME_ZONE: "Asia/Beijing" })).toThrow(ConfigError);
    expect(() => loadConfig({ OFFICE_TIME_ZONE: "Asia/Beijing" })).toThrow(/^OFFICE_TIME_ZONE: unknown time zone "Asia\/Beijing" \(an IANA name such as Asia\/Shanghai/);
    expect(() => officeTimeZone({ OFFICE_TIME_ZONE: "+08:00" })).toThrow(/^OFFICE_TIME_ZONE: unknown time zone "\+08:00"/);
  });
});
