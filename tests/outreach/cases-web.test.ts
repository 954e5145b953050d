/**
 * Case feedback in the web chat as `anxin start` serves it: a resident reports a concern from the
 * page; an officer's updates reach the page by long poll while it is open and wait in the web
 * inbox (WebInboxItem rows) while it is closed; the rating question after closing takes a typed
 * digit.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { startApp, type RunningApp } from "../../app/start.js";
import type { WebChat } from "../../bots/web/channel.js";
import { ApiClient, texts } from "../web/support.js";

let app: RunningApp;
let chat: WebChat;
let n = 0;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "anxin-cases-web-"));
  app = await startApp(loadConfig({ DATABASE_URL: `file:${join(dir, "anxin.db")}`, DATA_DIR: dir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "silent", APP_SECRET: "cases-web-test-secret-0123456789abcdef" }));
  const web = app.channels.find((c) => c.platform === "web");
  if (!web) throw new Error("no web chat");
  chat = web as WebChat;
  await app.store.setRole("test", "officer-wu", "officer");
});
afterAll(async () => {
  await app?.close();
});

/** The officer types a staff command (from any channel; here straight into the runner). */
async function officer(text: string): Promise<string> {
  const reply = await app.runner.handle({ platform: "test", platformUserId: "officer-wu", chatId: "officer-wu", messageId: `o${++n}`, input: { kind: "text", text } });
  return reply.messages.map((m) => m.text).join("\n");
}

type Push = { lang: string; messages: { text: string; options?: { key: string; payload: string }[] }[] };

async function poll(client: ApiClient): Promise<Push[]> {
  const response = await fetch(`${app.url}/web/api/poll`, { headers: { cookie: client.cookie! } });
  return response.status === 204 ? [] : ((await response.json()) as { pushes: Push[] }).pushes;
}

describe("case updates in the web chat", () => {
  it("reach a closed page through the inbox and an open page by long poll; the rating is typed", async () => {
    const client = new ApiClient(app.url, "zh-CN");
    await client.session({});
    const sid = client.cookie!.split("=")[1]!.split(".")[0]!;
    expect(texts((await client.send({ kind: "open" })).body).join("\n")).toContain("您同意参加吗？");

    // The resident reports a concern from the page.
    await client.send({ kind: "text", text: "菜单" });
    await client.send({ kind: "text", text: "3" });
    await client.send({ kind: "text", text: "1" });
    const received = texts((await client.send({ kind: "text", text: "有人在小区里挨家挨户推销“净水器”，说不买水就有毒" })).body).join("\n");
    const code = /编号 ([A-Z0-9]{6})/.exec(received)?.[1] ?? "";
    expect(code).toMatch(/^[A-Z0-9]{6}$/);

    // The page is closed: the update waits in the inbox, and the push counts as delivered.
    expect(await officer(`/case update ${code} investigating 已联系市场监管部门`)).toContain("已通知报案人（web）");
    expect(await poll(client)).toEqual([{ lang: "zh-CN", messages: [{ kind: "info", text: `您的案件 ${code}（有人在小区里挨家挨户推销“净水器”，说不买水就有毒）有新进展：正在调查。\n民警留言：已联系市场监管部门` }] }]);

    // The page is open: the closing notice arrives by long poll, the rating question after it.
    const polled = poll(client);
    while (chat.hub.listening(sid) === 0) await new Promise((resolve) => setImmediate(resolve));
    expect(await officer(`/case update ${code} closed 已查处`)).toContain("已通知报案人（web）");
    const [closing] = await polled;
    expect(closing?.messages[0]?.text).toContain("有新进展：已办结。");
    const [question] = await poll(client);
    expect(question?.messages[0]?.text).toContain(`您的案件 ${code} 已经办结。`);
    expect(question?.messages[0]?.options?.map((o) => o.payload)).toEqual([5, 4, 3, 2, 1].map((r) => `k:${code}:${r}`));

    const thanks = texts((await client.send({ kind: "text", text: "4" })).body).join("\n");
    expect(thanks).toContain("谢谢您的评价！");
    expect((await app.store.getCaseByCode(code))?.rating).toBe(4);
    expect((await app.store.pendingCaseUpdates()).filter((p) => p.case.code === code)).toEqual([]);
  });
});
