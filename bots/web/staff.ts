/**
 * Staff routes: an officer's QR code (PNG, SVG) and printable A5 leaflet for one region.
 *
 * Authentication is either the app's staff session (app/staff-auth.ts: `Authorization: Bearer
 * <token>` or the `anxin_staff` cookie) or, in a link, `?pass=` — a leaflet pass that opens this
 * one officer's leaflet and QR code in this one region and nothing else (never a staff token in a
 * URL: one leaks through history, logs and forwarded chats). The holder is read from the database
 * on every request: without a credential the answer is 401 (403 for a resident's chat session), a
 * token of an ended session 401, and a token of someone who is not staff 403.
 * `/web/staff/enter` signs a staff member in from their chat session. A leaflet's short link
 * (`/q/` and eight characters, printed under the QR code) is resolved here too and redirected to
 * the signed QR link it stands for.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import QRCode from "qrcode";
import type { Config } from "../../app/config.js";
import { holdsSession, issueLeafletPass, issueStaffToken, LEAFLET_PASS_TTL_MS, STAFF_COOKIE, tokenOf, verifyLeafletPass, verifyStaffToken, type StaffHolder } from "../../app/staff-auth.js";
import { isLang, type Lang } from "../../core/engine/types.js";
import type { RegionRecord, ResidentRecord } from "../../core/model/index.js";
import type { LeafletRefusal, LeafletRequest, LeafletTarget as CoreLeafletTarget } from "../../core/outreach/leaflets.js";
import { requestLang, webText, WEB_RESOURCES } from "./i18n.js";
import { SHORT_LINK_ROUTE, WebError } from "./http.js";
import { escapeHtml, STAFF_ENTRY_PATH } from "./messages.js";
import { signLeafletCode, type WebKeys } from "./signing.js";

/** What the staff routes need from the web chat. */
export interface StaffRouteContext {
  /** Decides whose leaflet the staff member may print, for which region (the runner's `staffLeaflet`). */
  staffLeaflet: (request: LeafletRequest) => Promise<CoreLeafletTarget>;
  keys: WebKeys;
  /** The app secret, which signs staff tokens. */
  secret: string;
  config: Config;
  now: () => Date;
  /** Does the request carry a valid resident chat session? (Such a visitor gets 403, not 401.) */
  readSession: (request: FastifyRequest) => boolean;
  /** The officer or admin whose chat session the request carries (the runner's `staffAccount`), or null. */
  staffOfSession: (request: FastifyRequest) => Promise<{ residentId: string; role: "officer" | "admin"; sessionEpoch: number } | null>;
  staffPerMinute: number;
  /** Leaflets' short links: the code of an officer's leaflet in a region, and what a code stands for (the runner's). */
  shortLinks: {
    codeFor(officerId: string, regionCode: string): Promise<string>;
    target(code: string): Promise<{ officerId: string; regionCode: string } | null>;
  };
}

interface StaffQuery {
  officer?: string;
  region?: string;
  lang?: string;
  pass?: string;
}

/** An authorised request: who asks, for which officer's code, in which region. */
interface LeafletTarget {
  staff: ResidentRecord;
  officer: ResidentRecord;
  region: RegionRecord;
  /** The leaflet pass the request came with: links to this same leaflet carry it, no others. */
  pass: string | undefined;
  below: RegionRecord[];
  above: RegionRecord | undefined;
}

