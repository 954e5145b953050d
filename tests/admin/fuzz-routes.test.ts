/**
 * Every admin route's parameters fuzzed: each route the dashboard mounts (collected as it is
 * registered, so a new route is fuzzed without editing this file) gets hostile values in its query,
 * its path parameters and its body — JSON, form and raw — as an admin (so the requests reach the
 * handlers), with a deterministic choice of names and values per route. No answer may be a 500,
 * and no answer may carry internals (a stack frame, a source path, Prisma's words).
 *
 * The matrix is sampled so the suite stays under a minute; ANXIN_FUZZ_ROUNDS=<n> multiplies it for
 * a deeper run by hand (the whole matrix once took 6,385 requests and found the chart-label bug).
 */
import type { FastifyInstance, InjectOptions, RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { csrfToken } from "../../bots/dashboard/mount.js";
import { adminEnv, type AdminEnv } from "./support.js";

/** Parameter names the dashboard's routes read, in queries and bodies (bots/dashboard/queries.ts and the routes' schemas). */
const NAMES = [
  "lang", "wave", "region", "level", "measure", "clean", "min", "status", "tag", "tags", "q", "since", "until", "cursor", "limit",
  "format", "under", "id", "seed", "questionnaire", "opens", "closes", "offset", "at", "name", "label", "value", "notes", "outcome",
  "issue", "issues", "done", "body", "code", "zhCN", "zhTW", "en", "contents", "method", "verifier", "broadcast", "edit", "errorId",
  "problem", "replace", "dryRun", "minPerStratum", "share", "count", "_csrf",
];

/** Text values a browser, a script or a confused admin can send. */
const TEXTS = [
  "", " ", "2026-13-45", "2026-02-30", "9999-99-99T99:99", "0000-00-00", "2026-11-01T08:00+25:00", "-1", "0", "1e309", "NaN",
  "Infinity", "-0", "0x10", "999999999999999999999999", "3.5", "__proto__", "constructor", "toString", "hasOwnProperty",
  "../../etc/passwd", "%00", "\u0000", "\u0007bell", "\u202Eevil", "👮‍♀️", "𠀀𠀁", "null", "true", "undefined", "[]", "{}",
  "' OR 1=1 --", "\"; DROP TABLE Response; --", "<script>alert(1)</script>", "=cmd|' /C calc'!A0", "+1-2", "a".repeat(5000),
  "zh-CN", "xx-YY", "en", "region:", "wave@", "safety_overall.rate", "safety_overall.", "csv", "xlsx", "json", "pdf",
];

/** Raw values that are not text at all, for JSON bodies. */
const JSON_VALUES: unknown[] = [null, 0, -1, 1.5, 1e308, true, false, [], ["a", "b"], {}, { __proto__: { polluted: 1 } }, { nested: { deep: [1, { x: null }] } }, "x".repeat(70_000)];

/** Path segments for `:id`, `:chart`, `:kind`. */
const SEGMENTS = ["nope", "0", "-1", "%00", "%E2%80%AE", "%ED%A0%80", "__proto__", "..%2F..%2Fetc", "a".repeat(300), "responses", "suggestions", "visits", "security_by_region"];

/** A small, seeded pseudo-random generator (mulberry32): the same requests every run. */
function random(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, from: readonly T[], count: number): T[] {
  const chosen: T[] = [];
  for (let i = 0; i < count; i++) chosen.push(from[Math.floor(next() * from.length)]!);
  return chosen;
}

function hash(text: string): number {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.codePointAt(0)!, 16777619);
  return h >>> 0;
}

/** A query string that keeps what it is given, lone surrogates included (encodeURIComponent throws on those). */
function query(pairs: [string, string][]): string {
  const encode = (s: string) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return "%ED%A0%80";
    }
  };
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join("&");
}

