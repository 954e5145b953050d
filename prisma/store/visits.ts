/**
 * Visits of field work (part of the FieldStore port): what an officer recorded at a household's
 * door, synced from the phone by its client id, editable by its author for a day.
 */
import type { Prisma } from "../generated/sqlite/client.ts";
import { isUniqueViolation, json, parse, type StoreContext } from "./context.js";
import { householdWhere, isAdmin } from "./households.js";
import { FieldRequestError, MAX_VISIT_NOTES, VISIT_EDIT_WINDOW_MS, VISIT_SURVEY_OUTCOMES, type FieldQuery, type VisitInput, type VisitRecord, type VisitSurveyOutcome, type VisitWithHousehold } from "../../core/model/index.js";

/** A client id as the phone makes them (see core/model/field.ts). */
export const CLIENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Longest tip id, and most tips, one visit may hand over. */
const MAX_TIP_ID = 100;
const MAX_TIPS = 100;

/** Visits per page of {@link VisitTables.streamVisits}. */
const PAGE = 500;

const VISIT_INCLUDE = {
  household: { select: { address: true, headName: true, regionId: true, officerId: true, region: { select: { code: true, path: true, name: true } } } },
  officer: { select: { displayName: true } },
} as const;

type VisitRow = Prisma.VisitGetPayload<{ include: typeof VISIT_INCLUDE }>;

