/**
 * What every feature's `register…Routes(app, deps)` is given: the app's services and the shared
 * dashboard plumbing, built once per mount by mount.ts. Features take it from here rather than
 * from mount.ts so that none of them imports the entry point.
 */
import type { FastifyRequest } from "fastify";
import type { Logger } from "../../app/log.js";
import type { Lang } from "../../core/engine/types.js";
import type { AdminService } from "../../core/admin/service.js";
import type { PageContext } from "./pages.js";
import type { ReportSource } from "./reports.js";
import type { Guard } from "./security.js";

/** The services and plumbing the dashboard's routes share. */
export interface DashboardDeps {
  /** Everything the routes read and change: the dashboard never holds the store. */
  service: AdminService;
  /** The app secret (staff tokens, CSRF tokens). */
  secret: string;
  logger: Logger;
  /** The clock (the service's). */
  now: () => Date;
  /** preHandler of every read-only admin route. */
  admin: Guard;
  /** Route options of every admin route that changes something (admin and CSRF checks). */
  guarded: { preHandler: Guard[] };
  /** Does a request come from our own origin (security.ts isSameOriginRequest)? For the sign-in routes. */
  sameOrigin: (request: FastifyRequest) => boolean;
  /** The context a page for `request` is rendered with. */
  pageContext(request: FastifyRequest, lang: Lang): PageContext;
  /** The survey figures, kept briefly. */
  reports: ReportSource;
}
