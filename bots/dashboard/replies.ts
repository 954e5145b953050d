/**
 * The dashboard's replies that are not a route's own result: the refusals (JSON for the API, a page
 * for a browser's page or form; see errors.ts) and pages sent as HTML.
 */
import type { FastifyReply } from "fastify";
import type { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { notFoundPage } from "./pages.js";
import { badInputBody, requestLang, sendRefusal } from "./errors.js";

const HTML = "text/html; charset=utf-8";

/**
 * 400 `bad_request`: for zod's findings, which parameter is wrong and how, in the admin's language;
 * a message given as text is sent as it is. A page for a browser's page or form, else JSON.
 */
export function badRequest(reply: FastifyReply, problem: z.ZodError | string): FastifyReply {
  const { request } = reply;
  if (typeof problem === "string") return sendRefusal(request, reply, 400, { error: "bad_request", message: problem });
  return sendRefusal(request, reply, 400, badInputBody(requestLang(request), problem.issues));
}

/** 404 `not_found`, with a message when one is given (some routes have always answered without). */
export function notFound(reply: FastifyReply, message?: string): FastifyReply {
  return reply.code(404).send(message === undefined ? { error: "not_found" } : { error: "not_found", message });
}

/** A page as HTML, with `status` when it is not 200. A null page (never expected) is sent as it is. */
export function sendHtml(reply: FastifyReply, page: string | null, status?: number): FastifyReply {
  return (status === undefined ? reply : reply.code(status)).type(HTML).send(page);
}

/** 404 as a page that says what was not found. */
export function notFoundHtml(reply: FastifyReply, lang: Lang, message: string): FastifyReply {
  return sendHtml(reply, notFoundPage(lang, message), 404);
}
