/** Request bodies: JSON, urlencoded and multipart, turned into parameters the way the Bot API reads them. */
import { imageKind } from "./images.js";
import type { Encoding, Params } from "./internal-types.js";
import type { UploadedFile } from "./types.js";

const JSON_FIELDS = new Set([
  "reply_markup",
  "entities",
  "caption_entities",
  "allowed_updates",
  "commands",
  "scope",
  "media",
  "link_preview_options",
  "reply_parameters",
  "results",
  "explanation_entities",
  "options",
  "menu_button",
  "rights",
  "message_ids",
]);
const NUMERIC_FIELDS = new Set([
  "chat_id",
  "from_chat_id",
  "message_id",
  "message_thread_id",
  "reply_to_message_id",
  "offset",
  "limit",
  "timeout",
  "max_connections",
  "user_id",
  "cache_time",
  "latitude",
  "longitude",
  "duration",
  "width",
  "height",
  "horizontal_accuracy",
  "live_period",
]);
const BOOLEAN_FIELDS = new Set([
  "disable_notification",
  "protect_content",
  "show_alert",
  "drop_pending_updates",
  "disable_web_page_preview",
  "allow_sending_without_reply",
  "has_spoiler",
  "show_caption_above_media",
  "allow_paid_broadcast",
  "supports_streaming",
  "disable_content_type_detection",
  "for_channels",
]);

export function parseRequest(url: URL, contentType: string | undefined, body: Buffer): { params: Params; files: Record<string, UploadedFile>; encoding: Encoding } {
  const params: Params = {};
  let encoding: Encoding = "none";
  const files: Record<string, UploadedFile> = {};
  if ([...url.searchParams.keys()].length > 0) {
    encoding = "query";
    for (const [k, v] of url.searchParams) params[k] = coerceField(k, v);
  }
  const type = (contentType ?? "").toLowerCase();
  if (body.length === 0) return { params, files, encoding };
  if (type.startsWith("multipart/form-data")) {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? "");
    const b = boundary?.[1] ?? boundary?.[2];
    if (!b) throw new Error("multipart boundary is missing");
    const parsed = parseMultipart(body, b.trim());
    for (const [k, v] of Object.entries(parsed.fields)) params[k] = coerceField(k, v);
    Object.assign(files, parsed.files);
    return { params, files, encoding: "multipart" };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = coerceField(k, v);
    return { params, files, encoding: "urlencoded" };
  }
  const textBody = body.toString("utf8").trim();
  if (textBody === "") return { params, files, encoding };
  let json: unknown;
  try {
    json = JSON.parse(textBody);
  } catch {
    throw new Error("can't parse JSON encoded request body");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("request body must be a JSON object");
  Object.assign(params, json);
  return { params, files, encoding: "json" };
}

/** A small RFC 7578 multipart parser, tolerant of grammY's `name:value;…` header style. */
export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: Record<string, UploadedFile> } {
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  const separator = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) return { fields, files };
  pos += delimiter.length;
  while (pos < body.length) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // closing "--"
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(separator, pos);
    if (end < 0) break;
    const part = body.subarray(pos, end);
    pos = end + separator.length;
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) continue;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const disposition = headers["content-disposition"] ?? "";
    const attrs: Record<string, string> = {};
    for (const m of disposition.matchAll(/;\s*([\w*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
      attrs[(m[1] ?? "").toLowerCase()] = (m[2] ?? m[3] ?? "").trim();
    }
    const name = attrs.name;
    if (name === undefined) continue;
    const content = part.subarray(headerEnd + 4);
    if (attrs.filename !== undefined) {
      const file: UploadedFile = { field: name, filename: attrs.filename, size: content.length, data: Buffer.from(content) };
      if (headers["content-type"]) file.contentType = headers["content-type"];
      const kind = imageKind(file.data);
      if (kind) file.imageType = kind;
      files[name] = file;
    } else {
      fields[name] = content.toString("utf8");
    }
  }
  return { fields, files };
}

function coerceField(key: string, value: string): unknown {
  if (JSON_FIELDS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (NUMERIC_FIELDS.has(key) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (BOOLEAN_FIELDS.has(key) && (value === "true" || value === "false")) return value === "true";
  return value;
}
