/**
 * What admins review: residents' suggestions (filtered lists, status and tags) and the spot checks
 * of completed responses (drawing a sample, re-asking in chat, recording outcomes). The store
 * audits each of these changes itself, with the actor given here.
 */
import { SUGGESTION_STATUSES, type AdminSuggestionRecord, type SpotCheckOutcomeValue, type SpotCheckRecord, type SuggestionQuery, type SuggestionStatus } from "../model/index.js";
import { drawSpotChecks, type DrawRequest, type DrawResult } from "./spot-checks.js";
import { queueChatRechecks, type QueueResult } from "./spot-check-chat.js";
import type { AdminContext } from "./service-context.js";
import { parseLocalDateTime } from "../util/time-zone.js";
import { suggestionKeywords, type KeywordGroupOptions, type SuggestionKeywords } from "../insight/keywords-table.js";
import type { Lang } from "../engine/types.js";
import { at } from "./i18n.js";

/** The most suggestions the dashboard reads for its keywords (the newest): enough for any county, bounded for a city. */
export const KEYWORD_READ_LIMIT = 20_000;

/** Suggestion filters as a request gives them, as text (`status` may be a comma-separated list). */
export interface SuggestionFilterQuery {
  wave?: string | undefined;
  region?: string | undefined;
  status?: string | undefined;
  tag?: string | undefined;
  q?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** A change of a suggestion: its status and/or its tags, as a list or as one text (separated by ASCII or CJK commas). */
export interface SuggestionChange {
  status?: SuggestionStatus | undefined;
  tags?: string | readonly string[] | undefined;
}

/** Tags as a list, or as the page's text field: separated by ASCII or CJK commas. */
function splitTags(tags: string | readonly string[] | undefined): string[] | undefined {
  if (tags === undefined) return undefined;
  return (typeof tags === "string" ? tags.split(/[,，、]/) : tags).map((t) => t.trim()).filter((t) => t !== "");
}

/** An ISO date or date-time as office time in `zone` (an offset in the text wins). */
function officeTime(text: string, zone: string): Date {
  return new Date(parseLocalDateTime(text, zone) ?? Date.parse(text));
}

/** Residents' suggestions and their handling. */
export class SuggestionService {
  constructor(private readonly ctx: AdminContext) {}

  /** The store's filter for a suggestion query, or what is wrong with it (an unknown region or status) in `lang`. */
  async filter(q: SuggestionFilterQuery, lang: Lang = "en"): Promise<SuggestionQuery | string> {
    const filter: SuggestionQuery = {};
    if (q.wave) filter.waveId = q.wave;
    if (q.region) {
      const region = await this.ctx.store.getRegionByCode(q.region);
      if (!region) return at(lang, "errors.no_such_region", { code: q.region });
      filter.regionPath = region.path;
    }
    if (q.status) {
      const statuses = q.status.split(",").filter((s): s is SuggestionStatus => (SUGGESTION_STATUSES as readonly string[]).includes(s));
      if (statuses.length === 0) return at(lang, "errors.unknown_status", { status: q.status, known: SUGGESTION_STATUSES.join(", ") });
      filter.status = statuses;
    }
    if (q.tag) filter.tag = q.tag;
    if (q.q) filter.search = q.q;
    // A date typed or picked by an admin is the office's day (midnight office time), not UTC's.
    if (q.since) filter.since = officeTime(q.since, this.ctx.timeZone);
    if (q.until) filter.until = officeTime(q.until, this.ctx.timeZone);
    // An impossible date (2026-13-45) must not reach the database, whose refusal would be a 500.
    if (filter.since && Number.isNaN(filter.since.getTime())) return at(lang, "errors.bad_param", { param: "since", problem: at(lang, "errors.expect_date") });
    if (filter.until && Number.isNaN(filter.until.getTime())) return at(lang, "errors.bad_param", { param: "until", problem: at(lang, "errors.expect_date") });
    return filter;
  }

  /** One page of the suggestions matching `query`, newest first. */
  query(query: SuggestionQuery): Promise<AdminSuggestionRecord[]> {
    return this.ctx.store.querySuggestions(query);
  }

  /** How many suggestions match `query` (paging ignored). */
  count(query: SuggestionQuery): Promise<number> {
    return this.ctx.store.countSuggestions(query);
  }

  /** The keywords of the suggestions matching `query`, from the newest {@link KEYWORD_READ_LIMIT}. */
  keywords(query: SuggestionQuery, lang: Lang, options: KeywordGroupOptions = {}): Promise<SuggestionKeywords> {
    const { cursor: _cursor, limit: _limit, ...filter } = query;
    return suggestionKeywords(this.ctx.store, filter, lang, { ...options, limit: KEYWORD_READ_LIMIT });
  }

  /**
   * Sets a suggestion's status and/or tags; the store audits it (`suggestion.update`) under `actorId`.
   * @returns the suggestion after the change, null when there is no such suggestion, "invalid" when the store refused a tag
   */
  async update(id: string, change: SuggestionChange, actorId: string | null): Promise<AdminSuggestionRecord | null | "invalid"> {
    const tags = splitTags(change.tags);
    try {
      return await this.ctx.store.updateSuggestion(id, { ...(change.status ? { status: change.status } : {}), ...(tags ? { tags } : {}) }, actorId);
    } catch (error) {
      // The store is where a tag's rules live; its refusal is the admin's mistake, not a failure.
      if (error instanceof Error && /invalid tag/.test(error.message)) return "invalid";
      throw error;
    }
  }
}

/** Spot checks of a wave's completed responses. */
export class SpotCheckService {
  constructor(private readonly ctx: AdminContext) {}

  /** The spot checks of a wave, in drawing order. */
  list(waveId: string): Promise<SpotCheckRecord[]> {
    return this.ctx.store.listSpotChecks(waveId);
  }

  /** Draws and stores a stratified sample of a wave's completed responses (audited by the store). */
  draw(request: Omit<DrawRequest, "now">): Promise<DrawResult> {
    return drawSpotChecks(this.ctx.store, { ...request, now: this.ctx.now() });
  }

  /** Queues the re-check in chat of a wave's open `chat` spot checks, at most `limit` (audited by the store). */
  reask(request: { waveId: string; limit?: number; actorId?: string | null }): Promise<QueueResult> {
    return queueChatRechecks(this.ctx.store, { ...request, now: this.ctx.now() });
  }

  /**
   * Records what a spot check found (audited by the store).
   * @returns the spot check as recorded, null when there is no such spot check
   */
  record(id: string, outcome: { outcome: SpotCheckOutcomeValue; verifier?: string | null; notes?: string | null; actorId?: string | null }): Promise<SpotCheckRecord | null> {
    return this.ctx.store.recordSpotCheck(id, { ...outcome, now: this.ctx.now() });
  }
}
