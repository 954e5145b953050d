/**
 * The dashboard's one error handler and the refusals it shares with the routes. Bad input answers
 * 400 with a message in the admin's language saying which parameter is wrong; Fastify's own 4xx
 * (body too large, unreadable JSON, unsupported media type, an unknown address) get clear messages
 * too; anything unexpected answers 500 with a short random id, and only the log holds the error,
 * so that no stack, file path, database message or code excerpt ever reaches a browser.
 *
 * JSON for the API and downloads (/admin/api/…) and for clients that do not ask for HTML; a small
 * page for a browser opening a page or sending a form.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { Logger } from "../../app/log.js";
import type { StaffRequest } from "../../app/staff-auth.js";
import { normalizeLang, type Lang } from "../../core/engine/types.js";
import { adminLang, at, type AdminKey } from "../../core/admin/i18n.js";
import type { TextVars } from "../../core/util/translator.js";
import { html } from "./html.js";

/** Bad input found while reading a request: thrown by {@link parseInput}, answered 400 by the handler. */
export class BadInputError extends Error {
  constructor(readonly issues: z.core.$ZodIssue[]) {
    super("bad input");
    this.name = "BadInputError";
  }
}

/**
 * What a request's `schema` reads from `value` (its query, body or path parameters).
 * @throws BadInputError when it does not fit: the error handler answers 400 naming the parameter
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BadInputError(parsed.error.issues);
  return parsed.data;
}

/** The first word of Accept-Language when it is a language the dashboard speaks. */
function browserLang(request: FastifyRequest): Lang | undefined {
  const header = request.headers["accept-language"];
  const first = typeof header === "string" ? header.split(",")[0]?.split(";")[0]?.trim() : undefined;
  return first && /^(zh|en)\b/i.test(first) ? normalizeLang(first) : undefined;
}

/**
 * The language of a refusal: `?lang=` (what the page shows), else the signed-in admin's own, else
 * the browser's first choice, else zh-CN. It must not throw: it runs while answering an error.
 */
export function requestLang(request: FastifyRequest): Lang {
  const query = request.query as Record<string, unknown> | undefined;
  const body = request.body as Record<string, unknown> | undefined;
  // The sign-in and sign-out forms carry their language in the body.
  const asked = query?.lang ?? (typeof body === "object" && body !== null ? body.lang : undefined);
  return adminLang(asked, adminLang((request as StaffRequest).staff?.lang, browserLang(request) ?? "zh-CN"));
}

/** Whether a refusal of `request` should be a page: a browser's page or form, never the API. */
function wantsPage(request: FastifyRequest): boolean {
  return !request.url.startsWith("/admin/api/") && (request.headers.accept ?? "").includes("text/html");
}

/** The body of a JSON refusal. */
export interface RefusalBody {
  error: string;
  message: string;
  /** The parameter that was wrong (400 for bad input). */
  param?: string;
  /** The id of a 500 in the log. */
  id?: string;
}

/** A small page saying what went wrong, with a way back. */
function errorPage(lang: Lang, message: string): string {
  return `<!doctype html>${html`<html lang="${lang}"><head><meta charset="utf-8"><title>${at(lang, "errors.title")}</title><link rel="stylesheet" href="/admin/static/admin.css"></head>
<body class="login"><main class="login-box"><p class="notice" role="alert">${message}</p><p><a href="/admin?lang=${lang}">${at(lang, "errors.back")} →</a></p></main></body></html>`}`;
}

/** Sends a refusal with `status`, as a page or as JSON (see {@link wantsPage}). */
export function sendRefusal(request: FastifyRequest, reply: FastifyReply, status: number, body: RefusalBody): FastifyReply {
  reply.code(status);
  if (wantsPage(request)) return reply.type("text/html; charset=utf-8").send(errorPage(requestLang(request), body.message));
  return reply.type("application/json; charset=utf-8").send(body);
}

/** The name of the parameter an issue is about ("request" for the whole query or body). */
function paramOf(issue: z.core.$ZodIssue): string {
  return issue.path.map(String).join(".") || "request";
}

