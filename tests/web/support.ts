/**
 * Helpers for the web chat tests: an in-process server with only the web chat mounted (so tests
 * can set its options), a cookie-carrying API client, and staff/region fixtures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { FastifyInstance } from "fastify";
import { loadConfig, type Config } from "../../app/config.js";
import { openDatabase } from "../../app/database.js";
import { createLogger } from "../../app/log.js";
import { ensureDefaultSurvey } from "../../core/survey/default-survey.js";
import { buildServer } from "../../app/server.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import type { RegionRecord, ResidentRecord, Store } from "../../core/model/index.js";
import { createWebChat, type WebChat, type WebChatOptions } from "../../bots/web/channel.js";
import { issueStaffToken } from "../../app/staff-auth.js";
import { freshSqlite } from "../support/databases.js";

/** A running web chat on a fresh SQLite database. */
export interface WebTestApp {
  url: string;
  store: Store;
  chat: WebChat;
  server: FastifyInstance;
  config: Config;
  secret: string;
  /** The SQLite file, for checks behind the store's back. */
  dbFile: string;
  close(): Promise<void>;
}

/** Starts the web chat alone (no other channel) with `options`. */
export async function startWebChat(options: WebChatOptions = {}, env: Record<string, string> = {}): Promise<WebTestApp> {
  const db = freshSqlite();
  const dataDir = mkdtempSync(join(tmpdir(), "anxin-web-"));
  const config = loadConfig({ PORT: "0", DATABASE_URL: db.target.url, DATA_DIR: dataDir, LOG_LEVEL: "silent", ...env });
  const { store } = await openDatabase(config.database);
  await ensureDefaultSurvey(store, new Date());
  const logger = createLogger("silent");
  const runner = new ConversationRunner({ store, defaultLang: config.defaultLang });
  const server = await buildServer({ store, logger });
  const secret = "test-secret-".padEnd(48, "x");
  const chat = await createWebChat({ config, runner, logger, server, secret }, options);
  await server.listen({ port: 0, host: "127.0.0.1" });
  await chat.start();
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    chat,
    server,
    config,
    secret,
    dbFile: db.target.provider === "sqlite" ? db.target.file : "",
    async close() {
      await chat.stop();
      await server.close();
      await store.close();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** An officer and an admin, a district with two streets, and staff tokens for both. */
export interface StaffFixture {
  officer: ResidentRecord;
  admin: ResidentRecord;
  district: RegionRecord;
  street: RegionRecord;
  otherStreet: RegionRecord;
  officerToken: string;
  adminToken: string;
}

/** Creates {@link StaffFixture}: the officer's area is `street`. */
export async function staffFixture(app: Pick<WebTestApp, "store" | "secret" | "dbFile">, officerName = "李警官"): Promise<StaffFixture> {
  const { store } = app;
  const district = await store.upsertRegion({ code: "330102", name: { "zh-CN": "上城区", "zh-TW": "上城區", en: "Shangcheng District" } });
  const street = await store.upsertRegion({ code: "330102001", name: { "zh-CN": "清波街道", "zh-TW": "清波街道", en: "Qingbo Street" }, parentCode: "330102" });
  const otherStreet = await store.upsertRegion({ code: "330102002", name: { "zh-CN": "湖滨街道", "zh-TW": "湖濱街道", en: "Hubin Street" }, parentCode: "330102" });
  await store.resolveIdentity({ platform: "telegram", platformUserId: "officer-li", chatId: "officer-li", displayName: officerName });
  const officer = await store.setRole("telegram", "officer-li", "officer");
  setRegion(app.dbFile, officer.id, street.id);
  const admin = await store.setRole("telegram", "admin-zhang", "admin");
  return {
    officer: { ...officer, regionId: street.id },
    admin,
    district,
    street,
    otherStreet,
    officerToken: issueStaffToken(app.secret, officer, new Date()),
    adminToken: issueStaffToken(app.secret, admin, new Date()),
  };
}

/** Gives a resident a home region. The store has no operation for it yet, so tests use SQL. */
function setRegion(dbFile: string, residentId: string, regionId: string): void {
  const db = new Database(dbFile);
  try {
    db.prepare(`UPDATE "Resident" SET "regionId" = ? WHERE "id" = ?`).run(regionId, residentId);
  } finally {
    db.close();
  }
}

/** Counts of the rows a refused request must not change. */
export function rowCounts(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    const counts: Record<string, number> = {};
    for (const table of ["Resident", "Identity", "Conversation", "ProcessedMessage", "Response", "Answer", "Assignment"]) {
      counts[table] = (db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n;
    }
    return counts;
  } finally {
    db.close();
  }
}

/** A browser-like API client: keeps the cookie, sends Origin and the CSRF token. */
export class ApiClient {
  cookie: string | undefined;
  csrf: string | undefined;
  private next = 0;

  constructor(
    readonly base: string,
    readonly lang = "zh-CN",
    /** The page's origin: the base, unless PUBLIC_URL says residents reach us elsewhere. */
    readonly origin = new URL(base).origin,
  ) {}

  /** POST /web/api/session. */
  async session(body: Record<string, unknown> = {}): Promise<{ status: number; body: Record<string, unknown>; setCookie: string | null }> {
    const response = await fetch(`${this.base}/web/api/session`, { method: "POST", headers: this.headers(), body: JSON.stringify(body) });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie && /^anxin_web=[^;]+/.test(setCookie) && !/Max-Age=0/i.test(setCookie) && !/Expires=Thu, 01 Jan 1970/i.test(setCookie)) this.cookie = setCookie.split(";")[0];
    const json = (await response.json()) as Record<string, unknown>;
    if (response.ok && typeof json.csrf === "string") this.csrf = json.csrf;
    return { status: response.status, body: json, setCookie };
  }

  /** POST /web/api/messages with a fresh (or given) message id. */
  async send(input: Record<string, unknown>, id = `msg-${Date.now().toString(36)}-${this.next++}`): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${this.base}/web/api/messages`, { method: "POST", headers: this.headers(), body: JSON.stringify({ id, input }) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** Headers a page of ours would send. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      "content-type": "application/json",
      origin: this.origin,
      "x-anxin-lang": this.lang,
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.csrf ? { "x-anxin-csrf": this.csrf } : {}),
      ...extra,
    };
  }
}

/** The texts of the messages in a /web/api/messages reply. */
export function texts(body: Record<string, unknown>): string[] {
  const messages = Array.isArray(body.messages) ? (body.messages as { text: string }[]) : [];
  return messages.map((m) => m.text);
}

/** The options of the last message with options in a reply. */
export function lastOptions(body: Record<string, unknown>): { key: string; label: string; payload: string; selected?: boolean }[] {
  const messages = Array.isArray(body.messages) ? (body.messages as { options?: { key: string; label: string; payload: string }[] }[]) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const options = messages[i]?.options;
    if (options && options.length > 0) return options;
  }
  return [];
}
