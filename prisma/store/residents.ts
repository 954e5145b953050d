/** Residents and their platform accounts (the ResidentStore port). */
import { json, isUniqueViolation, type StoreContext } from "./context.js";
import { toResident, IDENTITY_FIELDS } from "./rows.js";
import { hasRole } from "../../core/model/roles.js";
import type { IdentityInput, IdentityRecord, ResidentRecord, ResidentStore, Role } from "../../core/model/index.js";

export class ResidentTables implements ResidentStore {
  constructor(private readonly db: StoreContext) {}

  /** Finds the resident behind a platform account, creating both on first contact. */
  async resolveIdentity(input: IdentityInput): Promise<{ resident: ResidentRecord; identity: IdentityRecord; created: boolean }> {
    const found = await this.db.client.identity.findUnique({
      where: { platform_platformUserId: { platform: input.platform, platformUserId: input.platformUserId } },
      include: { resident: true },
    });
    if (found) {
      const { resident, ...identity } = found;
      return { resident: toResident(resident), identity, created: false };
    }
    try {
      const identity = await this.db.client.identity.create({
        data: {
          platform: input.platform,
          platformUserId: input.platformUserId,
          chatId: input.chatId,
          username: input.username ?? null,
          resident: { create: { displayName: input.displayName ?? null, lang: input.lang ?? "zh-CN" } },
        },
        include: { resident: true },
      });
      const { resident, ...rest } = identity;
      return { resident: toResident(resident), identity: rest, created: true };
    } catch (error) {
      // Two first messages raced; the other one created the identity.
      if (isUniqueViolation(error)) return this.resolveIdentity(input);
      throw error;
    }
  }

  /** The platform account, or null. */
  async findIdentity(platform: string, platformUserId: string): Promise<IdentityRecord | null> {
    return this.db.client.identity.findUnique({ where: { platform_platformUserId: { platform, platformUserId } } });
  }

  /** The resident with this id, or null. */
  async getResident(id: string): Promise<ResidentRecord | null> {
    const row = await this.db.client.resident.findUnique({ where: { id } });
    return row ? toResident(row) : null;
  }

  /** The identities of a resident (where to reach them). */
  async identitiesOf(residentId: string): Promise<IdentityRecord[]> {
    return this.db.client.identity.findMany({ where: { residentId }, orderBy: { createdAt: "asc" } });
  }

  /** Sets the role of the resident behind a platform account, creating the account if needed. */
  async setRole(platform: string, platformUserId: string, role: Role, actorId: string | null = null): Promise<ResidentRecord> {
    const { resident } = await this.resolveIdentity({ platform, platformUserId, chatId: platformUserId });
    const updated = await this.db.client.$transaction(async (tx) => {
      // A demotion ends the person's staff sessions, so no token outlives the role it was issued
      // under (and a later promotion cannot bring an old token back).
      const demoted = !hasRole(role, resident.role);
      const row = await tx.resident.update({ where: { id: resident.id }, data: { role, ...(demoted ? { sessionEpoch: { increment: 1 } } : {}) } });
      await tx.auditLog.create({
        data: { actorId, action: "staff.role", target: `${platform}:${platformUserId}`, details: json({ from: resident.role, to: role }) },
      });
      return row;
    });
    return toResident(updated);
  }

  /** Residents with a given role. */
  async listByRole(role: Role): Promise<ResidentRecord[]> {
    const rows = await this.db.client.resident.findMany({ where: { role, deletedAt: null }, orderBy: { createdAt: "asc" } });
    return rows.map(toResident);
  }

  /** Records that a platform account can (not) be reached, e.g. after the resident blocked the bot. */
  async setReachable(identityId: string, reachable: boolean, why: string | null, now: Date): Promise<void> {
    await this.db.client.identity.update({
      where: { id: identityId },
      data: { reachable, unreachableAt: reachable ? null : now, unreachableWhy: reachable ? null : why },
    });
  }

  /**
   * Records that a platform account just wrote to us: it is reachable again, and `lastInboundAt`
   * moves to `at` (never backwards, so a late redelivery cannot shorten WeChat's reply window).
   * Null when the account is unknown.
   */
  async recordInbound(platform: string, platformUserId: string, at: Date): Promise<IdentityRecord | null> {
    const found = await this.findIdentity(platform, platformUserId);
    if (!found) return null;
    const latest = found.lastInboundAt && found.lastInboundAt > at ? found.lastInboundAt : at;
    return this.db.client.identity.update({
      where: { id: found.id },
      data: { lastInboundAt: latest, reachable: true, unreachableAt: null, unreachableWhy: null },
      select: IDENTITY_FIELDS,
    });
  }

  /**
   * {@link setReachable} by platform account (e.g. a WeChat follower unfollowed). Null, and nothing
   * stored, when the account is unknown.
   */
  async setAccountReachable(platform: string, platformUserId: string, reachable: boolean, why: string | null, now: Date): Promise<IdentityRecord | null> {
    const found = await this.findIdentity(platform, platformUserId);
    if (!found) return null;
    return this.db.client.identity.update({
      where: { id: found.id },
      data: { reachable, unreachableAt: reachable ? null : now, unreachableWhy: reachable ? null : why },
      select: IDENTITY_FIELDS,
    });
  }

  /** The residents with these ids, in the order asked; unknown ids are left out. */
  async getResidentsById(ids: readonly string[]): Promise<ResidentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.client.resident.findMany({ where: { id: { in: [...new Set(ids)] } } });
    const byId = new Map(rows.map((row) => [row.id, toResident(row)]));
    return ids.flatMap((id) => {
      const found = byId.get(id);
      return found ? [found] : [];
    });
  }

  /** The resident whose id ends in `code` (a resident code), if exactly one does and they are not erased. */
  async findResidentByCode(code: string): Promise<ResidentRecord | null> {
    const suffix = code.trim().toLowerCase();
    if (!/^[a-z0-9]{6,25}$/.test(suffix)) return null;
    const rows = await this.db.client.resident.findMany({ where: { id: { endsWith: suffix }, deletedAt: null }, take: 2 });
    const only = rows.length === 1 ? rows[0] : undefined;
    return only ? toResident(only) : null;
  }

  /** Sets the telephone number a resident shared for spot checks (null removes it). */
  async setResidentPhone(residentId: string, phone: string | null): Promise<void> {
    await this.db.client.resident.update({ where: { id: residentId }, data: { phone } });
  }

  /**
   * The telephone number a resident shared for spot checks, or null. Kept out of ResidentRecord on
   * purpose: only the spot-check list (and this) ever reads it.
   */
  async getResidentPhone(residentId: string): Promise<string | null> {
    const row = await this.db.client.resident.findUnique({ where: { id: residentId }, select: { phone: true, deletedAt: true } });
    return row && !row.deletedAt ? row.phone : null;
  }

  /**
   * Records the region a resident lives in (by code; null clears it). Cases they report later
   * take this region, and the dashboard's outreach figures group their quiz answers by it.
   * Returns null for an unknown resident or region code.
   */
  async setResidentRegion(residentId: string, regionCode: string | null): Promise<ResidentRecord | null> {
    const region = regionCode === null ? null : await this.db.client.region.findUnique({ where: { code: regionCode }, select: { id: true } });
    if (regionCode !== null && !region) return null;
    const updated = await this.db.client.resident.updateMany({ where: { id: residentId, deletedAt: null }, data: { regionId: region?.id ?? null } });
    return updated.count === 1 ? this.getResident(residentId) : null;
  }
}
