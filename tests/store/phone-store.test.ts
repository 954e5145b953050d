/**
 * A telephone number left at the phone question, through the runner into the store, on SQLite
 * and PostgreSQL: it lands in Resident.phone in the same committed turn and never in an Answer
 * row, the session or the raw-answer export; the spot-check list (store and plain-SQL reader)
 * shows it; skipping in a later wave keeps it, "不留" and the privacy menu remove it, and
 * "delete my data" erases it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BulkReader } from "../../prisma/bulk-reader.js";
import { waveMeasures } from "../../core/admin/stats-service.js";
import { responsesTable } from "../../core/admin/tables.js";
import { drawSpotChecks } from "../../core/admin/spot-checks.js";
import type { Input, OutMessage } from "../../core/engine/types.js";
import type { RunnerReply } from "../../core/survey/runner.js";
import { AutoResident } from "../support/auto-resident.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";

describe.each(BACKENDS)("a shared phone number on $name", ({ create }) => {
  let db: TestDatabase;
  let fx: SurveyFixture;
  let counter = 0;

  beforeAll(async () => {
    db = await create();
    fx = await surveyFixture({ db });
  });
  afterAll(async () => {
    await fx?.close();
  });

  const send = (user: string, input: Input): Promise<RunnerReply> =>
    fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, messageId: `phone-${++counter}`, langCode: "zh-CN", input });
  const residentOf = async (user: string): Promise<string> => (await fx.store.findIdentity("test", user))?.residentId ?? "";
  const question = (messages: readonly OutMessage[]) => [...messages].reverse().find((m) => m.kind === "question");

  /** Answers the survey as a scripted resident up to the phone question; returns that reply. */
  async function toPhoneQuestion(user: string, seed: number): Promise<RunnerReply> {
    const auto = new AutoResident(fx.questionnaire, fx.regions, seed, "type", user);
    let reply = await send(user, { kind: "start", arg: "survey" });
    for (let turns = 0; turns < 60; turns++) {
      if (question(reply.messages)?.questionId === "phone") return reply;
      const planned = auto.plan(reply.messages);
      if (!planned) break;
      reply = await send(user, planned.input);
    }
    throw new Error(`${user} never reached the phone question:\n${reply.messages.map((m) => m.text).join("\n")}`);
  }

  it("goes to Resident.phone in the turn that takes it, never to the answers, the session or the export", async () => {
    const at = await toPhoneQuestion("alice", 11);
    expect(question(at.messages)).toMatchObject({ questionId: "phone", expects: "phone" });
    const residentId = await residentOf("alice");
    expect(await fx.store.getResidentPhone(residentId)).toBeNull();

    const reply = await send("alice", { kind: "text", text: "＋86 138－0013－8000" });
    expect(reply.events.map((e) => e.type)).toEqual(["PhoneShared", "ResponseCompleted"]);
    expect(await fx.store.getResidentPhone(residentId)).toBe("13800138000");

    const response = await fx.store.getResponse(residentId, fx.wave.id);
    expect(response?.status).toBe("completed");
    expect(Object.keys(response?.answers ?? {})).not.toContain("phone");
    expect(JSON.stringify(response?.answers)).not.toMatch(/13800138000|8000/);
    const conversation = await fx.store.loadConversation(residentId);
    expect(JSON.stringify(conversation?.state)).not.toMatch(/13800138000|138\*|8000/);
    expect(conversation?.state).toMatchObject({ phoneShared: true, survey: null });

    // The raw-answer export has no phone column and no number anywhere.
    const { questionnaire, quality } = await waveMeasures(fx.store, fx.wave);
    const table = await responsesTable(fx.store, { query: { waveIds: [fx.wave.id] }, questionnaire, lang: "zh-CN", regions: await fx.store.listRegions(), quality, minGroupSize: 1 });
    expect(table.columns.map((c) => c.key)).not.toContain("phone");
    const rows: unknown[][] = [];
    for await (const row of table.rows) rows.push(row);
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain("13800138000");
  });

  it("is what the spot-check list shows for the verifier's call (store and plain-SQL reader)", async () => {
    const draw = await drawSpotChecks(fx.store, { waveId: fx.wave.id, share: 1, minPerStratum: 1, seed: "phone-test", now: new Date() });
    expect(draw.created).toBe(1);
    const [check] = await fx.store.listSpotChecks(fx.wave.id);
    expect(check).toMatchObject({ method: "phone", phone: "13800138000", lang: "zh-CN" });
    const reader = await BulkReader.open(db.target);
    try {
      expect((await reader.listSpotChecks(fx.wave.id))[0]?.phone).toBe("13800138000");
    } finally {
      await reader.close();
    }
  });

  it("a skip leaves an earlier number as it is; 不留 removes it; the privacy menu removes it too", async () => {
    await toPhoneQuestion("bob", 12);
    const residentId = await residentOf("bob");
    await send("bob", { kind: "text", text: "010-6552 9988" });
    expect(await fx.store.getResidentPhone(residentId)).toBe("010-65529988");

    // The privacy menu offers the number on file for removal.
    const privacy = await send("bob", { kind: "text", text: "/privacy" });
    expect(privacy.messages.at(-1)?.options?.map((o) => o.label)).toEqual(["删除我的数据", "返回菜单", "删除我留的电话"]);
    const removed = await send("bob", { kind: "text", text: "3" });
    expect(removed.events).toEqual([{ type: "PhoneWithdrawn" }]);
    expect(await fx.store.getResidentPhone(residentId)).toBeNull();

    // Carol and Dan have a number on file from an earlier wave.
    await toPhoneQuestion("carol", 13);
    const carol = await residentOf("carol");
    await fx.store.setResidentPhone(carol, "13912345678");
    const skipped = await send("carol", { kind: "text", text: "跳过" });
    expect(skipped.events.map((e) => e.type)).toEqual(["QuestionSkipped", "ResponseCompleted"]);
    expect(await fx.store.getResidentPhone(carol)).toBe("13912345678");

    await toPhoneQuestion("dan", 14);
    const dan = await residentOf("dan");
    await fx.store.setResidentPhone(dan, "13912345678");
    const none = await send("dan", { kind: "text", text: "不留" });
    expect(none.events.map((e) => e.type)).toEqual(["PhoneWithdrawn", "QuestionSkipped", "ResponseCompleted"]);
    expect(await fx.store.getResidentPhone(dan)).toBeNull();
  });

  it("is erased with the resident's data", async () => {
    await toPhoneQuestion("erin", 15);
    const residentId = await residentOf("erin");
    await send("erin", { kind: "contact", phone: "+8613700137000" });
    expect(await fx.store.getResidentPhone(residentId)).toBe("13700137000");
    await send("erin", { kind: "text", text: "/privacy" });
    await send("erin", { kind: "text", text: "1" });
    const erased = await send("erin", { kind: "button", payload: "p:yes" });
    expect(erased.events).toEqual([{ type: "DeletionRequested" }]);
    expect(await fx.store.getResidentPhone(residentId)).toBeNull();
    expect(await fx.store.loadConversation(residentId)).toBeNull();
  });
});
