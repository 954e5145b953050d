/**
 * The admin HTTP surface, mounted by `anxin start`: a JSON API (Bearer staff token or the
 * `anxin_staff` cookie) and server-rendered dashboard pages — survey figures, officers' coverage
 * (/admin/api/coverage) and the outreach figures (/admin/api/outreach: quiz awareness, case
 * satisfaction). Every route but the sign-in page,
 * sign-out and the stylesheet goes through requireRole(…, "admin"): 401 without a valid token,
 * 403 for residents and officers.
 *
 * Security: strict CSP without any script (charts are server-rendered SVG), HTTP-only
 * SameSite=Strict cookie, a CSRF token on every cookie-authenticated POST/PATCH, rate-limited
 * sign-in, no caching of admin responses.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import fastifyRateLimit from "@fastify/rate-limit";
import { z } from "zod";
import type { Logger } from "../../core/app/log.js";
import type { HttpMount } from "../../core/app/server.js";
import { requireRole, STAFF_COOKIE, tokenOf, verifyStaffToken, type StaffRequest } from "../../core/app/staff-auth.js";
import type { ResidentRecord, Store, SuggestionQuery, SuggestionStatus } from "../../prisma/store.js";
import { SUGGESTION_STATUSES } from "../../prisma/store.js";
import type { Lang } from "../../core/engine/types.js";
import { adminLang, at } from "../../core/admin/i18n.js";
import { computeReport, ReportRequestError, resolveWave, waveMeasures, type ReportRequest, type StatsReport } from "../../core/admin/stats-service.js";
import { adminSettings, type AdminSettings } from "../../core/admin/settings.js";
import { EXPORT_FORMATS, formatInfo, writeExport, type ExportFormat, type ExportTable } from "../../core/admin/export-writers.js";
import { responsesTable, spotChecksTable, statsTables, suggestionsTable, groupLabel, regionName, tipTitle } from "../../core/admin/tables.js";
import { drawSpotChecks, isOutcome, spotCheckConsistency, type DrawRequest } from "../../core/admin/spot-checks.js";
import { queueChatRechecks } from "../../core/admin/spot-check-chat.js";
import { coverageReport, CoverageRequestError, type CoverageOptions } from "../../core/outreach/coverage.js";
import { computeOutreachFigures, outreachOptionsFor, type CaseSatisfactionValue, type OutreachFigures } from "../../core/admin/outreach-figures.js";
import { outreachCharts, reportCharts } from "../../core/admin/charts.js";
import { measureName } from "../../core/admin/measures.js";
import { figureRows, isShown, type Breakdown } from "../../core/stats/index.js";
import { deniedPage, loginPage, notFoundPage, overviewPage, reportPage, spotChecksPage, suggestionsPage, type OverviewParams, type PageContext } from "./pages.js";

/** What the admin surface needs from the app. */
export interface AdminMountContext {
  store: Store;
  /** The app secret (staff tokens, CSRF tokens). */
  secret: string;
  logger: Logger;
  /** Suppression and quality thresholds. */
  settings?: Partial<AdminSettings>;
  /** The clock (tests). */
  now?: () => Date;
}

/** The Content-Security-Policy of every admin response: no script, nothing from elsewhere. */
export const ADMIN_CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const CSS = readFileSync(new URL("./public/admin.css", import.meta.url), "utf8");

