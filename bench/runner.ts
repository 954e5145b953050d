/**
 * Answers per second through the conversation runner with durable writes (SQLite file, WAL,
 * synchronous=NORMAL, one transaction per message), against the same rows written by raw
 * better-sqlite3 in the same run: the ratio is the price of the engine, Prisma and the checks.
 */
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { AutoResident } from "../tests/support/auto-resident.js";
import { surveyFixture } from "../tests/support/survey-fixture.js";
import { step } from "../core/engine/step.js";
import { initialState, type EngineContext } from "../core/engine/types.js";
import { openSqliteFile } from "../prisma/migrate.js";

/** Runs the runner benchmark; returns the lines to print. */
export async function benchRunner(options: { residents?: number; concurrency?: number } = {}): Promise<string[]> {
  const residents = options.residents ?? 200;
  const concurrency = options.concurrency ?? 20;
  const fx = await surveyFixture();
  try {
    // Warm-up: compile queries and load caches outside the measurement.
    await completeOne(fx, "warm", 1);

    let answers = 0;
    let turns = 0;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < residents) {
          const i = next++;
          const counts = await completeOne(fx, `bench-${i}`, 100 + i);
          answers += counts.answers;
          turns += counts.turns;
        }
      }),
    );
    const runnerSeconds = (performance.now() - started) / 1000;
    const runnerRate = answers / runnerSeconds;

    // The same rows by hand: per turn one transaction with the message id, the session state and the answer.
    if (fx.db.target.provider !== "sqlite") throw new Error("the runner benchmark runs on SQLite");
    const raw = openSqliteFile(fx.db.target.file);
    const rawRate = rawAnswersPerSecond(raw, answers, turns);
    raw.close();

    const ctx: EngineContext = {
      now: new Date().toISOString(),
      wave: { id: fx.wave.id, questionnaireId: fx.questionnaire.id, version: fx.questionnaire.version, open: true },
      questionnaire: () => fx.questionnaire,
      regions: fx.regions,
    };
    const engineRate = engineStepsPerSecond(ctx);
    return [
      `runner: ${residents} residents × default survey, concurrency ${concurrency}: ${answers} answers in ${turns} messages, ${runnerSeconds.toFixed(1)} s`,
      `  runner (engine + Prisma, durable, one transaction per message): ${runnerRate.toFixed(0)} answers/s (${((runnerSeconds * 1000) / turns).toFixed(2)} ms/message)`,
      `  raw better-sqlite3, same rows, one transaction per message:     ${rawRate.toFixed(0)} answers/s`,
      `  ratio raw / runner: ${(rawRate / runnerRate).toFixed(1)}×`,
      `  engine alone (pure step): ${engineRate.toFixed(0)} steps/s`,
    ];
  } finally {
    await fx.close();
  }
}

async function completeOne(fx: Awaited<ReturnType<typeof surveyFixture>>, user: string, seed: number): Promise<{ answers: number; turns: number }> {
  const resident = new AutoResident(fx.questionnaire, fx.regions, seed, "mixed", user);
  let counter = 0;
  const send = (input: Parameters<typeof fx.runner.handle>[0]["input"]) =>
    fx.runner.handle({ platform: "bench", platformUserId: user, chatId: user, messageId: `${user}-${++counter}`, input });
  let reply = await send({ kind: "start" });
  let answers = 0;
  for (;;) {
    const planned = resident.plan(reply.messages);
    if (!planned) break;
    reply = await send(planned.input);
    answers += reply.events.filter((e) => e.type === "AnswerRecorded").length;
    resident.acknowledge(planned, reply.events.some((e) => e.type === "ResponseCompleted"));
  }
  return { answers, turns: counter };
}

function rawAnswersPerSecond(db: Database.Database, answers: number, turns: number): number {
  const residentId = randomUUID();
  db.prepare(`INSERT INTO "Resident" (id, lang, role, optedOut, createdAt, updatedAt) VALUES (?, 'zh-CN', 'resident', 0, ?, ?)`).run(residentId, Date.now(), Date.now());
  db.prepare(`INSERT INTO "Conversation" (residentId, state, revision, updatedAt) VALUES (?, '{}', 0, ?)`).run(residentId, Date.now());
  const wave = db.prepare(`SELECT id, questionnaireId FROM "Wave" LIMIT 1`).get() as { id: string; questionnaireId: string };
  const responseId = randomUUID();
  db.prepare(`INSERT INTO "Response" (id, residentId, waveId, questionnaireId, status, channel, startedAt, updatedAt) VALUES (?, ?, ?, ?, 'in_progress', 'raw', ?, ?)`).run(
    responseId,
    residentId,
    wave.id,
    wave.questionnaireId,
    Date.now(),
    Date.now(),
  );
  const processed = db.prepare(`INSERT INTO "ProcessedMessage" (platform, messageId, residentId, processedAt) VALUES ('raw', ?, ?, ?)`);
  const conversation = db.prepare(`UPDATE "Conversation" SET state = ?, revision = revision + 1, updatedAt = ? WHERE residentId = ? AND revision = ?`);
  const answer = db.prepare(
    `INSERT INTO "Answer" (id, responseId, questionId, value, answeredAt) VALUES (?, ?, ?, ?, ?) ON CONFLICT (responseId, questionId) DO UPDATE SET value = excluded.value, answeredAt = excluded.answeredAt`,
  );
  const state = JSON.stringify(initialState("zh-CN"));
  const perTurn = answers / turns;
  let revision = 0;
  let written = 0;
  const turn = db.transaction((i: number) => {
    processed.run(`m${i}`, residentId, Date.now());
    conversation.run(state, Date.now(), residentId, revision);
    revision++;
    // Spread the answers over the messages as the runner saw them.
    while (written < Math.round((i + 1) * perTurn)) {
      answer.run(randomUUID(), responseId, `q${written % 40}`, '{"kind":"choice","option":"safe"}', Date.now());
      written++;
    }
  });
  const started = performance.now();
  for (let i = 0; i < turns; i++) turn(i);
  return written / ((performance.now() - started) / 1000);
}

function engineStepsPerSecond(ctx: EngineContext): number {
  let state = initialState("zh-CN");
  let steps = 0;
  // "1" answers every question but the (voluntary) phone number, which "0" skips.
  let text = "1";
  const started = performance.now();
  while (performance.now() - started < 1000) {
    const result = step(ctx, state, { kind: "text", text });
    state = result.events.some((e) => e.type === "ResponseCompleted") ? initialState("zh-CN") : result.state;
    text = result.messages.some((m) => m.expects === "phone") ? "0" : "1";
    steps++;
  }
  return steps / ((performance.now() - started) / 1000);
}
