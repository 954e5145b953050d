/** Officers, their households and coverage, staff invitations (the StaffStore port). */
import { json, parse, type StoreContext, type Tx } from "./context.js";
import { toResident } from "./rows.js";
import type { AssignmentRecord, CoverageQuery, CoverageRow, InvitationRecord, RedeemOutcome, ResidentRecord, Role, StaffMemberRecord, StaffStore } from "../../core/model/index.js";

const INVITATION_INCLUDE = { region: { select: { code: true } } } as const;

export class StaffTables implements StaffStore {
  constructor(private readonly db: StoreContext) {}

  /** The officer or admin with this id; null when there is none, it is a resident, or it was erased. */
  async getOfficer(id: string): Promise<ResidentRecord | null> {
    const row = await this.db.client.resident.findFirst({ where: { id, role: { in: ["officer", "admin"] }, deletedAt: null } });
    return row ? toResident(row) : null;
  }

  /**
   * Makes a resident one of an officer's households in a region, and gives the household's
   * unfinished responses that have no officer yet this officer (and this region where they have
   * none), in one transaction. Idempotent; assigning again moves the household to the new region.
   * Refuses an officer id that is not an officer or admin, and an officer as their own household.
   */
  async assignHousehold(input: { officerId: string; householdId: string; regionId: string | null }): Promise<{ assignment: AssignmentRecord; created: boolean }> {
    if (input.officerId === input.householdId) throw new Error(`resident ${input.officerId} cannot be their own household`);
    return this.db.client.$transaction(async (tx) => {
      const officer = await tx.resident.findFirst({ where: { id: input.officerId, role: { in: ["officer", "admin"] }, deletedAt: null }, select: { id: true } });
      if (!officer) throw new Error(`${input.officerId} is not an officer`);
      const existing = await tx.assignment.findUnique({ where: { officerId_householdId: { officerId: input.officerId, householdId: input.householdId } } });
      const assignment = existing
        ? await tx.assignment.update({ where: { id: existing.id }, data: { regionId: input.regionId } })
        : await tx.assignment.create({ data: { officerId: input.officerId, householdId: input.householdId, regionId: input.regionId } });
      await attributeOpenResponses(tx, input.householdId, input.officerId, input.regionId);
      // The household's region until they name one themselves (a survey answer overrides it).
      if (input.regionId) await tx.resident.updateMany({ where: { id: input.householdId, regionId: null, deletedAt: null }, data: { regionId: input.regionId } });
      return { assignment, created: !existing };
    });
  }

