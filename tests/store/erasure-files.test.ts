/**
 * "Delete my data" leaves no row naming the resident (account ids, web session id, resident id,
 * processed-message keys, case-update authors, audit details), on SQLite and PostgreSQL; and on
 * SQLite the erased text is not readable in the raw bytes of the .db, -wal and -shm files —
 * neither while the store is open (after the erasure's checkpoint) nor after it closed.
 * (PostgreSQL keeps dead row versions in its files until VACUUM FULL: docs/security.md.)
 */
import { existsSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import type { ResidentRecord, Store, Turn, WaveRecord } from "../../core/model/index.js";
import { freshPostgres, freshSqlite, type TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

const REGIONS = [{ code: "d1", name: "区", children: [{ code: "v1", name: "村一" }] }];
const SESSION = "websession-Qk3vX9pL2mZ8rT5w";
const PHONE = "13987654321";
const SUGGESTION = "MARKER-suggestion-5c1e7a 路灯坏了好几个月";
const ANSWER_TEXT = "MARKER-answer-9d2b44";
const HOUSEHOLD_PHONE = "13811112222";
const ADDRESS = "MARKER-address 幸福路 88 号";
const t0 = new Date("2026-11-02T08:00:00Z");
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

/** The files of the database: the file itself and, where present, its -wal and -shm. */
function databaseBytes(file: string): { name: string; bytes: Buffer }[] {
  return [file, `${file}-wal`, `${file}-shm`].filter((f) => existsSync(f)).map((f) => ({ name: f, bytes: readFileSync(f) }));
}

/** The needles found in the files, in UTF-8 and UTF-16 (either byte order). */
function leaks(file: string, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const { name, bytes } of databaseBytes(file)) {
    for (const needle of needles) {
      const forms = [Buffer.from(needle, "utf8"), Buffer.from(needle, "utf16le"), Buffer.from(needle, "utf16le").swap16()];
      if (forms.some((form) => bytes.includes(form))) found.push(`${needle} in ${name}`);
    }
  }
  return found;
}

/** The rows (as text, prefixed by their table) of every table that contain one of the needles. */
async function rowsNaming(target: TestDatabase["target"], needles: readonly string[]): Promise<string[]> {
  const rows: string[] = [];
  if (target.provider === "sqlite") {
    const db = new Database(target.file, { readonly: true, fileMustExist: true });
    try {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of tables) for (const row of db.prepare(`SELECT * FROM "${name}"`).all()) rows.push(`${name}: ${JSON.stringify(row)}`);
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const tables = await client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
      for (const { name } of tables.rows) {
        for (const row of (await client.query(`SELECT * FROM "${name}"`)).rows) rows.push(`${name}: ${JSON.stringify(row)}`);
      }
    } finally {
      await client.end();
    }
  }
  return rows.filter((row) => needles.some((needle) => row.includes(needle)));
}

