/** Cases residents reported and their progress notes (the CaseStore port). */
import { isUniqueViolation, type StoreContext } from "./context.js";
import { CASE_STATUSES, type CaseQuery, type CaseRecord, type CaseStatus, type CaseStore, type CaseUpdateRecord, type CaseWithLatest } from "../../core/model/index.js";

export class CaseTables implements CaseStore {
  constructor(private readonly db: StoreContext) {}

  /**
   * Registers a case with status "received" and its first update, in one transaction; the case
   * takes the reporter's region. Null when the code is taken (draw another).
   */
  async createCase(input: { code: string; reporterId: string | null; officerId: string | null; title: string; note?: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null> {
    try {
      return await this.db.client.$transaction(async (tx) => {
        const reporter = input.reporterId ? await tx.resident.findUnique({ where: { id: input.reporterId }, select: { regionId: true } }) : null;
        const row = await tx.case.create({
          data: { code: input.code, reporterId: input.reporterId, officerId: input.officerId, regionId: reporter?.regionId ?? null, title: input.title, status: "received", createdAt: input.now },
        });
        const update = await tx.caseUpdate.create({ data: { caseId: row.id, authorId: input.officerId, status: "received", note: input.note ?? null, createdAt: input.now } });
        return { case: toCase(row), update: toCaseUpdate(update) };
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** The case with this code, or null. */
  async getCaseByCode(code: string): Promise<CaseWithLatest | null> {
    const row = await this.db.client.case.findUnique({ where: { code }, include: { updates: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } } });
    return row ? toCaseWithLatest(row) : null;
  }

  /**
   * Posts a progress update: the case takes the new status (closedAt set on closing, cleared on
   * reopening; an unassigned case gets the author as its officer) and the update is recorded
   * undelivered, in one transaction. Null when there is no such case.
   */
  async addCaseUpdate(input: { code: string; status: CaseStatus; note: string | null; authorId: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null> {
    return this.db.client.$transaction(async (tx) => {
      const existing = await tx.case.findUnique({ where: { code: input.code } });
      if (!existing) return null;
      const row = await tx.case.update({
        where: { id: existing.id },
        data: {
          status: input.status,
          closedAt: input.status === "closed" ? (existing.status === "closed" && existing.closedAt ? existing.closedAt : input.now) : null,
          ...(existing.officerId === null && input.authorId ? { officerId: input.authorId } : {}),
        },
      });
      const update = await tx.caseUpdate.create({ data: { caseId: row.id, authorId: input.authorId, status: input.status, note: input.note, createdAt: input.now } });
      return { case: toCase(row), update: toCaseUpdate(update) };
    });
  }

  /** A resident's cases with their newest update, newest case first. */
  async listCasesOfReporter(reporterId: string, limit = 20): Promise<CaseWithLatest[]> {
    const rows = await this.db.client.case.findMany({
      where: { reporterId },
      include: { updates: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit,
    });
    return rows.map(toCaseWithLatest);
  }

  /** Cases matching `query`, newest first. */
  async listCases(query: CaseQuery = {}): Promise<CaseRecord[]> {
    const closed = query.closedSince || query.closedUntil ? { closedAt: { ...(query.closedSince ? { gte: query.closedSince } : {}), ...(query.closedUntil ? { lt: query.closedUntil } : {}) } } : {};
    const rows = await this.db.client.case.findMany({
      where: {
        ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
        ...(query.officerId ? { officerId: query.officerId } : {}),
        ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
        ...closed,
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(query.limit ?? 1000, 1), 10_000),
    });
    return rows.map(toCase);
  }

  /**
   * Updates not yet delivered to a reporter (created at or after `since`), oldest first, with
   * their case. Cases without a reporter (erased, or registered for nobody) have no one to tell.
   */
  async pendingCaseUpdates(filter: { since?: Date; limit?: number } = {}): Promise<{ update: CaseUpdateRecord; case: CaseRecord }[]> {
    const rows = await this.db.client.caseUpdate.findMany({
      where: { deliveredAt: null, case: { reporterId: { not: null } }, ...(filter.since ? { createdAt: { gte: filter.since } } : {}) },
      include: { case: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: filter.limit ?? 200,
    });
    return rows.map((row) => ({ update: toCaseUpdate(row), case: toCase(row.case) }));
  }

  /** Records that an update reached its reporter (first delivery wins). */
  async markCaseUpdateDelivered(updateId: string, at: Date): Promise<void> {
    await this.db.client.caseUpdate.updateMany({ where: { id: updateId, deliveredAt: null }, data: { deliveredAt: at } });
  }
}

function caseStatus(value: string): CaseStatus {
  return (CASE_STATUSES as readonly string[]).includes(value) ? (value as CaseStatus) : "received";
}

function toCase(row: { id: string; code: string; reporterId: string | null; officerId: string | null; regionId: string | null; title: string; status: string; rating: number | null; createdAt: Date; closedAt: Date | null }): CaseRecord {
  return {
    id: row.id,
    code: row.code,
    reporterId: row.reporterId,
    officerId: row.officerId,
    regionId: row.regionId,
    title: row.title,
    status: caseStatus(row.status),
    rating: row.rating,
    createdAt: row.createdAt,
    closedAt: row.closedAt,
  };
}

function toCaseUpdate(row: { id: string; caseId: string; authorId: string | null; status: string; note: string | null; createdAt: Date; deliveredAt: Date | null }): CaseUpdateRecord {
  return { id: row.id, caseId: row.caseId, authorId: row.authorId, status: caseStatus(row.status), note: row.note, createdAt: row.createdAt, deliveredAt: row.deliveredAt };
}

function toCaseWithLatest(row: Parameters<typeof toCase>[0] & { updates: Parameters<typeof toCaseUpdate>[0][] }): CaseWithLatest {
  const latest = row.updates[0];
  return { ...toCase(row), latest: latest ? toCaseUpdate(latest) : null };
}
