/**
 * `anxin wave list | open | close | cancel` (app/wave-command.ts over core/admin/waves.ts) on an
 * install whose current wave still runs the default questionnaire's version 1: the listing with
 * statuses and counts, refusals that change nothing, a scheduled wave, opening the next wave on
 * version 2 with the targets copied (one wave runs at a time: the old one ends), a resident
 * part-way through the old wave moved to the new one, and closing until residents are told the
 * survey has ended; cancelling scheduled waves (the running wave gets its end back). Plus the store
 * methods (response counts, copying and removing targets, closing, setting a wave's end, deleting
 * a wave) on SQLite and PostgreSQL.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store, WaveRecord } from "../../core/model/index.js";
import { storeQuestionnaire } from "../../core/survey/default-survey.js";
import { loadDefaultQuestionnaire } from "../../core/definitions/load.js";
import { validateQuestionnaire } from "../../core/engine/definition.js";
import type { Input, Questionnaire } from "../../core/engine/types.js";
import { ConversationRunner, type InboundMessage, type RunnerReply } from "../../core/survey/runner.js";
import { parseWaveTime } from "../../app/wave-command.js";
import { formatWaveTime, parseQuestionnaireRef, parseWaveTimeText, utcOffsetMinutes, waveStatus } from "../../core/admin/waves.js";
import { runAnxin } from "./cli.js";
import { formatLocalDate } from "../../core/util/time-zone.js";
import { seedResponse } from "./fixture.js";
import { runAnxin as runAnxinProcess } from "../support/anxin-process.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";
import { openTestStore, type TestStore } from "../support/store-fixture.js";
import { TEST_REGIONS } from "../support/auto-resident.js";

const DAY = 24 * 3600 * 1000;
const REGION = "330102001001";

/** The bundled questionnaire as version 1 was: the same, without the phone question. */
function versionOne(): Questionnaire {
  const { checksum: _checksum, ...definition } = loadDefaultQuestionnaire();
  return validateQuestionnaire({ ...definition, version: 1, questions: definition.questions.filter((q) => q.type !== "phone") }, "public-safety v1");
}

let opened: TestStore;
let db: TestDatabase;
let store: Store;
let runner: ConversationRunner;
let q2: WaveRecord;
let q3: WaveRecord;
let v1Id: string;

const anxin = (...args: string[]): Promise<string> => runAnxin(db.target.url, ...args);
let counter = 0;
const send = (user: string, input: Input): Promise<RunnerReply> => {
  const message: InboundMessage = { platform: "test", platformUserId: user, chatId: user, messageId: `w${++counter}`, input, langCode: "en" };
  return runner.handle(message);
};
const residentOf = async (user: string): Promise<string> => (await store.findIdentity("test", user))!.residentId;

/** What a refused command must leave alone. */
async function snapshot(): Promise<unknown> {
  const waves = await store.listWaves();
  return { waves, targets: await Promise.all(waves.map((w) => store.waveTargets(w.id))), audit: (await store.listAudit(1000)).length };
}

