/**
 * The alert banner on every dashboard page (open rate alerts: below target, significant drop,
 * each with its figure and a link to it) and its acknowledgement: POST
 * /admin/alerts/:id/acknowledge (a form with the CSRF token) and the JSON twins GET
 * /admin/api/alerts and POST /admin/api/alerts/:id/acknowledge. Acknowledging is audited by the
 * store under the admin who did it; an acknowledged alert leaves the banner for everyone.
 *
 * The open alerts are read by a hook before a page's handler (pages build their context
 * synchronously), only for the HTML pages that show the banner.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { alertText } from "../../core/insight/alerts-i18n.js";
import { alertBannerLine } from "../../core/insight/alerts-text.js";
import type { OpenAlert } from "../../core/insight/alerts-board.js";
import type { DashboardDeps } from "./deps.js";
import { html, type SafeHtml } from "./html.js";
import { pageTime, type PageContext } from "./pages.js";
import { idParams, queryLang } from "./queries.js";
import { notFound, notFoundHtml } from "./replies.js";
import { staffOf } from "./security.js";
import { parseInput } from "./errors.js";

/** The open alerts a page request read, by request (gone with it). */
const pageAlerts = new WeakMap<FastifyRequest, { alerts: OpenAlert[]; total: number }>();

/** Paths of pages without the banner: sign-in and -out, static files, the JSON API, the printable report. */
const NO_BANNER = /^\/admin\/(api|static|login|logout|report)(\/|$|\?)/;

/** Whether `request` is for a dashboard page that shows the banner. */
function showsBanner(request: FastifyRequest): boolean {
  const path = request.url;
  return request.method === "GET" && (path === "/admin" || path.startsWith("/admin?") || path.startsWith("/admin/")) && !NO_BANNER.test(path);
}

/** Where "back" may lead after acknowledging: a dashboard page on this site, never elsewhere. */
function safeBack(back: string | undefined, lang: Lang): string {
  if (back && /^\/admin(\/[\w./-]*)?(\?[^\s#]*)?$/.test(back) && !back.startsWith("//")) return back;
  return `/admin?lang=${lang}`;
}

/** The link to an alert's figure: the overview for its wave, region and measure. */
function figureLink(alert: OpenAlert, lang: Lang): string {
  const q = new URLSearchParams({ lang, wave: alert.record.waveId, region: alert.details.regionCode, measure: alert.details.measureId });
  return `/admin?${q.toString()}`;
}

/**
 * The banner for a page's context: nothing when the request read no open alerts. Each alert has
 * its line, when it was raised, a link to the figure and an "acknowledge" button (a form: the
 * dashboard runs no script).
 */
export function alertBanner(request: FastifyRequest, ctx: Pick<PageContext, "lang" | "csrf" | "url" | "timeZone">): SafeHtml | undefined {
  const open = pageAlerts.get(request);
  if (!open || open.alerts.length === 0) return undefined;
  const { lang } = ctx;
  const items = open.alerts.map((alert) => {
    const id = `alert-${alert.record.id}`;
    return html`<li id="${id}" data-alert-key="${alert.record.key}"><p id="${id}-text">${alertBannerLine(alert.details, lang)}</p>
<p class="muted">${alertText(lang, "banner.raised", { wave: alert.details.names.wave, at: pageTime(ctx, alert.record.createdAt) })} · <a href="${figureLink(alert, lang)}">${alertText(lang, "banner.view")}</a></p>
<form method="post" action="/admin/alerts/${alert.record.id}/acknowledge?lang=${lang}" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="back" value="${ctx.url}"><button type="submit" aria-describedby="${id}-text">${alertText(lang, "banner.acknowledge")}</button></form></li>`;
  });
  const more = open.total - open.alerts.length;
  return html`<section class="notice alerts no-print" role="status" aria-labelledby="alerts-title" id="alerts">
<h2 id="alerts-title">${alertText(lang, "banner.title")} <span class="h1-sub">${alertText(lang, "banner.count", { total: open.total })}</span></h2>
<ul>${items}</ul>${more > 0 ? html`<p class="muted">${alertText(lang, "banner.more", { total: more })}</p>` : ""}</section>`;
}

const acknowledgeBody = z.object({ _csrf: z.string().optional(), back: z.string().max(2000).optional() });

/** Registers the banner's hook and the acknowledgement routes. */
export function registerAlertRoutes(app: FastifyInstance, { service, admin, guarded }: Pick<DashboardDeps, "service" | "admin" | "guarded">): void {
  app.addHook("preHandler", async (request) => {
    if (showsBanner(request)) pageAlerts.set(request, await service.alerts.open());
  });

  app.post("/admin/alerts/:id/acknowledge", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const body = parseInput(acknowledgeBody, request.body ?? {});
    const lang = queryLang(request);
    if (!(await service.alerts.acknowledge(id, staffOf(request).id))) return notFoundHtml(reply, lang, alertText(lang, "banner.gone"));
    return reply.redirect(safeBack(body.back, lang), 303);
  });

  app.get("/admin/api/alerts", { preHandler: admin }, async () => {
    const open = await service.alerts.open();
    return {
      total: open.total,
      alerts: open.alerts.map((a) => ({ id: a.record.id, key: a.record.key, kind: a.record.kind, waveId: a.record.waveId, regionCode: a.record.regionCode, measureId: a.record.measureId, createdAt: a.record.createdAt.toISOString(), details: a.details })),
    };
  });

  app.post("/admin/api/alerts/:id/acknowledge", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    if (!(await service.alerts.acknowledge(id, staffOf(request).id))) return notFound(reply, alertText(queryLang(request), "banner.gone"));
    return { acknowledged: id };
  });
}
