/**
 * A broadcast confirmed in the /broadcast dialogue is a write of the officer's turn
 * (`broadcast.schedule`), on SQLite and PostgreSQL: created as `scheduled` with the id the officer
 * was told, audited exactly as scheduling a draft is, atomically with the session and the
 * processed message; a taken id is a conflict that writes nothing, and a duplicate message
 * creates nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainWrite, ResidentRecord, Store } from "../../core/model/index.js";
import { newBroadcastId } from "../../core/outreach/broadcast-ids.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

describe.each(BACKENDS)("broadcasts scheduled by a turn on $name", ({ create }) => {
  let env: TestStore;
  let store: Store;
  let officer: ResidentRecord;
  let revision = 0;
  const t0 = new Date("2026-05-01T08:00:00Z");
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const content = { text: { "zh-CN": "夜间请锁好门窗。", en: "Lock your doors at night." } };

  const schedule = (id: string, scheduledAt: Date): Extract<DomainWrite, { type: "broadcast.schedule" }> => ({
    type: "broadcast.schedule",
    id,
    authorId: officer.id,
    content,
    audience: { kind: "households", officerId: officer.id },
    scheduledAt,
  });

  /** One turn of the officer: their session moves on with these writes. */
  async function turn(writes: DomainWrite[], now: Date, messageId?: string) {
    const outcome = await store.commitTurn({
      residentId: officer.id,
      channel: "test",
      ...(messageId ? { inbound: { platform: "test", messageId } } : {}),
      state: { v: 1, step: revision + 1 },
      expectedRevision: revision,
      writes,
      now,
    });
    if (outcome === "committed") revision++;
    return outcome;
  }

  const auditOf = async (id: string) => (await store.listAudit(1000)).filter((entry) => entry.target === id);

  beforeAll(async () => {
    env = await openTestStore({ db: await create() });
    store = env.store;
    await store.resolveIdentity({ platform: "test", platformUserId: "officer", chatId: "officer" });
    officer = await store.setRole("test", "officer", "officer");
  });
  afterAll(async () => {
    await env?.close();
  });

  it("creates it scheduled under the turn's id, audited as scheduling a draft is", async () => {
    const id = newBroadcastId(at(1));
    expect(await turn([schedule(id, at(90))], at(1), "m1")).toBe("committed");
    expect(await store.getBroadcast(id)).toEqual({
      id,
      authorId: officer.id,
      content,
      audience: { kind: "households", officerId: officer.id },
      status: "scheduled",
      scheduledAt: at(90),
      startedAt: null,
      finishedAt: null,
      createdAt: at(1),
    });
    // Due at its time, like one scheduled from a draft.
    expect((await store.dueBroadcasts(at(89))).map((b) => b.id)).not.toContain(id);
    expect((await store.dueBroadcasts(at(90))).map((b) => b.id)).toContain(id);

    // The audit row is the one scheduleBroadcast writes for the same broadcast.
    const draft = await store.createBroadcast({ authorId: officer.id, content, audience: { kind: "households", officerId: officer.id }, now: at(1) });
    await store.scheduleBroadcast(draft.id, at(90), officer.id, at(1));
    const [fromTurn] = await auditOf(id);
    const [fromDraft] = await auditOf(draft.id);
    expect(fromTurn).toEqual({ ...fromDraft, target: id });
    expect(fromTurn).toEqual({ actorId: officer.id, action: "broadcast.schedule", target: id, details: { at: at(90).toISOString(), audience: { kind: "households", officerId: officer.id } }, at: at(1) });
    await store.cancelBroadcast(draft.id, officer.id, at(2));
  });

  it("a taken id is a conflict: nothing of the turn is written", async () => {
    const id = newBroadcastId(at(3));
    expect(await turn([schedule(id, at(3))], at(3), "m2")).toBe("committed");
    const before = await store.listAudit(1000);
    const stored = await store.loadConversation(officer.id);
    expect(await turn([schedule(id, at(50))], at(4), "m3")).toBe("conflict");
    expect(await store.getBroadcast(id)).toMatchObject({ scheduledAt: at(3), createdAt: at(3) });
    expect(await auditOf(id)).toHaveLength(1);
    expect((await store.listAudit(1000)).length).toBe(before.length);
    expect(await store.loadConversation(officer.id)).toEqual(stored);
    expect(await store.isProcessed("test", "m3")).toBe(false);
  });

  it("a message handled before creates nothing", async () => {
    const id = newBroadcastId(at(5));
    expect(await turn([schedule(id, at(5))], at(5), "m4")).toBe("committed");
    const again = newBroadcastId(at(6));
    expect(await turn([schedule(again, at(6))], at(6), "m4")).toBe("duplicate");
    expect(await store.getBroadcast(again)).toBeNull();
    expect(await auditOf(again)).toEqual([]);
  });
});