beforeAll(async () => {
  opened = await openTestStore({ regions: TEST_REGIONS });
  ({ db, store } = opened);
  const { record } = await storeQuestionnaire(store, versionOne(), "yaml");
  v1Id = record.id;
  const now = Date.now();
  q2 = await store.createWave({ name: "2026-Q2", questionnaireId: record.id, opensAt: new Date(now - 120 * DAY), closesAt: new Date(now - 30 * DAY) });
  q3 = await store.createWave({ name: "2026-Q3", questionnaireId: record.id, opensAt: new Date(now - 20 * DAY) });
  await store.setWaveTarget(q2.id, "safety_overall.rate", "省均", 0.84);
  await store.setWaveTarget(q3.id, "safety_overall.rate", "省均", 0.85);
  await store.setWaveTarget(q3.id, "safety_overall.rate", "市均", 0.8);
  const seeded = [
    { wave: q2, status: "completed" },
    { wave: q2, status: "completed" },
    { wave: q3, status: "completed" },
    { wave: q3, status: "completed" },
    { wave: q3, status: "completed" },
    { wave: q3, status: "in_progress" },
    { wave: q3, status: "abandoned" },
  ] as const;
  for (const [i, s] of seeded.entries()) {
    await seedResponse(store, { user: `seed-${i}`, wave: s.wave, questionnaireId: record.id, region: REGION, channel: "web", status: s.status, answers: {}, startedAt: new Date(s.wave.opensAt.getTime() + DAY), seconds: 200 });
  }
  runner = new ConversationRunner({ store, cacheMs: 0 });
  // A resident part-way through 2026-Q3 (version 1): consent given, first question answered.
  const start = await send("mid", { kind: "start" });
  const consent = start.messages.flatMap((m) => m.options ?? []).find((o) => o.payload === "c:y")!;
  const first = await send("mid", { kind: "button", payload: consent.payload });
  const question = first.messages.find((m) => m.kind === "question")!;
  await send("mid", { kind: "button", payload: question.options![0]!.payload });
  const response = await store.getResponse(await residentOf("mid"), q3.id);
  expect(response).toMatchObject({ status: "in_progress", questionnaireId: v1Id });
  expect(Object.keys(response!.answers)).toHaveLength(1);
});
afterAll(async () => {
  await opened?.close();
});

