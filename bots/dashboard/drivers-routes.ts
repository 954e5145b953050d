/** The Drivers page (GET /admin/drivers): what goes with feeling unsafe or dissatisfied, as forest plots and tables. */
import type { FastifyInstance } from "fastify";
import type { DashboardDeps } from "./deps.js";
import { driversPage } from "./drivers-page.js";
import { langOf, statsQuery } from "./queries.js";
import { badRequest, notFoundHtml, sendHtml } from "./replies.js";
import { unlessNoReport } from "./reports.js";

/** Registers GET /admin/drivers. */
export function registerDriversRoutes(app: FastifyInstance, { service, admin, pageContext }: DashboardDeps): void {
  app.get("/admin/drivers", { preHandler: admin }, async (request, reply) => {
    const parsed = statsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const lang = langOf(request, q);
    return unlessNoReport(
      async () => {
        const report = await service.drivers({ ...(q.wave ? { waveId: q.wave } : {}), ...(q.region ? { regionCode: q.region } : {}), ...(q.level === undefined ? {} : { level: q.level }) });
        const [waves, regions] = await Promise.all([service.waves.list(), service.regions()]);
        return sendHtml(reply, driversPage(pageContext(request, lang), { report, waves, regions }));
      },
      (message) => notFoundHtml(reply, lang, message),
    );
  });
}
