/**
 * A resident's "delete my data" (the `resident.erase` write of a turn), inside the turn's
 * transaction, and the SQLite checkpoint after it commits.
 *
 * What names the person goes or is cut loose, table by table:
 * - their own data is deleted: session, platform accounts, answers (with their spot checks),
 *   suggestions, deliveries, web inbox pushes, quiz answers, household links and their dwelling
 *   (eraseHouseholds), processed-message keys, broadcast drafts;
 * - the police's records stay but no longer point to them: cases (reporter, officer), case
 *   updates (author), invitations, broadcasts, households they were the officer of;
 * - the Resident row stays, emptied, under a fresh random id (a tombstone): the foreign keys
 *   follow it (ON UPDATE CASCADE), so what must keep an author (a visit, an audit entry) keeps a
 *   consistent one that leads back to nobody, and the old id is nowhere in the database.
 * - text columns that may quote them (audit targets and details, spot-check re-check JSON,
 *   broadcast audiences) have the old id and their account ids replaced.
 */
import { randomUUID } from "node:crypto";
import { eraseHouseholds } from "./households.js";
import type { StoreContext, Tx } from "./context.js";

/** What a scrubbed platform account id, chat id or phone number becomes. */
const ERASED = "erased";

/**
 * Identifiers at least this long are random (web session ids, cuids) and replaced wherever they
 * occur in a text; shorter ones (a Telegram account id, a phone number) only where a whole JSON
 * string or column equals them, so a number that merely contains one is left alone.
 */
const SUBSTRING_SAFE_LENGTH = 16;

/** Erases the resident, inside the turn's transaction; returns the tombstone id the row now has. */
export async function eraseResident(tx: Tx, residentId: string, now: Date): Promise<string> {
  const person = await tx.resident.findUnique({ where: { id: residentId }, select: { phone: true } });
  if (!person) return residentId;
  const identities = await tx.identity.findMany({ where: { residentId }, select: { platform: true, platformUserId: true, chatId: true, username: true } });

  const dwellings = await tx.household.findMany({ where: { residentId }, select: { id: true } });
  await eraseHouseholds(tx, dwellings.map((h) => h.id), residentId, now);

  await tx.conversation.deleteMany({ where: { residentId } });
  await tx.response.deleteMany({ where: { residentId } });
  await tx.suggestion.deleteMany({ where: { residentId } });
  await tx.delivery.deleteMany({ where: { residentId } });
  await tx.tipQuizAnswer.deleteMany({ where: { residentId } });
  await tx.assignment.deleteMany({ where: { OR: [{ householdId: residentId }, { officerId: residentId }] } });
  // A push made before the page knew the resident carries only the web session id.
  const sessions = identities.filter((i) => i.platform === "web").flatMap((i) => [i.platformUserId, i.chatId]);
  await tx.webInboxItem.deleteMany({ where: { OR: [{ residentId }, { sessionId: { in: sessions } }] } });
  // The keys name the account (the web chat's are `<session>:<n>`, WeChat's follow events
  // `follow:<chat>:<time>`). Without them a platform's late redelivery of one of their messages is
  // taken as new — from the new, empty resident their next message starts anyway.
  await tx.processedMessage.deleteMany({
    where: {
      OR: [
        { residentId },
        ...identities.flatMap((i) =>
          [...new Set([i.platformUserId, i.chatId])].filter((id) => id !== "").flatMap((id) => [
            { platform: i.platform, messageId: { startsWith: `${id}:` } },
            { platform: i.platform, messageId: { contains: `:${id}:` } },
          ]),
        ),
      ],
    },
  });
  await tx.broadcast.deleteMany({ where: { authorId: residentId, status: "draft" } });
  await tx.identity.deleteMany({ where: { residentId } });

  // Cases are the police's records and stay; they just no longer lead back to this person.
  await tx.case.updateMany({ where: { reporterId: residentId }, data: { reporterId: null } });
  await tx.case.updateMany({ where: { officerId: residentId }, data: { officerId: null } });
  await tx.caseUpdate.updateMany({ where: { authorId: residentId }, data: { authorId: null } });
  await tx.invitation.updateMany({ where: { createdById: residentId }, data: { createdById: null } });
  await tx.invitation.updateMany({ where: { usedById: residentId }, data: { usedById: null } });
  await tx.broadcast.updateMany({ where: { authorId: residentId }, data: { authorId: null } });
  await tx.household.updateMany({ where: { officerId: residentId }, data: { officerId: null } });

  const tombstone = `erased-${randomUUID()}`;
  await tx.resident.update({
    where: { id: residentId },
    data: { id: tombstone, displayName: null, phone: null, regionId: null, consentAt: null, consentDeclinedAt: null, deletedAt: now },
  });
  // Not a foreign key (it also names officers of interviews): moved by hand.
  await tx.response.updateMany({ where: { officerId: residentId }, data: { officerId: tombstone } });

  const replacements = new Map<string, string>([[residentId, tombstone]]);
  for (const i of identities) {
    for (const id of [i.platformUserId, i.chatId, `${i.platform}:${i.platformUserId}`, i.username]) if (id) replacements.set(id, ERASED);
  }
  if (person.phone) replacements.set(person.phone, ERASED);
  await scrubTexts(tx, replacements);

  await tx.auditLog.create({ data: { actorId: tombstone, action: "resident.erase", target: tombstone, details: "{}", at: now } });
  return tombstone;
}

