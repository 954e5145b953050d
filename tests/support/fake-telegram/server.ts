/** The HTTP side: listening, routing `/bot<token>/<method>` and `/file/bot<token>/<path>`, answering. */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { dispatch } from "./dispatch.js";
import type { CallContext, Outcome, Params } from "./internal-types.js";
import { record } from "./recorder.js";
import { parseRequest } from "./request.js";
import type { FakeState } from "./state.js";
import type { UploadedFile } from "./types.js";
import { canonicalName } from "./util.js";

/** Creates the server and starts listening; resolves with the base URL (no trailing slash). */
export async function listen(s: FakeState, port: number, host: string): Promise<{ server: http.Server; baseUrl: string }> {
  const server = http.createServer((req, res) => {
    void handleHttp(s, req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return { server, baseUrl: `http://${addr.address}:${addr.port}` };
}

async function handleHttp(s: FakeState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://fake.local");
  const fileRoute = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  if (fileRoute) {
    serveFile(s, fileRoute[1] ?? "", decodeURIComponent(fileRoute[2] ?? ""), res);
    return;
  }
  const route = /^\/bot([^/]+)\/([^/]*)$/.exec(url.pathname);
  let body: Buffer;
  try {
    body = await readBody(req, 50 * 1024 * 1024);
  } catch {
    sendJson(res, 413, { ok: false, error_code: 413, description: "Request Entity Too Large" });
    return;
  }
  if (!route) {
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    return;
  }
  const token = decodeURIComponent(route[1] ?? "");
  const rawMethod = route[2] ?? "";
  let closed = false;
  const closeCallbacks: Array<() => void> = [];
  res.on("close", () => {
    if (!res.writableFinished) {
      closed = true;
      for (const cb of closeCallbacks) cb();
    }
  });
  const ctx: CallContext = {
    source: "http",
    encoding: "none",
    onClose: (cb) => {
      if (closed) cb();
      else closeCallbacks.push(cb);
    },
  };
  let params: Params = {};
  let files: Record<string, UploadedFile> = {};
  try {
    const parsed = parseRequest(url, req.headers["content-type"], body);
    params = parsed.params;
    files = parsed.files;
    ctx.encoding = parsed.encoding;
    if (parsed.encoding === "multipart" && typeof params.method === "string" && params.method.toLowerCase() === rawMethod.toLowerCase()) {
      delete params.method; // telegraf repeats the method name inside multipart bodies
    }
  } catch (error) {
    const outcome: Outcome = { ok: false, errorCode: 400, description: `Bad Request: ${(error as Error).message}` };
    record(s, rawMethod, params, files, ctx, performance.now(), Date.now(), outcome);
    writeOutcome(res, outcome);
    return;
  }
  if (token !== s.token) {
    const outcome: Outcome = { ok: false, errorCode: 401, description: "Unauthorized" };
    record(s, canonicalName(rawMethod, s.handlers), params, files, ctx, performance.now(), Date.now(), outcome);
    writeOutcome(res, outcome);
    return;
  }
  const outcome = await dispatch(s, rawMethod, params, files, ctx);
  if (closed) return;
  if (outcome.disconnect) {
    req.socket.destroy();
    return;
  }
  writeOutcome(res, outcome);
}

function serveFile(s: FakeState, token: string, path: string, res: ServerResponse): void {
  const file = [...s.files.values()].find((f) => f.file_path === path);
  if (token !== s.token || !file || !file.data) {
    sendJson(res, 404, { ok: false, error_code: 404, description: "Not Found" });
    return;
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
  res.end(file.data);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error("too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Parses query string + body (JSON, urlencoded or multipart) into coerced parameters and files. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function writeOutcome(res: ServerResponse, outcome: Outcome): void {
  if (outcome.ok) {
    sendJson(res, 200, { ok: true, result: outcome.result, ...(outcome.description ? { description: outcome.description } : {}) });
    return;
  }
  const code = outcome.errorCode ?? 500;
  sendJson(res, code, {
    ok: false,
    error_code: code,
    description: outcome.description ?? "Internal Server Error",
    ...(outcome.retryAfter !== undefined ? { parameters: { retry_after: outcome.retryAfter } } : {}),
  });
}
