/**
 * Downloads (GET /admin/api/export/:kind): suggestions, one wave's responses, the statistics tables
 * or the spot checks, as CSV, XLSX or JSON lines. The file is streamed as it is written, so that a
 * large wave never sits in memory whole; every export is audited.
 */
import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { EXPORT_FORMATS, formatInfo, writeExport, type ExportFormat, type ExportTable } from "../../core/admin/export-writers.js";
import { statsTables } from "../../core/admin/tables.js";
import type { DashboardDeps } from "./deps.js";
import { langOf, optionalText, statsQuery, suggestionQuery } from "./queries.js";
import { badRequest, notFound } from "./replies.js";
import { unlessNoReport } from "./reports.js";
import { staffOf } from "./security.js";
import { formatLocalDate } from "../../core/util/time-zone.js";
import { at } from "../../core/admin/i18n.js";
import { requestLang } from "./errors.js";
import { quotedText } from "../../core/admin/waves.js";
import { driversTable } from "../../core/admin/drivers.js";

const exportQuery = statsQuery.extend(suggestionQuery.shape).extend({
  format: z.enum(EXPORT_FORMATS as [ExportFormat, ...ExportFormat[]]).default("csv"),
  // Unlike the Suggestions page, an export may ask for several statuses at once ("new,read").
  status: optionalText,
});

type ExportQuery = z.infer<typeof exportQuery>;

/** Registers GET /admin/api/export/:kind. */
export function registerExportRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const { service, logger, now, admin } = deps;

  app.get<{ Params: { kind: string } }>("/admin/api/export/:kind", { preHandler: admin }, async (request, reply) => {
    const parsed = exportQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const tables = await exportTables(deps, request.params.kind, q, langOf(request, q), reply);
    if (!Array.isArray(tables)) return tables;
    const info = formatInfo(q.format);
    const stream = new PassThrough();
    const day = formatLocalDate(now(), service.timeZone);
    reply.header("content-type", info.contentType).header("content-disposition", `attachment; filename="anxin-${request.params.kind}-${day}.${info.extension}"`);
    // Headers are gone by the time writing can fail: all that is left is to cut the download short.
    writeExport(tables, q.format, stream, { timeZone: service.timeZone }).catch((error: unknown) => {
      logger.error({ err: error }, "export failed");
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
    });
    await service.exports.record(staffOf(request).id, request.params.kind, { format: q.format, wave: q.wave ?? null, region: q.region ?? null });
    return reply.send(stream);
  });
}

/** The tables of an export of `kind`, or the refusal already sent (unknown kind, wave, region or status). */
async function exportTables({ service, reports }: DashboardDeps, kind: string, q: ExportQuery, lang: Lang, reply: FastifyReply): Promise<ExportTable[] | FastifyReply> {
  switch (kind) {
    case "suggestions": {
      const filter = await service.suggestions.filter(q, requestLang(reply.request));
      if (typeof filter === "string") return badRequest(reply, filter);
      return [await service.exports.suggestions(filter, lang)];
    }
    case "responses": {
      const wave = await service.waves.resolve(q.wave);
      if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
      const region = q.region ? await service.region(q.region) : null;
      if (q.region && !region) return notFound(reply, at(requestLang(reply.request), "errors.no_such_region", { code: quotedText(q.region) }));
      return [await service.exports.responses(wave, { region, lang, minGroupSize: q.min })];
    }
    case "stats":
      return unlessNoReport(
        async () => {
          const r = await reports.report(reports.requestFor(q));
          return statsTables(r, lang, await reports.outreach(r));
        },
        (message) => notFound(reply, message),
      );
    case "drivers":
      return unlessNoReport(
        async () => [driversTable(await service.drivers({ ...(q.wave ? { waveId: q.wave } : {}), ...(q.region ? { regionCode: q.region } : {}), ...(q.level === undefined ? {} : { level: q.level }) }), lang)],
        (message) => notFound(reply, message),
      );
    case "spot-checks": {
      const wave = await service.waves.resolve(q.wave);
      if (!wave) return notFound(reply, at(requestLang(reply.request), "errors.no_such_wave"));
      return [await service.exports.spotChecks(wave, lang)];
    }
    default:
      return notFound(reply, at(requestLang(reply.request), "errors.export_kinds"));
  }
}
