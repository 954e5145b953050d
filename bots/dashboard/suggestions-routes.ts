/**
 * Residents' suggestions: the Suggestions page (filters, 50 a page) with its status-and-tags form,
 * and the same over the JSON API (GET /admin/api/suggestions, PATCH /admin/api/suggestions/:id).
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SUGGESTION_STATUSES, type SuggestionStatus } from "../../core/model/index.js";
import type { DashboardDeps } from "./deps.js";
import { suggestionsPage } from "./pages.js";
import { parseInput } from "./errors.js";
import { idParams, langOf, suggestionQuery, textParam } from "./queries.js";
import { badRequest, notFound, sendHtml } from "./replies.js";
import { staffOf } from "./security.js";
import { keywordsPanel, PANEL_TERMS } from "./keywords-panel.js";

/** How many suggestions the page shows at once. */
const PAGE_SIZE = 50;

const suggestionPatch = z.object({
  status: z.enum(SUGGESTION_STATUSES as [SuggestionStatus, ...SuggestionStatus[]]).optional(),
  tags: z.union([z.array(textParam(32)).max(20), textParam(400)]).optional(),
});

/** Registers the Suggestions page (GET /admin/suggestions, POST /admin/suggestions/:id) and its JSON API. */
export function registerSuggestionsRoutes(app: FastifyInstance, { service, admin, guarded, pageContext }: DashboardDeps): void {
  app.get("/admin/suggestions", { preHandler: admin }, async (request, reply) => {
    const parsed = suggestionQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const q = parsed.data;
    const lang = langOf(request, q);
    const filter = await service.suggestions.filter(q, lang);
    if (typeof filter === "string") return badRequest(reply, filter);
    const [list, total, waves, regions, keywords] = await Promise.all([
      service.suggestions.query({ ...filter, limit: PAGE_SIZE, ...(q.cursor ? { cursor: q.cursor } : {}) }),
      service.suggestions.count(filter),
      service.waves.list(),
      service.regions(),
      // The word cloud heads the first page only: later pages are for reading on.
      q.cursor ? undefined : service.suggestions.keywords(filter, lang, { top: PANEL_TERMS }),
    ]);
    const filters = Object.fromEntries(Object.entries({ wave: q.wave, region: q.region, status: q.status, tag: q.tag, q: q.q, since: q.since }).filter(([, v]) => typeof v === "string" && v !== ""));
    const termLinks = new URLSearchParams({ lang, ...Object.fromEntries(Object.entries(filters).filter(([key]) => key !== "q")) } as Record<string, string>);
    return sendHtml(
      reply,
      suggestionsPage(pageContext(request, lang), {
        list,
        total,
        filters,
        waves,
        regions,
        ...(keywords ? { keywords: keywordsPanel(lang, keywords, termLinks) } : {}),
        ...(list.length === PAGE_SIZE ? { nextCursor: (list[list.length - 1] as { id: string }).id } : {}),
      }),
    );
  });

  app.post("/admin/suggestions/:id", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const parsed = suggestionPatch.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const updated = await service.suggestions.update(id, parsed.data, staffOf(request).id);
    if (updated === "invalid") return badRequest(reply, "invalid tags");
    if (!updated) return notFound(reply);
    // Back to the list as it was filtered (the form's action carries the page's query).
    const back = new URLSearchParams(request.query as Record<string, string>).toString();
    return reply.redirect(`/admin/suggestions?${back}`, 303);
  });

  app.get("/admin/api/suggestions", { preHandler: admin }, async (request, reply) => {
    const parsed = suggestionQuery.safeParse(request.query);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const filter = await service.suggestions.filter(parsed.data, langOf(request, parsed.data));
    if (typeof filter === "string") return badRequest(reply, filter);
    const limit = parsed.data.limit ?? 100;
    const [items, total] = await Promise.all([service.suggestions.query({ ...filter, limit, ...(parsed.data.cursor ? { cursor: parsed.data.cursor } : {}) }), service.suggestions.count(filter)]);
    return { items, total, nextCursor: items.length === limit ? (items[items.length - 1]?.id ?? null) : null };
  });

  app.patch("/admin/api/suggestions/:id", guarded, async (request, reply) => {
    const { id } = parseInput(idParams, request.params);
    const parsed = suggestionPatch.safeParse(request.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const updated = await service.suggestions.update(id, parsed.data, staffOf(request).id);
    if (updated === "invalid") return badRequest(reply, "invalid tags");
    if (!updated) return notFound(reply);
    return updated;
  });
}
