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
