/**
 * The plain-SQL reader's responses: the database joins each response's stored answer values into
 * one JSON text (prisma/bulk-reader.ts). Every page size reads the same responses and answers, and
 * an answer value that is not JSON reads as null without costing the response its other answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import pg from "pg";
import { migrate } from "../../prisma/migrate.js";
import { openStore } from "../../prisma/store.js";
import { BulkReader } from "../../prisma/bulk-reader.js";
import type { ResponseWithRegion, Store } from "../../core/model/index.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { seedFixture, type Fixture } from "../admin/fixture.js";

async function readAll(reader: BulkReader, waveId: string, pageSize?: number): Promise<ResponseWithRegion[]> {
  const out: ResponseWithRegion[] = [];
  for await (const response of reader.streamResponses({ waveIds: [waveId] }, pageSize)) out.push(response);
  return out;
}

async function corruptAnswer(db: TestDatabase, responseId: string, questionId: string): Promise<void> {
  const statement = `UPDATE "Answer" SET "value" = 'not json {' WHERE "responseId" = $1 AND "questionId" = $2`;
  if (db.target.provider === "sqlite") {
    const sqlite = new Database(db.target.file);
    try {
      sqlite.prepare(statement.replace("$1", "?").replace("$2", "?")).run(responseId, questionId);
    } finally {
      sqlite.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: db.target.url });
  await client.connect();
  try {
    await client.query(statement, [responseId, questionId]);
  } finally {
    await client.end();
  }
}

describe.each(BACKENDS)("the plain-SQL reader's responses on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  let fx: Fixture;

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
    fx = await seedFixture(store);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("reads every response once, in id order, with its answers parsed, whatever the page size", async () => {
    const reader = await BulkReader.open(db.target);
    try {
      const whole = await readAll(reader, fx.w2.id);
      expect(whole.length).toBe(await reader.countResponses({ waveIds: [fx.w2.id] }));
      expect(whole.map((r) => r.id)).toEqual(whole.map((r) => r.id).sort());
      const answered = whole.find((r) => r.status === "completed");
      expect(answered?.answers.safety_overall).toMatchObject({ kind: "choice" });
      expect(await readAll(reader, fx.w2.id, 7)).toEqual(whole);
      expect(await readAll(reader, fx.w2.id, 1)).toEqual(whole);
    } finally {
      await reader.close();
    }
  });

  it("reads an answer value that is not JSON as null and keeps the response's other answers", async () => {
    const reader = await BulkReader.open(db.target);
    try {
      const before = await readAll(reader, fx.w2.id);
      const victim = before.find((r) => "safety_overall" in r.answers && Object.keys(r.answers).length > 1) as ResponseWithRegion;
      await corruptAnswer(db, victim.id, "safety_overall");
      const after = await readAll(reader, fx.w2.id, 5);
      const read = after.find((r) => r.id === victim.id) as ResponseWithRegion;
      expect(read.answers).toEqual({ ...victim.answers, safety_overall: null });
      expect(after.filter((r) => r.id !== victim.id)).toEqual(before.filter((r) => r.id !== victim.id));
    } finally {
      await reader.close();
    }
  });
});
