/**
 * The admin HTTP surface, mounted by `anxin start`: a JSON API (Bearer staff token or the
 * `anxin_staff` cookie) and server-rendered dashboard pages — survey figures, survey waves (open,
 * close, cancel, targets: /admin/waves, /admin/api/waves), officers' coverage
 * (/admin/api/coverage) and the outreach figures (/admin/api/outreach: quiz awareness, case
 * satisfaction). Every route but the sign-in page,
 * sign-out and the stylesheet goes through requireRole(…, "admin"): 401 without a valid token,
 * 403 for residents and officers.
 *
 * Security: strict CSP without any script (charts are server-rendered SVG), HTTP-only
 * SameSite=Strict cookie, a CSRF token on every cookie-authenticated POST/PATCH, rate-limited
 * sign-in, no caching of admin responses.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
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
import type { ResidentRecord, Store, SuggestionQuery, SuggestionStatus, WaveRecord } from "../../prisma/store.js";
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
import { measureName, type AdminMeasure } from "../../core/admin/measures.js";
import { cancelledAuditDetails, cancelWave, closeWave, formatWaveTime, listWaveSummaries, openedAuditDetails, openWave, parseWaveTimeText, quotedText, utcOffsetMinutes, WaveError, type CancelledWave, type ClosedWave, type OpenedWave, type OpenWaveRequest, type WaveSummary } from "../../core/admin/waves.js";
import { checkStoredTarget, checkTypedTarget, formatTargetValue, TargetError } from "../../core/admin/targets.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { figureRows, isShown, type Breakdown } from "../../core/stats/index.js";
import { deniedPage, loginPage, notFoundPage, overviewPage, reportPage, spotChecksPage, suggestionsPage, type OverviewParams, type PageContext } from "./pages.js";
import { wavesPage, type WavesPageInput } from "./waves-page.js";

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

const flagParam = z
  .union([z.boolean(), z.enum(["1", "true", "on", "0", "false", ""])])
  .optional()
  .transform((v) => v === true || v === "1" || v === "true" || v === "on");

/** Opening a wave, from the Waves page's form or as JSON: times as ISO dates or date-times, read at `offset` (default UTC) unless they carry their own. */
const openWaveBody = z.object({
  questionnaire: optionalText,
  name: optionalText,
  opens: optionalText,
  closes: optionalText,
  offset: optionalText,
  copyTargets: flagParam,
});

const closeWaveBody = z.object({ at: optionalText });

/** A target typed on the Waves page: rates as percentages, indices as scores (checked by checkTypedTarget). */
const targetForm = z.object({ wave: z.string().min(1).max(200), measure: z.string().min(1).max(80), label: z.string().max(1000), value: z.string().max(100) });

const targetDelete = z.object({ wave: z.string().min(1).max(200), measure: z.string().min(1).max(80), label: z.string().min(1).max(200) });

/**
 * The wave an open form or API call asks for.
 * @throws WaveError for a malformed time or offset
 */
function openWaveRequest(body: z.infer<typeof openWaveBody>): OpenWaveRequest {
  const offset = body.offset ?? "Z";
  if (utcOffsetMinutes(offset) === null) throw new WaveError("waves.error_offset_invalid", { offset: quotedText(offset) });
  const time = (refusal: "waves.error_opens_text" | "waves.error_closes_text", text: string | undefined): Date | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseWaveTimeText(text, offset);
    if (!parsed) throw new WaveError(refusal, { text: quotedText(text) });
    return parsed;
  };
  const opensAt = time("waves.error_opens_text", body.opens);
  const closesAt = time("waves.error_closes_text", body.closes);
  return {
    ...(body.questionnaire ? { questionnaire: body.questionnaire } : {}),
    ...(body.name ? { name: body.name } : {}),
    ...(opensAt ? { opensAt } : {}),
    ...(closesAt ? { closesAt } : {}),
    copyTargets: body.copyTargets,
  };
}

/** A target value as typed ("95.3", "95.3%", "95,3"); NaN when it is not a number. */
function typedNumber(text: string): number {
  const trimmed = text.trim().replace(/\s*[%％]$/, "").replace(",", ".");
  return trimmed === "" ? Number.NaN : Number(trimmed);
}

function waveRefJson(w: WaveRecord | null) {
  return w ? { id: w.id, name: w.name } : null;
}

