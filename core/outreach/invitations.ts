/**
 * Staff onboarding: one-time invitations an admin creates (chat `/invite`, CLI `anxin staff
 * invite`), redeemed by whoever opens the link or sends the code; listing and revoking staff.
 * Every change is written to the audit log by the store in the same transaction.
 */
import type { InvitationRecord, RedeemOutcome, RegionRecord, Role, Store, StaffStore } from "../model/index.js";
import { newInvitationCode } from "./codes.js";

/** How long an invitation stays valid unless told otherwise. */
export const DEFAULT_INVITATION_DAYS = 7;

/** Thrown for a request that cannot be met (unknown region, bad role); `reason` is for messages. */
export class InvitationError extends Error {
  constructor(
    readonly reason: "role" | "region" | "region_required",
    message: string,
  ) {
    super(message);
  }
}

/** Creates an invitation for an officer (of a region) or an admin. */
export async function createInvitation(
  store: Store,
  input: { role: Role; regionCode?: string | null; createdById: string | null; days?: number; now: Date },
): Promise<{ invitation: InvitationRecord; region: RegionRecord | null }> {
  if (input.role !== "officer" && input.role !== "admin") throw new InvitationError("role", `an invitation makes an officer or an admin, not a ${input.role}`);
  let region: RegionRecord | null = null;
  if (input.regionCode) {
    region = await store.getRegionByCode(input.regionCode);
    if (!region) throw new InvitationError("region", `no region with code ${input.regionCode}`);
  } else if (input.role === "officer") {
    throw new InvitationError("region_required", "an officer invitation needs the officer's region");
  }
  const days = input.days ?? DEFAULT_INVITATION_DAYS;
  const expiresAt = new Date(input.now.getTime() + days * 24 * 3600 * 1000);
  // A collision of 60 random bits is all but impossible; one retry covers it anyway.
  for (let attempt = 0; ; attempt++) {
    try {
      const invitation = await store.createInvitation({ code: newInvitationCode(), role: input.role, regionId: region?.id ?? null, createdById: input.createdById, expiresAt, now: input.now });
      return { invitation, region };
    } catch (error) {
      if (attempt >= 1) throw error;
    }
  }
}

/** Redeems a code for a resident (see {@link Store.redeemInvitation}). */
export function redeemInvitation(store: StaffStore, code: string, residentId: string, now: Date): Promise<RedeemOutcome> {
  return store.redeemInvitation(code, residentId, now);
}

/** Parses "<platform>:<user id>" (the accounts `anxin admin add` and /revoke take). */
export function parseAccount(text: string): { platform: string; userId: string } | undefined {
  const match = /^(telegram|wechat|web|cli|test):(\S+)$/.exec(text.trim());
  return match?.[1] && match[2] ? { platform: match[1], userId: match[2] } : undefined;
}

/**
 * A cheap "is this resident staff?" for every inbound message: the ids of officers and admins,
 * read at most every `ttlMs`, and forgotten at once when this process changes a role.
 */
export class StaffDirectory {
  private ids: Set<string> | undefined;
  private readAt = 0;
  private loading: Promise<Set<string>> | undefined;

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  /** True when the resident is an officer or admin (as of at most `ttlMs` ago). */
  async isStaff(residentId: string): Promise<boolean> {
    return (await this.current()).has(residentId);
  }

  /** Forgets the cached ids (after a role changed). */
  invalidate(): void {
    this.ids = undefined;
  }

  private async current(): Promise<Set<string>> {
    if (this.ids && this.clock() - this.readAt < this.ttlMs) return this.ids;
    this.loading ??= this.store.staffIds().then(
      (ids) => {
        this.ids = new Set(ids);
        this.readAt = this.clock();
        this.loading = undefined;
        return this.ids;
      },
      (error: unknown) => {
        this.loading = undefined;
        throw error;
      },
    );
    return this.loading;
  }
}
