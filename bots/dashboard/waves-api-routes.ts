/**
 * Survey waves and their targets over the JSON API: list, open, close and cancel waves
 * (/admin/api/waves), a wave's targetable measures (/admin/api/measures), and setting and removing
 * targets (/admin/api/targets, rates as proportions 0–1 rather than the page's percentages).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { WaveRecord } from "../../core/model/index.js";
import type { AdminActor } from "../../core/admin/service.js";
import { measureName } from "../../core/admin/measures.js";
import { parseWaveTimeText, quotedText, WaveError, type CancelledWave, type ClosedWave, type OpenedWave, type WaveSummary } from "../../core/admin/waves.js";
import { TargetError } from "../../core/admin/targets.js";
import type { DashboardDeps } from "./deps.js";
import { parseInput, requestLang } from "./errors.js";
import { idParams, langOf, optionalText, requiredNumber, textParam } from "./queries.js";
import { badRequest, notFound } from "./replies.js";
import { staffOf } from "./security.js";
import { openWaveBody, openWaveRequest, targetDelete } from "./wave-requests.js";
import type { WaveTargetRecord } from "./waves-page.js";
import { formatIsoInZone } from "../../core/util/time-zone.js";
import { at } from "../../core/admin/i18n.js";

// Values are checked against the measure by the targets service; here only that they are numbers at all.
const targetBody = z.object({ wave: textParam(200).pipe(z.string().min(1)), measure: textParam(80).pipe(z.string().min(1)), label: textParam(80).pipe(z.string().min(1)), value: requiredNumber(-1e9, 1e9) });

const measuresQuery = z.object({ wave: optionalText, lang: optionalText });

const closeWaveBody = z.object({ at: optionalText });

function waveRefJson(w: WaveRecord | null) {
  return w ? { id: w.id, name: w.name } : null;
}

/** A wave with its times in ISO 8601 at the office's offset ("2026-12-08T09:00:00+08:00": the same instant, read as office time). */
function waveJson(w: WaveRecord, zone: string) {
  return { id: w.id, name: w.name, questionnaire: { key: w.questionnaireKey, version: w.questionnaireVersion }, opensAt: formatIsoInZone(w.opensAt, zone), closesAt: w.closesAt ? formatIsoInZone(w.closesAt, zone) : null };
}

/** A wave summary as `GET /admin/api/waves` lists it. */
function waveSummaryJson(s: WaveSummary, targets: WaveTargetRecord[], zone: string) {
  return { ...waveJson(s.wave, zone), status: s.status, counts: s.counts, targets };
}

function openedJson(o: OpenedWave, zone: string) {
  return {
    wave: waveJson(o.wave, zone),
    status: o.status,
    replaced: waveRefJson(o.replaced),
    current: waveRefJson(o.current),
    copiedTargets: o.copiedTargets ? { from: waveRefJson(o.copiedTargets.from), count: o.copiedTargets.count } : null,
    ended: o.ended.map((w) => waveRefJson(w)),
    endsAtNext: waveRefJson(o.endsAtNext),
  };
}

function closedJson(c: ClosedWave, zone: string) {
  return { wave: waveJson(c.wave, zone), closedNow: c.closedNow, wasCurrent: c.wasCurrent, current: waveRefJson(c.current) };
}

function cancelledJson(c: CancelledWave, zone: string) {
  return { cancelled: waveJson(c.wave, zone), restored: c.restored.map((w) => waveJson(w, zone)) };
}

/** Runs a change of the waves; a refusal (WaveError) answers 400 with its message in the admin's language. */
async function unlessRefused<T>(reply: FastifyReply, change: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await change();
  } catch (error) {
    if (error instanceof WaveError) return badRequest(reply, error.text(requestLang(reply.request)));
    throw error;
  }
}

/** The admin an API request acts as, for the audit log. */
function apiActor(request: FastifyRequest): AdminActor {
  return { id: staffOf(request).id, via: "api" };
}

/** Registers /admin/api/waves (GET, POST, POST …/:id/close, DELETE …/:id), GET /admin/api/measures and PUT and DELETE /admin/api/targets. */
export function registerWavesApiRoutes(app: FastifyInstance, { service, admin, guarded, reports }: DashboardDeps): void {
  app.get("/admin/api/measures", { preHandler: admin }, async (request, reply) => {
    const q = parseInput(measuresQuery, request.query);
    const lang = langOf(request, q);
    const wave = await service.waves.resolve(q.wave);
    if (!wave) return notFound(reply, "no wave");
    const measures = await service.waves.measures(wave);
    return { wave: { id: wave.id, name: wave.name }, measures: measures.map((m) => ({ id: m.spec.id, kind: m.spec.kind, name: measureName(m, lang), targetable: m.scalar })) };
  });

  app.put("/admin/api/targets", guarded, async (request, reply) => {
    const parsed = targetBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    try {
      await service.targets.set(wave, parsed.data, "stored", apiActor(request));
    } catch (error) {
      if (!(error instanceof TargetError)) throw error;
      return badRequest(reply, at(requestLang(reply.request), "errors.rates_as_proportions", { problem: error.text(requestLang(reply.request)) }));
    }
    reports.forget();
    return { ok: true, targets: await service.targets.list(wave.id) };
  });

  app.delete("/admin/api/targets", guarded, async (request, reply) => {
    const parsed = targetDelete.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const wave = await service.waves.resolve(parsed.data.wave);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    if (!(await service.targets.remove(wave, parsed.data, apiActor(request)))) return notFound(reply, "no such target");
    reports.forget();
    return { ok: true, targets: await service.targets.list(wave.id) };
  });

  app.get("/admin/api/waves", { preHandler: admin }, async () => {
    const summaries = await service.waves.summaries();
    const waves = await Promise.all(summaries.map(async (s) => waveSummaryJson(s, await service.targets.list(s.wave.id), service.timeZone)));
    return { waves, current: waves.find((w) => w.status === "current")?.id ?? null, timeZone: service.timeZone };
  });

  app.post("/admin/api/waves", guarded, async (request, reply) => {
    const parsed = openWaveBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    return unlessRefused(reply, async () => {
      const opened = await service.waves.open(openWaveRequest(parsed.data, service.timeZone), apiActor(request));
      reports.forget();
      return reply.code(201).send(openedJson(opened, service.timeZone));
    });
  });

  app.post("/admin/api/waves/:id/close", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const parsed = closeWaveBody.safeParse(request.body ?? {});
    if (!parsed.success) return badRequest(reply, parsed.error);
    const wave = await service.waves.byId(id);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    return unlessRefused(reply, async () => {
      const closeAt = parsed.data.at === undefined ? undefined : parseWaveTimeText(parsed.data.at, service.timeZone);
      if (closeAt === null) throw new WaveError("waves.error_at_text", { text: quotedText(parsed.data.at ?? "") });
      const closed = await service.waves.close({ wave: wave.id, ...(closeAt ? { at: closeAt } : {}) }, apiActor(request));
      reports.forget();
      return closedJson(closed, service.timeZone);
    });
  });

  app.delete("/admin/api/waves/:id", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const wave = await service.waves.byId(id);
    if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
    return unlessRefused(reply, async () => {
      const cancelled = await service.waves.cancel({ wave: wave.id }, apiActor(request));
      reports.forget();
      return cancelledJson(cancelled, service.timeZone);
    });
  });
}
