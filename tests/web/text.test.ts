/**
 * What a resident types in the web chat reaches the database as they typed it: emoji sequences
 * whole (👮‍♀️ keeps its joiner), and never half a surrogate pair (not valid UTF-8 text).
 */
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, lastOptions, startWebChat, type WebTestApp } from "./support.js";

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The stored suggestion and text answer of this session's resident, and whether their bytes are UTF-8. */
function stored(dbFile: string, sessionId: string): { suggestion: string; answer: unknown; utf8: boolean } {
  const db = new Database(dbFile, { readonly: true });
  try {
    const row = db
      .prepare(
        `SELECT hex(s."text") AS suggestionHex, hex(a."value") AS answerHex FROM "Identity" i
         JOIN "Suggestion" s ON s."residentId" = i."residentId"
         JOIN "Response" r ON r."residentId" = i."residentId"
         JOIN "Answer" a ON a."responseId" = r."id" AND a."questionId" = 'suggestion'
         WHERE i."platform" = 'web' AND i."platformUserId" = ?`,
      )
      .get(sessionId) as { suggestionHex: string; answerHex: string } | undefined;
    if (!row) throw new Error("nothing stored for this session");
    // Decoded strictly from the stored bytes: invalid UTF-8 throws instead of turning into U+FFFD.
    const decode = (hex: string) => new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(hex, "hex"));
    let utf8 = true;
    let suggestion = "";
    let answer: unknown;
    try {
      suggestion = decode(row.suggestionHex);
      answer = JSON.parse(decode(row.answerHex));
    } catch {
      utf8 = false;
    }
    return { suggestion, answer, utf8 };
  } finally {
    db.close();
  }
}

describe("typed text in the web chat, stored", () => {
  let app: WebTestApp;
  beforeAll(async () => {
    app = await startWebChat({ messagesPerMinute: 10_000, sessionsPerMinute: 1000 });
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A resident who consented and answered every question up to the suggestion. */
  async function atSuggestion(): Promise<{ client: ApiClient; sessionId: string }> {
    const client = new ApiClient(app.url);
    await client.session({ lang: "zh-CN" });
    const opened = await client.send({ kind: "open" });
    let reply = await client.send({ kind: "button", payload: lastOptions(opened.body).find((o) => o.label === "同意")!.payload });
    let previous = "";
    for (let i = 0; i < 40; i++) {
      const question = (reply.body.messages as { kind: string; questionId?: string }[]).findLast((m) => m.kind === "question");
      const id = question?.questionId ?? "";
      if (id === "suggestion") return { client, sessionId: client.cookie!.split("=")[1]!.split(".")[0]! };
      // A multiple choice stays open after a pick: "0" is "done".
      reply = await client.send({ kind: "text", text: id === "hot_issues" && previous === id ? "0" : id === "victim" ? "否" : "1" });
      previous = id;
    }
    throw new Error("never reached the suggestion question");
  }

  it.each([
    ["a policewoman and a family", "多派👮‍♀️巡逻，👨‍👩‍👧晚上散步放心"],
    ["flags and a skin tone", "🇨🇳🏳️‍🌈🏴󠁧󠁢󠁳󠁣󠁴󠁿 谢谢👍🏽 👩🏽‍💻"],
  ])("keeps %s exactly as sent", async (_what, text) => {
    const { client, sessionId } = await atSuggestion();
    const sent = await client.send({ kind: "text", text });
    expect(sent.status).toBe(200);
    const row = stored(app.dbFile, sessionId);
    expect(row.utf8).toBe(true);
    expect(row.suggestion).toBe(text);
    expect(row.answer).toEqual({ kind: "text", value: text });
  });

  it("drops a joiner between Chinese characters, which is invisible and joins nothing", async () => {
    const { client, sessionId } = await atSuggestion();
    await client.send({ kind: "text", text: "路灯\u200d太暗" });
    expect(stored(app.dbFile, sessionId).suggestion).toBe("路灯太暗");
  });

  it.each([["\uD800"], ["a\uDC00b"], ["多巡逻\uD83D"]])("stores %j as valid UTF-8 with U+FFFD, and echoes no lone surrogate", async (text) => {
    const { client, sessionId } = await atSuggestion();
    const sent = await client.send({ kind: "text", text });
    expect(sent.status).toBe(200);
    expect(JSON.stringify(sent.body)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    const row = stored(app.dbFile, sessionId);
    expect(row.utf8).toBe(true);
    expect(row.suggestion).not.toMatch(LONE);
    expect(row.suggestion).toBe(text.replace(LONE, "\uFFFD"));
    expect(JSON.stringify(row.answer)).not.toMatch(/\\ud[89a-f][0-9a-f]{2}/i);
    const suggestions = await app.store.listSuggestions({});
    for (const suggestion of suggestions) expect(suggestion.text).not.toMatch(LONE);
  });
});