/** A resident of the web chat with something in every table that can name them, and an officer. */
async function seed(t: TestStore & { wave: WaveRecord }) {
  const store = t.store;
  await store.resolveIdentity({ platform: "telegram", platformUserId: "5550001", chatId: "5550001", displayName: "officer" });
  const officer = await store.setRole("telegram", "5550001", "officer");
  const resident = (await store.resolveIdentity({ platform: "web", platformUserId: SESSION, chatId: SESSION })).resident;
  let revision = 0;
  /** One turn of the resident's web chat, with a processed-message key like the web channel's. */
  const turn = async (writes: Turn["writes"], now: Date) => {
    const outcome = await store.commitTurn({
      residentId: resident.id,
      channel: "web",
      inbound: { platform: "web", messageId: `${SESSION}:${revision + 1}` },
      state: { step: revision, phone: PHONE },
      expectedRevision: revision,
      writes,
      now,
    });
    expect(outcome).toBe("committed");
    revision++;
  };
  const waveId = t.wave.id;
  await turn([{ type: "resident.update", consentAt: at(0) }], at(0));
  await turn([{ type: "response.start", waveId, questionnaireId: t.wave.questionnaireId }, { type: "answer.put", waveId, questionId: "safety_overall", value: { kind: "choice", option: "safe" } }], at(1));
  await turn([{ type: "answer.put", waveId, questionId: "comments", value: { kind: "text", text: ANSWER_TEXT } }, { type: "response.region", waveId, regionCode: "v1" }], at(2));
  await turn([{ type: "response.complete", waveId }, { type: "suggestion.add", waveId, text: SUGGESTION, lang: "zh-CN" }], at(3));
  await turn([{ type: "resident.phone", phone: PHONE }, { type: "tipQuiz.answer", tipId: "fraud-1", option: "a", correct: true }], at(4));
  await turn([{ type: "case.report", code: "ERA001", title: "自行车被偷" }], at(5));
  await store.addCaseUpdate({ code: "ERA001", status: "investigating", note: "在查", authorId: officer.id, now: at(6) });
  await store.audit(officer.id, "case.create", "ERA001", { reporterId: resident.id });
  await store.putWebInbox({ sessionId: SESSION, residentId: resident.id, lang: "zh-CN", messages: [{ kind: "text", text: "案件进展" }], now: at(7) });
  await store.putWebInbox({ sessionId: SESSION, residentId: null, lang: "zh-CN", messages: [{ kind: "text", text: "欢迎" }], now: at(7) });
  const home = await store.addHousehold({ regionCode: "v1", address: ADDRESS, headName: "张三", phone: HOUSEHOLD_PHONE, officerId: officer.id, actorId: officer.id, now: at(8) });
  await store.linkHouseholdResident(home.household.id, resident.id, officer.id);

  const needles = [resident.id, SESSION, PHONE, SUGGESTION, ANSWER_TEXT, HOUSEHOLD_PHONE, ADDRESS];
  // The scenario put every needle into the database in the first place.
  const before = await rowsNaming(t.db.target, needles);
  for (const needle of needles) expect(before.some((row) => row.includes(needle)), needle).toBe(true);
  return { resident, needles, erase: () => turn([{ type: "resident.erase" }], at(9)) };
}

/** What every backend must show after the erasure, through the store. */
async function expectErased(store: Store, resident: ResidentRecord): Promise<void> {
  expect(await store.getResident(resident.id)).toBeNull();
  expect(await store.identitiesOf(resident.id)).toEqual([]);
  expect(await store.isProcessed("web", `${SESSION}:1`)).toBe(false);
  expect(await store.takeWebInbox(SESSION, 10)).toEqual([]);
  expect(await store.getCaseByCode("ERA001")).toMatchObject({ reporterId: null, title: "自行车被偷", status: "investigating" });
  const audit = await store.listAudit(20);
  const erase = audit.find((e) => e.action === "resident.erase");
  expect(erase).toMatchObject({ actorId: erase?.target, details: {} });
  expect(erase?.target).toMatch(/^erased-/);
  expect((await store.getResident(erase!.target!))?.deletedAt).not.toBeNull();
  // The officer's audit entry stays, naming the tombstone instead of the resident.
  expect(audit.find((e) => e.action === "case.create")?.details).toEqual({ reporterId: erase!.target });
}

describe("erasure", () => {
  let t: (TestStore & { wave: WaveRecord }) | undefined;

  afterEach(async () => {
    await t?.store.close().catch(() => undefined);
    await t?.db.drop();
    t = undefined;
  });

  it("on SQLite leaves no row naming the resident and none of their text in the files", async () => {
    const db = freshSqlite();
    if (db.target.provider !== "sqlite") throw new Error("expected SQLite");
    const file = db.target.file;
    t = await openTestStore({ db, regions: REGIONS, defaultSurvey: at(-60) });
    const { resident, needles, erase } = await seed(t);
    await erase();
    await expectErased(t.store, resident);
    // While the store is open: the checkpoint after the erasure emptied the log.
    expect(leaks(file, needles)).toEqual([]);
    await t.store.close();
    expect(await rowsNaming(db.target, needles)).toEqual([]);
    expect(leaks(file, needles)).toEqual([]);
  });

  it("on PostgreSQL leaves no row naming the resident", async () => {
    t = await openTestStore({ db: await freshPostgres(), regions: REGIONS, defaultSurvey: at(-60) });
    const { resident, needles, erase } = await seed(t);
    await erase();
    await expectErased(t.store, resident);
    expect(await rowsNaming(t.db.target, needles)).toEqual([]);
  });
});
