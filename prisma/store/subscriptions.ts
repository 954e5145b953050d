/** Residents' consent to notices outside the reply window (the NoticeConsentStore port). */
import type { StoreContext } from "./context.js";
import { isNoticeKind, type NoticeConsentChange, type NoticeConsentRecord, type NoticeConsentStore, type NoticeKind } from "../../core/model/index.js";

type Row = { identityId: string; kind: string; grantedAt: Date; grantedVia: string; withdrawnAt: Date | null; withdrawnVia: string | null; identity: { residentId: string } };

const WITH_RESIDENT = { identity: { select: { residentId: true } } } as const;

/** The NoticeConsent table: one row per chat account and notice kind. */
export class NoticeConsentTables implements NoticeConsentStore {
  constructor(private readonly db: StoreContext) {}

  /**
   * Giving consent (again) sets when and how and clears a withdrawal; withdrawing keeps when and
   * how it had been given. Withdrawing what was never given writes nothing (there is no consent to
   * record the end of) and answers null, as does an account that does not exist.
   */
  async setNoticeConsent(change: NoticeConsentChange): Promise<NoticeConsentRecord | null> {
    const { client } = this.db;
    const where = { identityId_kind: { identityId: change.identityId, kind: change.kind } };
    if (!change.granted) {
      const existing = await client.noticeConsent.findUnique({ where });
      if (!existing) return null;
      if (existing.withdrawnAt) return toRecord({ ...existing, identity: await this.residentOf(change.identityId) });
      const row = await client.noticeConsent.update({ where, data: { withdrawnAt: change.now, withdrawnVia: change.via }, include: WITH_RESIDENT });
      return toRecord(row);
    }
    const identity = await client.identity.findUnique({ where: { id: change.identityId }, select: { id: true } });
    if (!identity) return null;
    const granted = { grantedAt: change.now, grantedVia: change.via, withdrawnAt: null, withdrawnVia: null };
    const row = await client.noticeConsent.upsert({ where, create: { identityId: change.identityId, kind: change.kind, ...granted }, update: granted, include: WITH_RESIDENT });
    return toRecord(row);
  }

  async noticeConsent(identityId: string, kind: NoticeKind): Promise<NoticeConsentRecord | null> {
    const row = await this.db.client.noticeConsent.findUnique({ where: { identityId_kind: { identityId, kind } }, include: WITH_RESIDENT });
    return row ? toRecord(row) : null;
  }

  async noticeConsentsOf(residentId: string): Promise<NoticeConsentRecord[]> {
    const rows = await this.db.client.noticeConsent.findMany({ where: { identity: { residentId } }, include: WITH_RESIDENT, orderBy: [{ identityId: "asc" }, { kind: "asc" }] });
    return rows.flatMap((row) => {
      const record = toRecord(row);
      return record ? [record] : [];
    });
  }

  private async residentOf(identityId: string): Promise<{ residentId: string }> {
    const identity = await this.db.client.identity.findUnique({ where: { id: identityId }, select: { residentId: true } });
    return { residentId: identity?.residentId ?? "" };
  }
}

function toRecord(row: Row): NoticeConsentRecord | null {
  // A kind this version does not know (written by a newer one) is not a consent it can act on.
  if (!isNoticeKind(row.kind)) return null;
  return {
    identityId: row.identityId,
    residentId: row.identity.residentId,
    kind: row.kind,
    granted: row.withdrawnAt === null,
    grantedAt: row.grantedAt,
    grantedVia: row.grantedVia,
    withdrawnAt: row.withdrawnAt,
    withdrawnVia: row.withdrawnVia,
  };
}
