/**
 * The store: the only module that talks to Prisma. It exposes domain operations on domain types
 * (plain objects, JSON already parsed), so nothing else in Anxin sees a Prisma type.
 *
 * One schema source, two generated clients with identical APIs: the PostgreSQL client is typed
 * as the SQLite one, which is sound because tools/derive-postgres-schema.mjs only changes the
 * provider and the output folder.
 */
import { randomUUID } from "node:crypto";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient, Prisma } from "./generated/sqlite/client.ts";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import type { DatabaseTarget } from "./database-url.js";
import { openSqliteFile } from "./migrate.js";
import { BulkReader } from "./bulk-reader.js";
import { CASE_STATUSES, type CaseStatus } from "./case-status.js";
import { parseRecheck } from "./spot-check-recheck.js";
// Type-only: the outreach figures' read interface is defined with its consumer (no runtime import).
import type { ClosedCaseRating, FirstQuizAnswer } from "../core/admin/outreach-figures.js";

type Client = InstanceType<typeof SqliteClient>;
type Tx = Prisma.TransactionClient;

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

/** A stored questionnaire version. `definition` is the validated definition object. */
export interface QuestionnaireRecord {
  id: string;
  key: string;
  version: number;
  title: string;
  definition: unknown;
  checksum: string;
  source: string | null;
  createdAt: Date;
}

/** A survey wave. */
export interface WaveRecord {
  id: string;
  name: string;
  questionnaireId: string;
  questionnaireKey: string;
  questionnaireVersion: number;
  opensAt: Date;
  closesAt: Date | null;
}

/** A region of the tree. */
export interface RegionRecord {
  id: string;
  code: string;
  name: Record<string, string>;
  level: number;
  path: string;
  parentId: string | null;
}

/** A response with its answers (values are the engine's JSON answer values). */
export interface ResponseRecord {
  id: string;
  residentId: string;
  waveId: string;
  questionnaireId: string;
  status: "in_progress" | "completed" | "abandoned";
  channel: string;
  officerId: string | null;
  regionId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  answers: Record<string, unknown>;
}

/** A stored suggestion. */
export interface SuggestionRecord {
  id: string;
  residentId: string | null;
  waveId: string | null;
  regionId: string | null;
  text: string;
  lang: string;
  status: string;
  tags: string[];
  createdAt: Date;
}

/** Where a suggestion stands in the office's handling. */
export type SuggestionStatus = "new" | "read" | "forwarded" | "answered";

/** The suggestion statuses, in handling order. */
export const SUGGESTION_STATUSES: readonly SuggestionStatus[] = ["new", "read", "forwarded", "answered"];

/** Filter of {@link Store.querySuggestions}; every field optional. */
export interface SuggestionQuery {
  waveId?: string;
  /** A region subtree: the Region.path prefix, e.g. "/330102/330102001/". */
  regionPath?: string;
  /** Created at or after. */
  since?: Date;
  /** Created before. */
  until?: Date;
  status?: SuggestionStatus | readonly SuggestionStatus[];
  /** Carries this tag. */
  tag?: string;
  /** Text contains this (case-insensitive for Latin letters on both backends). */
  search?: string;
  /** Keyset paging: continue after the suggestion with this id (order: newest first). */
  cursor?: string;
  /** Page size; default 100, at most 1000. */
  limit?: number;
}

/** A suggestion as admins see it: with its region and handling state. */
export interface AdminSuggestionRecord extends SuggestionRecord {
  status: SuggestionStatus;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  updatedAt: Date;
}

/** Filter of response paging and counting for statistics and exports. */
export interface ResponseQuery {
  /** One wave or several. */
  waveIds?: readonly string[];
  statuses?: readonly ResponseRecord["status"][];
  /** A region subtree: the Region.path prefix. */
  regionPath?: string;
  channel?: string;
}

/** A response with its region's code and path, for statistics and exports. */
export interface ResponseWithRegion extends ResponseRecord {
  regionCode: string | null;
  /** Region.path ("/district/town/village/"), or null when the response has no region. */
  regionPath: string | null;
}

/** The outcome of a spot check. */
export type SpotCheckOutcomeValue = "consistent" | "inconsistent" | "unreachable";

/** A drawn spot check with what a verifier needs to call the resident. */
export interface SpotCheckRecord {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  method: string;
  outcome: SpotCheckOutcomeValue | null;
  verifier: string | null;
  notes: string | null;
  drawnAt: Date;
  checkedAt: Date | null;
  channel: string;
  regionCode: string | null;
  regionPath: string | null;
  completedAt: Date | null;
  /** The telephone number the resident chose to share for spot checks, if any. */
  phone: string | null;
  /** The resident's language, to call them in it. */
  lang: string;
  /**
   * Method `chat`: the re-check in chat, once an admin asked for it. Absent otherwise (so a
   * spot check without one reads the same from every reader, BulkReader included).
   */
  recheck?: SpotCheckRecheck;
}

/**
 * Where a spot check's re-check in chat stands (`SpotCheck.recheck`, JSON): `queued` (an admin
 * asked for it) → `asked` (the questions went to the resident) → `answered` / `declined` /
 * `expired`; or `skipped` (it cannot be asked in chat: the spot check stays open for a call).
 */
export type SpotCheckRecheckStatus = "queued" | "asked" | "answered" | "declined" | "expired" | "skipped";

/** One re-asked question: the answer the survey stored, and the new one once given (engine AnswerValues). */
export interface SpotCheckRecheckQuestion {
  id: string;
  original: unknown;
  answer?: unknown;
  same?: boolean;
}

/** The re-check in chat of a spot check (times are ISO 8601 strings: this is stored JSON). */
export interface SpotCheckRecheck {
  status: SpotCheckRecheckStatus;
  queuedAt: string;
  /** The admin who asked for it (null from the command line). */
  queuedBy: string | null;
  /** Deliveries tried that did not reach the resident. */
  attempts: number;
  lastError?: string;
  /** No new delivery attempt before this. */
  nextAttemptAt?: string;
  /** Where it was asked (telegram, wechat, web …). */
  platform?: string;
  askedAt?: string;
  /** Replies after this are no longer taken; the spot check is then unreachable. */
  expiresAt?: string;
  /** When the questions reached the resident's chat (or their web inbox). */
  deliveredAt?: string;
  questions?: SpotCheckRecheckQuestion[];
  finishedAt?: string;
  /** Why it was declined, skipped or expired. */
  reason?: string;
}

/** A re-check in chat that still needs the sender: queued, or asked and not yet answered. */
export interface OpenRecheckRecord {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  recheck: SpotCheckRecheck;
}

/** Everything the re-check service needs to ask one spot check's resident. */
export interface RecheckTarget {
  spotCheck: OpenRecheckRecord;
  response: { id: string; residentId: string; channel: string; status: string; questionnaireKey: string; questionnaireVersion: number; questionnaireDefinition: unknown };
  /** The survey's stored answers by question id (engine AnswerValues, parsed JSON). */
  answers: Record<string, unknown>;
  resident: ResidentRecord;
  identities: IdentityRecord[];
  /** When the resident's session last changed (their last message), or null. */
  conversationUpdatedAt: Date | null;
  /** What the resident is doing in the chat (the session's `mode`: menu, survey …), or null. */
  conversationMode: string | null;
}

/** An officer's household: one Assignment row. */
export interface AssignmentRecord {
  id: string;
  officerId: string;
  householdId: string;
  regionId: string | null;
  createdAt: Date;
}

/** The engine's session state of one resident, with the revision that guards concurrent writes. */
export interface ConversationRecord {
  state: unknown;
  revision: number;
}

/** One durable consequence of a dialogue turn. */
export type DomainWrite =
  | { type: "response.start"; waveId: string; questionnaireId: string; officerId?: string | null; regionId?: string | null }
  | { type: "answer.put"; waveId: string; questionId: string; value: unknown }
  | { type: "answer.delete"; waveId: string; questionId: string }
  | { type: "response.complete"; waveId: string }
  | { type: "response.abandon"; waveId: string }
  | { type: "response.region"; waveId: string; regionCode: string }
  | { type: "suggestion.add"; waveId?: string | null; text: string; lang: string }
  | { type: "resident.update"; lang?: string; consentAt?: Date | null; consentDeclinedAt?: Date | null; optedOut?: boolean }
  | { type: "resident.erase" }
  /**
   * The telephone number the resident left for telephone spot checks (canonical form, see
   * core/engine/phone.ts), or null: they withdrew it. Replaces any earlier one.
   */
  | { type: "resident.phone"; phone: string | null }
  /** A resident's answer to a tip's quiz; only their first answer to a tip is kept. */
  | { type: "tipQuiz.answer"; tipId: string; option: string; correct: boolean; broadcastId?: string | null }
  /** The resident reported a concern: a case with status "received" (a taken code is a conflict). */
  | { type: "case.report"; code: string; title: string }
  /** The resident rated their closed case 1–5 (ignored for a case that is not theirs or not closed). */
  | { type: "case.rate"; code: string; rating: number }
  /**
   * Re-check in chat (only for an open `chat` spot check of this resident's own response; else
   * ignored): the questions were asked; answered (outcome consistent / inconsistent); declined
   * (outcome unreachable); or it cannot be asked (stays open for a call). `notes` for staff.
   */
  | { type: "spotCheck.recheckStart"; spotCheckId: string; questions: SpotCheckRecheckQuestion[]; expiresAt: string; notes: string }
  | { type: "spotCheck.recheckAnswer"; spotCheckId: string; questions: SpotCheckRecheckQuestion[]; consistent: boolean; notes: string }
  | { type: "spotCheck.recheckDecline"; spotCheckId: string; reason: string; notes: string }
  | { type: "spotCheck.recheckSkip"; spotCheckId: string; reason: string; notes: string };

export { CASE_STATUSES, type CaseStatus } from "./case-status.js";

/** A case a resident reported (or an officer registered for them). */
export interface CaseRecord {
  id: string;
  code: string;
  reporterId: string | null;
  officerId: string | null;
  regionId: string | null;
  title: string;
  status: CaseStatus;
  /** The reporter's satisfaction after closing, 1..5. */
  rating: number | null;
  createdAt: Date;
  closedAt: Date | null;
}

/** A progress note on a case; `deliveredAt` = when it reached the reporter. */
export interface CaseUpdateRecord {
  id: string;
  caseId: string;
  authorId: string | null;
  status: CaseStatus;
  note: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

/** A case with its newest update. */
export interface CaseWithLatest extends CaseRecord {
  latest: CaseUpdateRecord | null;
}

/** Filter of {@link Store.listCases}. */
export interface CaseQuery {
  statuses?: readonly CaseStatus[];
  officerId?: string;
  /** Closed at or after / before (cases never closed are left out when either is set). */
  closedSince?: Date;
  closedUntil?: Date;
  /** A region subtree: the Region.path prefix. */
  regionPath?: string;
  /** Newest first; default 1000. */
  limit?: number;
}

/** One stored quiz answer (the first answer of a resident to a tip). */
export interface TipQuizAnswerRecord {
  residentId: string;
  tipId: string;
  option: string;
  correct: boolean;
  broadcastId: string | null;
  answeredAt: Date;
}

/** Longest telephone number stored (the engine's canonical forms are at most 16 characters). */
const MAX_PHONE_LENGTH = 32;

/** Page size of the figure reads: bounded queries, whatever the number of rows. */
const FIGURE_PAGE = 5000;

/** Everything one inbound message changes, committed atomically. */
export interface Turn {
  residentId: string;
  channel: string;
  /** The platform message handled, recorded so that a redelivery is recognised. */
  inbound?: { platform: string; messageId: string };
  state: unknown;
  /** The revision the state was computed from; a mismatch means another writer got there first. */
  expectedRevision: number;
  writes: DomainWrite[];
  now: Date;
}

/** The outcome of committing a turn. */
export type TurnOutcome = "committed" | "duplicate" | "conflict";

/** Thrown when a questionnaire key and version are already stored with other content. */
export class QuestionnaireConflictError extends Error {}

const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

function toResident(row: {
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
  };
}

function toQuestionnaire(row: {
  id: string;
  key: string;
  version: number;
  title: string;
  definition: string;
  checksum: string;
  source: string | null;
  createdAt: Date;
}): QuestionnaireRecord {
  return { ...row, definition: parse<unknown>(row.definition, null) };
}

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === "P2002") return true;
  // Raw statements report the driver's error instead (used on the per-message hot path).
  const cause = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError?.cause;
  return error.code === "P2010" && cause?.kind === "UniqueConstraintViolation";
}