describe("anxin wave", () => {
  it("lists the waves newest first with questionnaire, dates, status, response counts and targets", async () => {
    const lines = (await anxin("wave", "list")).split("\n");
    expect(lines).toEqual([
      ["2026-Q3", q3.id, "public-safety v1", `opens ${formatWaveTime(q3.opensAt)}`, "open-ended", "current", "3 completed / 2 in progress / 1 abandoned", "2 target(s)"].join("\t"),
      ["2026-Q2", q2.id, "public-safety v1", `opens ${formatWaveTime(q2.opensAt)}`, `closes ${formatWaveTime(q2.closesAt!)}`, "closed", "2 completed / 0 in progress / 0 abandoned", "1 target(s)"].join("\t"),
    ]);
    // Office time (default Asia/Shanghai) with its offset, to the minute.
    expect(formatWaveTime(new Date("2026-11-29T06:48:59.999Z"))).toBe("2026-11-29 14:48+08:00");
    expect(formatWaveTime(new Date("2026-11-29T06:48:59.999Z"), "UTC")).toBe("2026-11-29 06:48+00:00");
    expect(formatWaveTime(new Date("2026-07-01T07:00:00Z"), "Europe/Berlin")).toBe("2026-07-01 09:00+02:00");
  });

  it("refuses bad requests with one clear line and changes nothing", async () => {
    const before = await snapshot();
    const inAWeek = new Date(Date.now() + 7 * DAY).toISOString();
    const refusals: [string[], RegExp][] = [
      [["wave", "open", "--questionnaire", "nope"], /^no questionnaire nope is stored \(stored: public-safety v1\)$/],
      [["wave", "open", "--questionnaire", "public-safety@9"], /^questionnaire public-safety has no stored version 9 \(stored: public-safety v1, v3\)$/],
      [["wave", "open", "--questionnaire", "two words"], /^questionnaire "two words": expected a key or key@version, e\.g\. public-safety@3$/],
      [["wave", "open", "--opens", inAWeek, "--closes", inAWeek], /^closing time .+\+08:00 is not after the opening time .+\+08:00$/],
      [["wave", "open", "--closes", "2020-01-01"], /^closing time 2020-01-01 00:00\+08:00 is not after the opening time/],
      [["wave", "open", "--opens", "2026-01-01T00:00Z"], /^opening time 2026-01-01 08:00\+08:00 is in the past: a wave cannot be backdated \(leave it out to open now\)$/],
      [["wave", "open", "--name", "2026-Q3"], new RegExp(`^the name "2026-Q3" is already used by wave ${q3.id}; wave names must be unique`)],
      [["wave", "open", "--name", q2.id], new RegExp(`^the name "${q2.id}" is already used by wave ${q2.id}`)],
      [["wave", "open", "--name", "  "], /^a wave name cannot be empty$/],
      [["wave", "open", "--opens", "next quarter"], /^--opens: not a date or time: "next quarter" \(e\.g\. 2026-12-01/],
      [["wave", "open", "--closes", "2026-02-30"], /^--closes: not a date or time: "2026-02-30"/],
      [["wave", "close", "--wave", "2026-Q2"], /^wave "2026-Q2" is already closed \(since .+\+08:00\)$/],
      [["wave", "close", "--wave", "nope"], /^no wave "nope" \(give a wave id or name\)$/],
      [["wave", "close", "--at", "soon"], /^--at: not a date or time: "soon"/],
      [["wave", "close", "--at", "2026-01-01T08:00+08:00"], /^closing time 2026-01-01 08:00\+08:00 is in the past: a wave cannot be closed retroactively/],
    ];
    for (const [args, message] of refusals) await expect(anxin(...args), args.join(" ")).rejects.toThrow(message);
    expect(await snapshot()).toEqual(before);
    expect((await store.currentWave(new Date()))?.id).toBe(q3.id);
  });

  it("prints a refusal as one line on stderr with a non-zero exit", async () => {
    const result = await runAnxinProcess(["wave", "close", "--wave", "nope", "--db", db.target.url], { cwd: mkdtempSync(join(tmpdir(), "anxin-wave-")) });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split("\n")).toEqual(['anxin: no wave "nope" (give a wave id or name)']);
  });

  it("cancels a scheduled wave: it is deleted with its targets, and the running wave gets its end back", async () => {
    const at = (days: number) => {
      const t = new Date(Date.now() + days * DAY);
      t.setUTCSeconds(0, 0);
      return t;
    };
    const [opensA, opensB] = [at(10), at(20)];
    await anxin("wave", "open", "--name", "typo-A", "--opens", opensA.toISOString(), "--copy-targets");
    await anxin("wave", "open", "--name", "typo-B", "--opens", opensB.toISOString());
    const byName = async (name: string) => (await store.listWaves()).find((w) => w.name === name);
    const [a, b] = [(await byName("typo-A"))!, (await byName("typo-B"))!];
    // Scheduling them ended the running wave at A's opening, and A at B's.
    expect((await byName("2026-Q3"))?.closesAt).toEqual(opensA);
    expect(a.closesAt).toEqual(opensB);
    expect(await store.waveTargets(a.id)).toHaveLength(2);

    // Refusals: a wave that has opened, an unknown wave, no --wave. Nothing changes.
    const before = await snapshot();
    await expect(anxin("wave", "cancel", "--wave", "2026-Q3")).rejects.toThrow(new RegExp(`^wave "2026-Q3" has already opened \\(at ${formatWaveTime(q3.opensAt).replace("+", "\\+")}\\): close it instead \\(anxin wave close\\)$`));
    await expect(anxin("wave", "cancel", "--wave", "2026-Q2")).rejects.toThrow(/^wave "2026-Q2" has already opened \(at .+\+08:00\): close it instead/);
    await expect(anxin("wave", "cancel", "--wave", "nope")).rejects.toThrow(/^no wave "nope" \(give a wave id or name\)$/);
    await expect(anxin("wave", "cancel")).rejects.toThrow(/--wave/);
    expect(await snapshot()).toEqual(before);

    // Cancelling A: the running wave ends when B opens, the next wave scheduled after it.
    expect(await anxin("wave", "cancel", "--wave", "typo-A")).toBe(
      [`cancelled wave "typo-A" (${a.id}), which was to open ${formatWaveTime(opensA)}`, `wave "2026-Q3" (${q3.id}) gets its end back: closes ${formatWaveTime(opensB)}`].join("\n"),
    );
    expect(await byName("typo-A")).toBeUndefined();
    expect(await store.waveTargets(a.id)).toEqual([]);
    expect((await byName("2026-Q3"))?.closesAt).toEqual(opensB);
    // Cancelling B (by id): the running wave is open-ended again, as before any of this.
    expect(await anxin("wave", "cancel", "--wave", b.id)).toBe([`cancelled wave "typo-B" (${b.id}), which was to open ${formatWaveTime(opensB)}`, `wave "2026-Q3" (${q3.id}) gets its end back: open-ended`].join("\n"));
    expect((await store.listWaves()).map((w) => w.id)).toEqual([q3.id, q2.id]);
    expect((await byName("2026-Q3"))?.closesAt).toBeNull();
    expect((await store.currentWave(new Date(opensB.getTime() + DAY)))?.id).toBe(q3.id);
    const audit = (await store.listAudit()).filter((e) => e.action === "wave.cancel");
    expect(audit.map((e) => [e.target, e.details])).toEqual(
      expect.arrayContaining([
        [a.id, { name: "typo-A", restored: [q3.id], via: "cli" }],
        [b.id, { name: "typo-B", restored: [q3.id], via: "cli" }],
      ]),
    );
    expect(audit).toHaveLength(2);
  });

  it("schedules a wave that opens later: the current one stays until then, and ends when it opens", async () => {
    const opens = new Date(Date.now() + 30 * DAY);
    opens.setUTCSeconds(0, 0);
    const out = await anxin("wave", "open", "--name", "2027-Q1", "--opens", opens.toISOString(), "--closes", "2099-01-01T08:00+08:00");
    const scheduled = (await store.listWaves()).find((w) => w.name === "2027-Q1")!;
    expect(out).toBe(
      [
        `scheduled wave "2027-Q1" (${scheduled.id}) on public-safety v3: opens ${formatWaveTime(opens)}, closes 2099-01-01 08:00+08:00`,
        `wave "2026-Q3" (${q3.id}) ends when this one opens (one wave runs at a time)`,
        `until then the current wave does not change; from ${formatWaveTime(opens)} residents are asked this wave`,
      ].join("\n"),
    );
    expect((await store.currentWave(new Date()))?.id).toBe(q3.id);
    expect((await store.currentWave(new Date(opens.getTime() + 1000)))?.id).toBe(scheduled.id);
    expect((await store.listWaves()).find((w) => w.id === q3.id)?.closesAt).toEqual(opens);
    expect((await anxin("wave", "list")).split("\n")[0]).toBe(
      ["2027-Q1", scheduled.id, "public-safety v3", `opens ${formatWaveTime(opens)}`, "closes 2099-01-01 08:00+08:00", "scheduled", "0 completed / 0 in progress / 0 abandoned", "0 target(s)"].join("\t"),
    );
    // Closing it before it opens is refused; later, it moves its end.
    await expect(anxin("wave", "close", "--wave", "2027-Q1")).rejects.toThrow(/^wave "2027-Q1" opens at .+\+08:00: it cannot close at .+\+08:00, before it has opened$/);
    const end = new Date(opens.getTime() + 90 * DAY);
    expect(await anxin("wave", "close", "--wave", scheduled.id, "--at", end.toISOString())).toBe(`wave "2027-Q1" (${scheduled.id}) will close at ${formatWaveTime(end)}`);
    expect((await store.listWaves()).find((w) => w.id === scheduled.id)?.closesAt).toEqual(end);
    expect((await store.listAudit()).filter((a) => a.target === scheduled.id).map((a) => a.action).sort()).toEqual(["wave.close", "wave.open"]);
  });

  it("opens the next wave on the default questionnaire's latest version with the targets copied; a resident part-way through the old wave is moved to it", async () => {
    const scheduled = (await store.listWaves()).find((w) => w.name === "2027-Q1")!;
    const out = (await anxin("wave", "open", "--copy-targets")).split("\n");
    // The default name carries the office's date (Asia/Shanghai here), not UTC's.
    const today = formatLocalDate(new Date(), "Asia/Shanghai");
    const opened = (await store.listWaves()).find((w) => w.name === `公众安全感和满意度调查 ${today}`)!;
    // It runs until the scheduled wave opens.
    expect(opened).toMatchObject({ questionnaireKey: "public-safety", questionnaireVersion: 3, closesAt: scheduled.opensAt });
    expect(out).toEqual([
      `opened wave "公众安全感和满意度调查 ${today}" (${opened.id}) on public-safety v3: opens ${formatWaveTime(opened.opensAt)}, closes ${formatWaveTime(scheduled.opensAt)}`,
      'copied 2 target(s) from "2026-Q3"',
      `wave "2026-Q3" (${q3.id}) ends when this one opens (one wave runs at a time)`,
      `it ends when the scheduled wave "2027-Q1" (${scheduled.id}) opens`,
      `it replaces "2026-Q3" (${q3.id}) as the current wave: residents part-way through "2026-Q3" are offered the new wave on their next message (their unfinished response ends as abandoned)`,
    ]);
    expect((await store.currentWave(new Date()))?.id).toBe(opened.id);
    const sortTargets = (t: { label: string }[]) => [...t].sort((a, b) => a.label.localeCompare(b.label));
    expect(sortTargets(await store.waveTargets(opened.id))).toEqual(sortTargets(await store.waveTargets(q3.id)));
    const audit = (await store.listAudit()).find((a) => a.action === "wave.open" && a.target === opened.id);
    expect(audit?.details).toMatchObject({ questionnaire: "public-safety@3", targetsFrom: q3.id, targets: 2, replaces: q3.id, ends: [q3.id], via: "cli" });

    const statuses = (await anxin("wave", "list")).split("\n").map((line) => line.split("\t")[5]);
    expect(statuses).toEqual(["scheduled", "current", "closed", "closed"]);

    // The resident's next message: the old response ends, the new wave's survey starts.
    const residentId = await residentOf("mid");
    const reply = await send("mid", { kind: "text", text: "1" });
    expect(reply.events).toContainEqual({ type: "ResponseAbandoned", waveId: q3.id, reason: "wave-changed" });
    expect(reply.events).toContainEqual({ type: "ResponseStarted", waveId: opened.id, questionnaireId: "public-safety", version: 3 });
    expect(reply.messages.some((m) => m.kind === "question")).toBe(true);
    expect((await store.getResponse(residentId, q3.id))?.status).toBe("abandoned");
    expect((await store.getResponse(residentId, opened.id))?.status).toBe("in_progress");

    // A second wave opened the same day gets a name of its own, and ends the first.
    const again = await anxin("wave", "open", "--questionnaire", "public-safety@1");
    expect(again).toMatch(new RegExp(`^opened wave "公众安全感和满意度调查 ${today} \\(2\\)" \\(\\w+\\) on public-safety v1: `));
    expect(again).toContain(`wave "公众安全感和满意度调查 ${today}" (${opened.id}) ends when this one opens`);
    expect(again).toContain(`it replaces "公众安全感和满意度调查 ${today}" (${opened.id}) as the current wave`);
    const second = (await store.currentWave(new Date()))!;
    // Closing it leaves no wave open: none was left running underneath.
    expect(await anxin("wave", "close")).toBe(
      [
        `closed wave "公众安全感和满意度调查 ${today} (2)" (${second.id}) at ${formatWaveTime((await store.listWaves()).find((w) => w.id === second.id)!.closesAt!)}`,
        "no wave is open now: residents who want the survey are told none is running, and those part-way through are told it has ended",
      ].join("\n"),
    );
    expect(await store.currentWave(new Date())).toBeNull();
    await expect(anxin("wave", "close")).rejects.toThrow(/^no wave is open now; say which wave to close$/);

    // Part-way through a closed wave: told it has ended. Anyone else: none is running.
    const ended = await send("mid", { kind: "text", text: "1" });
    expect(ended.events).toContainEqual({ type: "ResponseAbandoned", waveId: opened.id, reason: "wave-closed" });
    expect(ended.messages.map((m) => m.text).join("\n")).toContain("This survey has ended. We have received your earlier answers. Thank you!");
    const start = await send("late", { kind: "start" });
    const consent = start.messages.flatMap((m) => m.options ?? []).find((o) => o.payload === "c:y")!;
    const afterConsent = await send("late", { kind: "button", payload: consent.payload });
    expect(afterConsent.messages.map((m) => m.text).join("\n")).toContain("There is no survey running right now.");
  });

  it("closing the current wave hands over to an older wave left open (data from before one-wave-at-a-time)", async () => {
    const now = Date.now();
    const older = await store.createWave({ name: "legacy-A", questionnaireId: v1Id, opensAt: new Date(now - 3 * DAY) });
    const newer = await store.createWave({ name: "legacy-B", questionnaireId: v1Id, opensAt: new Date(now - 2 * DAY) });
    expect((await store.currentWave(new Date()))?.id).toBe(newer.id);
    expect(await anxin("wave", "close")).toMatch(
      new RegExp(`^closed wave "legacy-B" \\(${newer.id}\\) at .+\\+08:00\\nthe current wave is now "legacy-A" \\(${older.id}\\), which was still open: residents are asked it from now on`),
    );
    expect(await anxin("wave", "close")).toMatch(/^closed wave "legacy-A" .+\nno wave is open now/);
    expect(await store.currentWave(new Date())).toBeNull();
    expect((await store.listAudit()).filter((a) => a.action === "wave.close" && (a.target === older.id || a.target === newer.id))).toHaveLength(2);
  });
});