function waveJson(w: WaveRecord) {
  return { id: w.id, name: w.name, questionnaire: { key: w.questionnaireKey, version: w.questionnaireVersion }, opensAt: w.opensAt.toISOString(), closesAt: w.closesAt?.toISOString() ?? null };
}

/** How long the notice of a change waits for the page it redirects to. */
const FLASH_TTL_MS = 10 * 60_000;

/** A wave summary as `GET /admin/api/waves` lists it. */
function waveSummaryJson(s: WaveSummary, targets: { measureId: string; label: string; value: number }[]) {
  return { ...waveJson(s.wave), status: s.status, counts: s.counts, targets };
}

function openedJson(o: OpenedWave) {
  return {
    wave: waveJson(o.wave),
    status: o.status,
    replaced: waveRefJson(o.replaced),
    current: waveRefJson(o.current),
    copiedTargets: o.copiedTargets ? { from: waveRefJson(o.copiedTargets.from), count: o.copiedTargets.count } : null,
    ended: o.ended.map((w) => waveRefJson(w)),
    endsAtNext: waveRefJson(o.endsAtNext),
  };
}

function closedJson(c: ClosedWave) {
  return { wave: waveJson(c.wave), closedNow: c.closedNow, wasCurrent: c.wasCurrent, current: waveRefJson(c.current) };
}

function cancelledJson(c: CancelledWave) {
  return { cancelled: waveJson(c.wave), restored: c.restored.map(waveJson) };
}

/** What cancelling a wave did, one line each, for the Waves page's notice. */
function cancelledNotice(lang: Lang, cancelled: CancelledWave): string[] {
  return [
    at(lang, "waves.cancelled", { name: cancelled.wave.name, opens: formatWaveTime(cancelled.wave.opensAt) }),
    ...cancelled.restored.map((r) => (r.closesAt ? at(lang, "waves.restored_until", { name: r.name, closes: formatWaveTime(r.closesAt) }) : at(lang, "waves.restored_open_ended", { name: r.name }))),
  ];
}

/** What opening a wave did, one line each, for the Waves page's notice. */
function openedNotice(lang: Lang, opened: OpenedWave): string[] {
  const w = opened.wave;
  const vars = { name: w.name, questionnaire: `${w.questionnaireKey} v${w.questionnaireVersion}` };
  const lines = [
    opened.status === "scheduled"
      ? at(lang, "waves.scheduled", { ...vars, opens: formatWaveTime(w.opensAt) })
      : opened.status === "open" && opened.current
        ? at(lang, "waves.opened_open", { ...vars, current: opened.current.name })
        : at(lang, "waves.opened", vars),
  ];
  for (const e of opened.ended) lines.push(at(lang, "waves.ended", { name: e.name, at: formatWaveTime(w.opensAt) }));
  if (opened.replaced) lines.push(at(lang, "waves.replaced", { name: opened.replaced.name }));
  if (opened.endsAtNext) lines.push(at(lang, "waves.ends_at_next", { name: opened.endsAtNext.name }));
  if (opened.copiedTargets) lines.push(at(lang, "waves.copied", { count: opened.copiedTargets.count, name: opened.copiedTargets.from.name }));
  return lines;
}

