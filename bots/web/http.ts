/**
 * HTTP plumbing shared by the resident and staff routes: errors in the visitor's language,
 * security headers, the same-origin check, and the page files.
 */
import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Lang } from "../../core/engine/types.js";
import type { Logger } from "../../app/log.js";
import { requestLang, webText, WEB_RESOURCES, type WebKey } from "./i18n.js";
import { escapeHtml } from "./messages.js";

/** A refusal with a status code and a message key; the visitor reads it in their language. */
export class WebError extends Error {
  constructor(
    readonly statusCode: number,
    readonly key: WebKey,
    readonly vars: Record<string, string | number> = {},
  ) {
    super(key);
  }
}

/** The JSON body of every refused API request. */
export interface WebErrorBody {
  /** Stable machine-readable reason, e.g. "too_large". */
  error: string;
  /** The reason in the visitor's language. */
  message: string;
}

/**
 * No inline script or style anywhere (the page's code is in files), no framing, no plugins, and
 * requests only to this origin. `data:` images are the QR codes on the leaflet page; the phone
 * page's service worker is a same-origin script (`worker-src` falls back to `script-src 'self'`).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  // The officers' phone page installs like an app from its manifest (/field).
  "manifest-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Adds the security headers to every response of `scope` (not to other modules' routes). */
export function addSecurityHeaders(scope: FastifyInstance): void {
  scope.addHook("onSend", async (_request, reply, payload) => {
    reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");
    reply.header("cross-origin-opener-policy", "same-origin");
    reply.header("permissions-policy", "camera=(), microphone=(), geolocation=()");
    if (!reply.hasHeader("cache-control")) reply.header("cache-control", "no-store");
    return payload;
  });
}

/** What {@link isSameOrigin} reads of a request (a FastifyRequest has it all). */
export type OriginRequest = Pick<FastifyRequest, "headers" | "protocol" | "host">;

/**
 * The origin our own pages are served from: PUBLIC_URL's when it is set (behind a proxy the
 * request itself may say http while residents see https), else the request's own scheme and host
 * — both as Fastify reads them, so X-Forwarded-Proto/-Host count only from a trusted proxy.
 */
export function expectedOrigin(request: OriginRequest, publicUrl: string | undefined): string | undefined {
  try {
    return publicUrl ? new URL(publicUrl).origin : new URL(`${request.protocol}://${request.host}`).origin;
  } catch {
    return undefined;
  }
}

/**
 * Is this request from our own pages? Browsers send Origin with every POST; a request from
 * another site is refused even before its (SameSite=Strict) cookie would be missed. The whole
 * origin is compared — scheme, host and port — since a page on http:// (which anyone on the
 * network path can write into) is not our https:// page, even on the same host. Clients that send
 * neither Origin nor Sec-Fetch-Site are not browsers and carry no ambient cookie.
 */
export function isSameOrigin(request: OriginRequest, publicUrl: string | undefined): boolean {
  const origin = request.headers.origin;
  if (typeof origin === "string") {
    const expected = expectedOrigin(request, publicUrl);
    if (expected === undefined || expected === "null") return false;
    try {
      // URL parsing folds case and default ports ("HTTPS://Example:443" is "https://example").
      return new URL(origin).origin === expected;
    } catch {
      return false;
    }
  }
  const site = request.headers["sec-fetch-site"];
  if (typeof site === "string") return site === "same-origin" || site === "none";
  return true;
}

/**
 * A leaflet's short link: `/q/` and eight letters or digits (bots/web/staff.ts). Fastify tries a
 * parameter with a pattern before a plain one, so the signed QR codes (always with dots) still
 * reach `/q/:code`.
 */
export const SHORT_LINK_ROUTE = "/q/:short(^[0-9A-Za-z]{8}$)";

/** Routes that answer with an HTML page, so that their errors are pages too. */
const HTML_ROUTES = new Set(["/", "/q/:code", SHORT_LINK_ROUTE, "/j/:code", "/web/staff/leaflet", "/web/staff/enter"]);