/** The CSRF token that goes with a staff token (stateless: an HMAC of it). */
export function csrfToken(secret: string, staffToken: string): string {
  return createHmac("sha256", secret).update(`csrf:${staffToken}`).digest("base64url").slice(0, 32);
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const boolParam = z
  .union([z.literal("1"), z.literal("true"), z.literal("0"), z.literal("false"), z.literal("")])
  .optional()
  .transform((v) => v === "1" || v === "true");
const optionalText = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((v) => (v === "" ? undefined : v));
const dateParam = optionalText.refine((v) => v === undefined || /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/.test(v), { message: "a date like 2026-11-01" });

const statsQuery = z.object({
  lang: optionalText,
  wave: optionalText,
  region: optionalText,
  level: z.coerce.number().int().min(0).max(10).optional(),
  measure: optionalText,
  clean: boolParam,
  min: z.coerce.number().int().min(2).max(10_000).optional(),
});

const suggestionQuery = z.object({
  lang: optionalText,
  wave: optionalText,
  region: optionalText,
  status: z.enum(["", ...SUGGESTION_STATUSES]).optional(),
  tag: optionalText,
  q: optionalText,
  since: dateParam,
  until: dateParam,
  cursor: optionalText,
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

const exportQuery = statsQuery.extend(suggestionQuery.shape).extend({
  format: z.enum(EXPORT_FORMATS as [ExportFormat, ...ExportFormat[]]).default("csv"),
  status: optionalText,
});

const suggestionPatch = z.object({
  status: z.enum(SUGGESTION_STATUSES as [SuggestionStatus, ...SuggestionStatus[]]).optional(),
  tags: z.union([z.array(z.string().max(32)).max(20), z.string().max(400)]).optional(),
});

const drawBody = z.object({
  wave: optionalText,
  share: z.coerce.number().min(0).max(1).default(0.05),
  minPerStratum: z.coerce.number().int().min(0).max(1000).default(2),
  level: z.coerce.number().int().min(0).max(10).default(1),
  seed: optionalText,
  method: z.enum(["phone", "chat", "visit"]).default("phone"),
});

/** A draw as the form or the API asked for it. */
function drawRequest(body: z.infer<typeof drawBody>, waveId: string, actorId: string, at: Date): DrawRequest {
  return { waveId, share: body.share, minPerStratum: body.minPerStratum, level: body.level, ...(body.seed ? { seed: body.seed } : {}), method: body.method, actorId, now: at };
}

const reaskBody = z.object({
  wave: optionalText,
  limit: z.coerce.number().int().min(1).max(100_000).optional(),
});

const recordBody = z.object({
  outcome: z.string(),
  verifier: optionalText,
  notes: z.string().max(1000).optional(),
});

const coverageQuery = z.object({
  region: optionalText,
  broadcast: optionalText,
  since: dateParam,
});

const targetBody = z.object({ wave: z.string().min(1), measure: z.string().min(1).max(80), label: z.string().min(1).max(80), value: z.coerce.number().finite() });

function splitTags(tags: string | string[] | undefined): string[] | undefined {
  if (tags === undefined) return undefined;
  return (typeof tags === "string" ? tags.split(/[,，、]/) : tags).map((t) => t.trim()).filter((t) => t !== "");
}

function staffOf(request: FastifyRequest): ResidentRecord {
  const staff = (request as StaffRequest).staff;
  if (!staff) throw new Error("admin route without requireRole");
  return staff;
}

function langOf(request: FastifyRequest, query: { lang?: string | undefined }): Lang {
  return adminLang(query.lang, adminLang((request as StaffRequest).staff?.lang));
}

function badRequest(reply: FastifyReply, error: z.ZodError): FastifyReply {
  const issue = error.issues[0];
  return reply.code(400).send({ error: "bad_request", message: `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}` });
}

/** Serialises one breakdown for the API: suppressed groups are left out and only counted. */
function breakdownJson(report: StatsReport, b: Breakdown, lang: Lang) {
  const shown = b.groups.filter((g) => isShown(g.figure));
  return {
    measureId: b.measureId,
    by: b.by.kind,
    groups: shown.map((g) => ({ key: g.key, label: groupLabel(report, b, g.key, lang), rows: figureRows(g.figure) })),
    suppressedGroups: b.groups.length - shown.length,
  };
}

/** The report as JSON (suppressed figures carry no numbers; suppressed groups are left out). */
export function reportJson(report: StatsReport, lang: Lang) {
  return {
    wave: { id: report.wave.id, name: report.wave.name },
    waves: report.waves.map((w) => ({ id: w.id, name: w.name })),
    region: report.region ? { code: report.region.code, level: report.region.level } : null,
    level: report.level,
    minGroupSize: report.settings.minGroupSize,
    excludeFlagged: report.excludeFlagged,
    counts: report.counts,
    overall: report.overall.map((o) => ({
      measureId: o.measure.spec.id,
      name: measureName(o.measure, lang),
      kind: o.measure.spec.kind,
      suppressed: !isShown(o.figure),
      rows: isShown(o.figure) ? figureRows(o.figure) : [],
      comparisons: o.comparisons,
    })),
    trend: report.trend.map((b) => breakdownJson(report, b, lang)),
    byRegion: report.byRegion.map((b) => breakdownJson(report, b, lang)),
    byChannel: report.byChannel.map((b) => breakdownJson(report, b, lang)),
    quality: report.quality,
    consistency: report.consistency,
    generatedAt: report.generatedAt.toISOString(),
  };
}

function satisfactionJson(v: CaseSatisfactionValue) {
  return {
    closed: v.closed,
    rated: v.n,
    responseRate: { value: v.responseRate.value, ci: { lower: v.responseRate.ci.lower, upper: v.responseRate.ci.upper } },
    rate: { numerator: v.rate.numerator, value: v.rate.value, ci: { lower: v.rate.ci.lower, upper: v.rate.ci.upper } },
    index: { mean: v.index.mean, sd: v.index.sd, ci: { lower: v.index.ci.lower, upper: v.index.ci.upper } },
    meanRating: v.meanRating,
  };
}

/**
 * The outreach figures as JSON: a suppressed tip is listed by id and title with no number; the
 * suppressed case-satisfaction regions are left out and only counted (as the stats API does).
 */
export function outreachJson(report: StatsReport, outreach: OutreachFigures, lang: Lang) {
  const overall = outreach.satisfaction.overall;
  const shownRegions = outreach.satisfaction.byRegion.flatMap((g) => (isShown(g.figure) ? [{ key: g.key, label: regionName(report.regions.get(g.key), lang, g.key), ...satisfactionJson(g.figure) }] : []));
  return {
    region: report.region ? { code: report.region.code, level: report.region.level } : null,
    level: outreach.level,
    minGroupSize: outreach.minGroupSize,
    awareness: outreach.awareness.map((t) =>
      isShown(t.figure)
        ? { tipId: t.tipId, title: tipTitle(t, lang), suppressed: false as const, n: t.figure.n, correct: t.figure.numerator, rate: t.figure.value, ci: { lower: t.figure.ci.lower, upper: t.figure.ci.upper } }
        : { tipId: t.tipId, title: tipTitle(t, lang), suppressed: true as const },
    ),
    caseSatisfaction: {
      overall: isShown(overall) ? { suppressed: false as const, ...satisfactionJson(overall) } : { suppressed: true as const },
      byRegion: {
        groups: shownRegions,
        suppressedGroups: outreach.satisfaction.byRegion.length - shownRegions.length,
      },
    },
  };
}

/** Creates the admin mount: `buildServer({ mounts: [mountAdmin({ store, secret, logger })] })`. */
export function mountAdmin(ctx: AdminMountContext): HttpMount {
  const now = ctx.now ?? (() => new Date());
  const settings = adminSettings(ctx.settings);
  const cache = new Map<string, { at: number; report: Promise<StatsReport> }>();

  /** Reports are cached briefly: a dashboard view asks for the same figures several times. */
  function report(request: ReportRequest): Promise<StatsReport> {
    const key = JSON.stringify(request);
    const hit = cache.get(key);
    const t = Date.now();
    if (hit && t - hit.at < 15_000) return hit.report;
    for (const [k, v] of cache) if (t - v.at >= 15_000 || cache.size > 20) cache.delete(k);
    const promise = computeReport(ctx.store, { ...request, now: now() });
    promise.catch(() => cache.delete(key));
    cache.set(key, { at: t, report: promise });
    return promise;
  }

  function reportRequest(q: z.infer<typeof statsQuery>): ReportRequest {
    return {
      ...(q.wave ? { waveId: q.wave } : {}),
      ...(q.region ? { regionCode: q.region } : {}),
      ...(q.level !== undefined ? { level: q.level } : {}),
      excludeFlagged: q.clean,
      settings: { ...settings, ...(q.min ? { minGroupSize: q.min } : {}) },
    };
  }

  /** The outreach figures that go with a report (same minimum group size, region filter and level). */
  function outreach(r: StatsReport): Promise<OutreachFigures> {
    return computeOutreachFigures(ctx.store, outreachOptionsFor(r));
  }

  async function suggestionFilter(q: { wave?: string | undefined; region?: string | undefined; status?: string | undefined; tag?: string | undefined; q?: string | undefined; since?: string | undefined; until?: string | undefined }): Promise<SuggestionQuery | string> {
    const filter: SuggestionQuery = {};
    if (q.wave) filter.waveId = q.wave;
    if (q.region) {
      const region = await ctx.store.getRegionByCode(q.region);
      if (!region) return `no region ${q.region}`;
      filter.regionPath = region.path;
    }
    if (q.status) {
      const statuses = q.status.split(",").filter((s): s is SuggestionStatus => (SUGGESTION_STATUSES as readonly string[]).includes(s));
      if (statuses.length === 0) return `unknown status ${q.status}`;
      filter.status = statuses;
    }
    if (q.tag) filter.tag = q.tag;
    if (q.q) filter.search = q.q;
    if (q.since) filter.since = new Date(q.since);
    if (q.until) filter.until = new Date(q.until);
    return filter;
  }

  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      // Registered in this encapsulated scope so that another mount's copy cannot clash.
      if (!scope.hasRequestDecorator("cookies")) await scope.register(fastifyCookie);
      if (!scope.hasContentTypeParser("application/x-www-form-urlencoded")) await scope.register(fastifyFormbody);
      await scope.register(fastifyRateLimit, { global: false });

      const admin = requireRole(ctx.store, ctx.secret, "admin", now);
      const csrf = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
        if (request.method === "GET" || request.method === "HEAD") return;
        // A bearer token is not sent by browsers on their own, so it needs no CSRF token.
        if (request.headers.authorization?.startsWith("Bearer ")) return;
        const token = tokenOf(request) ?? "";
        const body = request.body as Record<string, unknown> | undefined;
        const given = (typeof body?._csrf === "string" ? body._csrf : undefined) ?? (typeof request.headers["x-csrf-token"] === "string" ? request.headers["x-csrf-token"] : "");
        if (!given || !sameToken(given, csrfToken(ctx.secret, token))) {
          await reply.code(403).send({ error: "forbidden", message: "missing or wrong CSRF token" });
        }
      };
      const guarded = { preHandler: [admin, csrf] };
      const pageContext = (request: FastifyRequest, lang: Lang): PageContext => ({ lang, csrf: csrfToken(ctx.secret, tokenOf(request) ?? ""), url: request.url });

      scope.addHook("onSend", async (request, reply, payload) => {
        reply.header("content-security-policy", ADMIN_CSP);
        reply.header("x-content-type-options", "nosniff");
        reply.header("referrer-policy", "no-referrer");
        reply.header("x-frame-options", "DENY");
        if (!request.url.startsWith("/admin/static/")) reply.header("cache-control", "no-store");
        const status = reply.statusCode;
        const wantsHtml = request.method === "GET" && !request.url.startsWith("/admin/api/") && (request.headers.accept ?? "").includes("text/html");
        if ((status === 401 || status === 403) && wantsHtml) {
          reply.header("content-type", "text/html; charset=utf-8");
          const q = request.query as { lang?: string } | undefined;
          return deniedPage(adminLang(q?.lang), status);
        }
        return payload;
      });

      // ------------------------------------------------------------------ public: sign-in, sign-out, stylesheet

      scope.get("/admin/static/admin.css", async (_request, reply) => reply.header("content-type", "text/css; charset=utf-8").header("cache-control", "public, max-age=3600").send(CSS));

      scope.get("/admin/login", async (request, reply) => {
        const q = request.query as { lang?: string; out?: string };
        const lang = adminLang(q.lang);
        return reply.type("text/html; charset=utf-8").send(loginPage(lang, q.out ? at(lang, "login.signed_out") : undefined));
      });

      scope.post("/admin/login", { config: { rateLimit: { max: 10, timeWindow: "1 minute" } } }, async (request, reply) => {
        const body = (request.body ?? {}) as { token?: unknown; lang?: unknown };
        const lang = adminLang(body.lang);
        const token = typeof body.token === "string" ? body.token.trim() : "";
        const residentId = token ? verifyStaffToken(ctx.secret, token, now()) : null;
        const resident = residentId ? await ctx.store.getResident(residentId) : null;
        if (!resident || resident.deletedAt) return reply.code(401).type("text/html; charset=utf-8").send(loginPage(lang, at(lang, "login.invalid")));
        if (resident.role !== "admin") return reply.code(403).type("text/html; charset=utf-8").send(loginPage(lang, at(lang, "login.not_admin")));
        const expires = Number(token.split(".")[2]) * 1000;
        reply.setCookie(STAFF_COOKIE, token, {
          path: "/",
          httpOnly: true,
          sameSite: "strict",
          secure: request.protocol === "https",
          maxAge: Math.max(60, Math.floor((expires - now().getTime()) / 1000)),
        });
        await ctx.store.audit(resident.id, "admin.login", null, {});
        return reply.redirect(`/admin?lang=${lang}`, 303);
      });

      scope.post("/admin/logout", async (request, reply) => {
        const body = (request.body ?? {}) as { lang?: unknown };
        reply.clearCookie(STAFF_COOKIE, { path: "/" });
        return reply.redirect(`/admin/login?out=1&lang=${adminLang(body.lang)}`, 303);
      });

      // ------------------------------------------------------------------ dashboard pages

      scope.get("/admin", { preHandler: admin }, async (request, reply) => {
        const parsed = statsQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = parsed.data;
        const lang = langOf(request, q);
        try {
          const r = await report(reportRequest(q));
          const [waves, suggestions, coverage, figures] = await Promise.all([
            ctx.store.listWaves(),
            ctx.store.querySuggestions({ waveId: r.wave.id, ...(r.region ? { regionPath: r.region.path } : {}), limit: 5 }),
            coverageReport(ctx.store, r.region ? { regionCode: r.region.code } : {}),
            outreach(r),
          ]);
          const params: OverviewParams = { clean: q.clean, ...(q.wave ? { wave: q.wave } : {}), ...(q.region ? { region: q.region } : {}), ...(q.measure ? { measure: q.measure } : {}) };
          return reply.type("text/html; charset=utf-8").send(overviewPage({ ...pageContext(request, lang), active: "overview" }, { report: r, params, waves, suggestions, coverage, outreach: figures }));
        } catch (error) {
          if (error instanceof ReportRequestError) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, error.message));
          throw error;
        }
      });

      scope.get("/admin/report", { preHandler: admin }, async (request, reply) => {
        const parsed = statsQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = parsed.data;
        const lang = langOf(request, q);
        try {
          const r = await report(reportRequest(q));
          const params: OverviewParams = { clean: q.clean, ...(q.measure ? { measure: q.measure } : {}) };
          return reply.type("text/html; charset=utf-8").send(reportPage(pageContext(request, lang), { report: r, params, waves: await ctx.store.listWaves(), outreach: await outreach(r) }));
        } catch (error) {
          if (error instanceof ReportRequestError) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, error.message));
          throw error;
        }
      });

      scope.get("/admin/suggestions", { preHandler: admin }, async (request, reply) => {
        const parsed = suggestionQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = parsed.data;
        const lang = langOf(request, q);
        const filter = await suggestionFilter(q);
        if (typeof filter === "string") return reply.code(400).send({ error: "bad_request", message: filter });
        const limit = 50;
        const [list, total, waves, regions] = await Promise.all([
          ctx.store.querySuggestions({ ...filter, limit, ...(q.cursor ? { cursor: q.cursor } : {}) }),
          ctx.store.countSuggestions(filter),
          ctx.store.listWaves(),
          ctx.store.listRegions(),
        ]);
        const filters = Object.fromEntries(Object.entries({ wave: q.wave, region: q.region, status: q.status, tag: q.tag, q: q.q, since: q.since }).filter(([, v]) => typeof v === "string" && v !== ""));
        return reply.type("text/html; charset=utf-8").send(
          suggestionsPage(pageContext(request, lang), {
            list,
            total,
            filters,
            waves,
            regions,
            ...(list.length === limit ? { nextCursor: (list[list.length - 1] as { id: string }).id } : {}),
          }),
        );
      });

      scope.post<{ Params: { id: string } }>("/admin/suggestions/:id", guarded, async (request, reply) => {
        const parsed = suggestionPatch.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const updated = await updateSuggestion(request.params.id, parsed.data, staffOf(request).id);
        if (updated === "invalid") return reply.code(400).send({ error: "bad_request", message: "invalid tags" });
        if (!updated) return reply.code(404).send({ error: "not_found" });
        const back = new URLSearchParams(request.query as Record<string, string>).toString();
        return reply.redirect(`/admin/suggestions?${back}`, 303);
      });

      scope.get("/admin/spot-checks", { preHandler: admin }, async (request, reply) => {
        const q = request.query as { wave?: string; lang?: string };
        const lang = langOf(request, q);
        return reply.type("text/html; charset=utf-8").send(await spotPage(request, lang, q.wave));
      });

      scope.post("/admin/spot-checks/draw", guarded, async (request, reply) => {
        const parsed = drawBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = request.query as { lang?: string };
        const lang = langOf(request, q);
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        const result = await drawSpotChecks(ctx.store, drawRequest(parsed.data, wave.id, staffOf(request).id, now()));
        return reply.type("text/html; charset=utf-8").send(await spotPage(request, lang, wave.id, at(lang, "spot.drawn", { created: result.created, existing: result.existing })));
      });

      scope.post("/admin/spot-checks/reask", guarded, async (request, reply) => {
        const parsed = reaskBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const lang = langOf(request, request.query as { lang?: string });
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        const result = await queueChatRechecks(ctx.store, { waveId: wave.id, ...(parsed.data.limit ? { limit: parsed.data.limit } : {}), actorId: staffOf(request).id, now: now() });
        return reply.type("text/html; charset=utf-8").send(await spotPage(request, lang, wave.id, at(lang, "spot.reask_queued", { queued: result.queued, remaining: result.remaining })));
      });

      scope.post<{ Params: { id: string } }>("/admin/spot-checks/:id", guarded, async (request, reply) => {
        const parsed = recordBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = request.query as { lang?: string; wave?: string };
        if (parsed.data.outcome !== "" && !isOutcome(parsed.data.outcome)) return reply.code(400).send({ error: "bad_request", message: "outcome: consistent, inconsistent or unreachable" });
        if (isOutcome(parsed.data.outcome)) {
          const staff = staffOf(request);
          const saved = await ctx.store.recordSpotCheck(request.params.id, { outcome: parsed.data.outcome, verifier: staff.displayName ?? staff.id, notes: parsed.data.notes ?? null, actorId: staff.id, now: now() });
          if (!saved) return reply.code(404).send({ error: "not_found" });
        }
        return reply.redirect(`/admin/spot-checks?lang=${adminLang(q.lang)}${q.wave ? `&wave=${encodeURIComponent(q.wave)}` : ""}`, 303);
      });

      // ------------------------------------------------------------------ JSON API

      scope.get("/admin/api/suggestions", { preHandler: admin }, async (request, reply) => {
        const parsed = suggestionQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const filter = await suggestionFilter(parsed.data);
        if (typeof filter === "string") return reply.code(400).send({ error: "bad_request", message: filter });
        const limit = parsed.data.limit ?? 100;
        const [items, total] = await Promise.all([ctx.store.querySuggestions({ ...filter, limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) }), ctx.store.countSuggestions(filter)]);
        return { items, total, nextCursor: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
      });

      scope.patch<{ Params: { id: string } }>("/admin/api/suggestions/:id", guarded, async (request, reply) => {
        const parsed = suggestionPatch.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const updated = await updateSuggestion(request.params.id, parsed.data, staffOf(request).id);
        if (updated === "invalid") return reply.code(400).send({ error: "bad_request", message: "invalid tags" });
        if (!updated) return reply.code(404).send({ error: "not_found" });
        return updated;
      });

      scope.get("/admin/api/stats", { preHandler: admin }, async (request, reply) => {
        const parsed = statsQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        try {
          return reportJson(await report(reportRequest(parsed.data)), langOf(request, parsed.data));
        } catch (error) {
          if (error instanceof ReportRequestError) return reply.code(404).send({ error: "not_found", message: error.message });
          throw error;
        }
      });

      scope.get("/admin/api/measures", { preHandler: admin }, async (request, reply) => {
        const q = request.query as { wave?: string; lang?: string };
        const lang = langOf(request, q);
        const wave = await resolveWave(ctx.store, q.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no wave" });
        const { measures } = await waveMeasures(ctx.store, wave, settings);
        return { wave: { id: wave.id, name: wave.name }, measures: measures.map((m) => ({ id: m.spec.id, kind: m.spec.kind, name: measureName(m, lang), targetable: m.scalar })) };
      });

      scope.put("/admin/api/targets", guarded, async (request, reply) => {
        const parsed = targetBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        await ctx.store.setWaveTarget(wave.id, parsed.data.measure, parsed.data.label, parsed.data.value);
        await ctx.store.audit(staffOf(request).id, "target.set", wave.id, parsed.data);
        cache.clear();
        return { ok: true, targets: await ctx.store.waveTargets(wave.id) };
      });

      scope.get<{ Params: { chart: string } }>("/admin/api/charts/:chart", { preHandler: admin }, async (request, reply) => {
        const parsed = statsQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const lang = langOf(request, parsed.data);
        try {
          const r = await report(reportRequest(parsed.data));
          const id = request.params.chart.replace(/\.svg$/, "");
          let chart = reportCharts(r, lang, parsed.data.measure).find((c) => c.id === id);
          if (!chart && (id === "awareness" || id === "case-satisfaction")) chart = outreachCharts(r, await outreach(r), lang).find((c) => c.id === id);
          if (!chart) return reply.code(404).send({ error: "not_found", message: "no such chart, or nothing to show" });
          return reply.type("image/svg+xml").send(chart.svg);
        } catch (error) {
          if (error instanceof ReportRequestError) return reply.code(404).send({ error: "not_found", message: error.message });
          throw error;
        }
      });

      scope.get<{ Params: { kind: string } }>("/admin/api/export/:kind", { preHandler: admin }, async (request, reply) => {
        const parsed = exportQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = parsed.data;
        const lang = langOf(request, q);
        let tables: ExportTable[];
        const waves = await ctx.store.listWaves();
        const waveNames = new Map(waves.map((w) => [w.id, w.name]));
        switch (request.params.kind) {
          case "suggestions": {
            const filter = await suggestionFilter(q);
            if (typeof filter === "string") return reply.code(400).send({ error: "bad_request", message: filter });
            tables = [suggestionsTable(ctx.store, filter, lang, waveNames)];
            break;
          }
          case "responses": {
            const wave = await resolveWave(ctx.store, q.wave, now());
            if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
            const region = q.region ? await ctx.store.getRegionByCode(q.region) : null;
            if (q.region && !region) return reply.code(404).send({ error: "not_found", message: `no region ${q.region}` });
            const { questionnaire, quality } = await waveMeasures(ctx.store, wave, settings);
            tables = [
              await responsesTable(ctx.store, {
                query: { waveIds: [wave.id], ...(region ? { regionPath: region.path } : {}) },
                questionnaire,
                lang,
                regions: await ctx.store.listRegions(),
                quality,
                minGroupSize: q.min ?? settings.minGroupSize,
                waveNames,
              }),
            ];
            break;
          }
          case "stats": {
            try {
              const r = await report(reportRequest(q));
              tables = statsTables(r, lang, await outreach(r));
            } catch (error) {
              if (error instanceof ReportRequestError) return reply.code(404).send({ error: "not_found", message: error.message });
              throw error;
            }
            break;
          }
          case "spot-checks": {
            const wave = await resolveWave(ctx.store, q.wave, now());
            if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
            const regions = new Map((await ctx.store.listRegions()).map((r) => [r.code, r]));
            tables = [spotChecksTable(await ctx.store.listSpotChecks(wave.id), lang, regions)];
            break;
          }
          default:
            return reply.code(404).send({ error: "not_found", message: "export suggestions, responses, stats or spot-checks" });
        }
        const info = formatInfo(q.format);
        const stream = new PassThrough();
        const day = now().toISOString().slice(0, 10);
        reply.header("content-type", info.contentType).header("content-disposition", `attachment; filename="anxin-${request.params.kind}-${day}.${info.extension}"`);
        writeExport(tables, q.format, stream).catch((error: unknown) => {
          ctx.logger.error({ err: error }, "export failed");
          stream.destroy(error instanceof Error ? error : new Error(String(error)));
        });
        await ctx.store.audit(staffOf(request).id, "export", request.params.kind, { format: q.format, wave: q.wave ?? null, region: q.region ?? null });
        return reply.send(stream);
      });

      scope.get("/admin/api/spot-checks", { preHandler: admin }, async (request, reply) => {
        const q = request.query as { wave?: string };
        const wave = await resolveWave(ctx.store, q.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        const checks = await ctx.store.listSpotChecks(wave.id);
        return { wave: { id: wave.id, name: wave.name }, checks, consistency: spotCheckConsistency(checks) };
      });

      scope.post("/admin/api/spot-checks/draw", guarded, async (request, reply) => {
        const parsed = drawBody.safeParse(request.body ?? {});
        if (!parsed.success) return badRequest(reply, parsed.error);
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        const result = await drawSpotChecks(ctx.store, drawRequest(parsed.data, wave.id, staffOf(request).id, now()));
        return { seed: result.seed, method: parsed.data.method, created: result.created, existing: result.existing, population: result.sample.population, strata: result.sample.strata.length };
      });

      scope.post("/admin/api/spot-checks/reask", guarded, async (request, reply) => {
        const parsed = reaskBody.safeParse(request.body ?? {});
        if (!parsed.success) return badRequest(reply, parsed.error);
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        return queueChatRechecks(ctx.store, { waveId: wave.id, ...(parsed.data.limit ? { limit: parsed.data.limit } : {}), actorId: staffOf(request).id, now: now() });
      });

      scope.post<{ Params: { id: string } }>("/admin/api/spot-checks/:id", guarded, async (request, reply) => {
        const parsed = recordBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        if (!isOutcome(parsed.data.outcome)) return reply.code(400).send({ error: "bad_request", message: "outcome: consistent, inconsistent or unreachable" });
        const staff = staffOf(request);
        const saved = await ctx.store.recordSpotCheck(request.params.id, { outcome: parsed.data.outcome, verifier: parsed.data.verifier ?? staff.displayName ?? staff.id, notes: parsed.data.notes ?? null, actorId: staff.id, now: now() });
        if (!saved) return reply.code(404).send({ error: "not_found" });
        return saved;
      });

      scope.get("/admin/api/coverage", { preHandler: admin }, async (request, reply) => {
        const parsed = coverageQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const q = parsed.data;
        const options: CoverageOptions = { ...(q.region ? { regionCode: q.region } : {}), ...(q.broadcast ? { broadcastId: q.broadcast } : {}), ...(q.since ? { since: new Date(q.since) } : {}) };
        try {
          return await coverageReport(ctx.store, options);
        } catch (error) {
          if (error instanceof CoverageRequestError) return reply.code(404).send({ error: "not_found", message: error.message });
          throw error;
        }
      });

      scope.get("/admin/api/outreach", { preHandler: admin }, async (request, reply) => {
        const parsed = statsQuery.safeParse(request.query);
        if (!parsed.success) return badRequest(reply, parsed.error);
        try {
          const r = await report(reportRequest(parsed.data));
          return outreachJson(r, await outreach(r), langOf(request, parsed.data));
        } catch (error) {
          if (error instanceof ReportRequestError) return reply.code(404).send({ error: "not_found", message: error.message });
          throw error;
        }
      });

      async function updateSuggestion(id: string, change: z.infer<typeof suggestionPatch>, actorId: string) {
        const tags = splitTags(change.tags);
        try {
          return await ctx.store.updateSuggestion(id, { ...(change.status ? { status: change.status } : {}), ...(tags ? { tags } : {}) }, actorId);
        } catch (error) {
          if (error instanceof Error && /invalid tag/.test(error.message)) return "invalid" as const;
          throw error;
        }
      }

      async function spotPage(request: FastifyRequest, lang: Lang, waveId: string | undefined, message?: string): Promise<string> {
        const [waves, wave, regions] = await Promise.all([ctx.store.listWaves(), resolveWave(ctx.store, waveId, now()), ctx.store.listRegions()]);
        const checks = wave ? await ctx.store.listSpotChecks(wave.id) : [];
        return spotChecksPage(pageContext(request, lang), {
          wave,
          waves,
          checks,
          consistency: spotCheckConsistency(checks),
          regions: new Map(regions.map((r) => [r.code, r])),
          ...(message ? { message } : {}),
        });
      }
    });
  };
}

function deniedPageText(lang: Lang, message: string): string {
  return notFoundPage(lang, message);
}
