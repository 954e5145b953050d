/**
 * The store: the only module that talks to Prisma. It exposes domain operations on domain types
 * (plain objects, JSON already parsed), so nothing else in Anxin sees a Prisma type.
 *
 * One schema source, two generated clients with identical APIs: the PostgreSQL client is typed
 * as the SQLite one, which is sound because tools/derive-postgres-schema.mjs only changes the
 * provider and the output folder.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient, Prisma } from "./generated/sqlite/client.ts";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import type { DatabaseTarget } from "./database-url.js";
import { openSqliteFile } from "./migrate.js";

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
  | { type: "resident.erase" };

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
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}

/** Domain operations over one database. Create with {@link openStore}. */
export class Store {
  private constructor(
    private readonly client: Client,
    /** Which backend this store runs on. */
    readonly provider: DatabaseTarget["provider"],
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
      return new Store(client, "sqlite");
    }
    const client = new PostgresClient({
      adapter: new PrismaPg({ connectionString: target.url, connectionTimeoutMillis: 5000 }),
    }) as unknown as Client;
    await client.$connect();
    return new Store(client, "postgresql");
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
    const rows = await this.client.region.findMany({ orderBy: [{ level: "asc" }, { code: "asc" }] });
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

  /** The targets of a wave. */
  async waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]> {
    return this.client.waveTarget.findMany({ where: { waveId }, select: { measureId: true, label: true, value: true } });
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
        if (turn.inbound) {
          await tx.processedMessage.create({
            data: { platform: turn.inbound.platform, messageId: turn.inbound.messageId, residentId: turn.residentId, processedAt: turn.now },
          });
        }
        const stateText = json(turn.state);
        if (turn.expectedRevision === 0) {
          const existing = await tx.conversation.findUnique({ where: { residentId: turn.residentId }, select: { revision: true } });
          if (existing) throw new TurnConflict();
          await tx.conversation.create({ data: { residentId: turn.residentId, state: stateText, revision: 1 } });
        } else {
          const updated = await tx.conversation.updateMany({
            where: { residentId: turn.residentId, revision: turn.expectedRevision },
            data: { state: stateText, revision: turn.expectedRevision + 1 },
          });
          if (updated.count !== 1) throw new TurnConflict();
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
    const row = await this.client.region.findUnique({ where: { code } });
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

  /** Sets the telephone number a resident shared for spot checks (null removes it). */
  async setResidentPhone(residentId: string, phone: string | null): Promise<void> {
    await this.client.resident.update({ where: { id: residentId }, data: { phone } });
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
  response: {
    channel: string;
    completedAt: Date | null;
    region: { code: string; path: string } | null;
    resident: { phone: string | null; lang: string; deletedAt: Date | null };
  };
}): SpotCheckRecord {
  const outcome = row.outcome === "consistent" || row.outcome === "inconsistent" || row.outcome === "unreachable" ? row.outcome : null;
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
  };
}

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

async function applyWrites(tx: Tx, turn: Turn): Promise<void> {
  // Responses touched in this turn, so a turn with several writes looks each one up once.
  const responseIds = new Map<string, string>();
  const responseId = async (waveId: string): Promise<string> => {
    const cached = responseIds.get(waveId);
    if (cached) return cached;
    const row = await tx.response.findUnique({
      where: { residentId_waveId: { residentId: turn.residentId, waveId } },
      select: { id: true },
    });
    if (!row) throw new Error(`no response of resident ${turn.residentId} to wave ${waveId}`);
    responseIds.set(waveId, row.id);
    return row.id;
  };

  for (const write of turn.writes) {
    switch (write.type) {
      case "response.start": {
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
        await tx.answer.upsert({
          where: { responseId_questionId: { responseId: id, questionId: write.questionId } },
          create: { responseId: id, questionId: write.questionId, value: json(write.value), answeredAt: turn.now },
          update: { value: json(write.value), answeredAt: turn.now },
        });
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
        if (region) await tx.response.update({ where: { id }, data: { regionId: region.id } });
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

/** Opens a store for an already-migrated database. */
export function openStore(target: DatabaseTarget): Promise<Store> {
  return Store.open(target);
}
