/**
 * Webhooks: setWebhook / deleteWebhook / getWebhookInfo, and the delivery loop that POSTs queued
 * updates to the bot, retries with backoff and runs a method found in the bot's answer.
 */
import http from "node:http";
import https from "node:https";
import { performance } from "node:perf_hooks";
import { dispatch } from "./dispatch.js";
import type { CallContext, Encoding, Params } from "./internal-types.js";
import { isAllowed } from "./polling.js";
import { parseRequest } from "./request.js";
import type { FakeState } from "./state.js";
import type { UploadedFile, WebhookDelivery } from "./types.js";
import { badRequest, nowSeconds, numberParam, stringParam } from "./util.js";

export function setWebhook(s: FakeState, p: Params, ctx: CallContext): boolean {
  const url = stringParam(p.url);
  if (url === "") return deleteWebhook(s, p, ctx);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest("invalid webhook URL specified");
  }
  if (!["http:", "https:"].includes(parsed.protocol)) throw badRequest("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443");
  if (!s.opts.allowInsecureWebhook && parsed.protocol !== "https:") throw badRequest("bad webhook: An HTTPS URL must be provided for webhook");
  const secret = p.secret_token === undefined ? undefined : stringParam(p.secret_token);
  if (secret !== undefined && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) throw badRequest("secret token contains unallowed characters");
  if (p.drop_pending_updates === true) s.queue = [];
  const same = s.webhook?.url === url;
  s.webhook = {
    url,
    maxConnections: numberParam(p.max_connections) ?? 40,
    ...(secret !== undefined ? { secretToken: secret } : {}),
    ...(Array.isArray(p.allowed_updates) ? { allowedUpdates: p.allowed_updates.map(String) } : {}),
    ...(typeof p.ip_address === "string" ? { ipAddress: p.ip_address } : {}),
  };
  ctx.description = same ? "Webhook is already set" : "Webhook was set";
  for (const w of [...s.pollWaiters]) {
    w.conflict("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
  }
  interruptDeliverySleep(s);
  void deliverLoop(s);
  return true;
}

export function deleteWebhook(s: FakeState, p: Params, ctx: CallContext): boolean {
  ctx.description = s.webhook ? "Webhook was deleted" : "Webhook is already deleted";
  s.webhook = null;
  if (p.drop_pending_updates === true) s.queue = [];
  interruptDeliverySleep(s);
  return true;
}

export function buildWebhookInfo(s: FakeState): Record<string, unknown> {
  const wh = s.webhook;
  const info: Record<string, unknown> = { url: wh?.url ?? "", has_custom_certificate: false, pending_update_count: s.queue.length };
  if (wh) {
    info.max_connections = wh.maxConnections;
    if (wh.ipAddress) info.ip_address = wh.ipAddress;
    if (wh.allowedUpdates) info.allowed_updates = wh.allowedUpdates;
    if (wh.lastErrorDate !== undefined) {
      info.last_error_date = wh.lastErrorDate;
      info.last_error_message = wh.lastErrorMessage;
    }
  }
  return info;
}

export function interruptDeliverySleep(s: FakeState): void {
  if (s.deliverySleep) {
    clearTimeout(s.deliverySleep.timer);
    s.deliverySleep.resolve();
    s.deliverySleep = null;
  }
}

/** Delivers queued updates one by one while a webhook is set; retries failures with backoff. */
export async function deliverLoop(s: FakeState): Promise<void> {
  if (s.delivering) return;
  s.delivering = true;
  let delay = s.webhookTiming.initialDelayMs;
  let attempt = 0;
  let currentId = -1;
  try {
    while (s.webhook && !s.stopped) {
      const wh = s.webhook;
      s.queue = s.queue.filter((u) => isAllowed(u, wh.allowedUpdates));
      const update = s.queue[0];
      if (!update) break;
      if (update.update_id !== currentId) {
        currentId = update.update_id;
        attempt = 0;
        delay = s.webhookTiming.initialDelayMs;
      }
      attempt += 1;
      const entry: WebhookDelivery = { updateId: update.update_id, attempt, at: performance.now(), ok: false };
      if (wh.secretToken !== undefined) entry.secretToken = wh.secretToken;
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (wh.secretToken !== undefined) headers["x-telegram-bot-api-secret-token"] = wh.secretToken;
      let reply: { status: number; body: Buffer; contentType: string | undefined } | undefined;
      try {
        reply = await postRaw(wh.url, JSON.stringify(update), headers, s.webhookTiming.timeoutMs);
        entry.status = reply.status;
        entry.ok = reply.status >= 200 && reply.status < 300;
        if (!entry.ok) entry.error = `Wrong response from the webhook: ${reply.status} ${http.STATUS_CODES[reply.status] ?? ""}`.trim();
      } catch (error) {
        entry.error = networkErrorMessage(error as NodeJS.ErrnoException);
      }
      s.deliveryLog.push(entry);
      if (entry.ok) {
        s.queue = s.queue.filter((u) => u.update_id !== update.update_id);
        s.notify();
        if (reply && reply.body.length > 0) await runWebhookReply(s, reply.body, reply.contentType);
        continue;
      }
      wh.lastErrorDate = nowSeconds();
      wh.lastErrorMessage = entry.error;
      s.notify();
      if (s.stopped) break;
      if (attempt >= s.webhookTiming.maxAttempts) {
        s.queue = s.queue.filter((u) => u.update_id !== update.update_id);
        continue;
      }
      await new Promise<void>((resolve) => {
        s.deliverySleep = { timer: setTimeout(resolve, delay), resolve };
      });
      s.deliverySleep = null;
      delay = Math.min(delay * 2, s.webhookTiming.maxDelayMs);
    }
  } finally {
    s.delivering = false;
  }
  // Updates queued while the loop was finishing must not wait for the next push.
  if (s.webhook && !s.stopped && s.queue.length > 0) void deliverLoop(s);
}

/** Executes a method call found in a webhook response body (telegraf's webhookReply, grammY's canUseWebhookReply). */
async function runWebhookReply(s: FakeState, body: Buffer, contentType: string | undefined): Promise<void> {
  let parsed: { params: Params; files: Record<string, UploadedFile>; encoding: Encoding };
  try {
    parsed = parseRequest(new URL("http://fake.local/"), contentType ?? "application/json", body);
  } catch {
    return; // Telegram ignores webhook answers it cannot parse
  }
  const { method, ...params } = parsed.params;
  if (typeof method !== "string" || method === "") return;
  await dispatch(s, method, params, parsed.files, { source: "webhook-reply", encoding: parsed.encoding, onClose: () => {} });
}

function postRaw(target: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: Buffer; contentType: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(target);
    const mod = url.protocol === "https:" ? https : http;
    const req = mod.request(url, { method: "POST", headers: { ...headers, "content-length": Buffer.byteLength(body) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: res.headers["content-type"] }));
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error("Read timeout expired"), { code: "ETIMEDOUT" })));
    req.on("error", reject);
    req.end(body);
  });
}

function networkErrorMessage(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "Connection refused";
    case "ETIMEDOUT":
      return "Read timeout expired";
    case "ECONNRESET":
      return "Connection reset by peer";
    case "ENOTFOUND":
      return "Failed to resolve host: Name or service not known";
    default:
      return error.message;
  }
}