describe("wave times and references", () => {
  it("reads ISO dates and times as office time unless an offset is given", () => {
    const zone = "Asia/Shanghai";
    expect(parseWaveTime("--opens", "2026-12-01", zone).toISOString()).toBe("2026-11-30T16:00:00.000Z");
    expect(parseWaveTime("--opens", "2026-12-01T08:00", zone).toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(parseWaveTime("--opens", "2026-12-01 08:00:30.5Z", zone).toISOString()).toBe("2026-12-01T08:00:30.500Z");
    expect(parseWaveTime("--opens", "2026-12-01T08:00+08:00", "Europe/Berlin").toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(parseWaveTime("--opens", "2026-12-01T08:00-0130", zone).toISOString()).toBe("2026-12-01T09:30:00.000Z");
    expect(parseWaveTime("--opens", "2026-12-01 08:00", "Europe/Berlin").toISOString()).toBe("2026-12-01T07:00:00.000Z");
    // What `anxin wave list` prints reads back as the same instant.
    expect(parseWaveTime("--at", formatWaveTime(new Date("2026-10-25T00:30:00Z"), "Europe/Berlin"), zone).toISOString()).toBe("2026-10-25T00:30:00.000Z");
    for (const bad of ["2026-12-32", "2026-12-01T24:00", "2026-12-01T08:00+25:00", "1 Dec 2026", "", "2026-12-01Z"]) {
      expect(() => parseWaveTime("--closes", bad, zone), bad).toThrow(/^--closes: not a date or time/);
    }
    // A fixed offset (the JSON API's `offset`) may stand for the zone, unless the text has its own.
    expect(parseWaveTimeText("2026-12-01T08:00", "+08:00")?.toISOString()).toBe("2026-12-01T00:00:00.000Z");
    expect(parseWaveTimeText("2026-12-01T08:00Z", "+08:00")?.toISOString()).toBe("2026-12-01T08:00:00.000Z");
    expect(parseWaveTimeText("2026-12-01T08:00", "+25:00")).toBeNull();
    expect(parseWaveTimeText("2026-02-30T08:00", "+08:00")).toBeNull();
    expect([utcOffsetMinutes("Z"), utcOffsetMinutes("+08:00"), utcOffsetMinutes("-0130"), utcOffsetMinutes("8")]).toEqual([0, 480, -90, null]);
  });

  it("reads questionnaire references and statuses", () => {
    expect(parseQuestionnaireRef("public-safety")).toEqual({ key: "public-safety" });
    expect(parseQuestionnaireRef("public-safety@2")).toEqual({ key: "public-safety", version: 2 });
    expect(parseQuestionnaireRef("public-safety@v2")).toEqual({ key: "public-safety", version: 2 });
    expect(parseQuestionnaireRef("a@b")).toBeUndefined();
    const now = new Date("2026-11-29T00:00:00Z");
    const wave = (opens: string, closes: string | null): WaveRecord => ({ id: opens, name: opens, questionnaireId: "q", questionnaireKey: "k", questionnaireVersion: 1, opensAt: new Date(opens), closesAt: closes ? new Date(closes) : null });
    const current = wave("2026-11-01", null);
    expect(waveStatus(current, current, now)).toBe("current");
    expect(waveStatus(wave("2026-10-01", null), current, now)).toBe("open");
    expect(waveStatus(wave("2026-10-01", "2026-11-29T00:00:00Z"), current, now)).toBe("closed");
    expect(waveStatus(wave("2026-12-01", null), current, now)).toBe("scheduled");
  });
});

describe.each(BACKENDS)("wave store methods on $name", ({ create }) => {
  let backend: TestStore;
  let s: Store;
  beforeAll(async () => {
    backend = await openTestStore({ db: await create() });
    s = backend.store;
    await s.upsertRegion({ code: REGION.slice(0, 6), name: { en: "District" } });
    await s.upsertRegion({ code: REGION.slice(0, 9), name: { en: "Town" }, parentCode: REGION.slice(0, 6) });
    await s.upsertRegion({ code: REGION, name: { en: "Village" }, parentCode: REGION.slice(0, 9) });
  });
  afterAll(async () => {
    await backend?.close();
  });

  it("counts responses by wave and status, copies targets, and closes a wave", async () => {
    const { record } = await storeQuestionnaire(s, loadDefaultQuestionnaire(), "yaml");
    const a = await s.createWave({ name: "A", questionnaireId: record.id, opensAt: new Date(Date.now() - 10 * DAY) });
    const b = await s.createWave({ name: "B", questionnaireId: record.id, opensAt: new Date(Date.now() - DAY) });
    for (const [i, status] of (["completed", "completed", "abandoned", "in_progress"] as const).entries()) {
      await seedResponse(s, { user: `u${i}`, wave: i < 3 ? a : b, questionnaireId: record.id, region: REGION, channel: "web", status, answers: {}, startedAt: new Date(), seconds: 60 });
    }
    const counts = (await s.responseCountsByWave()).sort((x, y) => `${x.waveId}${x.status}`.localeCompare(`${y.waveId}${y.status}`));
    expect(counts).toEqual(
      [
        { waveId: a.id, status: "abandoned", count: 1 },
        { waveId: a.id, status: "completed", count: 2 },
        { waveId: b.id, status: "in_progress", count: 1 },
      ].sort((x, y) => `${x.waveId}${x.status}`.localeCompare(`${y.waveId}${y.status}`)),
    );

    await s.setWaveTarget(a.id, "safety_overall.rate", "省均", 0.9);
    await s.setWaveTarget(a.id, "sat_police.rate", "市均", 0.8);
    await s.setWaveTarget(b.id, "safety_overall.rate", "省均", 0.5);
    expect(await s.copyWaveTargets(a.id, b.id)).toBe(2);
    const byKey = (t: { measureId: string; label: string }[]) => [...t].sort((x, y) => `${x.measureId}${x.label}`.localeCompare(`${y.measureId}${y.label}`));
    expect(byKey(await s.waveTargets(b.id))).toEqual(byKey(await s.waveTargets(a.id)));

    const at = new Date();
    expect(await s.closeWave(b.id, at)).toEqual({ ...b, closesAt: at });
    expect((await s.currentWave(new Date(at.getTime() + 1)))?.id).toBe(a.id);
    expect(await s.closeWave("no-such-wave", at)).toBeNull();
  });

  it("removes one target of a wave, and says whether there was one", async () => {
    const { record } = await storeQuestionnaire(s, loadDefaultQuestionnaire(), "yaml");
    const c = await s.createWave({ name: "C", questionnaireId: record.id, opensAt: new Date(Date.now() - DAY) });
    const d = await s.createWave({ name: "D", questionnaireId: record.id, opensAt: new Date(Date.now() - DAY / 2) });
    await s.setWaveTarget(c.id, "safety_overall.rate", "省均", 0.9);
    await s.setWaveTarget(c.id, "safety_overall.rate", "市均", 0.8);
    await s.setWaveTarget(c.id, "sat_police.rate", "省均", 0.7);
    await s.setWaveTarget(d.id, "safety_overall.rate", "省均", 0.6);
    expect(await s.deleteWaveTarget(c.id, "safety_overall.rate", "省均")).toBe(true);
    const left = (await s.waveTargets(c.id)).sort((x, y) => `${x.measureId}${x.label}`.localeCompare(`${y.measureId}${y.label}`));
    expect(left).toEqual([
      { measureId: "safety_overall.rate", label: "市均", value: 0.8 },
      { measureId: "sat_police.rate", label: "省均", value: 0.7 },
    ]);
    // Only that wave's target under that measure and label: the same label elsewhere stays.
    expect(await s.waveTargets(d.id)).toEqual([{ measureId: "safety_overall.rate", label: "省均", value: 0.6 }]);
    expect(await s.deleteWaveTarget(c.id, "safety_overall.rate", "省均")).toBe(false);
    expect(await s.deleteWaveTarget("no-such-wave", "safety_overall.rate", "市均")).toBe(false);
    expect(await s.waveTargets(c.id)).toHaveLength(2);
  });

  it("sets or clears a wave's end, and deletes a wave without responses with its targets", async () => {
    const { record } = await storeQuestionnaire(s, loadDefaultQuestionnaire(), "yaml");
    const running = await s.createWave({ name: "E", questionnaireId: record.id, opensAt: new Date(Date.now() - DAY) });
    const later = await s.createWave({ name: "F", questionnaireId: record.id, opensAt: new Date(Date.now() + 10 * DAY) });
    await s.setWaveTarget(later.id, "safety_overall.rate", "省均", 0.9);
    await s.setWaveTarget(running.id, "safety_overall.rate", "省均", 0.8);
    expect(await s.setWaveEnd(running.id, later.opensAt)).toEqual({ ...running, closesAt: later.opensAt });
    expect(await s.setWaveEnd(running.id, null)).toEqual({ ...running, closesAt: null });
    expect((await s.listWaves()).find((w) => w.id === running.id)?.closesAt).toBeNull();
    expect(await s.setWaveEnd("no-such-wave", null)).toBeNull();

    expect(await s.deleteWave(later.id)).toBe(true);
    expect((await s.listWaves()).map((w) => w.id)).not.toContain(later.id);
    expect(await s.waveTargets(later.id)).toEqual([]);
    expect(await s.waveTargets(running.id)).toEqual([{ measureId: "safety_overall.rate", label: "省均", value: 0.8 }]);
    expect(await s.deleteWave(later.id)).toBe(false);
    expect(await s.deleteWave("no-such-wave")).toBe(false);

    // A wave with responses stays, with its targets and responses.
    await seedResponse(s, { user: "keep", wave: running, questionnaireId: record.id, region: REGION, channel: "web", status: "completed", answers: {}, startedAt: new Date(), seconds: 60 });
    expect(await s.deleteWave(running.id)).toBe(false);
    expect((await s.listWaves()).map((w) => w.id)).toContain(running.id);
    expect(await s.waveTargets(running.id)).toHaveLength(1);
    expect((await s.responseCountsByWave()).find((c) => c.waveId === running.id)).toEqual({ waveId: running.id, status: "completed", count: 1 });
  });
});
