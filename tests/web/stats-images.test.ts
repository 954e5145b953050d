/**
 * An admin's /stats in the web chat: the reply JSON carries the figures as messages and each chart
 * as a `data:image/png;base64,…` URL with its caption (shown after the messages by the page).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../app/config.js";
import { createLogger } from "../../app/log.js";
import { buildServer } from "../../app/server.js";
import { createWebChat, type WebChat } from "../../bots/web/channel.js";
import { PNG_DATA_URL_PREFIX, toWebImages, type WebImage } from "../../bots/web/messages.js";
import { EN_CHART_TITLES, isPng, statsWorld, TINY_PNG, type StatsWorld } from "../support/stats-admin.js";
import { ApiClient, texts } from "./support.js";

let world: StatsWorld;
let server: FastifyInstance;
let chat: WebChat;
let url: string;
let dir: string;

beforeAll(async () => {
  world = await statsWorld();
  dir = mkdtempSync(join(tmpdir(), "anxin-web-stats-"));
  const config = loadConfig({ PORT: "0", DATABASE_URL: world.db.target.url, DATA_DIR: dir, LOG_LEVEL: "silent" });
  const logger = createLogger("silent");
  server = await buildServer({ store: world.store, logger });
  chat = await createWebChat({ config, runner: world.runner, logger, server, secret: "web-stats-test-secret-".padEnd(48, "x") });
  await server.listen({ port: 0, host: "127.0.0.1" });
  const address = server.server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  await chat?.stop();
  await server?.close();
  await world?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A browser session whose web identity is an admin (the session id is the cookie's value). */
async function adminClient(lang: string): Promise<ApiClient> {
  const client = new ApiClient(url, lang);
  await client.session({});
  const sessionId = decodeURIComponent(client.cookie!.split("=")[1]!).split(".")[0]!;
  await world.store.setRole("web", sessionId, "admin");
  return client;
}

const imagesOf = (body: Record<string, unknown>): WebImage[] => (Array.isArray(body.images) ? (body.images as WebImage[]) : []);
const bytesOf = (image: WebImage): Buffer => Buffer.from(image.src.slice(PNG_DATA_URL_PREFIX.length), "base64");

describe("/stats in the web chat", () => {
  it("answers with the figures and every chart as a PNG data: URL with its caption", async () => {
    const client = await adminClient("en");
    const { status, body } = await client.send({ kind: "text", text: "/stats" });
    expect(status).toBe(200);
    expect(texts(body).join("\n")).toContain("Sense of security rate: 82.1% (95% CI 67.3–91.0%, n=39)");
    const images = imagesOf(body);
    expect(images.map((i) => i.caption)).toEqual(EN_CHART_TITLES);
    for (const image of images) {
      expect(image.src.startsWith("data:image/png;base64,")).toBe(true);
      expect(isPng(bytesOf(image))).toBe(true);
      expect(bytesOf(image).equals(TINY_PNG)).toBe(true);
    }
  });

  it("/stats clean: other figures, and captions that say the flagged responses are left out", async () => {
    const client = await adminClient("zh-TW");
    const { body } = await client.send({ kind: "text", text: "/stats clean" });
    const text = texts(body).join("\n");
    expect(text).toContain("已剔除可疑問卷（答題過快、全部同一選項）。");
    expect(text).toContain("n=37");
    expect(imagesOf(body)).toHaveLength(4);
    for (const image of imagesOf(body)) expect(image.caption).toMatch(/（已剔除可疑問卷）$/);
  });

  it("sends no images to a resident, and none with ordinary replies", async () => {
    const client = new ApiClient(url, "en");
    await client.session({});
    const refused = await client.send({ kind: "text", text: "/stats" });
    expect(texts(refused.body).join("\n")).toMatch(/only administrators can use/);
    expect(refused.body).not.toHaveProperty("images");
    const opened = await client.send({ kind: "open" });
    expect(opened.body).not.toHaveProperty("images");
  });

  it("toWebImages encodes bytes at any offset of their buffer", () => {
    const backing = new Uint8Array(TINY_PNG.length + 7);
    backing.set(TINY_PNG, 7);
    const [image] = toWebImages([{ png: backing.subarray(7), caption: "c" }]);
    expect(image).toEqual({ src: `data:image/png;base64,${TINY_PNG.toString("base64")}`, caption: "c" });
  });
});
