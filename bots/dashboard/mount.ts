/**
 * The admin HTTP surface, mounted by `anxin start`: a JSON API (Bearer staff token or the
 * `anxin_staff` cookie) and server-rendered dashboard pages — survey figures, survey waves (open,
 * close, cancel, targets: /admin/waves, /admin/api/waves), the region tree (import a CSV or XLSX
 * file, rename: /admin/regions), officers' coverage
 * (/admin/api/coverage) and the outreach figures (/admin/api/outreach: quiz awareness, case
 * satisfaction). Every route but the sign-in page,
 * sign-out and the stylesheet goes through requireRole(…, "admin"): 401 without a valid token,
 * 403 for residents and officers.
 *
 * Errors: one handler for the whole surface (errors.ts): 400 naming the wrong parameter in the
 * admin's language, 500 with an error id and the details in the log only.
 *
 * Security: strict CSP without any script (charts are server-rendered SVG), HTTP-only
 * SameSite=Strict cookie, a CSRF token on every cookie-authenticated POST/PATCH, rate-limited
 * sign-in, no caching of admin responses (security.ts).
 *
 * This module only wires the parts together; each feature registers its own routes.
 */
import type { FastifyInstance } from "fastify";
import type { Logger } from "../../app/log.js";
import type { HttpMount } from "../../app/server.js";
import type { AdminService } from "../../core/admin/service.js";
import type { DashboardDeps } from "./deps.js";
import { installErrorHandler } from "./errors.js";
import { registerExportRoutes } from "./export-routes.js";
import { registerOverviewRoutes } from "./overview-routes.js";
import { reportSource } from "./reports.js";
import { pageContextFor, registerSecurity, staffGuards } from "./security.js";
import type { RedisSettings } from "../shared/rate-limits.js";
import { registerSignInRoutes } from "./sign-in-routes.js";
import { registerSpotCheckRoutes } from "./spot-check-routes.js";
import { registerStatsApiRoutes } from "./stats-api-routes.js";
import { registerSuggestionsRoutes } from "./suggestions-routes.js";
import { registerKeywordsRoutes } from "./keywords-routes.js";
import { registerDriversRoutes } from "./drivers-routes.js";
import { registerWavesApiRoutes } from "./waves-api-routes.js";
import { registerWavesRoutes, waveFlashes } from "./waves-routes.js";
import { registerRegionsRoutes } from "./regions-routes.js";
import { alertBanner, registerAlertRoutes } from "./alerts-routes.js";

export { ADMIN_CSP, csrfToken } from "./security.js";
export { outreachJson, reportJson } from "./stats-json.js";

/** What the admin surface needs from the app. */
export interface AdminMountContext {
  /** What the dashboard reads and changes (its settings and clock are the dashboard's too). */
  service: AdminService;
  /** The app secret (staff tokens, CSRF tokens). */
  secret: string;
  logger: Logger;
  /** PUBLIC_URL, when the app is behind a proxy: an origin the dashboard's forms may post from. */
  publicUrl?: string;
  /** Redis shared by the instances (REDIS_URL): request limits count across them. */
  redis?: RedisSettings;
}

/** Creates the admin mount: `buildServer({ mounts: [mountAdmin({ service: new AdminService(store), secret, logger })] })`. */
export function mountAdmin(ctx: AdminMountContext): HttpMount {
  const { service } = ctx;
  // Made once per mount, outside the app's scope: a change's notice has to
  // outlive its request until the redirect's, and the report cache serves every request.
  const reports = reportSource(service);
  const flashes = waveFlashes();

  return async (app: FastifyInstance) => {
    await app.register(async (scope) => {
      await registerSecurity(scope, { ...(ctx.redis ? { redis: ctx.redis } : {}), logger: ctx.logger });
      // Before the routes, so that every one of them (and the upload scope) answers errors alike.
      installErrorHandler(scope, ctx.logger);
      const deps: DashboardDeps = {
        service,
        secret: ctx.secret,
        logger: ctx.logger,
        now: service.now,
        ...staffGuards((id) => service.staffMember(id), ctx.secret, service.now, ctx.publicUrl),
        // Every page shows office time (OFFICE_TIME_ZONE, the service's).
        pageContext: (request, lang) => {
          const page = { ...pageContextFor(ctx.secret, request, lang), timeZone: service.timeZone };
          const alerts = alertBanner(request, page);
          return alerts ? { ...page, alerts } : page;
        },
        reports,
      };
      registerSignInRoutes(scope, deps);
      registerAlertRoutes(scope, deps);
      registerOverviewRoutes(scope, deps);
      registerSuggestionsRoutes(scope, deps);
      registerKeywordsRoutes(scope, deps);
      registerDriversRoutes(scope, deps);
      registerSpotCheckRoutes(scope, deps);
      registerWavesRoutes(scope, deps, flashes);
      await registerRegionsRoutes(scope, deps);
      registerWavesApiRoutes(scope, deps);
      registerStatsApiRoutes(scope, deps);
      registerExportRoutes(scope, deps);
    });
  };
}
