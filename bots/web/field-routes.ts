/**
 * The officers' phone page, `/field` (docs/field-api.md): the page files, its service worker, the
 * browser build of the interview, and two API calls — bootstrap (everything the phone needs to
 * work offline) and sync (what was recorded on it). A thin adapter: who is asking comes from the
 * staff cookie or a Bearer token, what they may see and change is the field service's to decide.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import fastifyCookie from "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import zhCN from "../../locales/zh-CN/field-page.json" with { type: "json" };
import zhTW from "../../locales/zh-TW/field-page.json" with { type: "json" };
import en from "../../locales/en/field-page.json" with { type: "json" };
import type { Logger } from "../../app/log.js";
import type { HttpMount } from "../../app/server.js";
import { holdsSession, tokenOf, verifyStaffToken } from "../../app/staff-auth.js";
import { isLang, type Lang } from "../../core/engine/types.js";
import { interviewBundle } from "./field-bundle.js";
import { addSecurityHeaders, isSameOrigin, WebError } from "./http.js";
import { requestLang, webText } from "./i18n.js";
import { registerRateLimit, type RedisSettings } from "../shared/rate-limits.js";
import { deriveKeys, type WebKeys } from "./signing.js";
import { leafletUrl } from "./staff.js";

/** The signed-in staff member a field request acts for. */
export interface FieldStaff {
  id: string;
  role: "officer" | "admin";
  name: string | null;
}

/** What the routes need from the field service (core/field/service.ts). */
export interface FieldRoutesService {
  /** The officer or admin with this id and their session epoch (app/staff-auth.ts), or null (a resident, erased, unknown). */
  staffMember(residentId: string): Promise<(FieldStaff & { sessionEpoch: number }) | null>;
  /** docs/field-api.md, `GET /field/api/bootstrap` (without `text`). */
  bootstrap(staff: FieldStaff, lang: Lang): Promise<object>;
  /** One household with its visits; throws an error with `reason` "not-found" / "not-yours" (→ 404 / 403). */
  household(staff: FieldStaff, id: string, lang: Lang): Promise<object>;
  /** docs/field-api.md, `POST /field/api/sync`. Throws {@link isBadSyncBody} errors for a body that is not a sync at all. */
  sync(staff: FieldStaff, body: unknown, lang: Lang): Promise<object>;
}

/** What mounting the phone page needs. */
export interface FieldMountContext {
  service: FieldRoutesService;
  /** The app secret (staff tokens). */
  secret: string;
  logger: Logger;
  defaultLang: Lang;
  /** PUBLIC_URL, when the app is behind a proxy (the same-origin check). */
  publicUrl?: string;
  now?: () => Date;
  /** Requests per minute per staff member (or address) to the API; default 120. */
  perMinute?: number;
  /** Redis shared by several instances (REDIS_URL): the per-minute counts are kept there. */
  redis?: RedisSettings;
}

/** The page's strings, by language (locales/<lang>/field-page.json). */
export const FIELD_PAGE_TEXT: Record<Lang, typeof zhCN> = { "zh-CN": zhCN, "zh-TW": zhTW, en };

const PUBLIC_DIR = new URL("./public/field/", import.meta.url);

/** Content types of the page's files, by extension. */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
};

/** The shell, worker and manifest have their own paths; every other file is a static one. */
const OWN_PATHS = new Set(["field.html", "sw.js", "manifest.webmanifest"]);

/** The literal in sw.js the server replaces with a stamp of the files it serves. */
const WORKER_VERSION = "anxin-field-v1";

function typeOf(name: string): string | undefined {
  const dot = name.lastIndexOf(".");
  return dot < 0 ? undefined : TYPES[name.slice(dot)];
}

/** Reads every page file once (they are small): name → bytes. */
function readPageFiles(): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(PUBLIC_DIR)) if (typeOf(name)) files.set(name, readFileSync(new URL(name, PUBLIC_DIR)));
  return files;
}

/** A sync body the service could not read at all (answered 400, nothing stored). */
export function isBadSyncBody(error: unknown): boolean {
  return error instanceof Error && (error.name === "FieldSyncBodyError" || (error as { code?: unknown }).code === "bad_sync_body");
}