/** The address a resident's phone opens for an officer's leaflet in a region (or for one household's QR). */
export function leafletUrl(keys: WebKeys, baseUrl: string, officerId: string, regionCode: string, householdId?: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/q/${signLeafletCode(keys, { officerId, regionCode, ...(householdId ? { householdId } : {}) })}`;
}

/**
 * A link to an officer's leaflet page in a region, carrying a leaflet pass (7 days by default):
 * what the chat's /link command hands an officer. It opens that leaflet and its QR code only.
 */
export function staffLeafletLink(secret: string, baseUrl: string, staff: StaffHolder, regionCode: string, now: Date, options: { officerId?: string; ttlMs?: number } = {}): string {
  const officerId = options.officerId ?? staff.id;
  const pass = issueLeafletPass(secret, { staff, officerId, regionCode }, now, options.ttlMs ?? LEAFLET_PASS_TTL_MS);
  const query = new URLSearchParams({ officer: officerId, region: regionCode, pass });
  return `${baseUrl.replace(/\/+$/, "")}/web/staff/leaflet?${query.toString()}`;
}

/** How long a staff sign-in from the chat page lasts: a working day, then the chat link again. */
const STAFF_ENTRY_TTL_MS = 12 * 3600 * 1000;

/** Mounts the staff routes on the web chat's scope. */
export async function mountStaffRoutes(scope: FastifyInstance, context: StaffRouteContext): Promise<void> {
  const { keys, config } = context;
  const limit = { rateLimit: { max: context.staffPerMinute, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `staff:${request.ip}` } };

  const baseUrl = (request: FastifyRequest): string => config.publicUrl ?? `${request.protocol}://${request.host}`;

  const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

  const authorise = async (request: FastifyRequest<{ Querystring: StaffQuery }>): Promise<LeafletTarget> => {
    const officer = text(request.query.officer);
    const region = text(request.query.region);
    const pass = text(request.query.pass);
    if (pass) {
      const scope = verifyLeafletPass(context.secret, pass, context.now());
      if (!scope) throw new WebError(401, "error.staff_login");
      // A pass names its leaflet: asking it for another officer or region is asking without one.
      if ((officer && officer !== scope.officerId) || (region && region !== scope.regionCode)) throw new WebError(403, "error.staff_region");
      const target = await context.staffLeaflet({ staffId: scope.staffId, officerId: scope.officerId, regionCode: scope.regionCode });
      if (!target.ok) throw refusalError(target.refusal);
      if (!holdsSession({ residentId: scope.staffId, epoch: scope.epoch }, target.staff)) throw new WebError(401, "error.staff_login");
      return { ...target, pass };
    }
    const token = tokenOf(request);
    if (!token) throw new WebError(context.readSession(request) ? 403 : 401, context.readSession(request) ? "error.staff_only" : "error.staff_login");
    const claims = verifyStaffToken(context.secret, token, context.now());
    if (!claims) throw new WebError(401, "error.staff_login");
    const target = await context.staffLeaflet({ staffId: claims.residentId, ...(officer ? { officerId: officer } : {}), ...(region ? { regionCode: region } : {}) });
    if (!target.ok) throw refusalError(target.refusal);
    if (!holdsSession(claims, target.staff)) throw new WebError(401, "error.staff_login");
    return { ...target, pass: undefined };
  };

  const qrOptions = { errorCorrectionLevel: "M" as const, margin: 2 };

  // A resident typing a leaflet's short link lands where its QR code leads; a code that stands
  // for nothing says so in the visitor's language (codes are random: nothing else to tell).
  const byAddress = { rateLimit: { max: context.staffPerMinute, timeWindow: 60_000, keyGenerator: (request: FastifyRequest) => `short:${request.ip}` } };
  scope.get<{ Params: { short: string } }>(SHORT_LINK_ROUTE, { config: byAddress }, async (request, reply) => {
    const target = await context.shortLinks.target(request.params.short);
    if (!target) throw new WebError(404, "error.short_link_unknown");
    return reply.redirect(new URL(leafletUrl(keys, "http://x", target.officerId, target.regionCode)).pathname, 302);
  });

  // A staff member who joined through the web chat has no token of their own: their chat session
  // is exchanged for the staff cookie (as the sign-in form sets it), admins go on to the dashboard
  // and officers to their leaflet page. Nothing is in the URL, so nothing can leak from it.
  scope.get(STAFF_ENTRY_PATH, { config: limit }, async (request, reply) => {
    const staff = await context.staffOfSession(request);
    if (!staff) {
      const chatting = context.readSession(request);
      throw new WebError(chatting ? 403 : 401, chatting ? "error.staff_only" : "error.staff_login");
    }
    const token = issueStaffToken(context.secret, { id: staff.residentId, sessionEpoch: staff.sessionEpoch }, context.now(), STAFF_ENTRY_TTL_MS);
    reply.setCookie(STAFF_COOKIE, token, {
      path: "/",
      httpOnly: true,
      sameSite: "strict",
      secure: (config.publicUrl ?? "").startsWith("https:") || request.protocol === "https",
      maxAge: STAFF_ENTRY_TTL_MS / 1000,
    });
    const lang = requestLang(request.headers, config.defaultLang);
    // Officers work door to door: their phone page (households, visits, interviews) links the leaflet.
    return reply.redirect(staff.role === "admin" ? `/admin?lang=${lang}` : `/field?lang=${lang}`, 303);
  });

  scope.get<{ Querystring: StaffQuery }>("/web/staff/qr.png", { config: limit }, async (request, reply) => {
    const target = await authorise(request);
    const png = await QRCode.toBuffer(leafletUrl(keys, baseUrl(request), target.officer.id, target.region.code), { ...qrOptions, type: "png", width: 600 });
    return download(reply, "image/png", png, `anxin-qr-${target.region.code}.png`);
  });

  scope.get<{ Querystring: StaffQuery }>("/web/staff/qr.svg", { config: limit }, async (request, reply) => {
    const target = await authorise(request);
    const svg = await QRCode.toString(leafletUrl(keys, baseUrl(request), target.officer.id, target.region.code), { ...qrOptions, type: "svg" });
    return download(reply, "image/svg+xml", svg, `anxin-qr-${target.region.code}.svg`);
  });

  scope.get<{ Querystring: StaffQuery }>("/web/staff/leaflet", { config: limit }, async (request, reply) => {
    const target = await authorise(request);
    const lang: Lang = typeof request.query.lang === "string" && isLang(request.query.lang) ? request.query.lang : requestLang(request.headers, config.defaultLang);
    const url = leafletUrl(keys, baseUrl(request), target.officer.id, target.region.code);
    const svg = await QRCode.toString(url, { ...qrOptions, type: "svg" });
    const shortUrl = `${baseUrl(request).replace(/\/+$/, "")}/q/${await context.shortLinks.codeFor(target.officer.id, target.region.code)}`;
    const query = (extra: Record<string, string>) =>
      new URLSearchParams({ officer: target.officer.id, region: target.region.code, ...(target.pass ? { pass: target.pass } : {}), ...extra }).toString();
    return reply.type("text/html; charset=utf-8").send(
      leafletPage({
        lang,
        shortUrl,
        qrSvg: svg,
        officerName: target.officer.displayName,
        regionName: regionName(target.region, lang),
        pngHref: `/web/staff/qr.png?${query({})}`,
        svgHref: `/web/staff/qr.svg?${query({})}`,
        langHref: (l) => `/web/staff/leaflet?${query({ lang: l })}`,
        // Other places' leaflets: the same page for another region, in the page's language. A pass
        // is for its own region only, so these need a staff session (or a pass of their own).
        places: [...(target.above ? [{ region: target.above, up: true }] : []), ...target.below.map((region) => ({ region, up: false }))].map(({ region, up }) => ({
          name: regionName(region, lang),
          up,
          href: `/web/staff/leaflet?${new URLSearchParams({ officer: target.officer.id, region: region.code, lang }).toString()}`,
        })),
      }),
    );
  });
}