/** What is wrong with a parameter, in `lang`. */
function problemText(lang: Lang, issue: z.core.$ZodIssue): string {
  if (issue.code === "custom") {
    const params = issue.params as { key?: AdminKey; vars?: TextVars } | undefined;
    if (params?.key) return at(lang, params.key, params.vars ?? {});
  }
  if (issue.code === "invalid_value") return at(lang, "errors.expect_one_of", { options: issue.values.map(String).filter((v) => v !== "").join(", ") });
  if (issue.code === "invalid_type") {
    if (issue.path.length === 0) return at(lang, "errors.expect_object");
    return issue.input === undefined ? at(lang, "errors.missing") : at(lang, "errors.invalid");
  }
  if (issue.code === "too_big" && issue.origin === "string") return at(lang, "errors.expect_text", { max: Number(issue.maximum) });
  if (issue.code === "too_small" && issue.origin === "string") return at(lang, "errors.missing");
  return at(lang, "errors.invalid");
}

/** The refusal of bad input: which parameter, and what is wrong with it, in `lang`. */
export function badInputBody(lang: Lang, issues: readonly z.core.$ZodIssue[]): RefusalBody {
  const issue = issues[0];
  if (!issue) return { error: "bad_request", message: at(lang, "errors.bad_request") };
  const param = paramOf(issue);
  return { error: "bad_request", param, message: at(lang, "errors.bad_param", { param, problem: problemText(lang, issue) }) };
}

/** Fastify's (and its plugins') own refusals, by status: what to tell the admin. */
function fastifyRefusal(error: unknown): { status: number; error: string; key: AdminKey } | null {
  const status = typeof error === "object" && error !== null ? (error as { statusCode?: unknown }).statusCode : undefined;
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof status !== "number" || status < 400 || status >= 500) return null;
  if (status === 413) return { status, error: "too_large", key: "errors.too_large" };
  if (status === 415) return { status, error: "unsupported_media_type", key: "errors.media_type" };
  if (status === 429) return { status, error: "rate_limited", key: "errors.rate_limited" };
  if (status === 404 || status === 405) return { status: 404, error: "not_found", key: "errors.not_found" };
  // A body that would not parse (bad JSON, an empty JSON body, a body on a GET) is the client's mistake.
  if (typeof code === "string" && code.startsWith("FST_ERR_CTP_")) return { status: 400, error: "bad_request", key: "errors.bad_body" };
  if (error instanceof SyntaxError) return { status: 400, error: "bad_request", key: "errors.bad_body" };
  return { status, error: "bad_request", key: "errors.bad_request" };
}

/** A short id for a 500, for the admin to quote and the log to be searched by. */
function errorId(): string {
  return randomBytes(5).toString("hex");
}

/** Answers an unknown address under /admin in the admin's language (not the server's bare JSON 404). */
function registerNotFound(scope: FastifyInstance): void {
  // A wildcard loses to every real route, so it only catches what none of them matches.
  scope.all("/admin/*", async (request, reply) => sendRefusal(request, reply, 404, { error: "not_found", message: at(requestLang(request), "errors.not_found") }));
}

/**
 * Installs the error handler on the dashboard's scope (every route registered in it and its child
 * scopes) and the 404 for unknown admin addresses. Call it before the routes are added.
 */
export function installErrorHandler(scope: FastifyInstance, logger: Logger): void {
  scope.setErrorHandler((error: unknown, request, reply) => {
    const lang = requestLang(request);
    if (error instanceof BadInputError) return sendRefusal(request, reply, 400, badInputBody(lang, error.issues));
    const refusal = fastifyRefusal(error);
    if (refusal) return sendRefusal(request, reply, refusal.status, { error: refusal.error, message: at(lang, refusal.key) });
    const id = errorId();
    logger.error({ err: error, errorId: id, method: request.method, url: request.url, route: request.routeOptions.url }, "dashboard request failed");
    return sendRefusal(request, reply, 500, { error: "internal", id, message: at(lang, "errors.server", { id }) });
  });
  registerNotFound(scope);
}