  /**
   * Gives a household's unfinished responses that have no officer yet the officer and region of
   * its most recent assignment (a response started after the household was assigned). Returns how
   * many responses changed.
   */
  async attributeResponses(householdId: string): Promise<number> {
    return this.db.client.$transaction(async (tx) => {
      const latest = await tx.assignment.findFirst({ where: { householdId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      if (!latest) return 0;
      return attributeOpenResponses(tx, householdId, latest.officerId, latest.regionId);
    });
  }

  /** The households assigned to an officer, oldest first. */
  async listHouseholds(officerId: string): Promise<AssignmentRecord[]> {
    return this.db.client.assignment.findMany({ where: { officerId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  }

  /**
   * The rows of the coverage report: every household assignment (of current officers and admins)
   * with whether the household was reached (a delivery sent) and confirmed (read) — counting
   * deliveries of one broadcast, or of any broadcast since `since`.
   */
  async coverageRows(query: CoverageQuery = {}): Promise<CoverageRow[]> {
    const assignments = await this.db.client.assignment.findMany({
      where: {
        officer: { role: { in: ["officer", "admin"] }, deletedAt: null },
        household: { deletedAt: null },
        ...(query.officerId ? { officerId: query.officerId } : {}),
        ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
      },
      include: { officer: { select: { displayName: true } }, region: { select: { code: true, path: true, name: true } } },
      orderBy: [{ officerId: "asc" }, { createdAt: "asc" }, { id: "asc" }],
    });
    const { reached, confirmed } = await deliveryReach(this.db.client, assignments.map((row) => row.householdId), query);
    return assignments.map((row) => ({
      officerId: row.officerId,
      officerName: row.officer.displayName,
      householdId: row.householdId,
      regionId: row.regionId,
      regionCode: row.region?.code ?? null,
      regionPath: row.region?.path ?? null,
      regionName: row.region ? parse<Record<string, string>>(row.region.name, {}) : null,
      reached: reached.has(row.householdId),
      confirmed: confirmed.has(row.householdId),
    }));
  }

  /** Stores a one-time staff invitation (audited). `code` is the canonical code (core/outreach/codes.ts). */
  async createInvitation(input: { code: string; role: Role; regionId: string | null; createdById: string | null; expiresAt: Date; now: Date }): Promise<InvitationRecord> {
    return this.db.client.$transaction(async (tx) => {
      const row = await tx.invitation.create({
        data: { code: input.code, role: input.role, regionId: input.regionId, createdById: input.createdById, expiresAt: input.expiresAt, createdAt: input.now },
        include: INVITATION_INCLUDE,
      });
      await tx.auditLog.create({
        data: { actorId: input.createdById, action: "invitation.create", target: row.id, details: json({ role: input.role, region: row.region?.code ?? null, expiresAt: input.expiresAt.toISOString() }), at: input.now },
      });
      return toInvitation(row);
    });
  }

  /** The invitation with this canonical code, or null. */
  async findInvitation(code: string): Promise<InvitationRecord | null> {
    const row = await this.db.client.invitation.findUnique({ where: { code }, include: INVITATION_INCLUDE });
    return row ? toInvitation(row) : null;
  }

  /** Invitations, newest first; `open`: only those neither used, revoked nor expired at `now`. */
  async listInvitations(filter: { open?: boolean; now: Date; limit?: number }): Promise<InvitationRecord[]> {
    const rows = await this.db.client.invitation.findMany({
      where: filter.open ? { usedAt: null, revokedAt: null, expiresAt: { gt: filter.now } } : {},
      include: INVITATION_INCLUDE,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(filter.limit ?? 50, 1), 500),
    });
    return rows.map(toInvitation);
  }

  /**
   * Redeems an invitation for a resident: in one transaction the invitation is marked used and
   * the resident gets its role and region (audited). A used, revoked or expired invitation grants
   * nothing; redeeming again by the resident who used it is reported as `already` and changes
   * nothing (a redelivered message).
   */
  async redeemInvitation(code: string, residentId: string, now: Date): Promise<RedeemOutcome> {
    return this.db.client.$transaction(async (tx) => {
      const found = await tx.invitation.findUnique({ where: { code }, include: INVITATION_INCLUDE });
      if (!found) return { ok: false, reason: "unknown" } as const;
      if (found.revokedAt) return { ok: false, reason: "revoked" } as const;
      if (found.usedAt) {
        if (found.usedById !== residentId) return { ok: false, reason: "used" } as const;
        const resident = await tx.resident.findUniqueOrThrow({ where: { id: residentId } });
        return { ok: true, already: true, resident: toResident(resident), invitation: toInvitation(found) } as const;
      }
      if (found.expiresAt <= now) return { ok: false, reason: "expired" } as const;
      // The guard repeats the checks, so two residents racing for one code cannot both win.
      const claimed = await tx.invitation.updateMany({ where: { id: found.id, usedAt: null, revokedAt: null }, data: { usedAt: now, usedById: residentId } });
      if (claimed.count !== 1) return { ok: false, reason: "used" } as const;
      const before = await tx.resident.findUniqueOrThrow({ where: { id: residentId } });
      const role = found.role === "admin" ? "admin" : "officer";
      // Redeeming an officer invitation never demotes an admin.
      const newRole = before.role === "admin" ? "admin" : role;
      const resident = await tx.resident.update({ where: { id: residentId }, data: { role: newRole, regionId: found.regionId ?? before.regionId } });
      await tx.auditLog.create({
        data: { actorId: residentId, action: "invitation.redeem", target: found.id, details: json({ from: before.role, to: newRole, region: found.region?.code ?? null, invitedBy: found.createdById }), at: now },
      });
      const used = await tx.invitation.findUniqueOrThrow({ where: { id: found.id }, include: INVITATION_INCLUDE });
      return { ok: true, already: false, resident: toResident(resident), invitation: toInvitation(used) } as const;
    });
  }

  /** Revokes an unused invitation (audited); null when there is none with this code, or it was used. */
  async revokeInvitation(code: string, actorId: string | null, now: Date): Promise<InvitationRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const updated = await tx.invitation.updateMany({ where: { code, usedAt: null, revokedAt: null }, data: { revokedAt: now } });
      if (updated.count !== 1) return null;
      const row = await tx.invitation.findUniqueOrThrow({ where: { code }, include: INVITATION_INCLUDE });
      await tx.auditLog.create({ data: { actorId, action: "invitation.revoke", target: row.id, details: json({ role: row.role, region: row.region?.code ?? null }), at: now } });
      return toInvitation(row);
    });
  }

  /** Officers and admins with their accounts, region and number of households, oldest first. */
  async listStaff(): Promise<StaffMemberRecord[]> {
    const rows = await this.db.client.resident.findMany({
      where: { role: { in: ["officer", "admin"] }, deletedAt: null },
      include: { identities: { select: { platform: true, platformUserId: true }, orderBy: { createdAt: "asc" } }, region: { select: { code: true } }, _count: { select: { households: true } } },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map((row) => ({
      ...toResident(row),
      regionCode: row.region?.code ?? null,
      accounts: row.identities.map((identity) => `${identity.platform}:${identity.platformUserId}`),
      households: row._count.households,
    }));
  }

  /** Ids of every officer and admin (for a cheap "is this staff?" check). */
  async staffIds(): Promise<string[]> {
    const rows = await this.db.client.resident.findMany({ where: { role: { in: ["officer", "admin"] }, deletedAt: null }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /**
   * Makes the staff member behind a platform account a resident again (audited). Their
   * households stay assigned to them (history), but they can no longer broadcast or see
   * coverage. Null when the account is unknown or not staff.
   */
  async revokeStaff(platform: string, platformUserId: string, actorId: string | null, now: Date): Promise<ResidentRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const identity = await tx.identity.findUnique({ where: { platform_platformUserId: { platform, platformUserId } }, include: { resident: true } });
      if (!identity || identity.resident.role === "resident") return null;
      const resident = await tx.resident.update({ where: { id: identity.residentId }, data: { role: "resident", sessionEpoch: { increment: 1 } } });
      await tx.auditLog.create({
        data: { actorId, action: "staff.revoke", target: `${platform}:${platformUserId}`, details: json({ residentId: identity.residentId, from: identity.resident.role }), at: now },
      });
      return toResident(resident);
    });
  }

  /** Ends a person's staff sessions (see StaffStore): raises the epoch while it is still `epoch`. */
  async endStaffSessions(residentId: string, epoch: number, now: Date): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const changed = await tx.resident.updateMany({ where: { id: residentId, sessionEpoch: epoch }, data: { sessionEpoch: { increment: 1 } } });
      if (changed.count === 0) return false;
      await tx.auditLog.create({ data: { actorId: residentId, action: "staff.sign_out", target: residentId, details: json({ epoch }), at: now } });
      return true;
    });
  }
}

/**
 * Which of these residents a broadcast reached (a delivery sent) and who confirmed reading it,
 * counting deliveries of one broadcast, or of any broadcast sent since `since`: what the coverage
 * reports (this one and the field coverage) say of a household in chat.
 */
export async function deliveryReach(client: StoreContext["client"], residentIds: readonly string[], query: Pick<CoverageQuery, "broadcastId" | "since">): Promise<{ reached: Set<string>; confirmed: Set<string> }> {
  const residents = [...new Set(residentIds)];
  const reached = new Set<string>();
  const confirmed = new Set<string>();
  for (let i = 0; i < residents.length; i += 500) {
    const rows = await client.delivery.findMany({
      where: {
        residentId: { in: residents.slice(i, i + 500) },
        status: "sent",
        // Notices only: a reminder to finish the survey is no publicity reaching the household.
        broadcast: { is: { kind: "notice" } },
        ...(query.broadcastId ? { broadcastId: query.broadcastId } : {}),
        ...(query.since ? { sentAt: { gte: query.since } } : {}),
      },
      select: { residentId: true, readAt: true },
    });
    for (const row of rows) {
      reached.add(row.residentId);
      if (row.readAt) confirmed.add(row.residentId);
    }
  }
  return { reached, confirmed };
}

/** Sets officer (and region, where missing) on a household's in-progress responses without an officer. */
async function attributeOpenResponses(tx: Tx, householdId: string, officerId: string, regionId: string | null): Promise<number> {
  const open = { residentId: householdId, status: "in_progress", officerId: null };
  // Two updates because a region the resident answered themselves must not be overwritten.
  const withRegion = regionId ? await tx.response.updateMany({ where: { ...open, regionId: null }, data: { officerId, regionId } }) : { count: 0 };
  const rest = await tx.response.updateMany({ where: open, data: { officerId } });
  return withRegion.count + rest.count;
}

function toInvitation(row: {
  id: string;
  code: string;
  role: string;
  regionId: string | null;
  createdById: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  usedById: string | null;
  revokedAt: Date | null;
  createdAt: Date;
  region: { code: string } | null;
}): InvitationRecord {
  const role: Role = row.role === "admin" ? "admin" : row.role === "officer" ? "officer" : "resident";
  return {
    id: row.id,
    code: row.code,
    role,
    regionId: row.regionId,
    regionCode: row.region?.code ?? null,
    createdById: row.createdById,
    expiresAt: row.expiresAt,
    usedAt: row.usedAt,
    usedById: row.usedById,
    revokedAt: row.revokedAt,
    createdAt: row.createdAt,
  };
}