/** The largest sync body accepted: 200 interviews of a long questionnaire fit comfortably. */
const SYNC_BODY_LIMIT = 4 * 1024 * 1024;

/** Creates the `/field` mount. */
export function mountField(ctx: FieldMountContext): HttpMount {
  const now = ctx.now ?? (() => new Date());
  const keys = deriveKeys(ctx.secret);
  const files = readPageFiles();
  /**
   * The service worker, its cache named after everything it caches (the page files and the engine
   * build): any change installs a fresh cache on the phones at once, and nothing else does.
   */
  let worker: Promise<string> | undefined;
  const workerScript = (): Promise<string> => {
    worker ??= interviewBundle().then((bundle) => {
      const hash = createHash("sha256").update(bundle.etag);
      for (const [name, body] of [...files].sort(([a], [b]) => a.localeCompare(b))) hash.update(name).update(body);
      return (files.get("sw.js") ?? Buffer.alloc(0)).toString("utf8").replace(WORKER_VERSION, `anxin-field-${hash.digest("hex").slice(0, 12)}`);
    });
    worker.catch(() => (worker = undefined));
    return worker;
  };

  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      await scope.register(fastifyCookie);
      await registerRateLimit(scope, { global: false, errorResponseBuilder: () => new WebError(429, "error.rate_limited") }, ctx.redis, ctx.logger);
      addSecurityHeaders(scope);
      scope.setErrorHandler((error: unknown, request, reply) => sendFieldError(request, reply, error, ctx));

      const langOf = (request: FastifyRequest<{ Querystring: { lang?: unknown } }>): Lang => {
        const asked = request.query?.lang;
        return typeof asked === "string" && isLang(asked) ? asked : requestLang(request.headers, ctx.defaultLang);
      };
      const staffOf = async (request: FastifyRequest): Promise<FieldStaff> => {
        const token = tokenOf(request);
        if (!token) throw new WebError(401, "error.staff_login");
        const claims = verifyStaffToken(ctx.secret, token, now());
        if (!claims) throw new WebError(401, "error.staff_login");
        const staff = await ctx.service.staffMember(claims.residentId);
        if (!staff) throw new WebError(403, "error.staff_only");
        // Signed out or revoked since the token was issued: the same answer as no token at all.
        if (!holdsSession(claims, staff)) throw new WebError(401, "error.staff_login");
        return { id: staff.id, role: staff.role, name: staff.name };
      };
      const limit = {
        rateLimit: {
          max: ctx.perMinute ?? 120,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `field:${tokenOf(request)?.slice(-24) ?? request.ip}`,
        },
      };
      const file = (name: string, cache: string) => async (_request: FastifyRequest, reply: FastifyReply) =>
        reply.type(typeOf(name) ?? "application/octet-stream").header("cache-control", cache).send(files.get(name));

      // The shell changes with a release; the service worker keeps its own copy for offline use.
      scope.get("/field", file("field.html", "no-cache"));
      scope.get("/field/", async (_request, reply) => reply.redirect("/field", 301));
      // A service worker may control /field only when served from it; browsers re-check it themselves.
      scope.get("/field/sw.js", async (_request, reply) =>
        reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").header("service-worker-allowed", "/field").send(await workerScript()),
      );
      scope.get("/field/manifest.webmanifest", file("manifest.webmanifest", "no-cache"));
      scope.get<{ Params: { name: string } }>("/field/static/:name", async (request, reply) => {
        const name = request.params.name;
        if (name === "engine.js") {
          const bundle = await interviewBundle();
          return reply.type("text/javascript; charset=utf-8").header("cache-control", "no-cache").header("etag", `"${bundle.etag}"`).send(bundle.code);
        }
        if (OWN_PATHS.has(name) || !files.has(name)) throw new WebError(404, "error.not_found");
        return file(name, "no-cache")(request, reply);
      });

      scope.get<{ Querystring: { lang?: string } }>("/field/api/bootstrap", { config: limit }, async (request, reply) => {
        const staff = await staffOf(request);
        const lang = langOf(request);
        let data: object;
        try {
          data = await ctx.service.bootstrap(staff, lang);
        } catch (error) {
          // Staff status lost between the check and the read.
          if ((error as { reason?: unknown }).reason === "not-staff") throw new WebError(403, "error.staff_only");
          throw error;
        }
        const base = ctx.publicUrl ?? `${request.protocol}://${request.host}`;
        return reply.header("cache-control", "no-store").send({ ...withHouseholdQrs(data, keys, base, staff.id), text: FIELD_PAGE_TEXT[lang] });
      });

      scope.get<{ Params: { id: string }; Querystring: { lang?: string } }>("/field/api/households/:id", { config: limit }, async (request, reply) => {
        const staff = await staffOf(request);
        try {
          return reply.header("cache-control", "no-store").send(await ctx.service.household(staff, request.params.id, langOf(request)));
        } catch (error) {
          const reason = (error as { reason?: unknown }).reason;
          if (reason === "not-found") throw new WebError(404, "error.not_found");
          if (reason === "not-yours") throw new WebError(403, "error.field_not_yours");
          if (reason === "not-staff") throw new WebError(403, "error.staff_only");
          throw error;
        }
      });

      scope.post<{ Querystring: { lang?: string } }>("/field/api/sync", { bodyLimit: SYNC_BODY_LIMIT, config: limit }, async (request, reply) => {
        if (!isSameOrigin(request, ctx.publicUrl)) throw new WebError(403, "error.origin");
        // A form post or text/plain body is what a cross-site form would send: never accept it.
        if (!/^application\/json\s*(;|$)/i.test(request.headers["content-type"] ?? "")) throw new WebError(415, "error.bad_request");
        const staff = await staffOf(request);
        try {
          return reply.header("cache-control", "no-store").send(await ctx.service.sync(staff, request.body, langOf(request)));
        } catch (error) {
          if (isBadSyncBody(error)) {
            // The service says what is wrong with the body (too many items, not a list …).
            const said = (error as { messageIn?: unknown }).messageIn;
            const message = typeof said === "function" ? String((said as (lang: Lang) => unknown).call(error, langOf(request))) : webText(langOf(request), "error.bad_request");
            return reply.code(400).header("cache-control", "no-store").send({ error: "bad_request", message });
          }
          if ((error as { reason?: unknown }).reason === "not-staff") throw new WebError(403, "error.staff_only");
          throw error;
        }
      });
    });
  };
}