/** What closing a wave did, for the Waves page's notice. */
function closedNotice(lang: Lang, closed: ClosedWave): string[] {
  const lines = [at(lang, "waves.closed", { name: closed.wave.name })];
  if (closed.wasCurrent) lines.push(closed.current ? at(lang, "waves.closed_current", { name: closed.current.name }) : at(lang, "waves.closed_none"));
  return lines;
}

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
  // What a change on the waves page did, shown once after the redirect that follows it (so that
  // reloading the page cannot send the form again and, say, open a second wave).
  const flashes = new Map<string, { at: number; notice: string[] }>();
  const flash = (notice: string[]): string => {
    const t = Date.now();
    for (const [id, f] of flashes) if (t - f.at > FLASH_TTL_MS) flashes.delete(id);
    const id = randomBytes(9).toString("base64url");
    flashes.set(id, { at: t, notice });
    return id;
  };
  const afterChange = (reply: FastifyReply, lang: Lang, waveRef: string | undefined, notice: string[]) =>
    reply.redirect(`/admin/waves?lang=${lang}${waveRef ? `&wave=${encodeURIComponent(waveRef)}` : ""}&done=${flash(notice)}`, 303);

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

      scope.get("/admin/waves", { preHandler: admin }, async (request, reply) => {
        const q = request.query as { wave?: unknown; lang?: string; done?: unknown };
        const lang = langOf(request, q);
        const wave = typeof q.wave === "string" && q.wave !== "" ? q.wave : undefined;
        const done = typeof q.done === "string" ? flashes.get(q.done) : undefined;
        if (done && typeof q.done === "string") flashes.delete(q.done);
        const page = await wavesPageFor(request, lang, wave, done ? { notice: done.notice } : {});
        if (!page) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, at(lang, "waves.unknown_wave", { wave: wave ?? "" })));
        return reply.type("text/html; charset=utf-8").send(page);
      });

      scope.post("/admin/waves/open", guarded, async (request, reply) => {
        const parsed = openWaveBody.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const lang = langOf(request, request.query as { lang?: string });
        const form = { ...parsed.data };
        try {
          const opened = await openWave(ctx.store, openWaveRequest(parsed.data), now());
          await ctx.store.audit(staffOf(request).id, "wave.open", opened.wave.id, { ...openedAuditDetails(opened), via: "dashboard" });
          cache.clear();
          return afterChange(reply, lang, undefined, openedNotice(lang, opened));
        } catch (error) {
          if (!(error instanceof WaveError)) throw error;
          return reply.code(400).type("text/html; charset=utf-8").send(await wavesPageFor(request, lang, undefined, { error: error.text(lang), openForm: form }));
        }
      });

      scope.post<{ Params: { id: string } }>("/admin/waves/:id/close", guarded, async (request, reply) => {
        const lang = langOf(request, request.query as { lang?: string });
        const wave = (await ctx.store.listWaves()).find((w) => w.id === request.params.id);
        if (!wave) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, at(lang, "waves.unknown_wave", { wave: request.params.id })));
        try {
          const closed = await closeWave(ctx.store, { wave: wave.id }, now());
          await ctx.store.audit(staffOf(request).id, "wave.close", wave.id, { name: wave.name, closesAt: (closed.wave.closesAt ?? now()).toISOString(), via: "dashboard" });
          cache.clear();
          return afterChange(reply, lang, undefined, closedNotice(lang, closed));
        } catch (error) {
          if (!(error instanceof WaveError)) throw error;
          return reply.code(400).type("text/html; charset=utf-8").send(await wavesPageFor(request, lang, undefined, { error: error.text(lang) }));
        }
      });

      scope.post<{ Params: { id: string } }>("/admin/waves/:id/cancel", guarded, async (request, reply) => {
        const lang = langOf(request, request.query as { lang?: string });
        const wave = (await ctx.store.listWaves()).find((w) => w.id === request.params.id);
        if (!wave) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, at(lang, "waves.unknown_wave", { wave: request.params.id })));
        try {
          const cancelled = await cancelWave(ctx.store, { wave: wave.id }, now());
          await ctx.store.audit(staffOf(request).id, "wave.cancel", wave.id, { ...cancelledAuditDetails(cancelled), via: "dashboard" });
          cache.clear();
          return afterChange(reply, lang, undefined, cancelledNotice(lang, cancelled));
        } catch (error) {
          if (!(error instanceof WaveError)) throw error;
          return reply.code(400).type("text/html; charset=utf-8").send(await wavesPageFor(request, lang, undefined, { error: error.text(lang) }));
        }
      });

      scope.post("/admin/waves/targets", guarded, async (request, reply) => {
        const parsed = targetForm.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const lang = langOf(request, request.query as { lang?: string });
        const wave = (await ctx.store.listWaves()).find((w) => w.id === parsed.data.wave);
        if (!wave) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, at(lang, "waves.unknown_wave", { wave: parsed.data.wave })));
        const { measures } = await waveMeasures(ctx.store, wave, settings);
        try {
          const target = checkTypedTarget(measures, { measure: parsed.data.measure, label: parsed.data.label, value: typedNumber(parsed.data.value) });
          await ctx.store.setWaveTarget(wave.id, target.measure.spec.id, target.label, target.value);
          await ctx.store.audit(staffOf(request).id, "target.set", wave.id, { measure: target.measure.spec.id, label: target.label, value: target.value, via: "dashboard" });
          cache.clear();
          const notice = at(lang, "waves.target_saved", { label: target.label, measure: measureName(target.measure, lang), value: formatTargetValue(target.measure, target.value) });
          return afterChange(reply, lang, wave.id, [notice]);
        } catch (error) {
          if (!(error instanceof TargetError)) throw error;
          const form = { measure: parsed.data.measure, label: parsed.data.label, value: parsed.data.value };
          return reply.code(400).type("text/html; charset=utf-8").send(await wavesPageFor(request, lang, wave.id, { error: error.text(lang), targetForm: form }));
        }
      });

      scope.post("/admin/waves/targets/delete", guarded, async (request, reply) => {
        const parsed = targetDelete.safeParse(request.body);
        if (!parsed.success) return badRequest(reply, parsed.error);
        const lang = langOf(request, request.query as { lang?: string });
        const { wave: waveId, measure, label } = parsed.data;
        const wave = (await ctx.store.listWaves()).find((w) => w.id === waveId);
        if (!wave) return reply.code(404).type("text/html; charset=utf-8").send(deniedPageText(lang, at(lang, "waves.unknown_wave", { wave: waveId })));
        if (!(await ctx.store.deleteWaveTarget(wave.id, measure, label))) {
          return reply.code(404).type("text/html; charset=utf-8").send(await wavesPageFor(request, lang, wave.id, { error: at(lang, "waves.target_missing") }));
        }
        await ctx.store.audit(staffOf(request).id, "target.delete", wave.id, { measure, label, via: "dashboard" });
        cache.clear();
        const named = (await waveMeasuresOrNone(wave)).find((m) => m.spec.id === measure);
        const notice = at(lang, "waves.target_removed", { label, measure: named ? measureName(named, lang) : measure });
        return afterChange(reply, lang, wave.id, [notice]);
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
        const { measures } = await waveMeasures(ctx.store, wave, settings);
        let target: ReturnType<typeof checkStoredTarget>;
        try {
          target = checkStoredTarget(measures, parsed.data);
        } catch (error) {
          if (!(error instanceof TargetError)) throw error;
          return reply.code(400).send({ error: "bad_request", message: `${error.message} (this API takes rates as proportions 0–1)` });
        }
        await ctx.store.setWaveTarget(wave.id, target.measure.spec.id, target.label, target.value);
        await ctx.store.audit(staffOf(request).id, "target.set", wave.id, { measure: target.measure.spec.id, label: target.label, value: target.value, via: "api" });
        cache.clear();
        return { ok: true, targets: await ctx.store.waveTargets(wave.id) };
      });

      scope.get("/admin/api/waves", { preHandler: admin }, async () => {
        const summaries = await listWaveSummaries(ctx.store, now());
        const waves = await Promise.all(summaries.map(async (s) => waveSummaryJson(s, await ctx.store.waveTargets(s.wave.id))));
        return { waves, current: waves.find((w) => w.status === "current")?.id ?? null };
      });

      scope.post("/admin/api/waves", guarded, async (request, reply) => {
        const parsed = openWaveBody.safeParse(request.body ?? {});
        if (!parsed.success) return badRequest(reply, parsed.error);
        try {
          const opened = await openWave(ctx.store, openWaveRequest(parsed.data), now());
          await ctx.store.audit(staffOf(request).id, "wave.open", opened.wave.id, { ...openedAuditDetails(opened), via: "api" });
          cache.clear();
          return reply.code(201).send(openedJson(opened));
        } catch (error) {
          if (error instanceof WaveError) return reply.code(400).send({ error: "bad_request", message: error.message });
          throw error;
        }
      });

      scope.post<{ Params: { id: string } }>("/admin/api/waves/:id/close", guarded, async (request, reply) => {
        const parsed = closeWaveBody.safeParse(request.body ?? {});
        if (!parsed.success) return badRequest(reply, parsed.error);
        const wave = (await ctx.store.listWaves()).find((w) => w.id === request.params.id);
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        try {
          const closeAt = parsed.data.at === undefined ? undefined : parseWaveTimeText(parsed.data.at);
          if (closeAt === null) throw new WaveError("waves.error_at_text", { text: quotedText(parsed.data.at ?? "") });
          const closed = await closeWave(ctx.store, { wave: wave.id, ...(closeAt ? { at: closeAt } : {}) }, now());
          await ctx.store.audit(staffOf(request).id, "wave.close", wave.id, { name: wave.name, closesAt: (closed.wave.closesAt ?? now()).toISOString(), via: "api" });
          cache.clear();
          return closedJson(closed);
        } catch (error) {
          if (error instanceof WaveError) return reply.code(400).send({ error: "bad_request", message: error.message });
          throw error;
        }
      });

      scope.delete<{ Params: { id: string } }>("/admin/api/waves/:id", guarded, async (request, reply) => {
        const wave = (await ctx.store.listWaves()).find((w) => w.id === request.params.id);
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        try {
          const cancelled = await cancelWave(ctx.store, { wave: wave.id }, now());
          await ctx.store.audit(staffOf(request).id, "wave.cancel", wave.id, { ...cancelledAuditDetails(cancelled), via: "api" });
          cache.clear();
          return cancelledJson(cancelled);
        } catch (error) {
          if (error instanceof WaveError) return reply.code(400).send({ error: "bad_request", message: error.message });
          throw error;
        }
      });

      scope.delete("/admin/api/targets", guarded, async (request, reply) => {
        const parsed = targetDelete.safeParse(request.body ?? {});
        if (!parsed.success) return badRequest(reply, parsed.error);
        const wave = await resolveWave(ctx.store, parsed.data.wave, now());
        if (!wave) return reply.code(404).send({ error: "not_found", message: "no such wave" });
        if (!(await ctx.store.deleteWaveTarget(wave.id, parsed.data.measure, parsed.data.label))) return reply.code(404).send({ error: "not_found", message: "no such target" });
        await ctx.store.audit(staffOf(request).id, "target.delete", wave.id, { measure: parsed.data.measure, label: parsed.data.label, via: "api" });
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

      /** The scalar measures of a wave's questionnaire (none when it cannot be read). */
      async function waveMeasuresOrNone(wave: WaveRecord): Promise<AdminMeasure[]> {
        try {
          return (await waveMeasures(ctx.store, wave, settings)).measures.filter((m) => m.scalar);
        } catch {
          return [];
        }
      }

      /** The Waves page (null for an unknown `waveRef`): every wave, the open form, the targets of `waveRef` (default: the current wave, else the newest). */
      async function wavesPageFor(request: FastifyRequest, lang: Lang, waveRef: string | undefined, extra: Pick<WavesPageInput, "notice" | "error" | "openForm" | "targetForm"> = {}): Promise<string | null> {
        const t = now();
        const [summaries, questionnaires, selectedWave] = await Promise.all([listWaveSummaries(ctx.store, t), ctx.store.listQuestionnaires(), resolveWave(ctx.store, waveRef, t)]);
        if (waveRef !== undefined && !selectedWave) return null;
        const byQuestionnaire = new Map<string, Promise<AdminMeasure[]>>();
        const waves = await Promise.all(
          summaries.map(async (summary) => {
            const w = summary.wave;
            if (!byQuestionnaire.has(w.questionnaireId)) byQuestionnaire.set(w.questionnaireId, waveMeasuresOrNone(w));
            return { summary, targets: await ctx.store.waveTargets(w.id), measures: await (byQuestionnaire.get(w.questionnaireId) as Promise<AdminMeasure[]>) };
          }),
        );
        // The open form's default, as `anxin wave open` without --questionnaire: the newest version of the current (else newest) wave's questionnaire.
        const base = summaries.find((x) => x.status === "current")?.wave ?? summaries[0]?.wave;
        const key = base?.questionnaireKey ?? (questionnaires.length > 0 ? loadDefaultQuestionnaire().id : undefined);
        const newest = questionnaires.filter((q) => q.key === key).sort((a, b) => b.version - a.version)[0];
        const back = `/admin/waves?lang=${lang}${waveRef ? `&wave=${encodeURIComponent(waveRef)}` : ""}`;
        return wavesPage(
          { ...pageContext(request, lang), url: back },
          {
            waves,
            questionnaires,
            defaultQuestionnaire: newest ? `${newest.key}@${newest.version}` : undefined,
            selected: selectedWave ? (waves.find((w) => w.summary.wave.id === selectedWave.id) ?? null) : null,
            ...extra,
          },
        );
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