function refusalError(refusal: LeafletRefusal): WebError {
  switch (refusal) {
    case "staff-only":
      return new WebError(403, "error.staff_only");
    case "other-officer":
      return new WebError(403, "error.staff_other_officer");
    case "no-officer":
      return new WebError(400, "error.staff_no_officer");
    case "no-region":
      return new WebError(400, "error.staff_region");
    case "outside-area":
      return new WebError(403, "error.staff_region");
  }
}

function download(reply: FastifyReply, type: string, body: Buffer | string, filename: string): FastifyReply {
  return reply
    .type(type)
    .header("content-disposition", `inline; filename="${filename.replace(/[^A-Za-z0-9._-]/g, "_")}"`)
    .header("cache-control", "private, no-store")
    .send(body);
}

/** A region's name in `lang`, falling back to any name it has, then to its code. */
export function regionName(region: RegionRecord, lang: Lang): string {
  return region.name[lang] ?? region.name["zh-CN"] ?? Object.values(region.name)[0] ?? region.code;
}

/** The leaflet: fits a phone's screen, prints on A5 (everything escaped; the QR is our own SVG). */
export function leafletPage(input: {
  lang: Lang;
  /** The short link printed under the QR code (`…/q/` and a few characters), for residents to type. */
  shortUrl: string;
  qrSvg: string;
  officerName: string | null;
  regionName: string;
  pngHref: string;
  svgHref: string;
  langHref: (lang: Lang) => string;
  /** Leaflets of the region above and of the regions below (not printed). */
  places?: { name: string; href: string; up: boolean }[];
}): string {
  const t = WEB_RESOURCES[input.lang].leaflet;
  const e = escapeHtml;
  const svg = input.qrSvg.replace("<svg ", `<svg role="img" aria-label="${e(t.qr_alt)}" class="qr" `);
  const langLinks = (["zh-CN", "zh-TW", "en"] as const)
    .map((l) => `<a href="${e(input.langHref(l))}"${l === input.lang ? ' aria-current="page"' : ""}>${e(LANG_NAMES[l])}</a>`)
    .join(" · ");
  return `<!doctype html>
<html lang="${e(input.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(t.title)} · ${e(input.regionName)}</title>
<link rel="stylesheet" href="/web/static/leaflet.css">
<script src="/web/static/leaflet.js" defer></script>
</head>
<body>
<nav class="tools" aria-label="${e(t.title)}">
<button type="button" id="print">${e(t.print)}</button>
<a href="${e(input.pngHref)}" download>${e(t.download_png)}</a>
<a href="${e(input.svgHref)}" download>${e(t.download_svg)}</a>
<span class="langs">${langLinks}</span>
</nav>
${placesNav(input.lang, input.places ?? [])}
<main class="sheet">
<p class="brand">${e(webText(input.lang, "page.brand"))}</p>
<h1>${e(t.heading)}</h1>
<p class="sub">${e(t.subheading)}</p>
<div class="qr-box">${svg}</div>
<p class="link">${e(t.link)}<br><a class="url short-url" href="${e(input.shortUrl)}">${e(input.shortUrl)}</a></p>
<ol class="steps">
<li>${e(t.step1)}</li>
<li>${e(t.step2)}</li>
<li>${e(t.step3)}</li>
</ol>
<p class="who">${e(webText(input.lang, "leaflet.region", { region: input.regionName }))}${
    input.officerName ? `<br>${e(webText(input.lang, "leaflet.officer", { name: input.officerName }))}` : ""
  }</p>
<p class="foot">${e(t.footer)}</p>
</main>
</body>
</html>
`;
}

/** Links to the leaflets of the places around this one (an officer of a town has one per village). */
function placesNav(lang: Lang, places: readonly { name: string; href: string; up: boolean }[]): string {
  if (places.length === 0) return "";
  const e = escapeHtml;
  const links = places.map((p) => `<li><a href="${e(p.href)}">${p.up ? "↑ " : ""}${e(p.name)}</a></li>`).join("");
  return `<nav class="tools places" aria-label="${e(webText(lang, "leaflet.places"))}"><p>${e(webText(lang, "leaflet.places"))}</p><ul>${links}</ul></nav>`;
}

const LANG_NAMES: Record<Lang, string> = { "zh-CN": "简体中文", "zh-TW": "繁體中文", en: "English" };
