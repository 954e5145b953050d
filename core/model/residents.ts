/**
 * Residents, their platform accounts, staff and invitations: the records the core works with,
 * plain objects that any store (see ./ports.ts) returns.
 */

/** A staff or resident role. */
export type Role = "resident" | "officer" | "admin";

/** A resident as the rest of Anxin sees it. */
export interface ResidentRecord {
  id: string;
  displayName: string | null;
  lang: string;
  role: Role;
  regionId: string | null;
  optedOut: boolean;
  consentAt: Date | null;
  consentDeclinedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  /** Staff tokens carry it; it is raised on sign-out, revocation and demotion, ending every older token. */
  sessionEpoch: number;
}

/** One platform account of a resident. */
export interface IdentityRecord {
  id: string;
  residentId: string;
  platform: string;
  platformUserId: string;
  chatId: string;
  reachable: boolean;
  lastInboundAt: Date | null;
}

/** What an adapter knows about the sender of a message. */
export interface IdentityInput {
  platform: string;
  platformUserId: string;
  chatId: string;
  displayName?: string;
  username?: string;
  lang?: string;
}

/** An officer's household: one Assignment row. */
export interface AssignmentRecord {
  id: string;
  officerId: string;
  householdId: string;
  regionId: string | null;
  createdAt: Date;
}

/** A one-time staff invitation. `code` is canonical (upper case, no separators). */
export interface InvitationRecord {
  id: string;
  code: string;
  role: Role;
  regionId: string | null;
  regionCode: string | null;
  createdById: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  usedById: string | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** The outcome of {@link Store.redeemInvitation}. */
export type RedeemOutcome =
  | { ok: true; already: boolean; resident: ResidentRecord; invitation: InvitationRecord }
  | { ok: false; reason: "unknown" | "used" | "revoked" | "expired" };

/** An officer or admin as the staff list shows them. */
export interface StaffMemberRecord extends ResidentRecord {
  regionCode: string | null;
  /** "platform:userId" of each account. */
  accounts: string[];
  households: number;
}
