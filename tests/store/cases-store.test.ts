/**
 * The store's operations for safety-tip quizzes and case feedback, on SQLite and PostgreSQL:
 * first quiz answers, cases and their updates, delivery bookkeeping, ratings, resident codes, and
 * what "delete my data" does to them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DomainWrite, ResidentRecord, Store } from "../../core/model/index.js";
import { residentCode } from "../../core/outreach/cases-codes.js";
import { BACKENDS } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";

describe.each(BACKENDS)("tip quizzes and cases in the store on $name", ({ create }) => {
  let env: TestStore;
  let store: Store;
  const t0 = new Date("2026-05-01T08:00:00Z");
  const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
  const revisions = new Map<string, number>();
  let officer: ResidentRecord;

  /** Commits one turn of `residentId` with these writes (the session state is irrelevant here). */
  async function turn(residentId: string, writes: DomainWrite[], now: Date) {
    const revision = revisions.get(residentId) ?? 0;
    const outcome = await store.commitTurn({ residentId, channel: "test", state: { v: 1 }, expectedRevision: revision, writes, now });
    if (outcome === "committed") revisions.set(residentId, revision + 1);
    return outcome;
  }

  async function resident(id: string): Promise<ResidentRecord> {
    return (await store.resolveIdentity({ platform: "test", platformUserId: id, chatId: id })).resident;
  }

  beforeAll(async () => {
    env = await openTestStore({ db: await create() });
    store = env.store;
    await store.resolveIdentity({ platform: "test", platformUserId: "officer", chatId: "officer" });
    officer = await store.setRole("test", "officer", "officer");
  });
  afterAll(async () => {
    await env?.close();
  });

  it("keeps each resident's first quiz answer to a tip and lists them", async () => {
    const wang = await resident("wang");
    const li = await resident("li");
    expect(await turn(wang.id, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "transfer", correct: false }], at(1))).toBe("committed");
    // A second answer (the right one, after the explanation) does not replace the first.
    expect(await turn(wang.id, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "hang-up", correct: true }], at(2))).toBe("committed");
    await turn(wang.id, [{ type: "tipQuiz.answer", tipId: "burglary-home", option: "call-110", correct: true, broadcastId: null }], at(3));
    await turn(li.id, [{ type: "tipQuiz.answer", tipId: "fraud-safe-account", option: "hang-up", correct: true }], at(4));

    const all = await store.listTipQuizAnswers();
    expect(all.map((a) => [a.residentId === wang.id ? "wang" : "li", a.tipId, a.option, a.correct])).toEqual([
      ["wang", "fraud-safe-account", "transfer", false],
      ["wang", "burglary-home", "call-110", true],
      ["li", "fraud-safe-account", "hang-up", true],
    ]);
    expect(all[0]?.answeredAt).toEqual(at(1));
    expect((await store.listTipQuizAnswers({ tipIds: ["burglary-home"] })).map((a) => a.option)).toEqual(["call-110"]);
    expect((await store.listTipQuizAnswers({ since: at(3), until: at(4) })).map((a) => a.tipId)).toEqual(["burglary-home"]);
  });

  it("creates a case with a first 'received' update, and refuses a taken code", async () => {
    const zhao = await resident("zhao");
    const created = await store.createCase({ code: "AAA222", reporterId: zhao.id, officerId: officer.id, title: "电动车被盗", now: at(10) });
    expect(created?.case).toMatchObject({ code: "AAA222", reporterId: zhao.id, officerId: officer.id, status: "received", rating: null, closedAt: null, createdAt: at(10) });
    expect(created?.update).toMatchObject({ status: "received", authorId: officer.id, note: null, deliveredAt: null, createdAt: at(10) });
    expect(await store.createCase({ code: "AAA222", reporterId: zhao.id, officerId: null, title: "again", now: at(11) })).toBeNull();
    expect((await store.getCaseByCode("AAA222"))?.latest?.status).toBe("received");
    expect(await store.getCaseByCode("ZZZ999")).toBeNull();
  });

  it("posts updates: status, closedAt on closing (kept on a repeated close, cleared on reopening), officer for an unassigned case", async () => {
    const qian = await resident("qian");
    await store.createCase({ code: "BBB333", reporterId: qian.id, officerId: null, title: "门锁被撬", now: at(20) });
    const investigating = await store.addCaseUpdate({ code: "BBB333", status: "investigating", note: "已调取监控", authorId: officer.id, now: at(21) });
    expect(investigating?.case).toMatchObject({ status: "investigating", officerId: officer.id, closedAt: null });
    expect(investigating?.update).toMatchObject({ status: "investigating", note: "已调取监控", deliveredAt: null });
    const closed = await store.addCaseUpdate({ code: "BBB333", status: "closed", note: null, authorId: officer.id, now: at(22) });
    expect(closed?.case.closedAt).toEqual(at(22));
    const closedAgain = await store.addCaseUpdate({ code: "BBB333", status: "closed", note: "补充说明", authorId: officer.id, now: at(23) });
    expect(closedAgain?.case.closedAt).toEqual(at(22));
    const reopened = await store.addCaseUpdate({ code: "BBB333", status: "investigating", note: null, authorId: officer.id, now: at(24) });
    expect(reopened?.case.closedAt).toBeNull();
    expect(await store.addCaseUpdate({ code: "NOPE22", status: "closed", note: null, authorId: officer.id, now: at(25) })).toBeNull();

    const mine = await store.listCasesOfReporter(qian.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.latest).toMatchObject({ status: "investigating", createdAt: at(24) });
  });

  it("lists undelivered updates oldest first and records delivery once", async () => {
    const sun = await resident("sun");
    const created = await store.createCase({ code: "CCC444", reporterId: sun.id, officerId: officer.id, title: "被骗", now: at(30) });
    await store.addCaseUpdate({ code: "CCC444", status: "solved", note: "嫌疑人已抓获", authorId: officer.id, now: at(31) });
    // A case without a reporter has no one to tell.
    await store.createCase({ code: "DDD555", reporterId: null, officerId: officer.id, title: "无人", now: at(32) });
    const pending = (await store.pendingCaseUpdates({ since: at(30) })).filter((p) => p.case.code === "CCC444" || p.case.code === "DDD555");
    expect(pending.map((p) => [p.case.code, p.update.status])).toEqual([
      ["CCC444", "received"],
      ["CCC444", "solved"],
    ]);
    await store.markCaseUpdateDelivered(created!.update.id, at(33));
    await store.markCaseUpdateDelivered(created!.update.id, at(40));
    const after = await store.pendingCaseUpdates({ since: at(30) });
    expect(after.map((p) => p.update.status)).toEqual(["solved"]);
    expect((await store.listCasesOfReporter(sun.id))[0]?.latest?.note).toBe("嫌疑人已抓获");
  });

  it("creates a reported concern within the turn, and reruns the turn when its code is taken", async () => {
    const zhou = await resident("zhou");
    expect(await turn(zhou.id, [{ type: "case.report", code: "EEE666", title: "楼下有人半夜砸车窗" }], at(50))).toBe("committed");
    const reported = await store.getCaseByCode("EEE666");
    expect(reported).toMatchObject({ reporterId: zhou.id, officerId: null, status: "received", title: "楼下有人半夜砸车窗" });
    // The resident was told the code in that turn: the first update needs no delivery.
    expect(reported?.latest?.deliveredAt).toEqual(at(50));
    expect(await turn(zhou.id, [{ type: "case.report", code: "EEE666", title: "again" }], at(51))).toBe("conflict");
    expect((await store.listCasesOfReporter(zhou.id)).map((c) => c.title)).toEqual(["楼下有人半夜砸车窗"]);
  });

  it("takes a rating only from the reporter of a closed case, latest rating winning", async () => {
    const wu = await resident("wu");
    const other = await resident("wu-neighbour");
    await store.createCase({ code: "FFF777", reporterId: wu.id, officerId: officer.id, title: "手机被抢", now: at(60) });
    await turn(wu.id, [{ type: "case.rate", code: "FFF777", rating: 5 }], at(61));
    expect((await store.getCaseByCode("FFF777"))?.rating).toBeNull();
    await store.addCaseUpdate({ code: "FFF777", status: "closed", note: null, authorId: officer.id, now: at(62) });
    await turn(other.id, [{ type: "case.rate", code: "FFF777", rating: 1 }], at(63));
    await turn(wu.id, [{ type: "case.rate", code: "FFF777", rating: 9 }], at(63));
    expect((await store.getCaseByCode("FFF777"))?.rating).toBeNull();
    await turn(wu.id, [{ type: "case.rate", code: "FFF777", rating: 2 }], at(64));
    await turn(wu.id, [{ type: "case.rate", code: "FFF777", rating: 4 }], at(65));
    expect((await store.getCaseByCode("FFF777"))?.rating).toBe(4);
    const closed = await store.listCases({ statuses: ["closed"], closedSince: at(62) });
    expect(closed.map((c) => [c.code, c.rating])).toEqual([["FFF777", 4]]);
    expect((await store.listCases({ officerId: officer.id, statuses: ["received"] })).map((c) => c.code)).toContain("AAA222");
  });

  it("finds a resident by their code, case-insensitively, and not once erased", async () => {
    const zheng = await resident("zheng");
    const code = residentCode(zheng.id);
    expect(code).toHaveLength(8);
    expect((await store.findResidentByCode(code))?.id).toBe(zheng.id);
    expect((await store.findResidentByCode(code.toLowerCase()))?.id).toBe(zheng.id);
    expect(await store.findResidentByCode("no")).toBeNull();
    expect(await store.findResidentByCode("'; drop")).toBeNull();
    await turn(zheng.id, [{ type: "resident.erase" }], at(70));
    expect(await store.findResidentByCode(code)).toBeNull();
  });

  it("on 'delete my data' drops quiz answers and unlinks (keeps) the resident's cases", async () => {
    const feng = await resident("feng");
    await turn(feng.id, [{ type: "tipQuiz.answer", tipId: "drugs-disguised", option: "refuse", correct: true }], at(80));
    await turn(feng.id, [{ type: "case.report", code: "GGG888", title: "小区门口有人推销保健品" }], at(81));
    await store.addCaseUpdate({ code: "GGG888", status: "investigating", note: null, authorId: officer.id, now: at(82) });
    await turn(feng.id, [{ type: "resident.erase" }], at(83));
    expect((await store.listTipQuizAnswers()).some((a) => a.residentId === feng.id)).toBe(false);
    const kept = await store.getCaseByCode("GGG888");
    expect(kept).toMatchObject({ reporterId: null, title: "小区门口有人推销保健品", status: "investigating" });
    expect((await store.pendingCaseUpdates()).some((p) => p.case.code === "GGG888")).toBe(false);
  });
});
