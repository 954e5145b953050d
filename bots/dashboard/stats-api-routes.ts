/**
 * The figures over the JSON API: the survey statistics (/admin/api/stats), each chart as SVG
 * (/admin/api/charts/:chart, also the pages' <img> sources), the outreach figures
 * (/admin/api/outreach: quiz awareness, case satisfaction) and officers' coverage
 * (/admin/api/coverage: households assigned, visited, material delivered, surveyed in a wave,
 * reached and confirmed in chat, per officer and village and for the whole office).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { outreachCharts, reportCharts } from "../../core/admin/charts.js";
import { CoverageRequestError, type CoverageOptions } from "../../core/outreach/coverage.js";
import type { DashboardDeps } from "./deps.js";
import { dateParam, langOf, optionalText, statsQuery } from "./queries.js";
import { badRequest, notFound } from "./replies.js";
import { unlessNoReport } from "./reports.js";
import { outreachJson, reportJson } from "./stats-json.js";
import { parseLocalDateTime } from "../../core/util/time-zone.js";
import { at } from "../../core/admin/i18n.js";
import { requestLang } from "./errors.js";

const coverageQuery = z.object({
  region: optionalText,
  wave: optionalText,
  broadcast: optionalText,
  since: dateParam,
});

/** Registers GET /admin/api/stats, /admin/api/charts/:chart, /admin/api/outreach and /admin/api/coverage. */
export function registerStatsApiRoutes(app: FastifyInstance, { service, admin, reports }: DashboardDeps): void {
  app.get("/admin/api/stats", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return unlessNoReport(
      async () => reportJson(await reports.report(reports.requestFor(parsed.data)), langOf(request, parsed.data), service.timeZone),
      (message) => notFound(reply, message),
    );
  });

  app.get<{ Params: { chart: string } }>("/admin/api/charts/:chart", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const lang = langOf(request, parsed.data);
    return unlessNoReport(
      async () => {
        const r = await reports.report(reports.requestFor(parsed.data));
        const id = request.params.chart.replace(/\.svg$/, "");
        let chart = reportCharts(r, lang, parsed.data.measure).find((c) => c.id === id);
        // The outreach charts need figures of their own, computed only when one of them is asked for.
        if (!chart && (id === "awareness" || id === "case-satisfaction")) chart = outreachCharts(r, await reports.outreach(r), lang).find((c) => c.id === id);
        if (!chart) return notFound(reply, at(requestLang(reply.request), "errors.no_such_chart"));
        return reply.type("image/svg+xml").send(chart.svg);
      },
      (message) => notFound(reply, message),
    );
  });

  app.get("/admin/api/coverage", { preHandler: admin }, async (request, reply) => {
    const parsed = coverageQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const options: CoverageOptions = { ...(q.region ? { regionCode: q.region } : {}), ...(q.wave ? { waveId: q.wave } : {}), ...(q.broadcast ? { broadcastId: q.broadcast } : {}), ...(q.since ? { since: new Date(parseLocalDateTime(q.since, service.timeZone) ?? Date.parse(q.since)) } : {}) };
    try {
      return await service.coverage(options);
    } catch (error) {
      if (error instanceof CoverageRequestError) return notFound(reply, error.message);
      throw error;
    }
  });

  app.get("/admin/api/outreach", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    return unlessNoReport(
      async () => {
        const r = await reports.report(reports.requestFor(parsed.data));
        const [outreach, reminders] = await Promise.all([reports.outreach(r), service.reminders(r)]);
        // Reminders to residents: counts below the minimum group size are null.
        return { ...outreachJson(r, outreach, langOf(request, parsed.data)), reminders };
      },
      (message) => notFound(reply, message),
    );
  });
}
