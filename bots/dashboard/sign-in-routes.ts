/**
 * The routes open to anyone: the sign-in page and form (a staff token, exchanged for the HTTP-only
 * SameSite=Strict `anxin_staff` cookie; rate-limited), sign-out, and the stylesheet that the
 * sign-in page needs before anyone has signed in.
 *
 * Both forms are CSRF-protected and same-origin only: the sign-in form's token is bound to a
 * random pre-session cookie the sign-in page sets (so another site cannot sign a browser into its
 * own account), sign-out's to the staff token. Sign-out ends the session on the server too: it
 * raises the person's session epoch, so a copied cookie or token stops working at once.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { holdsSession, STAFF_COOKIE, tokenOf, verifyStaffToken } from "../../app/staff-auth.js";
import { adminLang, at } from "../../core/admin/i18n.js";
import type { Lang } from "../../core/engine/types.js";
import type { DashboardDeps } from "./deps.js";
import { loginPage } from "./pages.js";
import { sendHtml } from "./replies.js";
import { csrfMatches, csrfToken, newPreSession, PRE_SESSION_COOKIE, preSessionCsrf } from "./security.js";

const CSS = readFileSync(new URL("./public/admin.css", import.meta.url), "utf8");

/** How long a sign-in form stays usable: long enough to find the token, short enough to be stale soon. */
const PRE_SESSION_SECONDS = 2 * 3600;

type CookieRequest = FastifyRequest & { cookies?: Record<string, string | undefined> };

/** Registers GET /admin/static/admin.css, GET /admin/, GET and POST /admin/login and POST /admin/logout. */
export function registerSignInRoutes(app: FastifyInstance, { service, secret, now, sameOrigin }: DashboardDeps): void {
  app.get("/admin/static/admin.css", async (_request, reply) => reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(CSS));

  // An address typed with a trailing slash would be the server's JSON 404: send it to the dashboard.
  app.get("/admin/", async (request, reply) => {
    const query = request.url.indexOf("?");
    return reply.redirect(`/admin${query >= 0 ? request.url.slice(query) : ""}`, 301);
  });

  const preSessionOf = (request: FastifyRequest): string | undefined => {
    const value = (request as CookieRequest).cookies?.[PRE_SESSION_COOKIE];
    return value && /^[A-Za-z0-9_-]{24}$/.test(value) ? value : undefined;
  };

  /** The sign-in page, keeping the browser's pre-session (two open tabs both work) or starting one. */
  const signInPage = (request: FastifyRequest, reply: FastifyReply, lang: Lang, message: string | undefined, status = 200) => {
    const pre = preSessionOf(request) ?? newPreSession();
    reply.setCookie(PRE_SESSION_COOKIE, pre, { path: "/admin", httpOnly: true, sameSite: "strict", secure: request.protocol === "https", maxAge: PRE_SESSION_SECONDS });
    return sendHtml(reply, loginPage(lang, preSessionCsrf(secret, pre), message), status);
  };

  app.get("/admin/login", async (request, reply) => {
    const q = request.query as { lang?: string; out?: string };
    const lang = adminLang(q.lang);
    return signInPage(request, reply, lang, q.out ? at(lang, "login.signed_out") : undefined);
  });

  app.post("/admin/login", { config: { rateLimit: { max: 10, timeWindow: "1 minute" } } }, async (request, reply) => {
    const body = (request.body ?? {}) as { token?: unknown; lang?: unknown; _csrf?: unknown };
    const lang = adminLang(body.lang);
    // Checked before the token is even read: a forged form learns nothing about it.
    const pre = preSessionOf(request);
    if (!sameOrigin(request) || !pre || !csrfMatches(body._csrf, preSessionCsrf(secret, pre))) {
      return signInPage(request, reply, lang, at(lang, "login.form_expired"), 403);
    }
    const token = typeof body.token === "string" ? body.token.trim() : "";
    const claims = token ? verifyStaffToken(secret, token, now()) : null;
    const resident = claims ? await service.staffMember(claims.residentId) : null;
    if (!claims || !holdsSession(claims, resident) || !resident) return signInPage(request, reply, lang, at(lang, "login.invalid"), 401);
    if (resident.role !== "admin") return signInPage(request, reply, lang, at(lang, "login.not_admin"), 403);
    reply.setCookie(STAFF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: request.protocol === "https",
      // The cookie lives as long as the token it carries.
      maxAge: Math.max(60, Math.floor((claims.expiresAt.getTime() - now().getTime()) / 1000)),
    });
    reply.clearCookie(PRE_SESSION_COOKIE, { path: "/admin" });
    await service.recordSignIn(resident.id);
    return reply.redirect(`/admin?lang=${lang}`, 303);
  });

  app.post("/admin/logout", async (request, reply) => {
    const body = (request.body ?? {}) as { lang?: unknown; _csrf?: unknown };
    if (!sameOrigin(request)) return reply.code(403).send({ error: "forbidden", message: "cross-origin request refused" });
    const token = tokenOf(request);
    if (token) {
      // A Bearer token is never sent by a browser on its own, so only the cookie needs the CSRF token.
      const bearer = request.headers.authorization?.startsWith("Bearer ") === true;
      if (!bearer && !csrfMatches(body._csrf, csrfToken(secret, token))) return reply.code(403).send({ error: "forbidden", message: "missing or wrong CSRF token" });
      const claims = verifyStaffToken(secret, token, now());
      // Only a session still current is ended: an old token must not sign its owner out everywhere.
      if (claims && holdsSession(claims, await service.staffMember(claims.residentId))) await service.endStaffSessions(claims.residentId, claims.epoch);
    }
    reply.clearCookie(STAFF_COOKIE, { path: "/" });
    return reply.redirect(`/admin/login?out=1&lang=${adminLang(body.lang)}`, 303);
  });
}
