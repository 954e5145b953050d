/** Residents' suggestions and the office's handling of them (the SuggestionStore port). */
import type { Prisma } from "../generated/sqlite/client.ts";
import { BulkReader } from "../bulk-reader.js";
import { json, parse, type StoreContext } from "./context.js";
import { SUGGESTION_STATUSES, type AdminSuggestionRecord, type SuggestionQuery, type SuggestionRecord, type SuggestionStatus, type SuggestionStore } from "../../core/model/index.js";

export class SuggestionTables implements SuggestionStore {
  constructor(private readonly db: StoreContext) {}

  /** Suggestions, newest first. */
  async listSuggestions(filter: { waveId?: string; since?: Date } = {}): Promise<SuggestionRecord[]> {
    const rows = await this.db.client.suggestion.findMany({
      where: { ...(filter.waveId ? { waveId: filter.waveId } : {}), ...(filter.since ? { createdAt: { gte: filter.since } } : {}) },
      orderBy: { createdAt: "desc" },
    });
    return rows.map((row) => ({
      id: row.id,
      residentId: row.residentId,
      waveId: row.waveId,
      regionId: row.regionId,
      text: row.text,
      lang: row.lang,
      status: row.status,
      tags: parse<string[]>(row.tags, []),
      createdAt: row.createdAt,
    }));
  }

  /** Suggestions matching a filter, newest first, one page (keyset paging by `cursor`). */
  async querySuggestions(query: SuggestionQuery = {}): Promise<AdminSuggestionRecord[]> {
    const take = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const rows = await this.db.client.suggestion.findMany({
      where: await this.suggestionWhere(query),
      include: { region: { select: { code: true, path: true, name: true } } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    });
    return rows.map(toAdminSuggestion);
  }

  /** How many suggestions match a filter (paging fields ignored). */
  async countSuggestions(query: SuggestionQuery = {}): Promise<number> {
    return this.db.client.suggestion.count({ where: await this.suggestionWhere(query) });
  }

  /** One suggestion, or null. */
  async getSuggestion(id: string): Promise<AdminSuggestionRecord | null> {
    const row = await this.db.client.suggestion.findUnique({ where: { id }, include: { region: { select: { code: true, path: true, name: true } } } });
    return row ? toAdminSuggestion(row) : null;
  }

  /** Sets a suggestion's status and/or tags (audited); null when there is no such suggestion. */
  async updateSuggestion(id: string, change: { status?: SuggestionStatus; tags?: readonly string[] }, actorId: string | null): Promise<AdminSuggestionRecord | null> {
    if (change.status !== undefined && !SUGGESTION_STATUSES.includes(change.status)) throw new Error(`unknown suggestion status ${String(change.status)}`);
    const tags = change.tags === undefined ? undefined : normaliseTags(change.tags);
    return this.db.client.$transaction(async (tx) => {
      const existing = await tx.suggestion.findUnique({ where: { id }, select: { id: true } });
      if (!existing) return null;
      const row = await tx.suggestion.update({
        where: { id },
        data: { ...(change.status !== undefined ? { status: change.status } : {}), ...(tags !== undefined ? { tags: json(tags) } : {}) },
        include: { region: { select: { code: true, path: true, name: true } } },
      });
      await tx.auditLog.create({ data: { actorId, action: "suggestion.update", target: id, details: json({ status: change.status, tags }) } });
      return toAdminSuggestion(row);
    });
  }

  private async suggestionWhere(query: SuggestionQuery): Promise<Prisma.SuggestionWhereInput> {
    const statuses = query.status === undefined ? undefined : typeof query.status === "string" ? [query.status] : [...query.status];
    const where: Prisma.SuggestionWhereInput = {
      ...(query.waveId ? { waveId: query.waveId } : {}),
      ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
      ...(query.since || query.until ? { createdAt: { ...(query.since ? { gte: query.since } : {}), ...(query.until ? { lt: query.until } : {}) } } : {}),
      ...(statuses ? { status: { in: statuses } } : {}),
      // Tags are a JSON array in a string column; quoting the tag matches a whole element.
      ...(query.tag ? { tags: { contains: json(normaliseTags([query.tag])[0] ?? "") } } : {}),
    };
    const search = query.search?.trim();
    if (search) {
      if (this.db.provider === "postgresql") {
        // ILIKE (Prisma's mode "insensitive", absent from the SQLite client's types); backslash
        // is PostgreSQL's default LIKE escape, so % and _ stay literal.
        where.text = { contains: search.replace(/[\\%_]/g, (c) => `\\${c}`), mode: "insensitive" } as Prisma.StringFilter;
      } else if (/[%_\\]/.test(search)) {
        // SQLite's LIKE has no escape character unless the query names one, and Prisma does
        // not: a term with wildcards is matched literally with instr() instead.
        const rows = await this.db.client.$queryRawUnsafe<{ id: string }[]>("SELECT id FROM Suggestion WHERE instr(lower(text), lower(?)) > 0", search);
        where.id = { in: rows.map((row) => row.id) };
      } else {
        // SQLite's LIKE already ignores the case of Latin letters.
        where.text = { contains: search };
      }
    }
    return where;
  }

  /** Every suggestion matching `query`, newest first, streamed like {@link Store.streamResponses}. */
  async *streamSuggestions(query: SuggestionQuery = {}, pageSize = 500): AsyncGenerator<AdminSuggestionRecord> {
    if (!this.db.target) throw new Error("streamSuggestions needs a store opened with PrismaStore.open");
    const reader = await BulkReader.open(this.db.target);
    try {
      yield* reader.streamSuggestions(query, pageSize);
    } finally {
      await reader.close();
    }
  }
}

/** Trims tags, drops empty and duplicate ones; refuses characters that would break the JSON-contains tag filter. */
function normaliseTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === "") continue;
    if (tag.length > 32 || /["\\\u0000-\u001f]/.test(tag)) throw new Error(`invalid tag ${JSON.stringify(tag)}: at most 32 characters, no quotes or backslashes`);
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

function toAdminSuggestion(row: {
  id: string;
  residentId: string | null;
  waveId: string | null;
  regionId: string | null;
  text: string;
  lang: string;
  status: string;
  tags: string;
  createdAt: Date;
  updatedAt: Date;
  region: { code: string; path: string; name: string } | null;
}): AdminSuggestionRecord {
  const status = (SUGGESTION_STATUSES as readonly string[]).includes(row.status) ? (row.status as SuggestionStatus) : "new";
  return {
    id: row.id,
    residentId: row.residentId,
    waveId: row.waveId,
    regionId: row.regionId,
    text: row.text,
    lang: row.lang,
    status,
    tags: parse<string[]>(row.tags, []),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    regionCode: row.region?.code ?? null,
    regionPath: row.region?.path ?? null,
    regionName: row.region ? parse<Record<string, string>>(row.region.name, {}) : null,
  };
}
