/**
 * The Waves page (/admin/waves) and its forms: open the next wave, close or cancel one, set and
 * remove a wave's targets. A change answers with a redirect back to the page, which shows once
 * what the change did; a refused change shows the page again with why, and the form as sent.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { WaveRecord } from "../../core/model/index.js";
import type { Lang } from "../../core/engine/types.js";
import { at } from "../../core/admin/i18n.js";
import type { AdminActor } from "../../core/admin/service.js";
import { measureName, type AdminMeasure } from "../../core/admin/measures.js";
import { WaveError, type CancelledWave, type ClosedWave, type OpenedWave } from "../../core/admin/waves.js";
import { formatLocalDateTime } from "../../core/util/time-zone.js";
import { formatTargetValue, TargetError } from "../../core/admin/targets.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import type { DashboardDeps } from "./deps.js";
import { parseInput } from "./errors.js";
import { idParams, optionalText, queryLang, textParam } from "./queries.js";
import { badRequest, notFoundHtml, sendHtml } from "./replies.js";
import { staffOf } from "./security.js";
import { openWaveBody, openWaveRequest, targetDelete } from "./wave-requests.js";
import { wavesPage, type WavesPageInput } from "./waves-page.js";

/** How long the notice of a change waits for the page it redirects to. */
const FLASH_TTL_MS = 10 * 60_000;

/**
 * What a change on the Waves page did, shown once after the redirect that follows it (so that
 * reloading the page cannot send the form again and, say, open a second wave).
 */
export interface WaveFlashes {
  /** Keeps `notice` and returns the id the redirect carries (`done=`). */
  put(notice: string[]): string;
  /** The notice kept under `id`, forgotten as it is read. */
  take(id: string): string[] | undefined;
}

/** An empty store of notices (one per mount, in memory: a notice only has to outlive one redirect). */
export function waveFlashes(): WaveFlashes {
  const flashes = new Map<string, { at: number; notice: string[] }>();
  return {
    put(notice) {
      const t = Date.now();
      for (const [id, f] of flashes) if (t - f.at > FLASH_TTL_MS) flashes.delete(id);
      const id = randomBytes(9).toString("base64url");
      flashes.set(id, { at: t, notice });
      return id;
    },
    take(id) {
      const done = flashes.get(id);
      if (done) flashes.delete(id);
      return done?.notice;
    },
  };
}

/** A target typed on the Waves page: rates as percentages, indices as scores (checked by checkTypedTarget). */
const targetForm = z.object({ wave: textParam(200).pipe(z.string().min(1)), measure: textParam(80).pipe(z.string().min(1)), label: textParam(1000), value: textParam(100) });

/** What the Waves page reads from its query. */
const pageQuery = z.object({ wave: optionalText, lang: optionalText, done: optionalText });

/** A target value as typed ("95.3", "95.3%", "95,3"); NaN when it is not a number. */
function typedNumber(text: string): number {
  const trimmed = text.trim().replace(/\s*[%％]$/, "").replace(",", ".");
  return trimmed === "" ? Number.NaN : Number(trimmed);
}

/** What cancelling a wave did, one line each, for the Waves page's notice (times office time in `zone`, named on the page). */
function cancelledNotice(lang: Lang, cancelled: CancelledWave, zone: string): string[] {
  const formatWaveTime = (t: Date) => formatLocalDateTime(t, zone);
  return [
    at(lang, "waves.cancelled", { name: cancelled.wave.name, opens: formatWaveTime(cancelled.wave.opensAt) }),
    ...cancelled.restored.map((r) => (r.closesAt ? at(lang, "waves.restored_until", { name: r.name, closes: formatWaveTime(r.closesAt) }) : at(lang, "waves.restored_open_ended", { name: r.name }))),
  ];
}

