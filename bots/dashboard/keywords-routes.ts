/**
 * What the suggestions say, over the JSON API: GET /admin/api/keywords takes the Suggestions page's
 * filters (wave, region, status, tag, text, dates) and answers the terms most of those suggestions
 * use, each with the ids of its suggestions — as a whole and, with `level`, per region.
 */
import type { FastifyInstance } from "fastify";
import type { DashboardDeps } from "./deps.js";
import { intParam, langOf, suggestionQuery } from "./queries.js";
import { badRequest } from "./replies.js";

const keywordsQuery = suggestionQuery.omit({ cursor: true, limit: true }).extend({
  level: intParam(0, 10),
  top: intParam(1, 500),
  minSuggestions: intParam(1, 1_000_000),
  minGroup: intParam(2, 1_000_000),
});

/** Registers GET /admin/api/keywords. */
export function registerKeywordsRoutes(app: FastifyInstance, { service, admin }: DashboardDeps): void {
  app.get("/admin/api/keywords", { preHandler: admin }, async (request, reply) => {
    const parsed = keywordsQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const lang = langOf(request, q);
    const filter = await service.suggestions.filter(q, lang);
    if (typeof filter === "string") return badRequest(reply, filter);
    const found = await service.suggestions.keywords(filter, lang, {
      ...(q.level === undefined ? {} : { level: q.level }),
      ...(q.top === undefined ? {} : { top: q.top }),
      ...(q.minSuggestions === undefined ? {} : { minSuggestions: q.minSuggestions }),
      ...(q.minGroup === undefined ? {} : { minGroupSize: q.minGroup }),
    });
    return {
      read: found.read,
      truncated: found.truncated,
      groups: found.groups.map((g) => ({ regionCode: g.regionCode || null, name: g.name, suggestions: g.suggestions, keywords: g.keywords })),
    };
  });
}