/** What an answer must never show a caller. */
const INTERNALS = [/prisma/i, /node_modules/, /\.[cm]?[jt]s:\d+/, /\bat [\w.<>]+ \(/, /Invalid `/, /\bstack\b/i, /SQLITE_/, /TypeError|RangeError|ReferenceError/];

interface Route {
  method: string;
  url: string;
}

describe("admin routes under fuzzed parameters", () => {
  let env: AdminEnv;
  const routes: Route[] = [];

  beforeAll(async () => {
    const collect = (app: FastifyInstance) => {
      app.addHook("onRoute", (route: RouteOptions) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        for (const method of methods) {
          if (method === "HEAD" || !route.url.startsWith("/admin")) continue;
          if (route.url.includes("/static/")) continue;
          routes.push({ method, url: route.url });
        }
      });
    };
    env = await adminEnv({ before: [collect] });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
  });

  it("collected the dashboard's routes", () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const url of ["/admin/api/stats", "/admin/api/waves", "/admin/api/export/:kind", "/admin/regions/import", "/admin/suggestions/:id"]) {
      expect(routes.map((r) => r.url)).toContain(url);
    }
  });

  it("answers every fuzzed request without a 500 and without internals", async () => {
    const rounds = Math.max(1, Number(process.env.ANXIN_FUZZ_ROUNDS ?? 1) || 1);
    const cookie = `anxin_staff=${env.tokens.admin}`;
    const csrf = csrfToken(env.secret, env.tokens.admin);
    const failures: string[] = [];
    let sent = 0;

    const send = async (label: string, options: InjectOptions) => {
      sent += 1;
      let res;
      try {
        res = await env.app.inject(options);
      } catch (error) {
        failures.push(`${label}: inject threw ${String(error)}`);
        return;
      }
      const body = res.body.slice(0, 20_000);
      if (res.statusCode >= 500) failures.push(`${label}: ${res.statusCode} ${body.slice(0, 200)}`);
      const leak = INTERNALS.find((pattern) => pattern.test(body) && !/\.(csv|xlsx)/.test(String(options.url)));
      if (leak && res.statusCode >= 400) failures.push(`${label}: ${res.statusCode} shows ${leak}: ${body.slice(0, 200)}`);
    };

    // Signing out ends every session of the admin (revocation), so it is fuzzed last.
    const ordered = [...routes.filter((r) => r.url !== "/admin/logout"), ...routes.filter((r) => r.url === "/admin/logout")];
    for (let round = 0; round < rounds; round++) {
      for (const route of ordered) {
        const next = random(hash(`${route.method} ${route.url} ${round}`));
        const withPath = (segment: string | undefined) =>
          route.url.replace(/:\w+/g, () => segment ?? pick(next, SEGMENTS, 1)[0]!).replace(/\*$/, pick(next, ["x", "api/nope", "%00", "..%2F"], 1)[0]!);
        const mutating = route.method !== "GET";
        const headers = { cookie, ...(mutating ? { "x-csrf-token": csrf } : {}) };
        const label = (what: string) => `${route.method} ${route.url} ${what}`;

        // Path parameters alone.
        if (/[:*]/.test(route.url)) {
          for (const segment of pick(next, SEGMENTS, 3)) await send(label(`path ${segment.slice(0, 20)}`), { method: route.method as "GET", url: withPath(segment), headers });
        }
        // Queries: one hostile name=value at a time, then several at once, then a repeated name (an array).
        for (const name of pick(next, NAMES, 5)) {
          for (const value of pick(next, TEXTS, 4)) {
            await send(label(`?${name}=${JSON.stringify(value.slice(0, 20))}`), { method: route.method as "GET", url: `${withPath(undefined)}?${query([[name, value]])}`, headers });
          }
        }
        const several = pick(next, NAMES, 6).map((n) => [n, pick(next, TEXTS, 1)[0]!] as [string, string]);
        await send(label("several"), { method: route.method as "GET", url: `${withPath(undefined)}?${query(several)}`, headers });
        await send(label("repeated"), { method: route.method as "GET", url: `${withPath(undefined)}?wave=a&wave=b&lang=en&lang=zh-CN&since=2026-01-01&since=x`, headers });
        if (!mutating) continue;

        // Bodies: JSON objects of wrong shapes and types, forms with hostile fields, and raw bytes.
        for (let i = 0; i < 6; i++) {
          const payload: Record<string, unknown> = {};
          for (const name of pick(next, NAMES, 1 + Math.floor(next() * 5))) payload[name] = next() < 0.5 ? pick(next, TEXTS, 1)[0] : pick(next, JSON_VALUES, 1)[0];
          await send(label(`json ${JSON.stringify(payload).slice(0, 60)}`), { method: route.method as "POST", url: withPath(undefined), headers: { ...headers, "content-type": "application/json" }, payload: JSON.stringify(payload) });
        }
        for (let i = 0; i < 4; i++) {
          const fields = pick(next, NAMES, 1 + Math.floor(next() * 5)).map((n) => [n, pick(next, TEXTS, 1)[0]!] as [string, string]);
          await send(label(`form ${query(fields).slice(0, 60)}`), {
            method: route.method as "POST",
            url: withPath(undefined),
            headers: { ...headers, "content-type": "application/x-www-form-urlencoded" },
            payload: `${query(fields)}&_csrf=${encodeURIComponent(csrf)}`,
          });
        }
        const raws: [string, string | Buffer][] = [
          ["application/json", "{\"wave\":"],
          ["application/json", "[1,2,3]"],
          ["application/json", "\"text\""],
          ["application/x-www-form-urlencoded", "%%%&=&==&wave=%E0%A4%A"],
          ["multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n\u0000\u0001\r\n--x--"],
          ["multipart/form-data", "no boundary"],
          ["text/plain", "hello"],
          ["application/octet-stream", Buffer.from([0xff, 0xfe, 0x00, 0x01])],
        ];
        for (const [type, payload] of pick(next, raws, 3)) {
          await send(label(`raw ${type}`), { method: route.method as "POST", url: withPath(undefined), headers: { ...headers, "content-type": type }, payload });
        }
      }
    }

    // Unknown addresses under /admin, with and without sign-in.
    for (const path of ["/admin/nope", "/admin/api/nope?x=%00", "/admin/%2e%2e/etc/passwd", `/admin/${"x".repeat(2000)}`]) {
      await send(`GET ${path.slice(0, 40)}`, { method: "GET", url: path, headers: { cookie } });
      await send(`GET ${path.slice(0, 40)} signed out`, { method: "GET", url: path });
    }

    expect(sent).toBeGreaterThan(800);
    expect(failures.slice(0, 25), `${failures.length} of ${sent} requests failed`).toEqual([]);
  }, 600_000);
});
