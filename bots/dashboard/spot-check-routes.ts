/**
 * Spot checks, as a page and over the JSON API: drawing a stratified sample of a wave's responses
 * to verify, queueing a sample to be re-asked in chat, and recording what a check found.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { adminLang, at } from "../../core/admin/i18n.js";
import { isOutcome, spotCheckConsistency, type DrawRequest } from "../../core/admin/spot-checks.js";
import type { DashboardDeps } from "./deps.js";
import { spotChecksPage } from "./pages.js";
import { parseInput, requestLang } from "./errors.js";
import { idParams, intParam, langOf, numberParam, optionalText, queryLang, textParam } from "./queries.js";
import { badRequest, notFound, sendHtml } from "./replies.js";
import { staffOf } from "./security.js";

const drawBody = z.object({
  wave: optionalText,
  share: numberParam(0, 1).transform((v) => v ?? 0.05),
  minPerStratum: intParam(0, 1000).transform((v) => v ?? 2),
  level: intParam(0, 10).transform((v) => v ?? 1),
  seed: optionalText,
  method: z.enum(["phone", "chat", "visit"]).default("phone"),
});

/** A draw as the form or the API asked for it. */
function drawRequest(body: z.infer<typeof drawBody>, waveId: string, actorId: string): Omit<DrawRequest, "now"> {
  return { waveId, share: body.share, minPerStratum: body.minPerStratum, level: body.level, ...(body.seed ? { seed: body.seed } : {}), method: body.method, actorId };
}

const reaskBody = z.object({
  wave: optionalText,
  limit: intParam(1, 100_000),
});

const recordBody = z.object({
  outcome: textParam(40),
  verifier: optionalText,
  notes: textParam(1000, true).optional(),
});

/** What the page and the API's GET read from the query. */
const waveQuery = z.object({ wave: optionalText, lang: optionalText });

const OUTCOME_REFUSAL = "outcome: consistent, inconsistent or unreachable";

/** Registers the Spot checks page (GET /admin/spot-checks and its three forms) and /admin/api/spot-checks. */
export function registerSpotCheckRoutes(app: FastifyInstance, { service, admin, guarded, pageContext }: DashboardDeps): void {
  /** The Spot checks page of `waveId` (default: the current wave), with `message` on top. */
  async function spotPage(request: FastifyRequest, lang: Lang, waveId: string | undefined, message?: string): Promise<string> {
    const [waves, wave, regions] = await Promise.all([service.waves.list(), service.waves.resolve(waveId), service.regions()]);
    const checks = wave ? await service.spotChecks.list(wave.id) : [];
    return spotChecksPage(pageContext(request, lang), {
      wave,
      waves,
      checks,
      consistency: spotCheckConsistency(checks),
      regions: new Map(regions.map((r) => [r.code, r])),
      ...(message ? { message } : {}),
    });
  }

  app.get("/admin/spot-checks", { preHandler: admin }, async (request, reply) => {
    const q = parseInput(waveQuery, request.query);
    const lang = langOf(request, q);
    return sendHtml(reply, await spotPage(request, lang, q.wave));
  });

  app.post("/admin/spot-checks/draw", guarded, async (request, reply) => {
    const parsed = drawBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    const result = await service.spotChecks.draw(drawRequest(parsed.data, wave.id, staffOf(request).id));
    return sendHtml(reply, await spotPage(request, lang, wave.id, at(lang, "spot.drawn", { created: result.created, existing: result.existing })));
  });

  app.post("/admin/spot-checks/reask", guarded, async (request, reply) => {
    const parsed = reaskBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    const result = await service.spotChecks.reask({ waveId: wave.id, ...(parsed.data.limit ? { limit: parsed.data.limit } : {}), actorId: staffOf(request).id });
    return sendHtml(reply, await spotPage(request, lang, wave.id, at(lang, "spot.reask_queued", { queued: result.queued, remaining: result.remaining })));
  });

  app.post("/admin/spot-checks/:id", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const parsed = recordBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parseInput(waveQuery, request.query);
    // The page's form may be sent with no outcome chosen: nothing to record, back to the page.
    if (parsed.data.outcome !== "" && !isOutcome(parsed.data.outcome)) return badRequest(reply, OUTCOME_REFUSAL);
    if (isOutcome(parsed.data.outcome)) {
      const staff = staffOf(request);
      const saved = await service.spotChecks.record(id, { outcome: parsed.data.outcome, verifier: staff.displayName ?? staff.id, notes: parsed.data.notes ?? null, actorId: staff.id });
      if (!saved) return notFound(reply);
    }
    return reply.redirect(`/admin/spot-checks?lang=${adminLang(q.lang)}${q.wave ? `&wave=${encodeURIComponent(q.wave)}` : ""}`, 303);
  });

  app.get("/admin/api/spot-checks", { preHandler: admin }, async (request, reply) => {
    const q = parseInput(waveQuery, request.query);
    const wave = await service.waves.resolve(q.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    const checks = await service.spotChecks.list(wave.id);
    return { wave: { id: wave.id, name: wave.name }, checks, consistency: spotCheckConsistency(checks) };
  });

  app.post("/admin/api/spot-checks/draw", guarded, async (request, reply) => {
    const parsed = drawBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    const result = await service.spotChecks.draw(drawRequest(parsed.data, wave.id, staffOf(request).id));
    return { seed: result.seed, method: parsed.data.method, created: result.created, existing: result.existing, population: result.sample.population, strata: result.sample.strata.length };
  });

  app.post("/admin/api/spot-checks/reask", guarded, async (request, reply) => {
    const parsed = reaskBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    return service.spotChecks.reask({ waveId: wave.id, ...(parsed.data.limit ? { limit: parsed.data.limit } : {}), actorId: staffOf(request).id });
  });

  app.post("/admin/api/spot-checks/:id", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const parsed = recordBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    if (!isOutcome(parsed.data.outcome)) return badRequest(reply, OUTCOME_REFUSAL);
    const staff = staffOf(request);
    const saved = await service.spotChecks.record(id, { outcome: parsed.data.outcome, verifier: parsed.data.verifier ?? staff.displayName ?? staff.id, notes: parsed.data.notes ?? null, actorId: staff.id });
    if (!saved) return notFound(reply);
    return saved;
  });
}
