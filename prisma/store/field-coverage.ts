/**
 * The field coverage rows (part of the FieldStore port): every household of every current officer
 * and admin, dwellings and chat-only assignments, with what the visits, the survey and the
 * broadcasts did for it. A few grouped queries however many households there are.
 */
import type { Prisma } from "../generated/sqlite/client.ts";
import { parse, type StoreContext } from "./context.js";
import { householdWhere, STAFF_ROLES } from "./households.js";
import { deliveryReach, type StaffTables } from "./staff.js";
import type { FieldCoverageQuery, FieldCoverageRow, SurveyMode } from "../../core/model/index.js";

/** Residents per `IN (…)` list. */
const CHUNK = 500;

const modeOf = (mode: string): SurveyMode => (mode === "interviewer" ? "interviewer" : "self");

/** The coverage half of the FieldStore port on Prisma (see the module comment). */
export class FieldCoverageTables {
  constructor(
    private readonly db: StoreContext,
    /** The chat coverage (assignments, reach), reused for the chat-only rows. */
    private readonly staff: StaffTables,
  ) {}

  /**
   * See FieldStore.fieldCoverageRows. Dwellings first within each officer (by village code and
   * address), then the officer's chat-only assignments (in the chat coverage's order); officers by
   * id. An assignment whose resident is linked to a household of the same officer is that
   * dwelling's row, not a row of its own.
   */
  async fieldCoverageRows(query: FieldCoverageQuery = {}): Promise<FieldCoverageRow[]> {
    const client = this.db.client;
    const where: Prisma.HouseholdWhereInput = { ...householdWhere(query), officer: { role: { in: STAFF_ROLES }, deletedAt: null } };
    const households = await client.household.findMany({
      where,
      select: { id: true, officerId: true, residentId: true, regionId: true, region: { select: { code: true, path: true, name: true } }, officer: { select: { displayName: true } } },
      orderBy: [{ officerId: "asc" }, { region: { code: "asc" } }, { address: "asc" }, { id: "asc" }],
    });
    const visitedAt = query.since ? { visitedAt: { gte: query.since } } : {};
    const [visited, material, surveyed] = await Promise.all([
      client.visit.groupBy({ by: ["householdId"], where: { household: where, ...visitedAt } }),
      client.visit.groupBy({ by: ["householdId"], where: { household: where, ...visitedAt, OR: [{ leaflet: true }, { tips: { not: "[]" } }] } }),
      query.waveId
        ? client.response.findMany({ where: { waveId: query.waveId, status: "completed", household: where }, select: { householdId: true, mode: true } })
        : Promise.resolve([]),
    ]);
    const visitedSet = new Set(visited.map((row) => row.householdId));
    const materialSet = new Set(material.map((row) => row.householdId));
    const surveyedBy = new Map(surveyed.map((row) => [row.householdId, modeOf(row.mode)]));
    const linked = households.flatMap((h) => (h.residentId ? [h.residentId] : []));
    const reach = await deliveryReach(client, linked, query);

    const dwellings: FieldCoverageRow[] = households.map((h) => ({
      officerId: h.officerId as string,
      officerName: h.officer?.displayName ?? null,
      householdKey: h.id,
      regionId: h.regionId,
      regionCode: h.region.code,
      regionPath: h.region.path,
      regionName: parse<Record<string, string>>(h.region.name, {}),
      dwelling: true,
      visited: visitedSet.has(h.id),
      materialDelivered: materialSet.has(h.id),
      surveyed: surveyedBy.get(h.id) ?? null,
      reached: h.residentId !== null && reach.reached.has(h.residentId),
      confirmed: h.residentId !== null && reach.confirmed.has(h.residentId),
    }));

    const assignments = await this.staff.coverageRows({
      ...(query.officerId ? { officerId: query.officerId } : {}),
      ...(query.regionPath ? { regionPath: query.regionPath } : {}),
      ...(query.broadcastId ? { broadcastId: query.broadcastId } : {}),
      ...(query.since ? { since: query.since } : {}),
    });
    // Linked to a dwelling of the same officer anywhere (not only inside the region asked about):
    // the assignment is that household, counted where its dwelling is.
    const dwellingOf = await this.linkedPairs(assignments.map((row) => row.householdId));
    const chatOnly = assignments.filter((row) => !dwellingOf.has(`${row.officerId}\n${row.householdId}`));
    const answered = await this.completedModes(chatOnly.map((row) => row.householdId), query.waveId);
    const chats: FieldCoverageRow[] = chatOnly.map((row) => ({
      officerId: row.officerId,
      officerName: row.officerName,
      householdKey: `chat:${row.householdId}`,
      regionId: row.regionId,
      regionCode: row.regionCode,
      regionPath: row.regionPath,
      regionName: row.regionName,
      dwelling: false,
      visited: false,
      materialDelivered: false,
      surveyed: answered.get(row.householdId) ?? null,
      reached: row.reached,
      confirmed: row.confirmed,
    }));

    // Stable: dwellings then chats within each officer, each in its own order.
    const rank = new Map<FieldCoverageRow, number>();
    [...dwellings, ...chats].forEach((row, i) => rank.set(row, i));
    return [...dwellings, ...chats].sort((a, b) => (a.officerId < b.officerId ? -1 : a.officerId > b.officerId ? 1 : (rank.get(a) ?? 0) - (rank.get(b) ?? 0)));
  }

  /** `officerId \n residentId` of the households these residents are linked to. */
  private async linkedPairs(residentIds: readonly string[]): Promise<Set<string>> {
    const residents = [...new Set(residentIds)];
    const out = new Set<string>();
    for (let i = 0; i < residents.length; i += CHUNK) {
      const rows = await this.db.client.household.findMany({ where: { residentId: { in: residents.slice(i, i + CHUNK) } }, select: { officerId: true, residentId: true } });
      for (const row of rows) if (row.officerId && row.residentId) out.add(`${row.officerId}\n${row.residentId}`);
    }
    return out;
  }

  /** The mode of each resident's completed response to the wave (none without a wave). */
  private async completedModes(residentIds: readonly string[], waveId: string | undefined): Promise<Map<string, SurveyMode>> {
    const out = new Map<string, SurveyMode>();
    if (!waveId) return out;
    const residents = [...new Set(residentIds)];
    for (let i = 0; i < residents.length; i += CHUNK) {
      const rows = await this.db.client.response.findMany({ where: { waveId, status: "completed", residentId: { in: residents.slice(i, i + CHUNK) } }, select: { residentId: true, mode: true } });
      for (const row of rows) if (row.residentId) out.set(row.residentId, modeOf(row.mode));
    }
    return out;
  }
}
