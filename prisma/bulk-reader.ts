/**
 * Read-only bulk access for exports, in plain SQL through the drivers (better-sqlite3, pg),
 * without Prisma. Prisma's client costs ~50 MB of resident memory once it runs a query and
 * ~100 MB more over a long export (measured in bench/export.ts); an export of 200,000 responses
 * has to stay under 200 MB. This module imports no Prisma code, so a process that only exports
 * never loads it. Only reads: every write still goes through prisma/store.ts.
 *
 * The record types are the core's model (type-only imports).
 */
import Database from "better-sqlite3";
import pg from "pg";
import type { DatabaseTarget } from "./database-url.js";
import { parseRecheck } from "./spot-check-recheck.js";
import type { AdminSuggestionRecord, ClosedCaseRating, ExportSource, FirstQuizAnswer, QuestionnaireRecord, RegionRecord, ResponseQuery, ResponseWithRegion, SpotCheckRecord, SuggestionQuery, SuggestionStatus, WaveRecord } from "../core/model/index.js";

type Row = Record<string, unknown>;

const STATUSES: readonly string[] = ["new", "read", "forwarded", "answered"];

function parseJson<T>(text: unknown, fallback: T): T {
  try {
    return typeof text === "string" ? (JSON.parse(text) as T) : fallback;
  } catch {
    return fallback;
  }
}

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(typeof value === "number" ? value : String(value));
}

/**
 * A response's answers from the text the database joined them into (`"questionId":value,…`), or
 * undefined when a stored value is not JSON, so the text is not either. The store writes every
 * value with JSON.stringify, so no value can reach into its neighbour's place.
 */
