/** Survey responses, for statistics and exports (the ResponseStore port). */
import type { Prisma } from "../generated/sqlite/client.ts";
import { BulkReader } from "../bulk-reader.js";
import { parse, type StoreContext } from "./context.js";
import type { ResponseQuery, ResponseRecord, ResponseStore, ResponseWithRegion } from "../../core/model/index.js";

export class ResponseTables implements ResponseStore {
  constructor(private readonly db: StoreContext) {}

  /** The response of a resident to a wave, with its answers, or null. */
  async getResponse(residentId: string, waveId: string): Promise<ResponseRecord | null> {
    const row = await this.db.client.response.findUnique({
      where: { residentId_waveId: { residentId, waveId } },
      include: { answers: true },
    });
    return row ? toResponse(row) : null;
  }

  /** Responses of a wave (optionally only one status), with answers, oldest first. */
  async listResponses(waveId: string, status?: ResponseRecord["status"]): Promise<ResponseRecord[]> {
    const rows = await this.db.client.response.findMany({
      where: { waveId, ...(status ? { status } : {}) },
      include: { answers: true },
      orderBy: { startedAt: "asc" },
    });
    return rows.map(toResponse);
  }

  /** How many responses match (for progress bars and spot-check planning). */
  async countResponses(query: ResponseQuery = {}): Promise<number> {
    return this.db.client.response.count({ where: responseWhere(query) });
  }

  /** How many responses match, per region id (null: responses without a region). */
  async countResponsesByRegion(query: ResponseQuery = {}): Promise<{ regionId: string | null; count: number }[]> {
    const rows = await this.db.client.response.groupBy({ by: ["regionId"], where: responseWhere(query), _count: { _all: true } });
    return rows.map((row) => ({ regionId: row.regionId, count: row._count._all }));
  }

  /**
   * One page of responses with answers and region, in id order, after `afterId`. Exports and
   * statistics page through with this so that memory stays flat however many responses exist.
   */
  async pageResponses(query: ResponseQuery, afterId: string | null, take: number): Promise<ResponseWithRegion[]> {
    const where = responseWhere(query);
    const rows = await this.db.client.response.findMany({
      where: afterId ? { AND: [where, { id: { gt: afterId } }] } : where,
      include: { answers: { select: { questionId: true, value: true } }, region: { select: { code: true, path: true } } },
      orderBy: { id: "asc" },
      take: Math.min(Math.max(take, 1), 5000),
    });
    return rows.map((row) => ({ ...toResponse(row), regionCode: row.region?.code ?? null, regionPath: row.region?.path ?? null }));
  }

  /**
   * Every response matching `query` with answers and region, in id order, read in keyset pages
   * by plain SQL on a separate read-only connection ({@link BulkReader}): exports and statistics
   * of whole waves must not pay Prisma's per-row memory (see prisma/bulk-reader.ts).
   */
  async *streamResponses(query: ResponseQuery = {}, pageSize = 1000): AsyncGenerator<ResponseWithRegion> {
    if (!this.db.target) throw new Error("streamResponses needs a store opened with PrismaStore.open");
    const reader = await BulkReader.open(this.db.target);
    try {
      yield* reader.streamResponses(query, pageSize);
    } finally {
      await reader.close();
    }
  }
}

function responseWhere(query: ResponseQuery): Prisma.ResponseWhereInput {
  return {
    ...(query.waveIds ? { waveId: { in: [...query.waveIds] } } : {}),
    ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
    ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
    ...(query.mode ? { mode: query.mode } : {}),
  };
}

/** A stored response as the core sees it (also used by the field-work part of the store). */
export function toResponse(row: {
  id: string;
  residentId: string | null;
  waveId: string;
  questionnaireId: string;
  status: string;
  channel: string;
  officerId: string | null;
  regionId: string | null;
  mode: string;
  householdId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  answers: { questionId: string; value: string }[];
}): ResponseRecord {
  const status = row.status === "completed" || row.status === "abandoned" ? row.status : "in_progress";
  return {
    id: row.id,
    residentId: row.residentId,
    waveId: row.waveId,
    questionnaireId: row.questionnaireId,
    status,
    channel: row.channel,
    officerId: row.officerId,
    regionId: row.regionId,
    mode: row.mode === "interviewer" ? "interviewer" : "self",
    householdId: row.householdId,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    answers: Object.fromEntries(row.answers.map((answer) => [answer.questionId, parse<unknown>(answer.value, null)])),
  };
}