/** Domain operations over one database. Create with {@link openStore}. */
export class Store {
  private constructor(
    private readonly client: Client,
    /** Which backend this store runs on. */
    readonly provider: DatabaseTarget["provider"],
    /** Where the database is, for bulk reads that bypass Prisma (see {@link Store.streamResponses}). */
    private readonly target?: DatabaseTarget,
  ) {}

  /** Connects to the target (already migrated) and applies the SQLite settings that matter. */
  static async open(target: DatabaseTarget): Promise<Store> {
    if (target.provider === "sqlite") {
      // Fail early, with the OS's reason, when the folder is missing or unwritable.
      openSqliteFile(target.file).close();
      const client = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: target.file }) });
      // The adapter keeps one connection per client, so these per-connection settings stick.
      await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
      await client.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
      await client.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
      await client.$queryRawUnsafe("PRAGMA foreign_keys = ON");
      return new Store(client, "sqlite", target);
    }
    const client = new PostgresClient({
      adapter: new PrismaPg({ connectionString: target.url, connectionTimeoutMillis: 5000 }),
    }) as unknown as Client;
    await client.$connect();
    return new Store(client, "postgresql", target);
  }

  /** Throws when the database does not answer. */
  async health(): Promise<void> {
    await this.client.$queryRawUnsafe("SELECT 1");
  }

  /** Closes the connection(s). */
  async close(): Promise<void> {
    await this.client.$disconnect();
  }

  // ---------------------------------------------------------------- residents and identities

  /** Finds the resident behind a platform account, creating both on first contact. */
  async resolveIdentity(input: IdentityInput): Promise<{ resident: ResidentRecord; identity: IdentityRecord; created: boolean }> {
    const found = await this.client.identity.findUnique({
      where: { platform_platformUserId: { platform: input.platform, platformUserId: input.platformUserId } },
      include: { resident: true },
    });
    if (found) {
      const { resident, ...identity } = found;
      return { resident: toResident(resident), identity, created: false };
    }
    try {
      const identity = await this.client.identity.create({
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
    return this.client.identity.findUnique({ where: { platform_platformUserId: { platform, platformUserId } } });
  }

  /** The resident with this id, or null. */
  async getResident(id: string): Promise<ResidentRecord | null> {
    const row = await this.client.resident.findUnique({ where: { id } });
    return row ? toResident(row) : null;
  }

  /** The identities of a resident (where to reach them). */
  async identitiesOf(residentId: string): Promise<IdentityRecord[]> {
    return this.client.identity.findMany({ where: { residentId }, orderBy: { createdAt: "asc" } });
  }

  /** Sets the role of the resident behind a platform account, creating the account if needed. */
  async setRole(platform: string, platformUserId: string, role: Role, actorId: string | null = null): Promise<ResidentRecord> {
    const { resident } = await this.resolveIdentity({ platform, platformUserId, chatId: platformUserId });
    const updated = await this.client.$transaction(async (tx) => {
      const row = await tx.resident.update({ where: { id: resident.id }, data: { role } });
      await tx.auditLog.create({
        data: { actorId, action: "staff.role", target: `${platform}:${platformUserId}`, details: json({ from: resident.role, to: role }) },
      });
      return row;
    });
    return toResident(updated);
  }

  /** Residents with a given role. */
  async listByRole(role: Role): Promise<ResidentRecord[]> {
    const rows = await this.client.resident.findMany({ where: { role, deletedAt: null }, orderBy: { createdAt: "asc" } });
    return rows.map(toResident);
  }

  /** Records that a platform account can (not) be reached, e.g. after the resident blocked the bot. */
  async setReachable(identityId: string, reachable: boolean, why: string | null, now: Date): Promise<void> {
    await this.client.identity.update({
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
    return this.client.identity.update({
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
    return this.client.identity.update({
      where: { id: found.id },
      data: { reachable, unreachableAt: reachable ? null : now, unreachableWhy: reachable ? null : why },
      select: IDENTITY_FIELDS,
    });
  }

  // ---------------------------------------------------------------- regions

  /** Creates or renames a region under its parent (by code). Parents must exist first. */
  async upsertRegion(input: { code: string; name: Record<string, string>; parentCode?: string | null }): Promise<RegionRecord> {
    const parent = input.parentCode ? await this.client.region.findUnique({ where: { code: input.parentCode } }) : null;
    if (input.parentCode && !parent) throw new Error(`region ${input.code}: parent ${input.parentCode} does not exist`);
    const level = parent ? parent.level + 1 : 0;
    const path = `${parent ? parent.path : "/"}${input.code}/`;
    const row = await this.client.region.upsert({
      where: { code: input.code },
      create: { code: input.code, name: json(input.name), level, path, parentId: parent?.id ?? null },
      update: { name: json(input.name) },
    });
    return { ...row, name: parse<Record<string, string>>(row.name, {}) };
  }

  /** All regions, parents before children. */
  async listRegions(): Promise<RegionRecord[]> {
    const rows = await this.client.region.findMany({ select: REGION_FIELDS, orderBy: [{ level: "asc" }, { code: "asc" }] });
    return rows.map((row) => ({ ...row, name: parse<Record<string, string>>(row.name, {}) }));
  }

  // ---------------------------------------------------------------- questionnaires and waves

  /**
   * Stores a questionnaire version. Storing the same key, version and checksum again is a no-op;
   * other content under an existing key and version is refused (bump the version instead).
   */
  async saveQuestionnaire(input: {
    key: string;
    version: number;
    title: string;
    definition: unknown;
    checksum: string;
    source?: string;
  }): Promise<{ record: QuestionnaireRecord; created: boolean }> {
    const existing = await this.client.questionnaire.findUnique({ where: { key_version: { key: input.key, version: input.version } } });
    if (existing) {
      if (existing.checksum !== input.checksum) {
        throw new QuestionnaireConflictError(
          `questionnaire ${input.key} version ${input.version} is already stored with other content; raise its version`,
        );
      }
      return { record: toQuestionnaire(existing), created: false };
    }
    const row = await this.client.questionnaire.create({
      data: {
        key: input.key,
        version: input.version,
        title: input.title,
        definition: json(input.definition),
        checksum: input.checksum,
        source: input.source ?? null,
      },
    });
    return { record: toQuestionnaire(row), created: true };
  }

  /** A stored questionnaire version, or null. */
  async getQuestionnaire(key: string, version: number): Promise<QuestionnaireRecord | null> {
    const row = await this.client.questionnaire.findUnique({ where: { key_version: { key, version } } });
    return row ? toQuestionnaire(row) : null;
  }

  /** A stored questionnaire by row id, or null. */
  async getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null> {
    const row = await this.client.questionnaire.findUnique({ where: { id } });
    return row ? toQuestionnaire(row) : null;
  }

  /** Every stored questionnaire version, newest first within a key. */
  async listQuestionnaires(): Promise<QuestionnaireRecord[]> {
    const rows = await this.client.questionnaire.findMany({ orderBy: [{ key: "asc" }, { version: "desc" }] });
    return rows.map(toQuestionnaire);
  }

  /** Opens a survey wave for a stored questionnaire version. */
  async createWave(input: { name: string; questionnaireId: string; opensAt: Date; closesAt?: Date | null }): Promise<WaveRecord> {
    const row = await this.client.wave.create({
      data: { name: input.name, questionnaireId: input.questionnaireId, opensAt: input.opensAt, closesAt: input.closesAt ?? null },
      include: { questionnaire: true },
    });
    return toWave(row);
  }

  /** The wave open at `now` (the most recently opened one when several are), or null. */
  async currentWave(now: Date): Promise<WaveRecord | null> {
    const row = await this.client.wave.findFirst({
      where: { opensAt: { lte: now }, OR: [{ closesAt: null }, { closesAt: { gt: now } }] },
      orderBy: { opensAt: "desc" },
      include: { questionnaire: true },
    });
    return row ? toWave(row) : null;
  }

  /** All waves, newest first. */
  async listWaves(): Promise<WaveRecord[]> {
    const rows = await this.client.wave.findMany({ orderBy: { opensAt: "desc" }, include: { questionnaire: true } });
    return rows.map(toWave);
  }

  /** Sets a comparison figure (e.g. the provincial average) for a measure in a wave. */
  async setWaveTarget(waveId: string, measureId: string, label: string, value: number): Promise<void> {
    await this.client.waveTarget.upsert({
      where: { waveId_measureId_label: { waveId, measureId, label } },
      create: { waveId, measureId, label, value },
      update: { value },
    });
  }

  /**
   * Removes one target of a wave (the figure for `measureId` under `label`).
   * @returns whether there was such a target
   */
  async deleteWaveTarget(waveId: string, measureId: string, label: string): Promise<boolean> {
    const { count } = await this.client.waveTarget.deleteMany({ where: { waveId, measureId, label } });
    return count > 0;
  }

  /** The targets of a wave. */
  async waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]> {
    return this.client.waveTarget.findMany({ where: { waveId }, select: { measureId: true, label: true, value: true } });
  }

  /**
   * Copies every target of one wave to another (one transaction); a target the other wave
   * already has for the same measure and label takes the copied value. Returns how many were copied.
   */
  async copyWaveTargets(fromWaveId: string, toWaveId: string): Promise<number> {
    return this.client.$transaction(async (tx) => {
      const targets = await tx.waveTarget.findMany({ where: { waveId: fromWaveId }, select: { measureId: true, label: true, value: true } });
      for (const { measureId, label, value } of targets) {
        await tx.waveTarget.upsert({
          where: { waveId_measureId_label: { waveId: toWaveId, measureId, label } },
          create: { waveId: toWaveId, measureId, label, value },
          update: { value },
        });
      }
      return targets.length;
    });
  }

  /** Sets when a wave closes (ends it at `at`); null when there is no such wave. */
  async closeWave(id: string, at: Date): Promise<WaveRecord | null> {
    const { count } = await this.client.wave.updateMany({ where: { id }, data: { closesAt: at } });
    if (count === 0) return null;
    const row = await this.client.wave.findUnique({ where: { id }, include: { questionnaire: true } });
    return row ? toWave(row) : null;
  }

  /**
   * Sets or clears when a wave closes (`null`: open-ended), e.g. to give a wave back the end it had
   * before a wave scheduled after it was cancelled.
   * @returns the wave as it is now, or null when there is no such wave
   */
  async setWaveEnd(id: string, closesAt: Date | null): Promise<WaveRecord | null> {
    const { count } = await this.client.wave.updateMany({ where: { id }, data: { closesAt } });
    if (count === 0) return null;
    const row = await this.client.wave.findUnique({ where: { id }, include: { questionnaire: true } });
    return row ? toWave(row) : null;
  }

  /**
   * Deletes a wave that has no responses (one transaction): its targets and spot checks go with
   * it, its suggestions stay without a wave. A wave with responses is kept (they belong to it).
   * @returns whether the wave was deleted (false: no such wave, or it has responses)
   */
  async deleteWave(id: string): Promise<boolean> {
    return this.client.$transaction(async (tx) => {
      if ((await tx.response.count({ where: { waveId: id } })) > 0) return false;
      const { count } = await tx.wave.deleteMany({ where: { id } });
      return count > 0;
    });
  }

  /** How many responses each wave has in each status (waves without responses are left out). */
  async responseCountsByWave(): Promise<{ waveId: string; status: ResponseRecord["status"]; count: number }[]> {
    const rows = await this.client.response.groupBy({ by: ["waveId", "status"], _count: { _all: true } });
    return rows.map((row) => ({
      waveId: row.waveId,
      status: row.status === "completed" || row.status === "abandoned" ? row.status : "in_progress",
      count: row._count._all,
    }));
  }

  // ---------------------------------------------------------------- conversations

  /** The stored session state of a resident, or null before their first turn. */
  async loadConversation(residentId: string): Promise<ConversationRecord | null> {
    const row = await this.client.conversation.findUnique({ where: { residentId } });
    return row ? { state: parse<unknown>(row.state, null), revision: row.revision } : null;
  }

  /** True when this platform message was already handled. */
  async isProcessed(platform: string, messageId: string): Promise<boolean> {
    const row = await this.client.processedMessage.findUnique({ where: { platform_messageId: { platform, messageId } } });
    return row !== null;
  }

  /**
   * Commits one dialogue turn atomically: the inbound message id, the new session state and every
   * domain write. "duplicate": the message id was already handled, nothing written. "conflict":
   * the state moved on since it was read, nothing written (the caller reruns the turn).
   */
  async commitTurn(turn: Turn): Promise<TurnOutcome> {
    try {
      return await this.client.$transaction(async (tx) => {
        // Every message passes here, so the three statements it always runs are plain SQL (valid
        // on SQLite and PostgreSQL alike): Prisma's model queries cost several times more.
        if (turn.inbound) {
          await tx.$executeRaw`INSERT INTO "ProcessedMessage" ("platform", "messageId", "residentId", "processedAt")
            VALUES (${turn.inbound.platform}, ${turn.inbound.messageId}, ${turn.residentId}, ${turn.now})`;
        }
        const stateText = json(turn.state);
        if (turn.expectedRevision === 0) {
          const existing = await tx.conversation.findUnique({ where: { residentId: turn.residentId }, select: { revision: true } });
          if (existing) throw new TurnConflict();
          await tx.conversation.create({ data: { residentId: turn.residentId, state: stateText, revision: 1 } });
        } else {
          const updated = await tx.$executeRaw`UPDATE "Conversation"
            SET "state" = ${stateText}, "revision" = ${turn.expectedRevision + 1}, "updatedAt" = ${turn.now}
            WHERE "residentId" = ${turn.residentId} AND "revision" = ${turn.expectedRevision}`;
          if (updated !== 1) throw new TurnConflict();
        }
        await applyWrites(tx, turn);
        return "committed" as const;
      });
    } catch (error) {
      if (error instanceof TurnConflict) return "conflict";
      if (turn.inbound && isUniqueViolation(error)) {
        if (await this.isProcessed(turn.inbound.platform, turn.inbound.messageId)) return "duplicate";
        return "conflict";
      }
      throw error;
    }
  }

  // ---------------------------------------------------------------- responses and suggestions

  /** The response of a resident to a wave, with its answers, or null. */
  async getResponse(residentId: string, waveId: string): Promise<ResponseRecord | null> {
    const row = await this.client.response.findUnique({
      where: { residentId_waveId: { residentId, waveId } },
      include: { answers: true },
    });
    return row ? toResponse(row) : null;
  }

  /** Responses of a wave (optionally only one status), with answers, oldest first. */
  async listResponses(waveId: string, status?: ResponseRecord["status"]): Promise<ResponseRecord[]> {
    const rows = await this.client.response.findMany({
      where: { waveId, ...(status ? { status } : {}) },
      include: { answers: true },
      orderBy: { startedAt: "asc" },
    });
    return rows.map(toResponse);
  }

  /** Suggestions, newest first. */
  async listSuggestions(filter: { waveId?: string; since?: Date } = {}): Promise<SuggestionRecord[]> {
    const rows = await this.client.suggestion.findMany({
      where: { ...(filter.waveId ? { waveId: filter.waveId } : {}), ...(filter.since ? { createdAt: { gte: filter.since } } : {}) },
      orderBy: { createdAt: "desc" },
    });
    return rows.map((row) => ({
      id: row.id,
      residentId: row.residentId,
      waveId: row.waveId,
      regionId: row.regionId,
      text: row.text,
      lang: row.lang,
      status: row.status,
      tags: parse<string[]>(row.tags, []),
      createdAt: row.createdAt,
    }));
  }

  // ---------------------------------------------------------------- officers and households

  /** The officer or admin with this id; null when there is none, it is a resident, or it was erased. */
  async getOfficer(id: string): Promise<ResidentRecord | null> {
    const row = await this.client.resident.findFirst({ where: { id, role: { in: ["officer", "admin"] }, deletedAt: null } });
    return row ? toResident(row) : null;
  }

  /** The residents with these ids, in the order asked; unknown ids are left out. */
  async getResidentsById(ids: readonly string[]): Promise<ResidentRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.client.resident.findMany({ where: { id: { in: [...new Set(ids)] } } });
    const byId = new Map(rows.map((row) => [row.id, toResident(row)]));
    return ids.flatMap((id) => {
      const found = byId.get(id);
      return found ? [found] : [];
    });
  }

  /** The region with this code, or null. */
  async getRegionByCode(code: string): Promise<RegionRecord | null> {
    const row = await this.client.region.findUnique({ where: { code }, select: REGION_FIELDS });
    return row ? { ...row, name: parse<Record<string, string>>(row.name, {}) } : null;
  }

  /**
   * Makes a resident one of an officer's households in a region, and gives the household's
   * unfinished responses that have no officer yet this officer (and this region where they have
   * none), in one transaction. Idempotent; assigning again moves the household to the new region.
   * Refuses an officer id that is not an officer or admin, and an officer as their own household.
   */
  async assignHousehold(input: { officerId: string; householdId: string; regionId: string | null }): Promise<{ assignment: AssignmentRecord; created: boolean }> {
    if (input.officerId === input.householdId) throw new Error(`resident ${input.officerId} cannot be their own household`);
    return this.client.$transaction(async (tx) => {
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
    return this.client.$transaction(async (tx) => {
      const latest = await tx.assignment.findFirst({ where: { householdId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
      if (!latest) return 0;
      return attributeOpenResponses(tx, householdId, latest.officerId, latest.regionId);
    });
  }

  /** The households assigned to an officer, oldest first. */
  async listHouseholds(officerId: string): Promise<AssignmentRecord[]> {
    return this.client.assignment.findMany({ where: { officerId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
  }

  // ---------------------------------------------------------------- admin: suggestions, responses, spot checks

  /** Suggestions matching a filter, newest first, one page (keyset paging by `cursor`). */
  async querySuggestions(query: SuggestionQuery = {}): Promise<AdminSuggestionRecord[]> {
    const take = Math.min(Math.max(query.limit ?? 100, 1), 1000);
    const rows = await this.client.suggestion.findMany({
      where: await this.suggestionWhere(query),
      include: { region: { select: { code: true, path: true, name: true } } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      ...(query.cursor ? { cursor: { id: query.cursor }, skip: 1 } : {}),
    });
    return rows.map(toAdminSuggestion);
  }

  /** How many suggestions match a filter (paging fields ignored). */
  async countSuggestions(query: SuggestionQuery = {}): Promise<number> {
    return this.client.suggestion.count({ where: await this.suggestionWhere(query) });
  }

  /** One suggestion, or null. */
  async getSuggestion(id: string): Promise<AdminSuggestionRecord | null> {
    const row = await this.client.suggestion.findUnique({ where: { id }, include: { region: { select: { code: true, path: true, name: true } } } });
    return row ? toAdminSuggestion(row) : null;
  }

  /** Sets a suggestion's status and/or tags (audited); null when there is no such suggestion. */
  async updateSuggestion(id: string, change: { status?: SuggestionStatus; tags?: readonly string[] }, actorId: string | null): Promise<AdminSuggestionRecord | null> {
    if (change.status !== undefined && !SUGGESTION_STATUSES.includes(change.status)) throw new Error(`unknown suggestion status ${String(change.status)}`);
    const tags = change.tags === undefined ? undefined : normaliseTags(change.tags);
    return this.client.$transaction(async (tx) => {
      const existing = await tx.suggestion.findUnique({ where: { id }, select: { id: true } });
      if (!existing) return null;
      const row = await tx.suggestion.update({
        where: { id },
        data: { ...(change.status !== undefined ? { status: change.status } : {}), ...(tags !== undefined ? { tags: json(tags) } : {}) },
        include: { region: { select: { code: true, path: true, name: true } } },
      });
      await tx.auditLog.create({ data: { actorId, action: "suggestion.update", target: id, details: json({ status: change.status, tags }) } });
      return toAdminSuggestion(row);
    });
  }

  private async suggestionWhere(query: SuggestionQuery): Promise<Prisma.SuggestionWhereInput> {
    const statuses = query.status === undefined ? undefined : typeof query.status === "string" ? [query.status] : [...query.status];
    const where: Prisma.SuggestionWhereInput = {
      ...(query.waveId ? { waveId: query.waveId } : {}),
      ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
      ...(query.since || query.until ? { createdAt: { ...(query.since ? { gte: query.since } : {}), ...(query.until ? { lt: query.until } : {}) } } : {}),
      ...(statuses ? { status: { in: statuses } } : {}),
      // Tags are a JSON array in a string column; quoting the tag matches a whole element.
      ...(query.tag ? { tags: { contains: json(normaliseTags([query.tag])[0] ?? "") } } : {}),
    };
    const search = query.search?.trim();
    if (search) {
      if (this.provider === "postgresql") {
        // ILIKE (Prisma's mode "insensitive", absent from the SQLite client's types); backslash
        // is PostgreSQL's default LIKE escape, so % and _ stay literal.
        where.text = { contains: search.replace(/[\\%_]/g, (c) => `\\${c}`), mode: "insensitive" } as Prisma.StringFilter;
      } else if (/[%_\\]/.test(search)) {
        // SQLite's LIKE has no escape character unless the query names one, and Prisma does
        // not: a term with wildcards is matched literally with instr() instead.
        const rows = await this.client.$queryRawUnsafe<{ id: string }[]>("SELECT id FROM Suggestion WHERE instr(lower(text), lower(?)) > 0", search);
        where.id = { in: rows.map((row) => row.id) };
      } else {
        // SQLite's LIKE already ignores the case of Latin letters.
        where.text = { contains: search };
      }
    }
    return where;
  }

  /** How many responses match (for progress bars and spot-check planning). */
  async countResponses(query: ResponseQuery = {}): Promise<number> {
    return this.client.response.count({ where: responseWhere(query) });
  }

  /** How many responses match, per region id (null: responses without a region). */
  async countResponsesByRegion(query: ResponseQuery = {}): Promise<{ regionId: string | null; count: number }[]> {
    const rows = await this.client.response.groupBy({ by: ["regionId"], where: responseWhere(query), _count: { _all: true } });
    return rows.map((row) => ({ regionId: row.regionId, count: row._count._all }));
  }

  /**
   * One page of responses with answers and region, in id order, after `afterId`. Exports and
   * statistics page through with this so that memory stays flat however many responses exist.
   */
  async pageResponses(query: ResponseQuery, afterId: string | null, take: number): Promise<ResponseWithRegion[]> {
    const where = responseWhere(query);
    const rows = await this.client.response.findMany({
      where: afterId ? { AND: [where, { id: { gt: afterId } }] } : where,
      include: { answers: { select: { questionId: true, value: true } }, region: { select: { code: true, path: true } } },
      orderBy: { id: "asc" },
      take: Math.min(Math.max(take, 1), 5000),
    });
    return rows.map((row) => ({ ...toResponse(row), regionCode: row.region?.code ?? null, regionPath: row.region?.path ?? null }));
  }

  /**
   * Every response matching `query` with answers and region, in id order, read in keyset pages
   * by plain SQL on a separate read-only connection ({@link BulkReader}): exports and statistics
   * of whole waves must not pay Prisma's per-row memory (see prisma/bulk-reader.ts).
   */
  async *streamResponses(query: ResponseQuery = {}, pageSize = 500): AsyncGenerator<ResponseWithRegion> {
    if (!this.target) throw new Error("streamResponses needs a store opened with Store.open");
    const reader = await BulkReader.open(this.target);
    try {
      yield* reader.streamResponses(query, pageSize);
    } finally {
      await reader.close();
    }
  }

  /** Every suggestion matching `query`, newest first, streamed like {@link Store.streamResponses}. */
  async *streamSuggestions(query: SuggestionQuery = {}, pageSize = 500): AsyncGenerator<AdminSuggestionRecord> {
    if (!this.target) throw new Error("streamSuggestions needs a store opened with Store.open");
    const reader = await BulkReader.open(this.target);
    try {
      yield* reader.streamSuggestions(query, pageSize);
    } finally {
      await reader.close();
    }
  }

  /**
   * Records drawn spot checks for a wave (audited). Responses already drawn for the wave keep
   * their first draw; returns how many were new.
   */
  async createSpotChecks(input: { waveId: string; seed: string; method?: string; responseIds: readonly string[]; actorId?: string | null; now: Date }): Promise<{ created: number; existing: number }> {
    return this.client.$transaction(async (tx) => {
      const existing = await tx.spotCheck.findMany({ where: { waveId: input.waveId, responseId: { in: [...input.responseIds] } }, select: { responseId: true } });
      const taken = new Set(existing.map((row) => row.responseId));
      const fresh = [...new Set(input.responseIds)].filter((id) => !taken.has(id));
      if (fresh.length > 0) {
        await tx.spotCheck.createMany({
          data: fresh.map((responseId) => ({ waveId: input.waveId, responseId, seed: input.seed, method: input.method ?? "phone", drawnAt: input.now })),
        });
      }
      await tx.auditLog.create({
        data: { actorId: input.actorId ?? null, action: "spotcheck.draw", target: input.waveId, details: json({ seed: input.seed, drawn: fresh.length, alreadyDrawn: taken.size }), at: input.now },
      });
      return { created: fresh.length, existing: taken.size };
    });
  }

  /** The spot checks of a wave, with the resident's shared phone number, in drawing order. */
  async listSpotChecks(waveId: string): Promise<SpotCheckRecord[]> {
    const rows = await this.client.spotCheck.findMany({
      where: { waveId },
      include: {
        response: {
          select: { channel: true, completedAt: true, region: { select: { code: true, path: true } }, resident: { select: { phone: true, lang: true, deletedAt: true } } },
        },
      },
      orderBy: [{ drawnAt: "asc" }, { id: "asc" }],
    });
    return rows.map(toSpotCheck);
  }

  /** Records a spot check's outcome (audited); null when there is no such spot check. */
  async recordSpotCheck(id: string, input: { outcome: SpotCheckOutcomeValue; verifier?: string | null; notes?: string | null; actorId?: string | null; now: Date }): Promise<SpotCheckRecord | null> {
    if (!["consistent", "inconsistent", "unreachable"].includes(input.outcome)) throw new Error(`unknown spot-check outcome ${String(input.outcome)}`);
    return this.client.$transaction(async (tx) => {
      const found = await tx.spotCheck.findUnique({ where: { id }, select: { id: true } });
      if (!found) return null;
      const row = await tx.spotCheck.update({
        where: { id },
        data: { outcome: input.outcome, verifier: input.verifier ?? null, notes: input.notes ?? null, checkedAt: input.now },
        include: {
          response: {
            select: { channel: true, completedAt: true, region: { select: { code: true, path: true } }, resident: { select: { phone: true, lang: true, deletedAt: true } } },
          },
        },
      });
      await tx.auditLog.create({ data: { actorId: input.actorId ?? null, action: "spotcheck.record", target: id, details: json({ outcome: input.outcome }), at: input.now } });
      return toSpotCheck(row);
    });
  }

  /**
   * Asks for the re-check in chat of a wave's open `chat` spot checks not asked for yet (at most
   * `limit`, in drawing order); the running app's re-check service then asks them. Audited.
   */
  async queueSpotCheckRechecks(input: { waveId: string; limit?: number; actorId?: string | null; now: Date }): Promise<{ queued: number; remaining: number }> {
    return this.client.$transaction(async (tx) => {
      const open = { waveId: input.waveId, method: "chat", outcome: null, recheck: null };
      const rows = await tx.spotCheck.findMany({ where: open, select: { id: true }, orderBy: [{ drawnAt: "asc" }, { id: "asc" }], ...(input.limit !== undefined ? { take: input.limit } : {}) });
      const recheck: SpotCheckRecheck = { status: "queued", queuedAt: input.now.toISOString(), queuedBy: input.actorId ?? null, attempts: 0 };
      let queued = 0;
      for (const row of rows) {
        // `recheck: null` again: a concurrent request queues each spot check once.
        queued += (await tx.spotCheck.updateMany({ where: { id: row.id, ...open }, data: { recheck: json(recheck) } })).count;
      }
      await tx.auditLog.create({ data: { actorId: input.actorId ?? null, action: "spotcheck.reask", target: input.waveId, details: json({ queued, limit: input.limit ?? null }), at: input.now } });
      return { queued, remaining: await tx.spotCheck.count({ where: open }) };
    });
  }

  /** Re-checks in chat still to send, ask again or expire: queued or asked, on open spot checks. */
  async listOpenRechecks(): Promise<OpenRecheckRecord[]> {
    const rows = await this.client.spotCheck.findMany({
      where: { method: "chat", outcome: null, recheck: { not: null } },
      select: { id: true, waveId: true, responseId: true, seed: true, recheck: true },
      orderBy: [{ drawnAt: "asc" }, { id: "asc" }],
    });
    return rows.flatMap((row) => {
      const recheck = parseRecheck(row.recheck);
      return recheck && (recheck.status === "queued" || recheck.status === "asked") ? [{ id: row.id, waveId: row.waveId, responseId: row.responseId, seed: row.seed, recheck }] : [];
    });
  }

  /** The resident, accounts, answers and questionnaire behind an open re-check, or null. */
  async getRecheckTarget(spotCheckId: string): Promise<RecheckTarget | null> {
    const row = await this.client.spotCheck.findFirst({
      where: { id: spotCheckId, method: "chat", outcome: null },
      select: {
        id: true,
        waveId: true,
        responseId: true,
        seed: true,
        recheck: true,
        response: {
          select: {
            id: true,
            residentId: true,
            channel: true,
            status: true,
            questionnaire: { select: { key: true, version: true, definition: true } },
            answers: { select: { questionId: true, value: true } },
            resident: { include: { identities: { select: IDENTITY_FIELDS, orderBy: { createdAt: "asc" } }, conversation: { select: { updatedAt: true, state: true } } } },
          },
        },
      },
    });
    const recheck = parseRecheck(row?.recheck ?? null);
    if (!row || !recheck) return null;
    const { identities, conversation, ...resident } = row.response.resident;
    return {
      spotCheck: { id: row.id, waveId: row.waveId, responseId: row.responseId, seed: row.seed, recheck },
      response: {
        id: row.response.id,
        residentId: row.response.residentId,
        channel: row.response.channel,
        status: row.response.status,
        questionnaireKey: row.response.questionnaire.key,
        questionnaireVersion: row.response.questionnaire.version,
        questionnaireDefinition: parse<unknown>(row.response.questionnaire.definition, null),
      },
      answers: Object.fromEntries(row.response.answers.map((a) => [a.questionId, parse<unknown>(a.value, null)])),
      resident: toResident(resident),
      identities,
      conversationUpdatedAt: conversation?.updatedAt ?? null,
      conversationMode: modeOf(conversation ? parse<unknown>(conversation.state, null) : null),
    };
  }

  /**
   * Changes an open re-check's delivery bookkeeping (attempts, errors, deliveredAt …) while it is
   * in one of `statuses`; false when it is not (answered meanwhile, recorded by a verifier …).
   */
  async updateSpotCheckRecheck(spotCheckId: string, statuses: readonly SpotCheckRecheckStatus[], patch: Partial<Omit<SpotCheckRecheck, "status" | "queuedAt" | "queuedBy">>): Promise<boolean> {
    return this.client.$transaction(async (tx) => {
      const row = await tx.spotCheck.findFirst({ where: { id: spotCheckId, method: "chat", outcome: null }, select: { recheck: true } });
      const recheck = parseRecheck(row?.recheck ?? null);
      if (!recheck || !statuses.includes(recheck.status)) return false;
      const updated = await tx.spotCheck.updateMany({ where: { id: spotCheckId, outcome: null, recheck: row?.recheck ?? null }, data: { recheck: json({ ...recheck, ...patch }) } });
      return updated.count === 1;
    });
  }

  /**
   * Closes an open re-check from outside a resident's turn: `expired` (outcome unreachable,
   * verifier "chat") or `skipped` (no outcome: a verifier may still call). Audited; false when it
   * was no longer open.
   */
  async closeSpotCheckRecheck(spotCheckId: string, input: { status: "expired" | "skipped"; reason: string; notes: string; actorId?: string | null; now: Date }): Promise<boolean> {
    return this.client.$transaction(async (tx) => {
      const row = await tx.spotCheck.findFirst({ where: { id: spotCheckId, method: "chat", outcome: null }, select: { recheck: true } });
      const recheck = parseRecheck(row?.recheck ?? null);
      if (!recheck || (recheck.status !== "queued" && recheck.status !== "asked")) return false;
      const next: SpotCheckRecheck = { ...recheck, status: input.status, reason: input.reason, finishedAt: input.now.toISOString() };
      const data =
        input.status === "expired"
          ? { outcome: "unreachable", verifier: RECHECK_VERIFIER, checkedAt: input.now, notes: input.notes, recheck: json(next) }
          : { notes: input.notes, recheck: json(next) };
      const updated = await tx.spotCheck.updateMany({ where: { id: spotCheckId, outcome: null, recheck: row?.recheck ?? null }, data });
      if (updated.count !== 1) return false;
      await tx.auditLog.create({
        data: {
          actorId: input.actorId ?? null,
          action: input.status === "expired" ? "spotcheck.record" : "spotcheck.recheck.skip",
          target: spotCheckId,
          details: json(input.status === "expired" ? { outcome: "unreachable", verifier: RECHECK_VERIFIER, reason: input.reason } : { reason: input.reason }),
          at: input.now,
        },
      });
      return true;
    });
  }

  /** Sets the telephone number a resident shared for spot checks (null removes it). */
  async setResidentPhone(residentId: string, phone: string | null): Promise<void> {
    await this.client.resident.update({ where: { id: residentId }, data: { phone } });
  }

  /**
   * The telephone number a resident shared for spot checks, or null. Kept out of ResidentRecord on
   * purpose: only the spot-check list (and this) ever reads it.
   */
  async getResidentPhone(residentId: string): Promise<string | null> {
    const row = await this.client.resident.findUnique({ where: { id: residentId }, select: { phone: true, deletedAt: true } });
    return row && !row.deletedAt ? row.phone : null;
  }

  // ---------------------------------------------------------------- outreach: invitations and staff

  /** Stores a one-time staff invitation (audited). `code` is the canonical code (core/outreach/codes.ts). */
  async createInvitation(input: { code: string; role: Role; regionId: string | null; createdById: string | null; expiresAt: Date; now: Date }): Promise<InvitationRecord> {
    return this.client.$transaction(async (tx) => {
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
    const row = await this.client.invitation.findUnique({ where: { code }, include: INVITATION_INCLUDE });
    return row ? toInvitation(row) : null;
  }

  /** Invitations, newest first; `open`: only those neither used, revoked nor expired at `now`. */
  async listInvitations(filter: { open?: boolean; now: Date; limit?: number }): Promise<InvitationRecord[]> {
    const rows = await this.client.invitation.findMany({
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
    return this.client.$transaction(async (tx) => {
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
    return this.client.$transaction(async (tx) => {
      const updated = await tx.invitation.updateMany({ where: { code, usedAt: null, revokedAt: null }, data: { revokedAt: now } });
      if (updated.count !== 1) return null;
      const row = await tx.invitation.findUniqueOrThrow({ where: { code }, include: INVITATION_INCLUDE });
      await tx.auditLog.create({ data: { actorId, action: "invitation.revoke", target: row.id, details: json({ role: row.role, region: row.region?.code ?? null }), at: now } });
      return toInvitation(row);
    });
  }

  /** Officers and admins with their accounts, region and number of households, oldest first. */
  async listStaff(): Promise<StaffMemberRecord[]> {
    const rows = await this.client.resident.findMany({
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
    const rows = await this.client.resident.findMany({ where: { role: { in: ["officer", "admin"] }, deletedAt: null }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /**
   * Makes the staff member behind a platform account a resident again (audited). Their
   * households stay assigned to them (history), but they can no longer broadcast or see
   * coverage. Null when the account is unknown or not staff.
   */
  async revokeStaff(platform: string, platformUserId: string, actorId: string | null, now: Date): Promise<ResidentRecord | null> {
    return this.client.$transaction(async (tx) => {
      const identity = await tx.identity.findUnique({ where: { platform_platformUserId: { platform, platformUserId } }, include: { resident: true } });
      if (!identity || identity.resident.role === "resident") return null;
      const resident = await tx.resident.update({ where: { id: identity.residentId }, data: { role: "resident" } });
      await tx.auditLog.create({
        data: { actorId, action: "staff.revoke", target: `${platform}:${platformUserId}`, details: json({ residentId: identity.residentId, from: identity.resident.role }), at: now },
      });
      return toResident(resident);
    });
  }

  // ---------------------------------------------------------------- outreach: broadcasts

  /** Creates a broadcast (a draft unless `status` says otherwise). */
  async createBroadcast(input: { authorId: string | null; content: unknown; audience: unknown; status?: BroadcastStatus; scheduledAt?: Date | null; now: Date }): Promise<BroadcastRecord> {
    const row = await this.client.broadcast.create({
      data: { authorId: input.authorId, content: json(input.content), audience: json(input.audience), status: input.status ?? "draft", scheduledAt: input.scheduledAt ?? null, createdAt: input.now },
    });
    return toBroadcast(row);
  }

  /** Replaces a draft's content and audience; null when it is no longer a draft. */
  async updateDraft(id: string, change: { content?: unknown; audience?: unknown }): Promise<BroadcastRecord | null> {
    const updated = await this.client.broadcast.updateMany({
      where: { id, status: "draft" },
      data: { ...(change.content !== undefined ? { content: json(change.content) } : {}), ...(change.audience !== undefined ? { audience: json(change.audience) } : {}) },
    });
    return updated.count === 1 ? this.getBroadcast(id) : null;
  }

  /** The broadcast with this id, or null. */
  async getBroadcast(id: string): Promise<BroadcastRecord | null> {
    const row = await this.client.broadcast.findUnique({ where: { id } });
    return row ? toBroadcast(row) : null;
  }

  /** The newest draft of an author created at or after `since`, or null. */
  async findDraft(authorId: string, since: Date): Promise<BroadcastRecord | null> {
    const row = await this.client.broadcast.findFirst({ where: { authorId, status: "draft", createdAt: { gte: since } }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
    return row ? toBroadcast(row) : null;
  }

  /** Deletes an author's drafts (a draft is the compose dialogue's scratch pad, never sent). */
  async deleteDrafts(authorId: string): Promise<number> {
    const deleted = await this.client.broadcast.deleteMany({ where: { authorId, status: "draft" } });
    return deleted.count;
  }

  /** Broadcasts, newest first, with delivery counts; only one author's when `authorId` is given. Drafts are left out. */
  async listBroadcasts(filter: { authorId?: string; limit?: number } = {}): Promise<BroadcastSummary[]> {
    const rows = await this.client.broadcast.findMany({
      where: { status: { not: "draft" }, ...(filter.authorId ? { authorId: filter.authorId } : {}) },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(filter.limit ?? 20, 1), 500),
    });
    const counts = await this.deliveryCounts(rows.map((row) => row.id));
    return rows.map((row) => ({ ...toBroadcast(row), counts: counts.get(row.id) ?? emptyCounts() }));
  }

  /** Delivery counts by status (and read) of each broadcast. */
  async deliveryCounts(broadcastIds: readonly string[]): Promise<Map<string, DeliveryCounts>> {
    const out = new Map<string, DeliveryCounts>();
    if (broadcastIds.length === 0) return out;
    const ids = [...new Set(broadcastIds)];
    const [byStatus, read] = await Promise.all([
      this.client.delivery.groupBy({ by: ["broadcastId", "status"], where: { broadcastId: { in: ids } }, _count: { _all: true } }),
      this.client.delivery.groupBy({ by: ["broadcastId"], where: { broadcastId: { in: ids }, readAt: { not: null } }, _count: { _all: true } }),
    ]);
    for (const row of byStatus) {
      const counts = out.get(row.broadcastId) ?? emptyCounts();
      const status = row.status as DeliveryStatus;
      if (status in counts) counts[status] += row._count._all;
      counts.total += row._count._all;
      out.set(row.broadcastId, counts);
    }
    for (const row of read) {
      const counts = out.get(row.broadcastId) ?? emptyCounts();
      counts.read = row._count._all;
      out.set(row.broadcastId, counts);
    }
    return out;
  }

  /** Moves a draft to `scheduled` for `at` (now or later), audited; null when it is not a draft. */
  async scheduleBroadcast(id: string, at: Date, actorId: string | null, now: Date): Promise<BroadcastRecord | null> {
    return this.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: "draft" }, data: { status: "scheduled", scheduledAt: at } });
      if (updated.count !== 1) return null;
      const row = await tx.broadcast.findUniqueOrThrow({ where: { id } });
      await tx.auditLog.create({ data: { actorId, action: "broadcast.schedule", target: id, details: json({ at: at.toISOString(), audience: parse<unknown>(row.audience, null) }), at: now } });
      return toBroadcast(row);
    });
  }

  /**
   * Cancels a scheduled or sending broadcast (audited): deliveries not yet attempted are marked
   * skipped at once; one being sent right now finishes. Null when it is already done or cancelled.
   */
  async cancelBroadcast(id: string, actorId: string | null, now: Date): Promise<BroadcastRecord | null> {
    return this.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: { in: ["draft", "scheduled", "sending"] } }, data: { status: "cancelled", finishedAt: now } });
      if (updated.count !== 1) return null;
      const skipped = await tx.delivery.updateMany({ where: { broadcastId: id, status: "pending" }, data: { status: "skipped", lastError: "cancelled", nextAttemptAt: null } });
      await tx.auditLog.create({ data: { actorId, action: "broadcast.cancel", target: id, details: json({ skipped: skipped.count }), at: now } });
      return toBroadcast(await tx.broadcast.findUniqueOrThrow({ where: { id } }));
    });
  }

  /** Scheduled broadcasts whose time has come, oldest first. */
  async dueBroadcasts(now: Date, limit = 20): Promise<BroadcastRecord[]> {
    const rows = await this.client.broadcast.findMany({ where: { status: "scheduled", scheduledAt: { lte: now } }, orderBy: [{ scheduledAt: "asc" }, { id: "asc" }], take: limit });
    return rows.map(toBroadcast);
  }

  /**
   * The residents an audience reaches, with their accounts: one officer's households (in a
   * region subtree, when given), a region subtree (residents living, assigned or answering
   * there) or everyone; with `unfinishedWaveId`,
   * only those without a completed response to that wave. Staff and erased residents are left out.
   */
  async audienceMembers(query: AudienceQuery): Promise<AudienceMember[]> {
    const where: Prisma.ResidentWhereInput = { role: "resident", deletedAt: null };
    const inRegion = query.regionPath ? { path: { startsWith: query.regionPath } } : undefined;
    if (query.officerId) where.officers = { some: { officerId: query.officerId, ...(inRegion ? { region: inRegion } : {}) } };
    else if (inRegion) where.OR = [{ region: inRegion }, { officers: { some: { region: inRegion } } }, { responses: { some: { region: inRegion } } }];
    if (query.unfinishedWaveId) where.responses = { none: { waveId: query.unfinishedWaveId, status: "completed" } };
    // Keyset pages: loading the accounts of a page takes one bound parameter per resident, and
    // SQLite allows only so many in one statement.
    const members: AudienceMember[] = [];
    let after: string | undefined;
    for (;;) {
      const rows = await this.client.resident.findMany({
        where: after ? { AND: [where, { id: { gt: after } }] } : where,
        select: { id: true, lang: true, optedOut: true, identities: { select: IDENTITY_FIELDS, orderBy: { createdAt: "asc" } } },
        orderBy: { id: "asc" },
        take: 500,
      });
      for (const row of rows) members.push({ residentId: row.id, lang: row.lang, optedOut: row.optedOut, identities: row.identities });
      if (rows.length < 500) return members;
      after = rows[rows.length - 1]?.id;
    }
  }

  /**
   * Writes the outbox of a scheduled broadcast — one Delivery per recipient — and moves it to
   * `sending`, in one transaction: a crash leaves either no rows or all of them. False when the
   * broadcast is no longer scheduled (another sender got there first, or it was cancelled).
   */
  async fanOutBroadcast(id: string, plans: readonly DeliveryPlan[], now: Date): Promise<boolean> {
    return this.client.$transaction(async (tx) => {
      const updated = await tx.broadcast.updateMany({ where: { id, status: "scheduled" }, data: { status: "sending", startedAt: now } });
      if (updated.count !== 1) return false;
      const seen = new Set<string>();
      const data = plans
        .filter((plan) => !seen.has(plan.residentId) && seen.add(plan.residentId))
        .map((plan) => ({ broadcastId: id, residentId: plan.residentId, identityId: plan.identityId, status: plan.status, lastError: plan.lastError ?? null, createdAt: now }));
      for (let i = 0; i < data.length; i += 100) await tx.delivery.createMany({ data: data.slice(i, i + 100) });
      return true;
    }, { timeout: 60_000 });
  }

  /**
   * Deliveries a sender should work on now, oldest first: pending ones of broadcasts being sent
   * whose time has come, and `sending` ones whose lease ran out (their send may or may not have
   * happened; see core/outreach/README.md). Only accounts on `platform` when given; residents in
   * `excludeResidentIds` are left out.
   */
  async nextDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[] }): Promise<DeliveryJob[]> {
    const due = { OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: input.now } }] };
    const rows = await this.client.delivery.findMany({
      where: {
        OR: [{ status: "pending", broadcast: { status: "sending" }, ...due }, { status: "sending", nextAttemptAt: { lte: input.now } }],
        ...(input.platform ? { identity: { platform: input.platform } } : {}),
        ...(input.excludeResidentIds && input.excludeResidentIds.length > 0 ? { residentId: { notIn: [...input.excludeResidentIds] } } : {}),
      },
      include: {
        resident: { select: { lang: true, optedOut: true, deletedAt: true } },
        identity: { select: IDENTITY_FIELDS },
        broadcast: { select: { status: true } },
      },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: Math.min(Math.max(input.limit, 1), 5000),
    });
    return rows.map((row) => ({
      id: row.id,
      broadcastId: row.broadcastId,
      residentId: row.residentId,
      identityId: row.identityId,
      status: row.status === "sending" ? "sending" : "pending",
      attempts: row.attempts,
      platformMessageId: row.platformMessageId,
      broadcastStatus: toBroadcastStatus(row.broadcast.status),
      resident: { lang: row.resident.lang, optedOut: row.resident.optedOut, deleted: row.resident.deletedAt !== null },
      identity: row.identity,
    }));
  }

  /**
   * Claims a pending delivery for sending: committed before the platform call, so that after a
   * crash the row says "may have been sent". Refused (false) when the row is no longer pending
   * or the resident has another delivery being sent (one at a time per resident, which keeps the
   * last-known message id of the chat a safe probe anchor). `note` goes to platformMessageId
   * while sending (e.g. "after:<message id>").
   */
  async claimDelivery(id: string, input: { leaseUntil: Date; note?: string | null }): Promise<boolean> {
    const claimed = await this.client.delivery.updateMany({
      where: { id, status: "pending", resident: { deliveries: { none: { status: "sending" } } } },
      data: { status: "sending", attempts: { increment: 1 }, nextAttemptAt: input.leaseUntil, platformMessageId: input.note ?? null },
    });
    return claimed.count === 1;
  }

  /**
   * Records what became of a delivery that was `from` (default `sending`); false when it had
   * moved on meanwhile (nothing written). A blocked outcome also marks the account unreachable.
   */
  async settleDelivery(id: string, outcome: DeliverySettlement, now: Date, from: "pending" | "sending" = "sending"): Promise<boolean> {
    const data: Prisma.DeliveryUpdateManyMutationInput = { status: outcome.status, nextAttemptAt: outcome.nextAttemptAt ?? null };
    if (outcome.lastError !== undefined) data.lastError = outcome.lastError;
    if (outcome.platformMessageId !== undefined) data.platformMessageId = outcome.platformMessageId;
    if (outcome.status === "sent") data.sentAt = now;
    // The common outcomes are one statement; only "blocked" touches a second table.
    if (outcome.status !== "blocked") return (await this.client.delivery.updateMany({ where: { id, status: from }, data })).count === 1;
    return this.client.$transaction(async (tx) => {
      const updated = await tx.delivery.updateMany({ where: { id, status: from }, data });
      if (updated.count !== 1) return false;
      const row = await tx.delivery.findUniqueOrThrow({ where: { id }, select: { identityId: true } });
      if (row.identityId) {
        await tx.identity.update({ where: { id: row.identityId }, data: { reachable: false, unreachableAt: now, unreachableWhy: outcome.lastError ?? "blocked" } });
      }
      return true;
    });
  }

  /**
   * Web chat delivery, atomic with the outbox: the push goes into the resident's web inbox and
   * the delivery is marked sent in one transaction. False when the delivery was not pending.
   */
  async deliverToWebInbox(deliveryId: string, item: { sessionId: string; residentId: string; lang: string; messages: unknown[] }, now: Date): Promise<boolean> {
    return this.client.$transaction(async (tx) => {
      const updated = await tx.delivery.updateMany({ where: { id: deliveryId, status: "pending" }, data: { status: "sent", sentAt: now, attempts: { increment: 1 }, nextAttemptAt: null } });
      if (updated.count !== 1) return false;
      await tx.webInboxItem.create({ data: { sessionId: item.sessionId, residentId: item.residentId, lang: item.lang, messages: json(item.messages), createdAt: now } });
      return true;
    });
  }

  /** The message ids of the newest deliveries sent to an account, newest first (probe anchors). */
  async sentMessageIds(identityId: string, limit = 20): Promise<string[]> {
    const rows = await this.client.delivery.findMany({
      where: { identityId, status: "sent", platformMessageId: { not: null } },
      select: { platformMessageId: true },
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
      take: limit,
    });
    return rows.flatMap((row) => (row.platformMessageId ? [row.platformMessageId] : []));
  }

  /** Moves a pending delivery's next attempt (e.g. the chat's own rate limit); false when it is not pending. */
  async deferDelivery(id: string, until: Date): Promise<boolean> {
    const updated = await this.client.delivery.updateMany({ where: { id, status: "pending" }, data: { nextAttemptAt: until } });
    return updated.count === 1;
  }

  /** Marks `sending` broadcasts with nothing left to send as done; returns their ids. */
  async finishBroadcasts(now: Date): Promise<string[]> {
    const sending = await this.client.broadcast.findMany({ where: { status: "sending" }, select: { id: true } });
    const done: string[] = [];
    for (const { id } of sending) {
      // One row still to do is enough to know (the sender calls this often: keep it cheap).
      const left = await this.client.delivery.findFirst({ where: { broadcastId: id, status: { in: ["pending", "sending"] } }, select: { id: true } });
      if (left) continue;
      const updated = await this.client.broadcast.updateMany({
        where: { id, status: "sending", deliveries: { none: { status: { in: ["pending", "sending"] } } } },
        data: { status: "done", finishedAt: now },
      });
      if (updated.count === 1) done.push(id);
    }
    return done;
  }

  /**
   * A resident confirmed reading a delivery ("I've read it ✓"). A delivery still `sending` is
   * thereby proven sent. "unknown": no such delivery of this resident.
   */
  async markDeliveryRead(deliveryId: string, residentId: string, now: Date): Promise<{ outcome: "read" | "already" | "unknown"; broadcastId: string | null }> {
    return this.client.$transaction(async (tx) => {
      const row = await tx.delivery.findUnique({ where: { id: deliveryId }, select: { residentId: true, readAt: true, status: true, broadcastId: true } });
      if (!row || row.residentId !== residentId) return { outcome: "unknown" as const, broadcastId: null };
      if (row.readAt) return { outcome: "already" as const, broadcastId: row.broadcastId };
      await tx.delivery.update({
        where: { id: deliveryId },
        data: { readAt: now, ...(row.status === "sending" || row.status === "pending" ? { status: "sent", sentAt: now, nextAttemptAt: null } : {}) },
      });
      return { outcome: "read" as const, broadcastId: row.broadcastId };
    });
  }

  /** Marks the newest unread delivery sent to a resident at or after `since` as read; its id, or null when there is none. */
  async markLatestDeliveryRead(residentId: string, since: Date, now: Date): Promise<string | null> {
    const row = await this.client.delivery.findFirst({
      where: { residentId, status: "sent", readAt: null, sentAt: { gte: since } },
      orderBy: [{ sentAt: "desc" }, { id: "desc" }],
      select: { id: true },
    });
    if (!row) return null;
    const updated = await this.client.delivery.updateMany({ where: { id: row.id, readAt: null }, data: { readAt: now } });
    return updated.count === 1 ? row.id : null;
  }

  /**
   * The rows of the coverage report: every household assignment (of current officers and admins)
   * with whether the household was reached (a delivery sent) and confirmed (read) — counting
   * deliveries of one broadcast, or of any broadcast since `since`.
   */
  async coverageRows(query: CoverageQuery = {}): Promise<CoverageRow[]> {
    const assignments = await this.client.assignment.findMany({
      where: {
        officer: { role: { in: ["officer", "admin"] }, deletedAt: null },
        household: { deletedAt: null },
        ...(query.officerId ? { officerId: query.officerId } : {}),
        ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
      },
      include: { officer: { select: { displayName: true } }, region: { select: { code: true, path: true, name: true } } },
      orderBy: [{ officerId: "asc" }, { createdAt: "asc" }, { id: "asc" }],
    });
    const households = [...new Set(assignments.map((row) => row.householdId))];
    const reached = new Set<string>();
    const confirmed = new Set<string>();
    for (let i = 0; i < households.length; i += 500) {
      const slice = households.slice(i, i + 500);
      const rows = await this.client.delivery.findMany({
        where: {
          residentId: { in: slice },
          status: "sent",
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

  // ---------------------------------------------------------------- outreach: web inbox

  /** Keeps a push for a web session whose page is closed. */
  async putWebInbox(item: { sessionId: string; residentId?: string | null; lang: string; messages: unknown[]; now: Date }): Promise<void> {
    await this.client.webInboxItem.create({ data: { sessionId: item.sessionId, residentId: item.residentId ?? null, lang: item.lang, messages: json(item.messages), createdAt: item.now } });
  }

  /**
   * Removes and returns up to `limit` waiting pushes of a web session, oldest first. Each item is
   * deleted on its own, so two pages opening at once never both get the same one.
   */
  async takeWebInbox(sessionId: string, limit: number): Promise<WebInboxRecord[]> {
    const rows = await this.client.webInboxItem.findMany({ where: { sessionId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: Math.min(Math.max(limit, 1), 500) });
    const taken: WebInboxRecord[] = [];
    for (const row of rows) {
      const deleted = await this.client.webInboxItem.deleteMany({ where: { id: row.id } });
      if (deleted.count === 1) taken.push({ id: row.id, sessionId: row.sessionId, residentId: row.residentId, lang: row.lang, messages: parse<unknown[]>(row.messages, []), createdAt: row.createdAt });
    }
    return taken;
  }

  // ---------------------------------------------------------------- outreach: tip quizzes and cases

  /** Stored quiz answers (one per resident and tip: the first), oldest first. */
  async listTipQuizAnswers(filter: { since?: Date; until?: Date; tipIds?: readonly string[] } = {}): Promise<TipQuizAnswerRecord[]> {
    const rows = await this.client.tipQuizAnswer.findMany({
      where: {
        ...(filter.tipIds ? { tipId: { in: [...filter.tipIds] } } : {}),
        ...(filter.since || filter.until ? { answeredAt: { ...(filter.since ? { gte: filter.since } : {}), ...(filter.until ? { lt: filter.until } : {}) } } : {}),
      },
      orderBy: [{ answeredAt: "asc" }, { id: "asc" }],
    });
    return rows.map((row) => ({ residentId: row.residentId, tipId: row.tipId, option: row.option, correct: row.correct, broadcastId: row.broadcastId, answeredAt: row.answeredAt }));
  }

  /** The resident whose id ends in `code` (a resident code), if exactly one does and they are not erased. */
  async findResidentByCode(code: string): Promise<ResidentRecord | null> {
    const suffix = code.trim().toLowerCase();
    if (!/^[a-z0-9]{6,25}$/.test(suffix)) return null;
    const rows = await this.client.resident.findMany({ where: { id: { endsWith: suffix }, deletedAt: null }, take: 2 });
    const only = rows.length === 1 ? rows[0] : undefined;
    return only ? toResident(only) : null;
  }

  /**
   * Registers a case with status "received" and its first update, in one transaction; the case
   * takes the reporter's region. Null when the code is taken (draw another).
   */
  async createCase(input: { code: string; reporterId: string | null; officerId: string | null; title: string; note?: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null> {
    try {
      return await this.client.$transaction(async (tx) => {
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
    const row = await this.client.case.findUnique({ where: { code }, include: { updates: { orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 1 } } });
    return row ? toCaseWithLatest(row) : null;
  }

  /**
   * Posts a progress update: the case takes the new status (closedAt set on closing, cleared on
   * reopening; an unassigned case gets the author as its officer) and the update is recorded
   * undelivered, in one transaction. Null when there is no such case.
   */
  async addCaseUpdate(input: { code: string; status: CaseStatus; note: string | null; authorId: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null> {
    return this.client.$transaction(async (tx) => {
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
    const rows = await this.client.case.findMany({
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
    const rows = await this.client.case.findMany({
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
    const rows = await this.client.caseUpdate.findMany({
      where: { deliveredAt: null, case: { reporterId: { not: null } }, ...(filter.since ? { createdAt: { gte: filter.since } } : {}) },
      include: { case: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
      take: filter.limit ?? 200,
    });
    return rows.map((row) => ({ update: toCaseUpdate(row), case: toCase(row.case) }));
  }

  /** Records that an update reached its reporter (first delivery wins). */
  async markCaseUpdateDelivered(updateId: string, at: Date): Promise<void> {
    await this.client.caseUpdate.updateMany({ where: { id: updateId, deliveredAt: null }, data: { deliveredAt: at } });
  }

  // ---------------------------------------------------------------- outreach figures (core/admin/outreach-figures.ts)

  /**
   * Records the region a resident lives in (by code; null clears it). Cases they report later
   * take this region, and the dashboard's outreach figures group their quiz answers by it.
   * Returns null for an unknown resident or region code.
   */
  async setResidentRegion(residentId: string, regionCode: string | null): Promise<ResidentRecord | null> {
    const region = regionCode === null ? null : await this.client.region.findUnique({ where: { code: regionCode }, select: { id: true } });
    if (regionCode !== null && !region) return null;
    const updated = await this.client.resident.updateMany({ where: { id: residentId, deletedAt: null }, data: { regionId: region?.id ?? null } });
    return updated.count === 1 ? this.getResident(residentId) : null;
  }

  /** Every closed case's rating (null when not rated) and the path of its region. */
  async listClosedCaseRatings(): Promise<ClosedCaseRating[]> {
    const out: ClosedCaseRating[] = [];
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.client.case.findMany({
        where: { status: "closed" },
        select: { id: true, rating: true, closedAt: true, region: { select: { path: true } } },
        orderBy: { id: "asc" },
        take: FIGURE_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const row of rows) out.push({ rating: row.rating, regionPath: row.region?.path ?? null, closedAt: row.closedAt });
      if (rows.length < FIGURE_PAGE) return out;
      cursor = rows[rows.length - 1]?.id;
    }
  }

  /** Every stored (first) quiz answer with the path of the resident's region. */
  async listFirstQuizAnswers(): Promise<FirstQuizAnswer[]> {
    const out: FirstQuizAnswer[] = [];
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.client.tipQuizAnswer.findMany({
        select: { id: true, residentId: true, tipId: true, correct: true, answeredAt: true, resident: { select: { region: { select: { path: true } } } } },
        orderBy: { id: "asc" },
        take: FIGURE_PAGE,
        ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
      });
      for (const row of rows) out.push({ residentId: row.residentId, tipId: row.tipId, correct: row.correct, answeredAt: row.answeredAt, regionPath: row.resident.region?.path ?? null });
      if (rows.length < FIGURE_PAGE) return out;
      cursor = rows[rows.length - 1]?.id;
    }
  }

  // ---------------------------------------------------------------- audit

  /** Appends to the audit log. */
  async audit(actorId: string | null, action: string, target: string | null, details: Record<string, unknown> = {}): Promise<void> {
    await this.client.auditLog.create({ data: { actorId, action, target, details: json(details) } });
  }

  /** The newest audit entries. */
  async listAudit(limit = 100): Promise<{ actorId: string | null; action: string; target: string | null; details: unknown; at: Date }[]> {
    const rows = await this.client.auditLog.findMany({ orderBy: { at: "desc" }, take: limit });
    return rows.map((row) => ({ actorId: row.actorId, action: row.action, target: row.target, details: parse<unknown>(row.details, {}), at: row.at }));
  }
}

class TurnConflict extends Error {}

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

/** Trims tags, drops empty and duplicate ones; refuses characters that would break the JSON-contains tag filter. */
function normaliseTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of tags) {
    const tag = raw.trim();
    if (tag === "") continue;
    if (tag.length > 32 || /["\\\u0000-\u001f]/.test(tag)) throw new Error(`invalid tag ${JSON.stringify(tag)}: at most 32 characters, no quotes or backslashes`);
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

function responseWhere(query: ResponseQuery): Prisma.ResponseWhereInput {
  return {
    ...(query.waveIds ? { waveId: { in: [...query.waveIds] } } : {}),
    ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
    ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
    ...(query.channel ? { channel: query.channel } : {}),
  };
}

function toAdminSuggestion(row: {
  id: string;
  residentId: string | null;
  waveId: string | null;
  regionId: string | null;
  text: string;
  lang: string;
  status: string;
  tags: string;
  createdAt: Date;
  updatedAt: Date;
  region: { code: string; path: string; name: string } | null;
}): AdminSuggestionRecord {
  const status = (SUGGESTION_STATUSES as readonly string[]).includes(row.status) ? (row.status as SuggestionStatus) : "new";
  return {
    id: row.id,
    residentId: row.residentId,
    waveId: row.waveId,
    regionId: row.regionId,
    text: row.text,
    lang: row.lang,
    status,
    tags: parse<string[]>(row.tags, []),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    regionCode: row.region?.code ?? null,
    regionPath: row.region?.path ?? null,
    regionName: row.region ? parse<Record<string, string>>(row.region.name, {}) : null,
  };
}

function toSpotCheck(row: {
  id: string;
  waveId: string;
  responseId: string;
  seed: string;
  method: string;
  outcome: string | null;
  verifier: string | null;
  notes: string | null;
  drawnAt: Date;
  checkedAt: Date | null;
  recheck?: string | null;
  response: {
    channel: string;
    completedAt: Date | null;
    region: { code: string; path: string } | null;
    resident: { phone: string | null; lang: string; deletedAt: Date | null };
  };
}): SpotCheckRecord {
  const outcome = row.outcome === "consistent" || row.outcome === "inconsistent" || row.outcome === "unreachable" ? row.outcome : null;
  const recheck = parseRecheck(row.recheck ?? null);
  return {
    id: row.id,
    waveId: row.waveId,
    responseId: row.responseId,
    seed: row.seed,
    method: row.method,
    outcome,
    verifier: row.verifier,
    notes: row.notes,
    drawnAt: row.drawnAt,
    checkedAt: row.checkedAt,
    channel: row.response.channel,
    regionCode: row.response.region?.code ?? null,
    regionPath: row.response.region?.path ?? null,
    completedAt: row.response.completedAt,
    phone: row.response.resident.deletedAt ? null : row.response.resident.phone,
    lang: row.response.resident.lang,
    ...(recheck ? { recheck } : {}),
  };
}

// The columns of a RegionRecord: readers get what the type promises, the same from every backend.
const REGION_FIELDS = { id: true, code: true, name: true, level: true, path: true, parentId: true } as const;

// The columns of an IdentityRecord, so callers never see more of the row than the type promises.
const IDENTITY_FIELDS = {
  id: true,
  residentId: true,
  platform: true,
  platformUserId: true,
  chatId: true,
  reachable: true,
  lastInboundAt: true,
} as const;

/** Sets officer (and region, where missing) on a household's in-progress responses without an officer. */
async function attributeOpenResponses(tx: Tx, householdId: string, officerId: string, regionId: string | null): Promise<number> {
  const open = { residentId: householdId, status: "in_progress", officerId: null };
  // Two updates because a region the resident answered themselves must not be overwritten.
  const withRegion = regionId ? await tx.response.updateMany({ where: { ...open, regionId: null }, data: { officerId, regionId } }) : { count: 0 };
  const rest = await tx.response.updateMany({ where: open, data: { officerId } });
  return withRegion.count + rest.count;
}

function toWave(row: {
  id: string;
  name: string;
  questionnaireId: string;
  opensAt: Date;
  closesAt: Date | null;
  questionnaire: { key: string; version: number };
}): WaveRecord {
  return {
    id: row.id,
    name: row.name,
    questionnaireId: row.questionnaireId,
    questionnaireKey: row.questionnaire.key,
    questionnaireVersion: row.questionnaire.version,
    opensAt: row.opensAt,
    closesAt: row.closesAt,
  };
}

function toResponse(row: {
  id: string;
  residentId: string;
  waveId: string;
  questionnaireId: string;
  status: string;
  channel: string;
  officerId: string | null;
  regionId: string | null;
  startedAt: Date;
  completedAt: Date | null;
  answers: { questionId: string; value: string }[];
}): ResponseRecord {
  const status = row.status === "completed" || row.status === "abandoned" ? row.status : "in_progress";
  return {
    id: row.id,
    residentId: row.residentId,
    waveId: row.waveId,
    questionnaireId: row.questionnaireId,
    status,
    channel: row.channel,
    officerId: row.officerId,
    regionId: row.regionId,
    startedAt: row.startedAt,
    completedAt: row.completedAt,
    answers: Object.fromEntries(row.answers.map((answer) => [answer.questionId, parse<unknown>(answer.value, null)])),
  };
}

/** The verifier a re-check in chat records (the existing listing shows who checked). */
export const RECHECK_VERIFIER = "chat";

/** The `mode` of a stored session state, or null. */
function modeOf(state: unknown): string | null {
  const mode = typeof state === "object" && state !== null ? (state as { mode?: unknown }).mode : undefined;
  return typeof mode === "string" ? mode : null;
}

/** A stored re-check, or null when there is none (or it is unreadable). */

/**
 * A re-check write, inside the resident's turn (so a redelivered reply records nothing twice).
 * Only the resident's own open `chat` spot check is touched, and never the survey's answers; a
 * spot check a verifier recorded meanwhile keeps the verifier's outcome.
 */
async function applyRecheckWrite(tx: Tx, turn: Turn, write: Extract<DomainWrite, { type: `spotCheck.${string}` }>): Promise<void> {
  const row = await tx.spotCheck.findFirst({
    where: { id: write.spotCheckId, method: "chat", outcome: null, response: { residentId: turn.residentId } },
    select: { id: true, recheck: true },
  });
  const recheck = parseRecheck(row?.recheck ?? null);
  if (!row || !recheck) return;
  const at = turn.now.toISOString();
  const guard = { id: row.id, outcome: null, recheck: row.recheck };
  const audit = (action: string, details: object) => tx.auditLog.create({ data: { actorId: null, action, target: row.id, details: json(details), at: turn.now } });
  switch (write.type) {
    case "spotCheck.recheckStart": {
      if (recheck.status !== "queued" && recheck.status !== "asked") return;
      const next: SpotCheckRecheck = { ...recheck, status: "asked", platform: turn.channel, askedAt: at, expiresAt: write.expiresAt, questions: write.questions };
      delete next.deliveredAt;
      if ((await tx.spotCheck.updateMany({ where: guard, data: { notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.recheck.ask", { platform: turn.channel, questions: write.questions.map((q) => q.id) });
      }
      return;
    }
    case "spotCheck.recheckAnswer": {
      if (recheck.status !== "asked") return;
      // The answers must be to the questions this spot check asked.
      const asked = (recheck.questions ?? []).map((q) => q.id).join("\n");
      if (asked !== write.questions.map((q) => q.id).join("\n")) return;
      const outcome = write.consistent ? "consistent" : "inconsistent";
      const next: SpotCheckRecheck = { ...recheck, status: "answered", questions: write.questions, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { outcome, verifier: RECHECK_VERIFIER, checkedAt: turn.now, notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.record", { outcome, verifier: RECHECK_VERIFIER });
      }
      return;
    }
    case "spotCheck.recheckDecline": {
      if (recheck.status !== "asked") return;
      const next: SpotCheckRecheck = { ...recheck, status: "declined", reason: write.reason, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { outcome: "unreachable", verifier: RECHECK_VERIFIER, checkedAt: turn.now, notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.record", { outcome: "unreachable", verifier: RECHECK_VERIFIER, reason: write.reason });
      }
      return;
    }
    case "spotCheck.recheckSkip": {
      if (recheck.status !== "queued") return;
      const next: SpotCheckRecheck = { ...recheck, status: "skipped", reason: write.reason, finishedAt: at };
      if ((await tx.spotCheck.updateMany({ where: guard, data: { notes: write.notes, recheck: json(next) } })).count === 1) {
        await audit("spotcheck.recheck.skip", { reason: write.reason });
      }
      return;
    }
  }
}

async function applyWrites(tx: Tx, turn: Turn): Promise<void> {
  // Responses touched in this turn, so a turn with several writes looks each one up once.
  const responseIds = new Map<string, string>();
  const responseId = async (waveId: string): Promise<string> => {
    const cached = responseIds.get(waveId);
    if (cached) return cached;
    const [row] = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Response" WHERE "residentId" = ${turn.residentId} AND "waveId" = ${waveId}`;
    if (!row) throw new Error(`no response of resident ${turn.residentId} to wave ${waveId}`);
    responseIds.set(waveId, row.id);
    return row.id;
  };

  for (const write of turn.writes) {
    switch (write.type) {
      case "response.start": {
        // A survey started again on a wave whose earlier attempt was abandoned (the wave was
        // replaced and came back): the new attempt starts from nothing, as the engine does.
        const earlier = await tx.response.findUnique({ where: { residentId_waveId: { residentId: turn.residentId, waveId: write.waveId } }, select: { id: true, status: true } });
        if (earlier?.status === "abandoned") {
          await tx.answer.deleteMany({ where: { responseId: earlier.id } });
          await tx.response.update({ where: { id: earlier.id }, data: { status: "in_progress", startedAt: turn.now, completedAt: null, channel: turn.channel } });
        }
        const row = await tx.response.upsert({
          where: { residentId_waveId: { residentId: turn.residentId, waveId: write.waveId } },
          create: {
            residentId: turn.residentId,
            waveId: write.waveId,
            questionnaireId: write.questionnaireId,
            channel: turn.channel,
            officerId: write.officerId ?? null,
            regionId: write.regionId ?? null,
            startedAt: turn.now,
          },
          update: {},
          select: { id: true },
        });
        responseIds.set(write.waveId, row.id);
        break;
      }
      case "answer.put": {
        const id = await responseId(write.waveId);
        await tx.$executeRaw`INSERT INTO "Answer" ("id", "responseId", "questionId", "value", "answeredAt")
          VALUES (${randomUUID()}, ${id}, ${write.questionId}, ${json(write.value)}, ${turn.now})
          ON CONFLICT ("responseId", "questionId") DO UPDATE SET "value" = excluded."value", "answeredAt" = excluded."answeredAt"`;
        break;
      }
      case "answer.delete": {
        const id = await responseId(write.waveId);
        await tx.answer.deleteMany({ where: { responseId: id, questionId: write.questionId } });
        break;
      }
      case "response.complete": {
        const id = await responseId(write.waveId);
        await tx.response.update({ where: { id }, data: { status: "completed", completedAt: turn.now } });
        break;
      }
      case "response.abandon": {
        const id = await responseId(write.waveId);
        await tx.response.updateMany({ where: { id, status: "in_progress" }, data: { status: "abandoned" } });
        break;
      }
      case "response.region": {
        const id = await responseId(write.waveId);
        const region = await tx.region.findUnique({ where: { code: write.regionCode }, select: { id: true } });
        if (region) {
          await tx.response.update({ where: { id }, data: { regionId: region.id } });
          // Where the resident says they live is where their case feedback and quiz answers count.
          await tx.resident.update({ where: { id: turn.residentId }, data: { regionId: region.id } });
        }
        break;
      }
      case "suggestion.add": {
        const waveId = write.waveId ?? null;
        const response = waveId
          ? await tx.response.findUnique({
              where: { residentId_waveId: { residentId: turn.residentId, waveId } },
              select: { id: true, regionId: true },
            })
          : null;
        await tx.suggestion.create({
          data: {
            residentId: turn.residentId,
            responseId: response?.id ?? null,
            waveId,
            regionId: response?.regionId ?? null,
            text: write.text,
            lang: write.lang,
            createdAt: turn.now,
          },
        });
        break;
      }
      case "resident.update": {
        await tx.resident.update({
          where: { id: turn.residentId },
          data: {
            ...(write.lang !== undefined ? { lang: write.lang } : {}),
            ...(write.consentAt !== undefined ? { consentAt: write.consentAt } : {}),
            ...(write.consentDeclinedAt !== undefined ? { consentDeclinedAt: write.consentDeclinedAt } : {}),
            ...(write.optedOut !== undefined ? { optedOut: write.optedOut } : {}),
          },
        });
        break;
      }
      case "resident.phone": {
        // Canonical numbers are short; anything else is not a number the engine produced.
        if (write.phone !== null && (typeof write.phone !== "string" || write.phone.length > MAX_PHONE_LENGTH)) break;
        await tx.resident.update({ where: { id: turn.residentId }, data: { phone: write.phone } });
        break;
      }
      case "tipQuiz.answer": {
        // The first answer counts for the awareness rate: a later one leaves it as it is.
        await tx.tipQuizAnswer.upsert({
          where: { residentId_tipId: { residentId: turn.residentId, tipId: write.tipId } },
          create: { residentId: turn.residentId, tipId: write.tipId, option: write.option, correct: write.correct, broadcastId: write.broadcastId ?? null, answeredAt: turn.now },
          update: {},
        });
        break;
      }
      case "case.report": {
        // The resident was already told this code: a taken one must rerun the turn with another.
        if (await tx.case.findUnique({ where: { code: write.code }, select: { id: true } })) throw new TurnConflict();
        const reporter = await tx.resident.findUnique({ where: { id: turn.residentId }, select: { regionId: true } });
        const created = await tx.case.create({
          data: { code: write.code, reporterId: turn.residentId, regionId: reporter?.regionId ?? null, title: write.title, status: "received", createdAt: turn.now },
        });
        // The resident saw the confirmation in this very turn: nothing left to deliver.
        await tx.caseUpdate.create({ data: { caseId: created.id, authorId: turn.residentId, status: "received", createdAt: turn.now, deliveredAt: turn.now } });
        break;
      }
      case "case.rate": {
        if (!Number.isInteger(write.rating) || write.rating < 1 || write.rating > 5) break;
        await tx.case.updateMany({ where: { code: write.code, reporterId: turn.residentId, status: "closed" }, data: { rating: write.rating } });
        break;
      }
      case "spotCheck.recheckStart":
      case "spotCheck.recheckAnswer":
      case "spotCheck.recheckDecline":
      case "spotCheck.recheckSkip":
        await applyRecheckWrite(tx, turn, write);
        break;
      case "resident.erase": {
        // The resident asked for deletion: answers, suggestions, deliveries, accounts and the
        // conversation go; the row stays, emptied, so the audit log still refers to something.
        // Their next message starts afresh as a new resident.
        await tx.conversation.deleteMany({ where: { residentId: turn.residentId } });
        await tx.identity.deleteMany({ where: { residentId: turn.residentId } });
        await tx.response.deleteMany({ where: { residentId: turn.residentId } });
        await tx.suggestion.deleteMany({ where: { residentId: turn.residentId } });
        await tx.delivery.deleteMany({ where: { residentId: turn.residentId } });
        await tx.webInboxItem.deleteMany({ where: { residentId: turn.residentId } });
        await tx.tipQuizAnswer.deleteMany({ where: { residentId: turn.residentId } });
        // Cases are the police's records and stay; they just no longer lead back to this person.
        await tx.case.updateMany({ where: { reporterId: turn.residentId }, data: { reporterId: null } });
        await tx.assignment.deleteMany({ where: { householdId: turn.residentId } });
        await tx.resident.update({
          where: { id: turn.residentId },
          data: { displayName: null, phone: null, regionId: null, consentAt: null, deletedAt: turn.now },
        });
        await tx.auditLog.create({ data: { actorId: turn.residentId, action: "resident.erase", target: turn.residentId, at: turn.now } });
        break;
      }
    }
  }
}

// ---------------------------------------------------------------- outreach types and helpers

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

/** Where a broadcast stands. */
export type BroadcastStatus = "draft" | "scheduled" | "sending" | "done" | "cancelled";

/** A broadcast; `content` and `audience` are the parsed JSON (shaped by core/outreach). */
export interface BroadcastRecord {
  id: string;
  authorId: string | null;
  content: unknown;
  audience: unknown;
  status: BroadcastStatus;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}

/** Where one delivery of the outbox stands. */
export type DeliveryStatus = "pending" | "sending" | "sent" | "failed" | "blocked" | "skipped" | "undeliverable";

/** Deliveries of a broadcast counted by status; `read`: confirmed by the resident. */
export type DeliveryCounts = Record<DeliveryStatus, number> & { total: number; read: number };

/** A broadcast with its delivery counts. */
export interface BroadcastSummary extends BroadcastRecord {
  counts: DeliveryCounts;
}

/** Who a broadcast goes to; see {@link Store.audienceMembers}. */
export interface AudienceQuery {
  officerId?: string;
  regionPath?: string;
  unfinishedWaveId?: string;
}

/** A resident an audience reaches. */
export interface AudienceMember {
  residentId: string;
  lang: string;
  optedOut: boolean;
  identities: IdentityRecord[];
}

/** One outbox row to write at fan-out. */
export interface DeliveryPlan {
  residentId: string;
  identityId: string | null;
  status: "pending" | "skipped" | "undeliverable" | "blocked";
  lastError?: string;
}

/** A delivery a sender works on, with what it needs to decide and send. */
export interface DeliveryJob {
  id: string;
  broadcastId: string;
  residentId: string;
  identityId: string | null;
  status: "pending" | "sending";
  attempts: number;
  platformMessageId: string | null;
  broadcastStatus: BroadcastStatus;
  resident: { lang: string; optedOut: boolean; deleted: boolean };
  identity: IdentityRecord | null;
}

/** The outcome of a delivery attempt, for {@link Store.settleDelivery}. */
export interface DeliverySettlement {
  status: DeliveryStatus;
  platformMessageId?: string | null;
  lastError?: string | null;
  /** When to try again (pending) or when the lease ends (sending). */
  nextAttemptAt?: Date | null;
}

/** Filter of {@link Store.coverageRows}. */
export interface CoverageQuery {
  officerId?: string;
  /** Only assignments in this region subtree (Region.path prefix). */
  regionPath?: string;
  /** Count deliveries of this broadcast only. */
  broadcastId?: string;
  /** Count deliveries sent at or after this time only. */
  since?: Date;
}

/** One household assignment with its outreach state. */
export interface CoverageRow {
  officerId: string;
  officerName: string | null;
  householdId: string;
  regionId: string | null;
  regionCode: string | null;
  regionPath: string | null;
  regionName: Record<string, string> | null;
  reached: boolean;
  confirmed: boolean;
}

/** A push waiting in a web session's inbox. */
export interface WebInboxRecord {
  id: string;
  sessionId: string;
  residentId: string | null;
  lang: string;
  messages: unknown[];
  createdAt: Date;
}

const INVITATION_INCLUDE = { region: { select: { code: true } } } as const;

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

const BROADCAST_STATUSES: readonly BroadcastStatus[] = ["draft", "scheduled", "sending", "done", "cancelled"];

function toBroadcastStatus(status: string): BroadcastStatus {
  return (BROADCAST_STATUSES as readonly string[]).includes(status) ? (status as BroadcastStatus) : "draft";
}

function toBroadcast(row: {
  id: string;
  authorId: string | null;
  content: string;
  audience: string;
  status: string;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
}): BroadcastRecord {
  return {
    id: row.id,
    authorId: row.authorId,
    content: parse<unknown>(row.content, null),
    audience: parse<unknown>(row.audience, null),
    status: toBroadcastStatus(row.status),
    scheduledAt: row.scheduledAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    createdAt: row.createdAt,
  };
}

function emptyCounts(): DeliveryCounts {
  return { pending: 0, sending: 0, sent: 0, failed: 0, blocked: 0, skipped: 0, undeliverable: 0, total: 0, read: 0 };
}

/** Opens a store for an already-migrated database. */
export function openStore(target: DatabaseTarget): Promise<Store> {
  return Store.open(target);
}
