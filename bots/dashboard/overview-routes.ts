/**
 * The two pages of survey figures: the overview (/admin: figures, charts, the latest suggestions,
 * officers' coverage, recent notices and the outreach figures) and the printable report (/admin/report).
 */
import type { FastifyInstance } from "fastify";
import type { DashboardDeps } from "./deps.js";
import { overviewPage, reportPage, type OverviewParams } from "./pages.js";
import { langOf, statsQuery } from "./queries.js";
import { badRequest, notFoundHtml, sendHtml } from "./replies.js";
import { unlessNoReport } from "./reports.js";
import { noRegionsBanner } from "./regions-page.js";
import { driversSection } from "./drivers-page.js";

/** Registers GET /admin and GET /admin/report. */
export function registerOverviewRoutes(app: FastifyInstance, { service, admin, pageContext, reports }: DashboardDeps): void {
  app.get("/admin", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const lang = langOf(request, q);
    return unlessNoReport(
      async () => {
        const r = await reports.report(reports.requestFor(q));
        const [waves, suggestions, coverage, figures, reminders, broadcasts, anyRegion] = await Promise.all([
          service.waves.list(),
          service.suggestions.query({ waveId: r.wave.id, ...(r.region ? { regionPath: r.region.path } : {}), limit: 5 }),
          // Surveyed counts the wave the page shows, not necessarily the current one.
          service.coverage({ waveId: r.wave.id, ...(r.region ? { regionCode: r.region.code } : {}) }),
          reports.outreach(r),
          service.reminders(r),
          service.recentBroadcasts(10),
          service.regionTree.any(),
        ]);
        const params: OverviewParams = { clean: q.clean, ...(q.wave ? { wave: q.wave } : {}), ...(q.region ? { region: q.region } : {}), ...(q.measure ? { measure: q.measure } : {}) };
        return sendHtml(reply, overviewPage({ ...pageContext(request, lang), active: "overview" }, { report: r, params, waves, suggestions, coverage, outreach: figures, reminders, broadcasts, ...(anyRegion ? {} : { banner: noRegionsBanner(lang) }) }));
      },
      (message) => notFoundHtml(reply, lang, message),
    );
  });

  app.get("/admin/report", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const lang = langOf(request, q);
    return unlessNoReport(
      async () => {
        const r = await reports.report(reports.requestFor(q));
        const params: OverviewParams = { clean: q.clean, ...(q.measure ? { measure: q.measure } : {}) };
        const drivers = await service.drivers({ waveId: r.wave.id, ...(r.region ? { regionCode: r.region.code } : {}) });
        return sendHtml(reply, reportPage(pageContext(request, lang), { report: r, params, waves: await service.waves.list(), outreach: await reports.outreach(r), drivers: driversSection(drivers, lang, "report-drivers-", "h3") }));
      },
      (message) => notFoundHtml(reply, lang, message),
    );
  });
}
