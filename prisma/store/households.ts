/**
 * Households of field work (part of the FieldStore port): dwellings in a village, assigned to an
 * officer, imported in bulk or added on the phone, linked to the resident who lives there, and
 * erased with everything recorded at their door. Visits and interviews are in visits.ts and
 * interviews.ts, the coverage rows in field-coverage.ts.
 */
import { randomUUID } from "node:crypto";
import type { Prisma } from "../generated/sqlite/client.ts";
import { importTransaction, isUniqueViolation, json, parse, type StoreContext, type Tx } from "./context.js";
import { FieldRequestError, type FieldQuery, type HouseholdInput, type HouseholdRecord } from "../../core/model/index.js";

/** Rows per bulk statement: 9 parameters a row stays well under both providers' limits. */
const CHUNK = 300;

/** 20,000 households in one transaction take seconds; Prisma's default 5 s would be too tight on a slow disk. */

/** Longest address, head name and phone accepted (characters); anything longer is not a door plate. */
const MAX_ADDRESS = 200;
const MAX_HEAD_NAME = 100;
const MAX_PHONE = 32;

/** The roles that may be assigned households. */
export const STAFF_ROLES = ["officer", "admin"];

/** What a HouseholdRecord reads besides the row: its village. */
export const HOUSEHOLD_INCLUDE = { region: { select: { code: true, path: true, name: true } } } as const;

/** Is this resident an admin (not erased)? Admins may record field work at any household. */
export async function isAdmin(tx: Tx, residentId: string): Promise<boolean> {
  const row = await tx.resident.findUnique({ where: { id: residentId }, select: { role: true, deletedAt: true } });
  return row?.role === "admin" && row.deletedAt === null;
}

/**
 * The address as compared for uniqueness: NFKC (full-width digits and letters become ASCII, the
 * ideographic space a space), white space collapsed, trimmed, lower case. Door plates are typed
 * on phones and in spreadsheets in every one of these variants.
 */
export function addressKey(address: string): string {
  return address.normalize("NFKC").replace(/\s+/g, " ").trim().toLowerCase();
}