/** A stored visit row as the core sees it. */
function toVisit(row: {
  id: string;
  clientId: string;
  officerId: string;
  householdId: string;
  visitedAt: Date;
  leaflet: boolean;
  tips: string;
  survey: string;
  notes: string | null;
  responseId: string | null;
  createdAt: Date;
  updatedAt: Date;
}): VisitRecord {
  const survey = (VISIT_SURVEY_OUTCOMES as readonly string[]).includes(row.survey) ? (row.survey as VisitSurveyOutcome) : "none";
  return {
    id: row.id,
    clientId: row.clientId,
    officerId: row.officerId,
    householdId: row.householdId,
    visitedAt: row.visitedAt,
    handedOver: { leaflet: row.leaflet, tips: parse<string[]>(row.tips, []) },
    survey,
    notes: row.notes,
    responseId: row.responseId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toVisitWithHousehold(row: VisitRow): VisitWithHousehold {
  const h = row.household;
  return {
    ...toVisit(row),
    household: {
      address: h.address,
      headName: h.headName,
      regionId: h.regionId,
      regionCode: h.region.code,
      regionPath: h.region.path,
      regionName: parse<Record<string, string>>(h.region.name, {}),
      officerId: h.officerId,
    },
    officerName: row.officer.displayName,
  };
}

/** Refuses (`bad-input`) what no phone of ours sends; the core validates tips against the library. */
function checkVisit(input: VisitInput): void {
  const bad = (why: string) => new FieldRequestError("bad-input", why);
  if (typeof input.clientId !== "string" || !CLIENT_ID.test(input.clientId)) throw bad("client id");
  if (!(input.visitedAt instanceof Date) || Number.isNaN(input.visitedAt.getTime())) throw bad("visit time");
  if (!VISIT_SURVEY_OUTCOMES.includes(input.survey)) throw bad("survey outcome");
  if (input.notes !== null && (typeof input.notes !== "string" || input.notes.length > MAX_VISIT_NOTES)) throw bad("notes");
  const tips = input.handedOver?.tips;
  if (typeof input.handedOver?.leaflet !== "boolean" || !Array.isArray(tips) || tips.length > MAX_TIPS || tips.some((t) => typeof t !== "string" || t === "" || t.length > MAX_TIP_ID)) throw bad("handed over");
}

/** The stored columns of a visit's content (what an edit may change). */
function visitColumns(input: VisitInput): { householdId: string; visitedAt: Date; leaflet: boolean; tips: string; survey: string; notes: string | null } {
  return { householdId: input.householdId, visitedAt: input.visitedAt, leaflet: input.handedOver.leaflet, tips: json(input.handedOver.tips), survey: input.survey, notes: input.notes };
}

function sameContent(a: ReturnType<typeof visitColumns>, b: ReturnType<typeof visitColumns>): boolean {
  return a.householdId === b.householdId && a.visitedAt.getTime() === b.visitedAt.getTime() && a.leaflet === b.leaflet && a.tips === b.tips && a.survey === b.survey && a.notes === b.notes;
}

/** The visit filter of a FieldQuery: the household's officer and region, the visit's time. */
function visitWhere(query: FieldQuery): Prisma.VisitWhereInput {
  const { officerId, regionPath, householdId } = query;
  return {
    ...(officerId ? { officerId } : {}),
    ...(householdId ? { householdId } : {}),
    ...(regionPath ? { household: householdWhere({ regionPath }) } : {}),
    ...(query.since || query.until ? { visitedAt: { ...(query.since ? { gte: query.since } : {}), ...(query.until ? { lt: query.until } : {}) } } : {}),
  };
}

/** The visit half of the FieldStore port on Prisma (see the module comment). */
export class VisitTables {
  constructor(private readonly db: StoreContext) {}

  /**
   * See FieldStore.saveVisit. The same content again is a duplicate even when the household has
   * changed hands since (a resync must not fail); a new visit or an edit needs the household to
   * be the officer's now. An edit may move the visit to another of the officer's households.
   */
  async saveVisit(input: VisitInput & { officerId: string; now: Date }): Promise<{ visit: VisitRecord; outcome: "stored" | "updated" | "duplicate" }> {
    checkVisit(input);
    const columns = visitColumns(input);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.client.$transaction(async (tx) => {
          const existing = await tx.visit.findUnique({ where: { officerId_clientId: { officerId: input.officerId, clientId: input.clientId } } });
          if (existing && sameContent(visitColumns(toVisit(existing)), columns)) return { visit: toVisit(existing), outcome: "duplicate" as const };
          const household = await tx.household.findUnique({ where: { id: input.householdId }, select: { officerId: true } });
          if (!household) throw new FieldRequestError("unknown-household");
          // Admins may record at any household (the office stands in for an absent officer).
          if (household.officerId !== input.officerId && !(await isAdmin(tx, input.officerId))) throw new FieldRequestError("not-yours");
          if (!existing) {
            const row = await tx.visit.create({ data: { clientId: input.clientId, officerId: input.officerId, ...columns, createdAt: input.now, updatedAt: input.now } });
            await tx.auditLog.create({
              data: { actorId: input.officerId, action: "visit.add", target: row.id, details: json({ householdId: row.householdId, survey: row.survey, leaflet: row.leaflet, tips: input.handedOver.tips.length }), at: input.now },
            });
            return { visit: toVisit(row), outcome: "stored" as const };
          }
          if (input.now.getTime() - existing.createdAt.getTime() > VISIT_EDIT_WINDOW_MS) throw new FieldRequestError("too-late");
          const row = await tx.visit.update({ where: { id: existing.id }, data: { ...columns, updatedAt: input.now } });
          const { tips, ...previous } = visitColumns(toVisit(existing));
          await tx.auditLog.create({
            data: { actorId: input.officerId, action: "visit.edit", target: row.id, details: json({ previous: { ...previous, tips: parse<string[]>(tips, []) } }), at: input.now },
          });
          return { visit: toVisit(row), outcome: "updated" as const };
        });
      } catch (error) {
        // The same visit synced twice at once: the second pass sees the first.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** See FieldStore.listVisits: newest first by visit time (then id), at most `limit` (1–10,000). */
  async listVisits(query: FieldQuery & { limit?: number } = {}): Promise<VisitWithHousehold[]> {
    const rows = await this.db.client.visit.findMany({
      where: visitWhere(query),
      include: VISIT_INCLUDE,
      orderBy: [{ visitedAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(query.limit ?? 1000, 1), 10_000),
    });
    return rows.map(toVisitWithHousehold);
  }

  /** See FieldStore.streamVisits: oldest first by visit time, keyset pages on (visitedAt, id). */
  async *streamVisits(query: FieldQuery = {}): AsyncGenerator<VisitWithHousehold> {
    const where = visitWhere(query);
    let cursor: { visitedAt: Date; id: string } | null = null;
    for (;;) {
      const after: Prisma.VisitWhereInput = cursor ? { OR: [{ visitedAt: { gt: cursor.visitedAt } }, { visitedAt: cursor.visitedAt, id: { gt: cursor.id } }] } : {};
      const rows: VisitRow[] = await this.db.client.visit.findMany({ where: { AND: [where, after] }, include: VISIT_INCLUDE, orderBy: [{ visitedAt: "asc" }, { id: "asc" }], take: PAGE });
      for (const row of rows) yield toVisitWithHousehold(row);
      const last = rows[rows.length - 1];
      if (rows.length < PAGE || !last) return;
      cursor = { visitedAt: last.visitedAt, id: last.id };
    }
  }
}
