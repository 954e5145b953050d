/**
 * The dashboard's replies that are not a route's own result: the JSON refusals the API (and, for a
 * malformed query, the pages too) answers with, and pages sent as HTML.
 */
import type { FastifyReply } from "fastify";
import type { z } from "zod";
import type { Lang } from "../../core/engine/types.js";
import { notFoundPage } from "./pages.js";

const HTML = "text/html; charset=utf-8";

/** 400 `bad_request`: the first problem zod found (as `path: message`), or the message given. */
export function badRequest(reply: FastifyReply, problem: z.ZodError | string): FastifyReply {
  if (typeof problem === "string") return reply.code(400).send({ error: "bad_request", message: problem });
  const issue = problem.issues[0];
  return reply.code(400).send({ error: "bad_request", message: `${issue?.path.join(".") || "request"}: ${issue?.message ?? "invalid"}` });
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