/** A stored household row with its region, as the core sees it. */
export function toHousehold(row: {
  id: string;
  regionId: string;
  address: string;
  headName: string | null;
  phone: string | null;
  officerId: string | null;
  residentId: string | null;
  createdAt: Date;
  updatedAt: Date;
  region: { code: string; path: string; name: string };
}): HouseholdRecord {
  return {
    id: row.id,
    regionId: row.regionId,
    regionCode: row.region.code,
    regionPath: row.region.path,
    regionName: parse<Record<string, string>>(row.region.name, {}),
    address: row.address,
    headName: row.headName,
    phone: row.phone,
    officerId: row.officerId,
    residentId: row.residentId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** The household filter of a FieldQuery (officer, region subtree, one household). */
export function householdWhere(query: Pick<FieldQuery, "officerId" | "regionPath" | "householdId">): Prisma.HouseholdWhereInput {
  return {
    ...(query.officerId ? { officerId: query.officerId } : {}),
    ...(query.regionPath ? { region: { path: { startsWith: query.regionPath } } } : {}),
    ...(query.householdId ? { id: query.householdId } : {}),
  };
}

/**
 * Erases households and what was recorded at their door, inside the caller's transaction: their
 * interviewer responses (answers and spot checks go with them), the link of their self responses
 * (the resident's own answers stay theirs), their visits and the rows. One audit row each, with
 * the id only: the address is personal data and must not outlive the household in the log.
 */
export async function eraseHouseholds(tx: Tx, ids: readonly string[], actorId: string | null, now: Date): Promise<void> {
  if (ids.length === 0) return;
  const householdId = { in: [...ids] };
  await tx.response.deleteMany({ where: { householdId, mode: "interviewer" } });
  await tx.response.updateMany({ where: { householdId }, data: { householdId: null } });
  await tx.visit.deleteMany({ where: { householdId } });
  await tx.household.deleteMany({ where: { id: householdId } });
  await tx.auditLog.createMany({ data: ids.map((id) => ({ actorId, action: "household.erase", target: id, details: "{}", at: now })) });
}

/**
 * Makes room for a household's response to a wave: the id of its completed response when it has
 * one (one per household and wave, either mode), else null after releasing a non-completed
 * response that still holds the (household, wave) unique slot.
 */
export async function householdWaveSlot(tx: Tx, householdId: string, waveId: string): Promise<{ id: string; mode: string } | null> {
  const holder = await tx.response.findFirst({ where: { householdId, waveId }, select: { id: true, mode: true, status: true } });
  if (holder?.status === "completed") return { id: holder.id, mode: holder.mode };
  if (holder) await tx.response.update({ where: { id: holder.id }, data: { householdId: null } });
  return null;
}

/** Refuses (`bad-input`) an optional text field that is not text or too long. */
function checkText(value: string | null | undefined, max: number, what: string): void {
  if (value !== null && value !== undefined && (typeof value !== "string" || value.length > max)) throw new FieldRequestError("bad-input", `${what} too long`);
}

/** The checked, trimmed fields of one input row. */
function cleanInput(input: HouseholdInput): { address: string; key: string; headName: string | null | undefined; phone: string | null | undefined } {
  const address = typeof input.address === "string" ? input.address.trim() : "";
  const key = addressKey(address);
  if (key === "" || address.length > MAX_ADDRESS) throw new FieldRequestError("bad-input", "address empty or too long");
  checkText(input.headName, MAX_HEAD_NAME, "head name");
  checkText(input.phone, MAX_PHONE, "phone");
  // Blank means unknown; undefined (left out) keeps what is stored.
  const blankToNull = (value: string | null | undefined) => (value === undefined ? undefined : value === null || value.trim() === "" ? null : value.trim());
  return { address, key, headName: blankToNull(input.headName), phone: blankToNull(input.phone) };
}

/** A household of the import, as stored or as it will be. */
interface Planned {
  id: string;
  regionId: string;
  address: string;
  key: string;
  headName: string | null;
  phone: string | null;
  officerId: string | null;
  /** Inserted by this import (not stored before). */
  fresh: boolean;
  /** Changed by a row of this import (written by an UPDATE unless fresh). */
  changed: boolean;
}

/** The household half of the FieldStore port on Prisma (see the module comment). */
export class HouseholdTables {
  constructor(private readonly db: StoreContext) {}

  /**
   * See FieldStore.importHouseholds. Rows are matched on (village, address key); a row repeating
   * an earlier row of the same import counts against it (unchanged or updated). A field left out
   * (undefined) keeps its stored value; null or blank clears it. Reads and writes are bulk
   * statements, a few per 300 rows, so 20,000 rows take seconds.
   */
  async importHouseholds(rows: readonly HouseholdInput[], options: { actorId: string | null; dryRun?: boolean; now: Date }): Promise<{ added: number; updated: number; unchanged: number }> {
    const cleaned = rows.map((row) => ({ row, ...cleanInput(row) }));
    return importTransaction(this.db.client, options.dryRun, async (tx) => {
      const regions = await this.regionIds(tx, cleaned.map((c) => c.row.regionCode));
      await this.checkStaff(tx, cleaned.map((c) => c.row.officerId));
      const stored = await this.storedIn(tx, [...new Set(regions.values())]);
      let unchanged = 0;
      let updated = 0;
      for (const c of cleaned) {
        const regionId = regions.get(c.row.regionCode) as string;
        const slot = `${regionId}\n${c.key}`;
        const next = { headName: c.headName, phone: c.phone, officerId: c.row.officerId };
        const found = stored.get(slot);
        if (!found) {
          stored.set(slot, { id: randomUUID(), regionId, address: c.address, key: c.key, headName: next.headName ?? null, phone: next.phone ?? null, officerId: next.officerId, fresh: true, changed: false });
          continue;
        }
        const headName = next.headName === undefined ? found.headName : next.headName;
        const phone = next.phone === undefined ? found.phone : next.phone;
        if (headName === found.headName && phone === found.phone && next.officerId === found.officerId) {
          unchanged += 1;
          continue;
        }
        updated += 1;
        Object.assign(found, { headName, phone, officerId: next.officerId, changed: true });
      }
      const all = [...stored.values()];
      const inserts = all.filter((p) => p.fresh);
      for (let i = 0; i < inserts.length; i += CHUNK) await this.insertMany(tx, inserts.slice(i, i + CHUNK), options.now);
      const changes = all.filter((p) => !p.fresh && p.changed);
      for (let i = 0; i < changes.length; i += CHUNK) await this.updateMany(tx, changes.slice(i, i + CHUNK), options.now);
      const counts = { added: inserts.length, updated, unchanged };
      await tx.auditLog.create({ data: { actorId: options.actorId, action: "household.import", target: null, details: json({ ...counts, rows: rows.length, dryRun: options.dryRun === true }), at: options.now } });
      return counts;
    });
  }

  /** See FieldStore.addHousehold. Audited `household.add`; two phones adding one door at once store it once. */
  async addHousehold(input: HouseholdInput & { actorId: string | null; now: Date }): Promise<{ household: HouseholdRecord; created: boolean }> {
    const clean = cleanInput(input);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.client.$transaction(async (tx) => {
          const regions = await this.regionIds(tx, [input.regionCode]);
          await this.checkStaff(tx, [input.officerId]);
          const regionId = regions.get(input.regionCode) as string;
          const existing = await tx.household.findUnique({ where: { regionId_addressKey: { regionId, addressKey: clean.key } }, include: HOUSEHOLD_INCLUDE });
          if (existing) {
            if (existing.officerId !== input.officerId) throw new FieldRequestError("duplicate-address");
            return { household: toHousehold(existing), created: false };
          }
          const row = await tx.household.create({
            data: { regionId, address: clean.address, addressKey: clean.key, headName: clean.headName ?? null, phone: clean.phone ?? null, officerId: input.officerId, createdAt: input.now, updatedAt: input.now },
            include: HOUSEHOLD_INCLUDE,
          });
          await tx.auditLog.create({ data: { actorId: input.actorId, action: "household.add", target: row.id, details: json({ region: input.regionCode, officerId: input.officerId }), at: input.now } });
          return { household: toHousehold(row), created: true };
        });
      } catch (error) {
        // The other phone's insert won: the second pass finds it.
        if (attempt === 0 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** See FieldStore.getHousehold. */
  async getHousehold(id: string): Promise<HouseholdRecord | null> {
    const row = await this.db.client.household.findUnique({ where: { id }, include: HOUSEHOLD_INCLUDE });
    return row ? toHousehold(row) : null;
  }

  /** See FieldStore.listFieldHouseholds (the query's visit dates do not apply to households). */
  async listFieldHouseholds(query: FieldQuery = {}): Promise<HouseholdRecord[]> {
    const rows = await this.db.client.household.findMany({
      where: householdWhere(query),
      include: HOUSEHOLD_INCLUDE,
      orderBy: [{ region: { code: "asc" } }, { address: "asc" }, { id: "asc" }],
    });
    return rows.map(toHousehold);
  }

  /** See FieldStore.householdOfResident. */
  async householdOfResident(residentId: string): Promise<HouseholdRecord | null> {
    const row = await this.db.client.household.findUnique({ where: { residentId }, include: HOUSEHOLD_INCLUDE });
    return row ? toHousehold(row) : null;
  }

  /**
   * See FieldStore.linkHouseholdResident. Linking also gives the household the resident's
   * completed self responses of waves it has no completed response to yet (a resident who
   * answered in chat before being linked counts for their household). Refuses (`not-found`) a
   * resident that does not exist or was erased.
   */
  async linkHouseholdResident(householdId: string, residentId: string | null, actorId: string | null): Promise<HouseholdRecord | null> {
    return this.db.client.$transaction(async (tx) => {
      const before = await tx.household.findUnique({ where: { id: householdId }, select: { residentId: true } });
      if (!before) return null;
      if (residentId !== null) {
        const resident = await tx.resident.findFirst({ where: { id: residentId, deletedAt: null }, select: { id: true } });
        if (!resident) throw new FieldRequestError("not-found", `no resident ${residentId}`);
        await tx.household.updateMany({ where: { residentId, id: { not: householdId } }, data: { residentId: null } });
      }
      const row = await tx.household.update({ where: { id: householdId }, data: { residentId }, include: HOUSEHOLD_INCLUDE });
      if (residentId !== null) {
        const answered = await tx.response.findMany({ where: { residentId, status: "completed", householdId: null }, select: { id: true, waveId: true } });
        for (const response of answered) {
          if (!(await householdWaveSlot(tx, householdId, response.waveId))) await tx.response.update({ where: { id: response.id }, data: { householdId } });
        }
      }
      await tx.auditLog.create({ data: { actorId, action: "household.link", target: householdId, details: json({ residentId, previous: before.residentId }) } });
      return toHousehold(row);
    });
  }

  /** See FieldStore.eraseHousehold and {@link eraseHouseholds}. */
  async eraseHousehold(id: string, actorId: string | null): Promise<boolean> {
    return this.db.client.$transaction(async (tx) => {
      const found = await tx.household.findUnique({ where: { id }, select: { id: true } });
      if (!found) return false;
      await eraseHouseholds(tx, [id], actorId, new Date());
      return true;
    });
  }

  /** Region ids by code; refuses (`unknown-region`) a code that is not stored. */
  private async regionIds(tx: Tx, codes: readonly string[]): Promise<Map<string, string>> {
    const wanted = [...new Set(codes)];
    const out = new Map<string, string>();
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const rows = await tx.region.findMany({ where: { code: { in: wanted.slice(i, i + CHUNK) } }, select: { id: true, code: true } });
      for (const row of rows) out.set(row.code, row.id);
    }
    const unknown = wanted.find((code) => !out.has(code));
    if (unknown !== undefined) throw new FieldRequestError("unknown-region", `unknown region ${unknown}`);
    return out;
  }

  /** Refuses (`not-staff`) an officer id that is not a current officer or admin. */
  private async checkStaff(tx: Tx, ids: readonly string[]): Promise<void> {
    const wanted = [...new Set(ids)];
    const found = new Set<string>();
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const rows = await tx.resident.findMany({ where: { id: { in: wanted.slice(i, i + CHUNK) }, role: { in: STAFF_ROLES }, deletedAt: null }, select: { id: true } });
      for (const row of rows) found.add(row.id);
    }
    const missing = wanted.find((id) => !found.has(id));
    if (missing !== undefined) throw new FieldRequestError("not-staff", `${missing} is not an officer`);
  }

  /** The stored households of these villages, by `regionId \n addressKey`. */
  private async storedIn(tx: Tx, regionIds: readonly string[]): Promise<Map<string, Planned>> {
    const out = new Map<string, Planned>();
    for (let i = 0; i < regionIds.length; i += CHUNK) {
      const rows = await tx.household.findMany({
        where: { regionId: { in: regionIds.slice(i, i + CHUNK) } },
        select: { id: true, regionId: true, address: true, addressKey: true, headName: true, phone: true, officerId: true },
      });
      for (const r of rows) out.set(`${r.regionId}\n${r.addressKey}`, { ...r, key: r.addressKey, fresh: false, changed: false });
    }
    return out;
  }

  /** Placeholders for raw statements: `?` on SQLite, `$n` on PostgreSQL, numbered as `params` grows. */
  private binder(params: unknown[]): (value: unknown) => string {
    return (value) => {
      params.push(value);
      return this.db.provider === "postgresql" ? `$${params.length}` : "?";
    };
  }

  /** A DateTime parameter: SQLite keeps the ISO text Prisma writes, PostgreSQL a timestamp(3). */
  private dateParam(bind: (value: unknown) => string, at: Date): string {
    return this.db.provider === "postgresql" ? `CAST(${bind(at.toISOString())} AS TIMESTAMP(3))` : bind(at.toISOString().replace("Z", "+00:00"));
  }

  /** One multi-row INSERT per chunk: Prisma's createMany costs ~0.5 ms a row (see regions.ts). */
  private async insertMany(tx: Tx, chunk: readonly Planned[], now: Date): Promise<void> {
    const params: unknown[] = [];
    const bind = this.binder(params);
    const values = chunk
      .map((p) => `(${bind(p.id)}, ${bind(p.regionId)}, ${bind(p.address)}, ${bind(p.key)}, ${bind(p.headName)}, ${bind(p.phone)}, ${bind(p.officerId)}, ${this.dateParam(bind, now)}, ${this.dateParam(bind, now)})`)
      .join(", ");
    await tx.$executeRawUnsafe(`INSERT INTO "Household" ("id", "regionId", "address", "addressKey", "headName", "phone", "officerId", "createdAt", "updatedAt") VALUES ${values}`, ...params);
  }

  /** One UPDATE … CASE per chunk of changed households. */
  private async updateMany(tx: Tx, chunk: readonly Planned[], now: Date): Promise<void> {
    const params: unknown[] = [];
    const bind = this.binder(params);
    const column = (name: "headName" | "phone" | "officerId") => `"${name}" = CASE "id" ${chunk.map((p) => `WHEN ${bind(p.id)} THEN ${bind(p[name])}`).join(" ")} END`;
    const sets = [column("headName"), column("phone"), column("officerId"), `"updatedAt" = ${this.dateParam(bind, now)}`].join(", ");
    const ids = chunk.map((p) => bind(p.id)).join(", ");
    await tx.$executeRawUnsafe(`UPDATE "Household" SET ${sets} WHERE "id" IN (${ids})`, ...params);
  }
}
