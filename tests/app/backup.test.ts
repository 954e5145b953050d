/**
 * `anxin db backup` while residents keep answering: the copy is made by the real executable in a
 * child process as this process goes on acknowledging answers; it opens, passes SQLite's integrity
 * check, and holds every answer acknowledged before the backup was asked for.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AutoResident } from "../support/auto-resident.js";
import { freshSqlite } from "../support/databases.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";
import { runAnxin } from "../support/anxin-process.js";
import type { OutMessage } from "../../core/engine/types.js";

const RESIDENTS = 8;

describe("anxin db backup", () => {
  let fx: SurveyFixture;
  let file: string;

  beforeAll(async () => {
    fx = await surveyFixture({ db: freshSqlite() });
    file = fx.db.target.provider === "sqlite" ? fx.db.target.file : "";
  });
  afterAll(async () => {
    await fx?.close();
  });

  it("copies a database under load, checked, with every answer acknowledged before it was asked for", async () => {
    const acknowledged = new Map<string, Set<string>>();
    let stop = false;
    /** One resident answering until the survey is complete (or the test says stop). */
    const survey = async (user: string, seed: number): Promise<void> => {
      const resident = new AutoResident(fx.questionnaire, fx.regions, seed, "mixed", user);
      const mine = new Set<string>();
      acknowledged.set(user, mine);
      let messages: OutMessage[] = (await fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, langCode: "zh-CN", input: { kind: "start" } })).messages;
      while (!stop) {
        const planned = resident.plan(messages);
        if (!planned) break;
        const reply = await fx.runner.handle({ platform: "test", platformUserId: user, chatId: user, input: planned.input });
        resident.acknowledge(planned, reply.events.some((e) => e.type === "ResponseCompleted"));
        if (planned.questionId && planned.answer) mine.add(planned.questionId);
        messages = reply.messages;
        // Residents' messages come from the network; here nothing else would let timers and the
        // child process's events run between turns (the SQLite driver answers synchronously).
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    /** A stream of residents, one after another, until the test says stop. */
    const answer = async (n: number): Promise<void> => {
      for (let generation = 0; !stop; generation++) await survey(`load-${n}-${generation}`, 100 + n * 1000 + generation);
    };
    const load = Promise.all(Array.from({ length: RESIDENTS }, (_, n) => answer(n)));

    // Let the load get going, then take a snapshot of what has been acknowledged so far.
    while ([...acknowledged.values()].reduce((sum, s) => sum + s.size, 0) < RESIDENTS * 3) await new Promise((r) => setTimeout(r, 20));
    const before = new Map([...acknowledged].map(([user, questions]) => [user, new Set(questions)]));
    const target = join(dirname(file), "backup.db");
    const backup = await runAnxin(["db", "backup", target, "--db", fx.db.target.url], { cwd: dirname(file), timeoutMs: 120_000 });
    const answeredDuring = [...acknowledged.values()].reduce((sum, s) => sum + s.size, 0) - [...before.values()].reduce((sum, s) => sum + s.size, 0);
    stop = true;
    await load;

    expect(backup.stderr).toBe("");
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^backed up .* \(.* MB, checked\): \d+ responses, \d+ answers/);
    expect(answeredDuring).toBeGreaterThan(0); // the app really was writing while the copy was made
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(existsSync(`${target}.partial`)).toBe(false);

    const copy = new Database(target, { readonly: true });
    try {
      expect(copy.pragma("integrity_check", { simple: true })).toBe("ok");
      const stored = copy.prepare(`SELECT a."questionId" AS q FROM "Answer" a JOIN "Response" r ON r."id" = a."responseId" JOIN "Identity" i ON i."residentId" = r."residentId" WHERE i."platform" = 'test' AND i."platformUserId" = ?`);
      for (const [user, questions] of before) {
        const inCopy = new Set((stored.all(user) as { q: string }[]).map((row) => row.q));
        for (const question of questions) expect(inCopy.has(question), `${user}: ${question}`).toBe(true);
      }
    } finally {
      copy.close();
    }

    // A second backup to the same name is refused, and the first is left as it was.
    const again = await runAnxin(["db", "backup", target, "--db", fx.db.target.url], { cwd: dirname(file) });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("exists already");
  }, 180_000);

  it("points PostgreSQL users to pg_dump", async () => {
    const run = await runAnxin(["db", "backup", "x.dump", "--db", "postgresql://anxin@127.0.0.1:5432/anxin"], { cwd: dirname(file) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("pg_dump");
  });
});
