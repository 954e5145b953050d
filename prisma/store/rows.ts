/** Row-to-record mappers and column selections that several parts of the store share. */
import type { ResidentRecord, Role } from "../../core/model/index.js";

export function toResident(row: {
  id: string;
  displayName: string | null;
  lang: string;
  role: string;
  regionId: string | null;
  optedOut: boolean;
  consentAt: Date | null;
  consentDeclinedAt: Date | null;
  deletedAt: Date | null;
  createdAt: Date;
  sessionEpoch: number;
}): ResidentRecord {
  const role: Role = row.role === "admin" || row.role === "officer" ? row.role : "resident";
  return {
    id: row.id,
    displayName: row.displayName,
    lang: row.lang,
    role,
    regionId: row.regionId,
    optedOut: row.optedOut,
    consentAt: row.consentAt,
    consentDeclinedAt: row.consentDeclinedAt,
    deletedAt: row.deletedAt,
    createdAt: row.createdAt,
    sessionEpoch: row.sessionEpoch,
  };
}

// The columns of an IdentityRecord, so callers never see more of the row than the type promises.
export const IDENTITY_FIELDS = {
  id: true,
  residentId: true,
  platform: true,
  platformUserId: true,
  chatId: true,
  reachable: true,
  lastInboundAt: true,
} as const;