/** Rewrites the text columns that may quote an identifier of the person. */
async function scrubTexts(tx: Tx, replacements: ReadonlyMap<string, string>): Promise<void> {
  const needles = [...replacements.keys()];
  const audits = await tx.auditLog.findMany({
    where: { OR: needles.flatMap((n) => [{ target: { contains: n } }, { details: { contains: n } }]) },
    select: { id: true, target: true, details: true },
  });
  for (const row of audits) {
    const target = row.target === null ? null : scrubText(row.target, replacements);
    const details = scrubText(row.details, replacements);
    if (target !== row.target || details !== row.details) await tx.auditLog.update({ where: { id: row.id }, data: { target, details } });
  }
  const checks = await tx.spotCheck.findMany({
    where: { OR: needles.flatMap((n) => [{ recheck: { contains: n } }, { notes: { contains: n } }, { verifier: { contains: n } }]) },
    select: { id: true, recheck: true, notes: true, verifier: true },
  });
  for (const row of checks) {
    const data = {
      recheck: row.recheck === null ? null : scrubText(row.recheck, replacements),
      notes: row.notes === null ? null : scrubText(row.notes, replacements),
      verifier: row.verifier === null ? null : scrubText(row.verifier, replacements),
    };
    if (data.recheck !== row.recheck || data.notes !== row.notes || data.verifier !== row.verifier) await tx.spotCheck.update({ where: { id: row.id }, data });
  }
  const broadcasts = await tx.broadcast.findMany({ where: { OR: needles.map((n) => ({ audience: { contains: n } })) }, select: { id: true, audience: true } });
  for (const row of broadcasts) {
    const audience = scrubText(row.audience, replacements);
    if (audience !== row.audience) await tx.broadcast.update({ where: { id: row.id }, data: { audience } });
  }
}

/** A text with the identifiers replaced: inside JSON, string by string; otherwise the whole text. */
export function scrubText(text: string, replacements: ReadonlyMap<string, string>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return scrubString(text, replacements);
  }
  if (typeof parsed !== "object" || parsed === null) return scrubString(text, replacements);
  const scrubbed = JSON.stringify(scrubValue(parsed, replacements));
  return scrubbed === JSON.stringify(parsed) ? text : scrubbed;
}

function scrubValue(value: unknown, replacements: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") return scrubString(value, replacements);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, replacements));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [scrubString(k, replacements), scrubValue(v, replacements)]));
  }
  return value;
}

function scrubString(text: string, replacements: ReadonlyMap<string, string>): string {
  const exact = replacements.get(text);
  if (exact !== undefined) return exact;
  let out = text;
  for (const [from, to] of replacements) if (from.length >= SUBSTRING_SAFE_LENGTH) out = out.split(from).join(to);
  return out;
}

/**
 * After an erasure committed on SQLite: copies every page into the database file and empties the
 * write-ahead log, so the erased rows' earlier versions (logged when they were written, and again
 * as the pages before the deletion) are not left in the -wal file. The freed space in the file
 * itself is already zeroed (PRAGMA secure_delete, see ../store.ts).
 *
 * Best effort: the erasure is committed and must not be reported as failed. A reader of another
 * process that holds an old snapshot for longer than the busy timeout keeps the log from being
 * truncated; the log is then reset by a later checkpoint (at the latest when the last connection
 * closes).
 */
export async function checkpointAfterErasure(db: StoreContext): Promise<void> {
  if (db.provider !== "sqlite") return;
  try {
    await db.client.$queryRawUnsafe("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch {
    // See above: nothing to undo, and the next checkpoint does the same.
  }
}