/** What opening a wave did, one line each, for the Waves page's notice (times office time in `zone`, named on the page). */
function openedNotice(lang: Lang, opened: OpenedWave, zone: string): string[] {
  const formatWaveTime = (t: Date) => formatLocalDateTime(t, zone);
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

/** The admin a form on the Waves page acts as, for the audit log. */
function pageActor(request: FastifyRequest): AdminActor {
  return { id: staffOf(request).id, via: "dashboard" };
}

/** Registers GET /admin/waves and the page's forms (POST /admin/waves/open, …/:id/close, …/:id/cancel, …/targets, …/targets/delete). */
export function registerWavesRoutes(app: FastifyInstance, { service, now, admin, guarded, pageContext, reports }: DashboardDeps, flashes: WaveFlashes): void {
  /** The scalar measures of a wave's questionnaire (none when it cannot be read). */
  async function waveMeasuresOrNone(wave: WaveRecord): Promise<AdminMeasure[]> {
    try {
      return (await service.waves.measures(wave)).filter((m) => m.scalar);
    } catch {
      return [];
    }
  }

  /** The Waves page (null for an unknown `waveRef`): every wave, the open form, the targets of `waveRef` (default: the current wave, else the newest). */
  async function wavesPageFor(request: FastifyRequest, lang: Lang, waveRef: string | undefined, extra: Pick<WavesPageInput, "notice" | "error" | "openForm" | "targetForm"> = {}): Promise<string | null> {
    const t = now();
    const [summaries, questionnaires, selectedWave] = await Promise.all([service.waves.summaries(t), service.waves.questionnaires(), service.waves.resolve(waveRef, t)]);
    if (waveRef !== undefined && !selectedWave) return null;
    const byQuestionnaire = new Map<string, Promise<AdminMeasure[]>>();
    const waves = await Promise.all(
      summaries.map(async (summary) => {
        const w = summary.wave;
        if (!byQuestionnaire.has(w.questionnaireId)) byQuestionnaire.set(w.questionnaireId, waveMeasuresOrNone(w));
        return { summary, targets: await service.targets.list(w.id), measures: await (byQuestionnaire.get(w.questionnaireId) as Promise<AdminMeasure[]>) };
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

  const afterChange = (reply: FastifyReply, lang: Lang, waveRef: string | undefined, notice: string[]) =>
    reply.redirect(`/admin/waves?lang=${lang}${waveRef ? `&wave=${encodeURIComponent(waveRef)}` : ""}&done=${flashes.put(notice)}`, 303);

  const unknownWave = (reply: FastifyReply, lang: Lang, wave: string) => notFoundHtml(reply, lang, at(lang, "waves.unknown_wave", { wave }));

  /** Makes a change to the waves (`change` returns its notice) and redirects back to the page; a refused change shows the page again with why. */
  async function changeWaves(request: FastifyRequest, reply: FastifyReply, lang: Lang, change: () => Promise<string[]>, refused: Pick<WavesPageInput, "openForm"> = {}): Promise<FastifyReply> {
    try {
      const notice = await change();
      reports.forget();
      return afterChange(reply, lang, undefined, notice);
    } catch (error) {
      if (!(error instanceof WaveError)) throw error;
      return sendHtml(reply, await wavesPageFor(request, lang, undefined, { error: error.text(lang), ...refused }), 400);
    }
  }

  app.get("/admin/waves", { preHandler: admin }, async (request, reply) => {
    const q = parseInput(pageQuery, request.query);
    const lang = queryLang(request);
    const wave = q.wave;
    const notice = q.done ? flashes.take(q.done) : undefined;
    const page = await wavesPageFor(request, lang, wave, notice ? { notice } : {});
    if (!page) return unknownWave(reply, lang, wave ?? "");
    return sendHtml(reply, page);
  });

  app.post("/admin/waves/open", guarded, async (request, reply) => {
    const parsed = openWaveBody.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const form = { ...parsed.data };
    return changeWaves(
      request,
      reply,
      lang,
      async () => {
        const opened = await service.waves.open(openWaveRequest(parsed.data, service.timeZone), pageActor(request));
        return openedNotice(lang, opened, service.timeZone);
      },
      { openForm: form },
    );
  });

  app.post("/admin/waves/:id/close", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const lang = queryLang(request);
    const wave = await service.waves.byId(id);
    if (!wave) return unknownWave(reply, lang, id);
    return changeWaves(request, reply, lang, async () => {
      const closed = await service.waves.close({ wave: wave.id }, pageActor(request));
      return closedNotice(lang, closed);
    });
  });

  app.post("/admin/waves/:id/cancel", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const lang = queryLang(request);
    const wave = await service.waves.byId(id);
    if (!wave) return unknownWave(reply, lang, id);
    return changeWaves(request, reply, lang, async () => {
      const cancelled = await service.waves.cancel({ wave: wave.id }, pageActor(request));
      return cancelledNotice(lang, cancelled, service.timeZone);
    });
  });

  app.post("/admin/waves/targets", guarded, async (request, reply) => {
    const parsed = targetForm.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const wave = await service.waves.byId(parsed.data.wave);
    if (!wave) return unknownWave(reply, lang, parsed.data.wave);
    try {
      const target = await service.targets.set(wave, { measure: parsed.data.measure, label: parsed.data.label, value: typedNumber(parsed.data.value) }, "typed", pageActor(request));
      reports.forget();
      const notice = at(lang, "waves.target_saved", { label: target.label, measure: measureName(target.measure, lang), value: formatTargetValue(target.measure, target.value) });
      return afterChange(reply, lang, wave.id, [notice]);
    } catch (error) {
      if (!(error instanceof TargetError)) throw error;
      const form = { measure: parsed.data.measure, label: parsed.data.label, value: parsed.data.value };
      return sendHtml(reply, await wavesPageFor(request, lang, wave.id, { error: error.text(lang), targetForm: form }), 400);
    }
  });

  app.post("/admin/waves/targets/delete", guarded, async (request, reply) => {
    const parsed = targetDelete.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = queryLang(request);
    const { wave: waveId, measure, label } = parsed.data;
    const wave = await service.waves.byId(waveId);
    if (!wave) return unknownWave(reply, lang, waveId);
    if (!(await service.targets.remove(wave, { measure, label }, pageActor(request)))) {
      return sendHtml(reply, await wavesPageFor(request, lang, wave.id, { error: at(lang, "waves.target_missing") }), 404);
    }
    reports.forget();
    const named = (await waveMeasuresOrNone(wave)).find((m) => m.spec.id === measure);
    const notice = at(lang, "waves.target_removed", { label, measure: named ? measureName(named, lang) : measure });
    return afterChange(reply, lang, wave.id, [notice]);
  });
}
