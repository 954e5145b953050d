/**
 * What keeps the admin surface safe, shared by every route: the strict CSP and other response
 * headers, the cookie, form and rate-limit plugins, the staff check (Bearer token or the
 * `anxin_staff` cookie, admins only), the CSRF token every cookie-authenticated POST/PATCH must
 * carry and the same-origin check of every request that changes something. The CSRF token is
 * stateless (an HMAC of the staff token), so nothing is kept per session; before sign-in it is an
 * HMAC of a random pre-session cookie set by the sign-in page ({@link preSessionCsrf}).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import { registerRateLimit, type LimitsLogger, type RedisSettings } from "../shared/rate-limits.js";
import { requireRole, tokenOf, type StaffLookup, type StaffRequest } from "../../app/staff-auth.js";
import type { ResidentRecord } from "../../core/model/index.js";
import { normalizeLang, type Lang } from "../../core/engine/types.js";
import { adminLang } from "../../core/admin/i18n.js";
import { deniedPage, type PageContext } from "./pages.js";

/** The Content-Security-Policy of every admin response: no script, nothing from elsewhere. */
export const ADMIN_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The CSRF token that goes with a staff token (stateless: an HMAC of it). */
export function csrfToken(secret: string, staffToken: string): string {
  return createHmac("sha256", secret).update(`csrf:${staffToken}`).digest("base64url").slice(0, 32);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie that binds the sign-in form's CSRF token to the browser that loaded the form. */
export const PRE_SESSION_COOKIE = "anxin_pre";

/** A fresh pre-session id for the sign-in page's cookie. */
export function newPreSession(): string {
  return randomBytes(18).toString("base64url");
}

/** The sign-in form's CSRF token for a pre-session id (another purpose than {@link csrfToken}, so neither passes for the other). */
export function preSessionCsrf(secret: string, preSession: string): string {
  return createHmac("sha256", secret).update(`csrf-pre:${preSession}`).digest("base64url").slice(0, 32);
}

/** Does `given` match the token of `expected` (either may be missing)? In constant time. */
export function csrfMatches(given: unknown, expected: string): boolean {
  return typeof given === "string" && given !== "" && expected !== "" && sameToken(given, expected);
}

/**
 * Is a state-changing request from our own pages? An `Origin` must name the same scheme and host
 * as PUBLIC_URL or the request itself. `Origin: null` (a sandboxed frame, or a page under a
 * no-referrer policy) and a request without Origin pass only if `Sec-Fetch-Site` says same-origin
 * — or, without Origin, if it is missing too: a client sending neither is no browser, carries no
 * ambient cookie, and still needs the CSRF token.
 */
export function isSameOriginRequest(request: FastifyRequest, publicUrl: string | undefined): boolean {
  const origin = request.headers.origin;
  if (origin === "null") return request.headers["sec-fetch-site"] === "same-origin";
  if (typeof origin === "string") {
    let given: string;
    try {
      given = new URL(origin).origin;
    } catch {
      return false;
    }
    const own = [`${request.protocol}://${request.host}`];
    if (publicUrl) {
      try {
        own.push(new URL(publicUrl).origin);
      } catch {
        // A malformed PUBLIC_URL is config's to report; the request's own origin still counts.
      }
    }
    return own.some((o) => {
      try {
        return new URL(o).origin === given;
      } catch {
        return false;
      }
    });
  }
  const site = request.headers["sec-fetch-site"];
  return typeof site !== "string" || site === "same-origin" || site === "none";
}

/** A fastify preHandler that may answer the request itself (and so end it). */
export type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** The preHandlers of the admin routes. */
export interface StaffGuards {
  /** Admits admins only: 401 without a valid token, 403 for residents and officers. */
  admin: Guard;
  /** Route options of a route that changes something: an admin, and the CSRF token unless the request came with a Bearer token. */
  guarded: { preHandler: Guard[] };
  /** {@link isSameOriginRequest} against this mount's PUBLIC_URL (for the sign-in routes, which have no guard). */
  sameOrigin: (request: FastifyRequest) => boolean;
}

/**
 * The guards of the admin routes, checking tokens signed with `secret` against the clock `now` and
 * their holder by `staffMember`. `publicUrl` (PUBLIC_URL) is an origin our pages may post from.
 */
export function staffGuards(staffMember: StaffLookup, secret: string, now: () => Date, publicUrl?: string): StaffGuards {
  const sameOrigin = (request: FastifyRequest) => isSameOriginRequest(request, publicUrl);
  const role = requireRole(staffMember, secret, "admin", now);
  // In the admin guard rather than the CSRF one, so that a route checking its CSRF token itself
  // (the region upload, whose body is parsed late) is covered too.
  const admin: Guard = async (request, reply) => {
    if (request.method !== "GET" && request.method !== "HEAD" && !sameOrigin(request)) {
      await reply.code(403).send({ error: "forbidden", message: "cross-origin request refused" });
      return;
    }
    await role(request, reply);
  };
  const csrf: Guard = async (request, reply) => {
    if (reply.sent) return;
    if (request.method === "GET" || request.method === "HEAD") return;
    // A bearer token is not sent by browsers on their own, so it needs no CSRF token.
    if (request.headers.authorization?.startsWith("Bearer ")) return;
    const token = tokenOf(request) ?? "";
    const body = request.body as Record<string, unknown> | undefined;
    const given = (typeof body?._csrf === "string" ? body._csrf : undefined) ?? (typeof request.headers["x-csrf-token"] === "string" ? request.headers["x-csrf-token"] : "");
    if (!given || !sameToken(given, csrfToken(secret, token))) {
      await reply.code(403).send({ error: "forbidden", message: "missing or wrong CSRF token" });
    }
  };
  return { admin, guarded: { preHandler: [admin, csrf] }, sameOrigin };
}

/** The context every page is rendered with: its language, the CSRF token for its forms, its own URL. */
export function pageContextFor(secret: string, request: FastifyRequest, lang: Lang): PageContext {
  return { lang, csrf: csrfToken(secret, tokenOf(request) ?? ""), url: request.url };
}

/**
 * The staff member a guarded route serves.
 * @throws Error when the route was registered without the admin guard (a programming error)
 */
export function staffOf(request: FastifyRequest): ResidentRecord {
  const staff = (request as StaffRequest).staff;
  if (!staff) throw new Error("admin route without requireRole");
  return staff;
}

/** The language of a page request without a signed-in admin: `?lang=`, else the browser's first choice if we speak it. */
function pageLang(request: FastifyRequest): Lang {
  const q = request.query as { lang?: string } | undefined;
  const first = request.headers["accept-language"]?.split(",")[0]?.split(";")[0]?.trim();
  return adminLang(q?.lang, first && /^(zh|en)\b/i.test(first) ? normalizeLang(first) : "zh-CN");
}

/**
 * Registers the cookie, form and rate-limit plugins and the security headers on the admin scope:
 * must run before any admin route is added. A browser asking for a page instead of the JSON
 * refusal gets, without a session (401), a 303 to the sign-in page, and, signed in without the
 * admin role (403), a page saying so. The API (/admin/api/…) keeps its JSON 401 and 403.
 */
export async function registerSecurity(scope: FastifyInstance, limits: { redis?: RedisSettings; logger: LimitsLogger }): Promise<void> {
  // Registered in this encapsulated scope so that another mount's copy cannot clash.
  if (!scope.hasRequestDecorator("cookies")) await scope.register(fastifyCookie);
  if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(fastifyFormbody);
  // Sign-in attempts count across instances when they share Redis (a guesser cannot spread them).
  await registerRateLimit(scope, { global: false }, limits.redis, limits.logger);

  scope.addHook("onSend", async (request, reply, payload) => {
    reply.header("content-security-policy", ADMIN_CSP);
    reply.header("x-content-type-options", "nosniff");
    // Not no-referrer: under it browsers send `Origin: null` even with our own forms, and the
    // origin check needs the real one. No other site gets a referrer all the same.
    reply.header("referrer-policy", "same-origin");
    reply.header("x-frame-options", "DENY");
    if (!request.url.startsWith("/admin/static/")) reply.header("cache-control", "no-store");
    const status = reply.statusCode;
    const wantsHtml = request.method === "GET" && !request.url.startsWith("/admin/api/") && (request.headers.accept ?? "").includes("text/html");
    if ((status === 401 || status === 403) && wantsHtml) {
      const lang = pageLang(request);
      reply.header("content-type", "text/html; charset=utf-8");
      if (status === 401) {
        // The guard answered with a JSON refusal; a browser opening a page is sent to sign in
        // (the page stays as the body, for a client that does not follow redirects).
        reply.code(303).header("location", `/admin/login?lang=${lang}`).removeHeader("www-authenticate");
      }
      return deniedPage(lang, status);
    }
    return payload;
  });
}