/**
 * Gives every household of a bootstrap its own self-completion link (the QR an officer leaves at
 * the door): signed here, where the web chat's keys are, so the core never holds them.
 */
function withHouseholdQrs(data: object, keys: WebKeys, baseUrl: string, staffId: string): object {
  const households = (data as { households?: unknown }).households;
  if (!Array.isArray(households)) return data;
  return {
    ...data,
    households: households.map((item: unknown) => {
      const h = item as { id?: unknown; regionCode?: unknown; officerId?: unknown };
      if (typeof h.id !== "string" || typeof h.regionCode !== "string") return item;
      const officerId = typeof h.officerId === "string" ? h.officerId : staffId;
      try {
        return { ...(item as object), qr: leafletUrl(keys, baseUrl, officerId, h.regionCode, h.id) };
      } catch {
        // An id that cannot go in a QR code (not one the store makes): the household just has none.
        return item;
      }
    }),
  };
}

/** Every refusal as `{ error, message }` in the visitor's language; internals are logged, never sent. */
function sendFieldError(request: FastifyRequest, reply: FastifyReply, error: unknown, ctx: FieldMountContext): FastifyReply {
  const lang = requestLang(request.headers, ctx.defaultLang);
  let refusal: WebError;
  if (error instanceof WebError) refusal = error;
  else {
    const status = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
    if (status === 413) refusal = new WebError(413, "error.too_large");
    else if (status === 429) refusal = new WebError(429, "error.rate_limited");
    else if (typeof status === "number" && status >= 400 && status < 500) refusal = new WebError(status, "error.bad_request");
    else refusal = new WebError(500, "error.server");
  }
  if (refusal.statusCode >= 500) ctx.logger.error({ err: error, url: request.url }, "field page request failed");
  return reply
    .code(refusal.statusCode)
    .type("application/json; charset=utf-8")
    .send({ error: refusal.key.replace(/^error\./, ""), message: webText(lang, refusal.key, refusal.vars) });
}
