/**
 * `anxin chat` fed on stdin: a scripted resident completes the default survey in each language,
 * and the answers stored in the database are exactly the script's choices.
 */
import { describe, expect, it } from "vitest";
import { AutoResident } from "../support/auto-resident.js";
import { surveyFixture } from "../support/survey-fixture.js";
import { runAnxin } from "../support/anxin-process.js";
import { openStore } from "../../prisma/store.js";
import { freshSqlite } from "../support/databases.js";
import type { Lang } from "../../core/engine/types.js";
import { t } from "../../core/engine/i18n.js";

/** Plays a typing resident in-process and returns its lines and expected answers. */
async function script(lang: Lang, seed: number): Promise<{ lines: string[]; resident: AutoResident }> {
  const fx = await surveyFixture();
  try {
    const resident = new AutoResident(fx.questionnaire, fx.regions, seed, "type", "terminal");
    const lines: string[] = [];
    let reply = await fx.runner.handle({ platform: "cli", platformUserId: "terminal", chatId: "terminal", langCode: lang, input: { kind: "start" } });
    for (;;) {
      const planned = resident.plan(reply.messages);
      if (!planned || planned.input.kind !== "text") break;
      lines.push(planned.input.text);
      reply = await fx.runner.handle({ platform: "cli", platformUserId: "terminal", chatId: "terminal", input: planned.input });
      resident.acknowledge(planned, reply.events.some((e) => e.type === "ResponseCompleted"));
    }
    expect(resident.done).toBe(true);
    return { lines, resident };
  } finally {
    await fx.close();
  }
}

describe("anxin chat on stdin", () => {
  it.each([["zh-CN"], ["zh-TW"], ["en"]] as const)("completes the default survey in %s with the script's answers stored", async (lang) => {
    const { lines, resident } = await script(lang, 31 + lang.length);
    // The chat's own database, seeded like the reference run (same regions, same survey).
    const seededDb = await surveyFixture({ db: freshSqlite() });
    const url = seededDb.db.target.url;
    await seededDb.store.close();
    const result = await runAnxin(["chat", "--db", url, "--lang", lang], { cwd: process.cwd(), input: `${lines.join("\n")}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("---");
    const store = await openStore(seededDb.db.target);
    try {
      const identity = await store.findIdentity("cli", "terminal");
      const wave = await store.currentWave(new Date());
      const response = await store.getResponse(identity!.residentId, wave!.id);
      expect(response?.status).toBe("completed");
      expect(response?.answers).toEqual(resident.acknowledged);
      expect((await store.getResident(identity!.residentId))?.lang).toBe(lang);
      // A number left at the phone question is the resident's, not an answer.
      expect(await store.getResidentPhone(identity!.residentId)).toBe(resident.phone ?? null);
    } finally {
      await store.close();
      await seededDb.db.drop();
    }
  });

  it("prints numbered options as plain text", async () => {
    const result = await runAnxin(["chat", "--lang", "en"], { cwd: process.cwd(), input: "1\n" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Do you agree to take part\?\n  1\. I agree\n  2\. No, thanks/);
    expect(result.stdout).toMatch(/\(1\/\d+\)/);
  });

  it.each([["zh-CN"], ["zh-TW"], ["en"]] as const)("in %s, echoes scripted input after a prompt and asks to type numbers, not to tap", async (lang) => {
    // Consent, three scale questions, then the multiple-choice question (up to 3) and a wrong number.
    const result = await runAnxin(["chat", "--lang", lang], { cwd: process.cwd(), input: "1\n1\n1\n1\n99\n" });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\n---\n> 1\n/);
    expect(result.stdout).toMatch(/\n---\n> 99\n/);
    expect(result.stdout).toContain(t(lang, "typed.hint.multiple", { max: 3 }));
    expect(result.stdout).toContain(t(lang, "typed.error.multiple"));
    expect(result.stdout).not.toContain(t(lang, "hint.multiple", { max: 3 }));
    expect(result.stdout).not.toContain(t(lang, "error.multiple"));
    if (lang === "en") expect(result.stdout).not.toMatch(/\btap\b/i);
  });

  it("refuses an unknown language with one line", async () => {
    const result = await runAnxin(["chat", "--lang", "fr"], { cwd: process.cwd() });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('anxin: --lang must be zh-CN, zh-TW or en (got "fr")');
  });
});
