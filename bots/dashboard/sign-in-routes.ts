/**
 * The routes open to anyone: the sign-in page and form (a staff token, exchanged for the HTTP-only
 * SameSite=Strict `anxin_staff` cookie; rate-limited), sign-out, and the stylesheet that the
 * sign-in page needs before anyone has signed in.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { STAFF_COOKIE, verifyStaffToken } from "../../app/staff-auth.js";
import { adminLang, at } from "../../core/admin/i18n.js";
import type { DashboardDeps } from "./deps.js";
import { loginPage } from "./pages.js";
import { sendHtml } from "./replies.js";

const CSS = readFileSync(new URL("./public/admin.css", import.meta.url), "utf8");

/** Registers GET /admin/static/admin.css, GET /admin/, GET and POST /admin/login and POST /admin/logout. */
export function registerSignInRoutes(app: FastifyInstance, { service, secret, now }: DashboardDeps): void {
  app.get("/admin/static/admin.css", async (_request, reply) => reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(CSS));

  // An address typed with a trailing slash would be the server's JSON 404: send it to the dashboard.
  app.get("/admin/", async (request, reply) => {
    const query = request.url.indexOf("?");
    return reply.redirect(`/admin${query >= 0 ? request.url.slice(query) : ""}`, 301);
  });

  app.get("/admin/login", async (request, reply) => {
    const q = request.query as { lang?: string; out?: string };
    const lang = adminLang(q.lang);
    return sendHtml(reply, loginPage(lang, q.out ? at(lang, "login.signed_out") : undefined));
  });

  app.post("/admin/login", { config: { rateLimit: { max: 10, timeWindow: "1 minute" } } }, async (request, reply) => {
    const body = (request.body ?? {}) as { token?: unknown; lang?: unknown };
    const lang = adminLang(body.lang);
    const token = typeof body.token === "string" ? body.token.trim() : "";
    const residentId = token ? verifyStaffToken(secret, token, now()) : null;
    const resident = residentId ? await service.staffMember(residentId) : null;
    if (!resident || resident.deletedAt) return sendHtml(reply, loginPage(lang, at(lang, "login.invalid")), 401);
    if (resident.role !== "admin") return sendHtml(reply, loginPage(lang, at(lang, "login.not_admin")), 403);
    // The cookie lives as long as the token it carries (its third part is the expiry, in seconds).
    const expires = Number(token.split(".")[2]) * 1000;
    reply.setCookie(STAFF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: request.protocol === "https",
      maxAge: Math.max(60, Math.floor((expires - now().getTime()) / 1000)),
    });
    await service.recordSignIn(resident.id);
    return reply.redirect(`/admin?lang=${lang}`, 303);
  });

  app.post("/admin/logout", async (request, reply) => {
    const body = (request.body ?? {}) as { lang?: unknown };
    reply.clearCookie(STAFF_COOKIE, { path: "/" });
    return reply.redirect(`/admin/login?out=1&lang=${adminLang(body.lang)}`, 303);
  });
}