/**
 * Turns every error of `scope` into a clear message in the visitor's language: JSON for the API,
 * a small page for page routes. Internal details are logged, never shown.
 */
export function installErrorHandler(scope: FastifyInstance, logger: Logger, defaultLang: Lang): void {
  scope.setErrorHandler((error: unknown, request, reply) => {
    const lang = requestLang(request.headers, defaultLang);
    const refusal = toWebError(error);
    if (refusal.statusCode >= 500) logger.error({ err: error, url: request.url }, "web chat request failed");
    if (refusal.statusCode === 401 && refusal.key === "error.session_invalid") {
      // Forget a cookie that failed its signature check, so that "start over" really does.
      void reply.clearCookie(SESSION_COOKIE, { path: "/" });
    }
    return sendError(request, reply, refusal, lang);
  });
}

/** Sends a refusal as JSON or as a page, depending on the route. */
export function sendError(request: FastifyRequest, reply: FastifyReply, refusal: WebError, lang: Lang): FastifyReply {
  const message = webText(lang, refusal.key, refusal.vars);
  reply.code(refusal.statusCode);
  if (HTML_ROUTES.has(request.routeOptions.url ?? "")) {
    return reply.type("text/html; charset=utf-8").send(errorPage(lang, message));
  }
  const body: WebErrorBody = { error: refusal.key.replace(/^error\./, ""), message };
  return reply.type("application/json; charset=utf-8").send(body);
}

function toWebError(error: unknown): WebError {
  if (error instanceof WebError) return error;
  const status = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  switch (status) {
    case 413:
      return new WebError(413, "error.too_large");
    case 429:
      return new WebError(429, "error.rate_limited");
    case 400:
    case 404:
    case 405:
    case 411:
    case 415:
      return new WebError(typeof status === "number" ? status : 400, "error.bad_request");
    default:
      return new WebError(500, "error.server");
  }
}

/** The signed cookie that carries a resident's anonymous web session id. */
export const SESSION_COOKIE = "anxin_web";

/** A small standalone page showing one message (a bad QR code, a refused staff link). */
export function errorPage(lang: Lang, message: string): string {
  const t = WEB_RESOURCES[lang].page;
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t.title)}</title>
<link rel="stylesheet" href="/web/static/chat.css">
</head>
<body class="notice-page">
<main class="notice" role="alert">
<p>${escapeHtml(message)}</p>
<p><a class="notice-link" href="/">${escapeHtml(t.restart)}</a></p>
</main>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------
// Page files
// ---------------------------------------------------------------------------------------------

const PUBLIC_DIR = new URL("./public/", import.meta.url);

const STATIC_TYPES: Record<string, string> = {
  "chat.js": "text/javascript; charset=utf-8",
  "chat.css": "text/css; charset=utf-8",
  "leaflet.css": "text/css; charset=utf-8",
  "leaflet.js": "text/javascript; charset=utf-8",
  "icon.svg": "image/svg+xml",
};

/** The page files, read once at start-up (there are few and they are small). */
export class PageFiles {
  private readonly files = new Map<string, Buffer>();
  private readonly chatTemplate: string;

  constructor() {
    for (const name of Object.keys(STATIC_TYPES)) this.files.set(name, readFileSync(new URL(name, PUBLIC_DIR)));
    this.chatTemplate = readFileSync(new URL("chat.html", PUBLIC_DIR), "utf8");
  }

  /** Serves `/web/static/<name>`; unknown names are a 404. */
  serve(name: string, reply: FastifyReply): FastifyReply {
    const body = this.files.get(name);
    const type = STATIC_TYPES[name];
    if (!body || !type) throw new WebError(404, "error.not_found");
    return reply.type(type).header("cache-control", "public, max-age=300").send(body);
  }

  /** The chat page, with its labels filled in for `lang` (the script takes over from there). */
  chatPage(lang: Lang): string {
    return this.chatTemplate.replace(/\{\{(lang|page\.\w+)\}\}/g, (_whole, key: string) =>
      key === "lang" ? escapeHtml(lang) : escapeHtml(webText(lang, key as WebKey)),
    );
  }
}