function joinedAnswers(joined: unknown): Record<string, unknown> | undefined {
  if (joined === null || joined === undefined) return {};
  try {
    return JSON.parse(`{${String(joined)}}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Escapes a LIKE pattern for `LIKE … ESCAPE '\'` (same on SQLite and PostgreSQL). */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A read-only connection for exports. Open with {@link BulkReader.open}; close when done. */
export class BulkReader implements ExportSource {
  private constructor(
    private readonly query: (sql: string, values: unknown[]) => Promise<Row[]>,
    private readonly release: () => Promise<void>,
    /** Which backend. */
    readonly provider: DatabaseTarget["provider"],
  ) {}

  /** Opens a read-only connection (the database must exist and be migrated). */
  static async open(target: DatabaseTarget): Promise<BulkReader> {
    if (target.provider === "sqlite") {
      const db = new Database(target.file, { readonly: true, fileMustExist: true });
      db.pragma("busy_timeout = 5000");
      return new BulkReader(
        async (sql, values) => db.prepare(sql).all(...values) as Row[],
        async () => {
          db.close();
        },
        "sqlite",
      );
    }
    // Prisma keeps DateTime as timestamp(3) in UTC; pg would read it as local time.
    const getTypeParser = ((oid: number, format?: "text" | "binary") =>
      oid === 1114 ? (value: string) => new Date(`${value.replace(" ", "T")}Z`) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;
    const client = new pg.Client({ connectionString: target.url, types: { getTypeParser } });
    await client.connect();
    return new BulkReader(async (sql, values) => (await client.query(sql, values)).rows as Row[], () => client.end(), "postgresql");
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.release();
  }

  /** Numbers `?` placeholders for PostgreSQL. */
  private sql(statement: string): string {
    if (this.provider === "sqlite") return statement;
    let n = 0;
    return statement.replace(/\?/g, () => `$${++n}`);
  }

  private run(statement: string, values: unknown[] = []): Promise<Row[]> {
    return this.query(this.sql(statement), values);
  }

  /** Every wave, newest first (as Store.listWaves). */
  async listWaves(): Promise<WaveRecord[]> {
    const rows = await this.run(
      `SELECT w."id", w."name", w."questionnaireId", w."opensAt", w."closesAt", q."key", q."version" FROM "Wave" w JOIN "Questionnaire" q ON q."id" = w."questionnaireId" ORDER BY w."opensAt" DESC`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      questionnaireId: String(r.questionnaireId),
      questionnaireKey: String(r.key),
      questionnaireVersion: Number(r.version),
      opensAt: toDate(r.opensAt) as Date,
      closesAt: toDate(r.closesAt),
    }));
  }

  /** The wave open at `now` (as Store.currentWave). */
  async currentWave(now: Date): Promise<WaveRecord | null> {
    const waves = await this.listWaves();
    return waves.find((w) => w.opensAt.getTime() <= now.getTime() && (w.closesAt === null || w.closesAt.getTime() > now.getTime())) ?? null;
  }

  /** A stored questionnaire by row id (as Store.getQuestionnaireById). */
  async getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null> {
    const [r] = await this.run(`SELECT "id", "key", "version", "title", "definition", "checksum", "source", "createdAt" FROM "Questionnaire" WHERE "id" = ?`, [id]);
    if (!r) return null;
    return {
      id: String(r.id),
      key: String(r.key),
      version: Number(r.version),
      title: String(r.title),
      definition: parseJson<unknown>(r.definition, null),
      checksum: String(r.checksum),
      source: text(r.source),
      createdAt: toDate(r.createdAt) as Date,
    };
  }

  /** All regions, parents first (as Store.listRegions). */
  async listRegions(): Promise<RegionRecord[]> {
    const rows = await this.run(`SELECT "id", "code", "name", "level", "path", "parentId" FROM "Region" ORDER BY "level", "code"`);
    return rows.map((r) => ({ id: String(r.id), code: String(r.code), name: parseJson<Record<string, string>>(r.name, {}), level: Number(r.level), path: String(r.path), parentId: text(r.parentId) }));
  }

  /** The region with this code, or null. */
  async getRegionByCode(code: string): Promise<RegionRecord | null> {
    return (await this.listRegions()).find((r) => r.code === code) ?? null;
  }

  private responseWhere(query: ResponseQuery): { clause: string; values: unknown[] } {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const list = (column: string, items: readonly string[]) => {
      if (items.length === 0) conditions.push("1 = 0");
      else {
        conditions.push(`${column} IN (${items.map(() => "?").join(", ")})`);
        values.push(...items);
      }
    };
    // SQLite would pick the (waveId, status) index and sort every matching row again for each
    // page (measured: 100 ms a page at 200,000 responses); a unary + keeps those columns out of
    // index selection, so pages walk the primary key from the cursor.
    const plain = this.provider === "sqlite" ? "+" : "";
    if (query.waveIds) list(`${plain}r."waveId"`, query.waveIds);
    if (query.statuses) list(`${plain}r."status"`, query.statuses);
    if (query.channel) {
      conditions.push(`${plain}r."channel" = ?`);
      values.push(query.channel);
    }
    if (query.mode) {
      conditions.push(`${plain}r."mode" = ?`);
      values.push(query.mode);
    }
    if (query.regionPath) {
      conditions.push(`g."path" LIKE ? ESCAPE '\\'`);
      values.push(likePrefix(query.regionPath));
    }
    return { clause: conditions.join(" AND "), values };
  }

  /** How many responses match. */
  async countResponses(query: ResponseQuery = {}): Promise<number> {
    const { clause, values } = this.responseWhere(query);
    const [r] = await this.run(`SELECT COUNT(*) AS "n" FROM "Response" r LEFT JOIN "Region" g ON g."id" = r."regionId"${clause ? ` WHERE ${clause}` : ""}`, values);
    return Number(r?.n ?? 0);
  }

  /** How many responses match, per region id (as Store.countResponsesByRegion). */
  async countResponsesByRegion(query: ResponseQuery = {}): Promise<{ regionId: string | null; count: number }[]> {
    const { clause, values } = this.responseWhere(query);
    const rows = await this.run(`SELECT r."regionId" AS "regionId", COUNT(*) AS "n" FROM "Response" r LEFT JOIN "Region" g ON g."id" = r."regionId"${clause ? ` WHERE ${clause}` : ""} GROUP BY r."regionId"`, values);
    return rows.map((r) => ({ regionId: text(r.regionId), count: Number(r.n) }));
  }

  /**
   * Every matching response with answers and region, in id order, read in keyset pages of
   * `pageSize` responses. One query a page: the database joins each response's answers into one
   * JSON object text (their values are stored as JSON), so a response costs one row and one
   * JSON.parse here instead of a row and a parse per answer (an export of 1,000,000 responses
   * reads 12 million answers).
   */
  async *streamResponses(query: ResponseQuery = {}, pageSize = 1000): AsyncGenerator<ResponseWithRegion> {
    const { clause, values } = this.responseWhere(query);
    const key = this.provider === "sqlite" ? `json_quote(a."questionId")` : `to_json(a."questionId")::text`;
    const joined = this.provider === "sqlite" ? `group_concat(${key} || ':' || a."value", ',')` : `string_agg(${key} || ':' || a."value", ',')`;
    const statement = `SELECT r."id", r."residentId", r."waveId", r."questionnaireId", r."status", r."channel", r."officerId", r."regionId", r."mode", r."householdId", r."startedAt", r."completedAt", g."code" AS "regionCode", g."path" AS "regionPath",
        (SELECT ${joined} FROM "Answer" a WHERE a."responseId" = r."id") AS "answers"
      FROM "Response" r LEFT JOIN "Region" g ON g."id" = r."regionId" WHERE ${clause ? `${clause} AND ` : ""}r."id" > ? ORDER BY r."id" LIMIT ?`;
    let after = "";
    for (;;) {
      const rows = await this.run(statement, [...values, after, pageSize]);
      for (const row of rows) {
        const id = String(row.id);
        yield {
          id,
          residentId: text(row.residentId),
          waveId: String(row.waveId),
          questionnaireId: String(row.questionnaireId),
          status: row.status === "completed" || row.status === "abandoned" ? row.status : "in_progress",
          channel: String(row.channel),
          officerId: text(row.officerId),
          regionId: text(row.regionId),
          mode: row.mode === "interviewer" ? "interviewer" : "self",
          householdId: text(row.householdId),
          startedAt: toDate(row.startedAt) as Date,
          completedAt: toDate(row.completedAt),
          answers: joinedAnswers(row.answers) ?? (await this.answersOneByOne(id)),
          regionCode: text(row.regionCode),
          regionPath: text(row.regionPath),
        };
      }
      if (rows.length < pageSize) return;
      after = String((rows[rows.length - 1] as Row).id);
    }
  }

  /** A response's answers read one by one: a stored value that is not JSON reads as null. */
  private async answersOneByOne(responseId: string): Promise<Record<string, unknown>> {
    const answers: Record<string, unknown> = {};
    for (const a of await this.run(`SELECT "questionId", "value" FROM "Answer" WHERE "responseId" = ?`, [responseId])) answers[String(a.questionId)] = parseJson<unknown>(a.value, null);
    return answers;
  }

  private suggestionWhere(query: SuggestionQuery): { clause: string; values: unknown[] } {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (condition: string, ...items: unknown[]) => {
      conditions.push(condition);
      values.push(...items);
    };
    if (query.waveId) add(`s."waveId" = ?`, query.waveId);
    if (query.regionPath) add(`g."path" LIKE ? ESCAPE '\\'`, likePrefix(query.regionPath));
    if (query.since) add(`s."createdAt" >= ?`, this.dateParam(query.since));
    if (query.until) add(`s."createdAt" < ?`, this.dateParam(query.until));
    if (query.status !== undefined) {
      const statuses = typeof query.status === "string" ? [query.status] : [...query.status];
      if (statuses.length === 0) add("1 = 0");
      else add(`s."status" IN (${statuses.map(() => "?").join(", ")})`, ...statuses);
    }
    const position = this.provider === "sqlite" ? "instr" : "strpos";
    // Literal substring matches (no LIKE wildcards): instr on SQLite, strpos on PostgreSQL.
    if (query.tag) add(`${position}(s."tags", ?) > 0`, JSON.stringify(query.tag.trim()));
    if (query.search?.trim()) add(`${position}(lower(s."text"), lower(?)) > 0`, query.search.trim());
    return { clause: conditions.join(" AND "), values };
  }

  /** SQLite holds DateTime as ISO text with an offset (as Prisma writes it); PostgreSQL as timestamp. */
  private dateParam(date: Date): string | Date {
    return this.provider === "sqlite" ? date.toISOString().replace("Z", "+00:00") : date;
  }

  /** How many suggestions match. */
  async countSuggestions(query: SuggestionQuery = {}): Promise<number> {
    const { clause, values } = this.suggestionWhere(query);
    const [r] = await this.run(`SELECT COUNT(*) AS "n" FROM "Suggestion" s LEFT JOIN "Region" g ON g."id" = s."regionId"${clause ? ` WHERE ${clause}` : ""}`, values);
    return Number(r?.n ?? 0);
  }

  /** Every matching suggestion, newest first, read in keyset pages. */
  async *streamSuggestions(query: SuggestionQuery = {}, pageSize = 500): AsyncGenerator<AdminSuggestionRecord> {
    const { clause, values } = this.suggestionWhere(query);
    const select = `SELECT s."id", s."residentId", s."waveId", s."regionId", s."text", s."lang", s."status", s."tags", s."createdAt", s."updatedAt", g."code" AS "regionCode", g."path" AS "regionPath", g."name" AS "regionName"
      FROM "Suggestion" s LEFT JOIN "Region" g ON g."id" = s."regionId"`;
    let cursor: { createdAt: unknown; id: string } | null = null;
    for (;;) {
      const page: Row[] = await this.run(
        `${select} WHERE ${clause ? `${clause} AND ` : ""}${cursor ? `(s."createdAt" < ? OR (s."createdAt" = ? AND s."id" < ?))` : "1 = 1"} ORDER BY s."createdAt" DESC, s."id" DESC LIMIT ?`,
        [...values, ...(cursor ? [cursor.createdAt, cursor.createdAt, cursor.id] : []), pageSize],
      );
      for (const r of page) {
        const status = STATUSES.includes(String(r.status)) ? (String(r.status) as SuggestionStatus) : "new";
        yield {
          id: String(r.id),
          residentId: text(r.residentId),
          waveId: text(r.waveId),
          regionId: text(r.regionId),
          text: String(r.text),
          lang: String(r.lang),
          status,
          tags: parseJson<string[]>(r.tags, []),
          createdAt: toDate(r.createdAt) as Date,
          updatedAt: toDate(r.updatedAt) as Date,
          regionCode: text(r.regionCode),
          regionPath: text(r.regionPath),
          regionName: r.regionName === null || r.regionName === undefined ? null : parseJson<Record<string, string>>(r.regionName, {}),
        };
      }
      if (page.length < pageSize) return;
      const last = page[page.length - 1] as Row;
      cursor = { createdAt: last.createdAt, id: String(last.id) };
    }
  }

  /** The targets of a wave (as Store.waveTargets). */
  async waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]> {
    const rows = await this.run(`SELECT "measureId", "label", "value" FROM "WaveTarget" WHERE "waveId" = ?`, [waveId]);
    return rows.map((r) => ({ measureId: String(r.measureId), label: String(r.label), value: Number(r.value) }));
  }

  /** The spot checks of a wave, in drawing order (as Store.listSpotChecks). */
  async listSpotChecks(waveId: string): Promise<SpotCheckRecord[]> {
    const rows = await this.run(
      `SELECT c."id", c."waveId", c."responseId", c."seed", c."method", c."outcome", c."verifier", c."notes", c."drawnAt", c."checkedAt", c."recheck",
        r."channel", r."completedAt", g."code" AS "regionCode", g."path" AS "regionPath", p."phone", p."lang", p."deletedAt", h."phone" AS "householdPhone"
      FROM "SpotCheck" c JOIN "Response" r ON r."id" = c."responseId" LEFT JOIN "Resident" p ON p."id" = r."residentId" LEFT JOIN "Household" h ON h."id" = r."householdId" LEFT JOIN "Region" g ON g."id" = r."regionId"
      WHERE c."waveId" = ? ORDER BY c."drawnAt", c."id"`,
      [waveId],
    );
    return rows.map((r) => {
      const outcome = r.outcome === "consistent" || r.outcome === "inconsistent" || r.outcome === "unreachable" ? r.outcome : null;
      const recheck = parseRecheck(text(r.recheck));
      return {
        id: String(r.id),
        waveId: String(r.waveId),
        responseId: String(r.responseId),
        seed: String(r.seed),
        method: String(r.method),
        outcome,
        verifier: text(r.verifier),
        notes: text(r.notes),
        drawnAt: toDate(r.drawnAt) as Date,
        checkedAt: toDate(r.checkedAt),
        channel: String(r.channel),
        regionCode: text(r.regionCode),
        regionPath: text(r.regionPath),
        completedAt: toDate(r.completedAt),
        // As in Store.listSpotChecks: a deleted resident's number is gone from every list, and an
        // interview (no resident) is called on its household's number.
        phone: r.deletedAt === null || r.deletedAt === undefined ? (text(r.phone) ?? text(r.householdPhone)) : null,
        lang: text(r.lang) ?? "zh-CN",
        ...(recheck ? { recheck } : {}),
      };
    });
  }

  /** Every closed case with its rating and region path (as Store.listClosedCaseRatings). */
  async listClosedCaseRatings(): Promise<ClosedCaseRating[]> {
    const rows = await this.run(`SELECT c."rating", c."closedAt", g."path" FROM "Case" c LEFT JOIN "Region" g ON g."id" = c."regionId" WHERE c."status" = 'closed' ORDER BY c."id"`);
    return rows.map((r) => ({ rating: r.rating === null || r.rating === undefined ? null : Number(r.rating), regionPath: text(r.path), closedAt: toDate(r.closedAt) }));
  }

  /** Every stored (first) quiz answer with the path of the resident's region (as Store.listFirstQuizAnswers). */
  async listFirstQuizAnswers(): Promise<FirstQuizAnswer[]> {
    const rows = await this.run(
      `SELECT a."residentId", a."tipId", a."correct", a."answeredAt", g."path" FROM "TipQuizAnswer" a JOIN "Resident" p ON p."id" = a."residentId" LEFT JOIN "Region" g ON g."id" = p."regionId" ORDER BY a."id"`,
    );
    // SQLite hands booleans back as 0/1.
    return rows.map((r) => ({ residentId: String(r.residentId), tipId: String(r.tipId), correct: r.correct === true || r.correct === 1, answeredAt: toDate(r.answeredAt) as Date, regionPath: text(r.path) }));
  }
}
