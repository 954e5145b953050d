/**
 * Files and media: sendPhoto / sendDocument (uploads, file ids, URLs), getFile, and the photo
 * sizes Telegram derives from an upload.
 */
import type { Message, PhotoSize } from "grammy/types";
import { resolveChat } from "./chats.js";
import { checkRate } from "./faults.js";
import { imageKind, imageSize } from "./images.js";
import type { Params, StoredFile } from "./internal-types.js";
import { checkCaption, checkMarkup, formatted, newBotMessage, replyTarget } from "./sending.js";
import type { FakeState } from "./state.js";
import type { SentPhoto, UploadedFile } from "./types.js";
import { badRequest, stringParam } from "./util.js";

export function sendMedia(s: FakeState, p: Params, files: Record<string, UploadedFile>, kind: "photo" | "document"): Message {
  if (p.chat_id === undefined) throw badRequest("chat_id is empty");
  const { text: caption, entities } = formatted(s, p.caption, p.parse_mode, p.caption_entities);
  checkCaption(caption);
  const markup = checkMarkup(p.reply_markup);
  const input = p[kind];
  let upload: UploadedFile | undefined;
  let known: StoredFile | undefined;
  if (typeof input === "string" && input.startsWith("attach://")) {
    upload = files[input.slice("attach://".length)];
    if (!upload) throw badRequest(`there is no ${kind} in the request`);
  } else if (typeof input === "string" && input !== "") {
    if (/^https?:\/\//i.test(input)) {
      known = registerFile(s, kind, undefined, 54_321);
    } else {
      known = s.files.get(input);
      if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
    }
  } else {
    upload = files[kind];
    if (!upload) throw badRequest(`there is no ${kind} in the request`);
  }
  if (upload) {
    if (upload.size === 0) throw badRequest("file must be non-empty");
    if (kind === "photo" && s.opts.checkImageBytes && !imageKind(upload.data)) throw badRequest("IMAGE_PROCESS_FAILED");
  }
  const state = resolveChat(s, p, { forWriting: true });
  const replyTo = replyTarget(s, p, state);
  checkRate(s, kind === "photo" ? "sendPhoto" : "sendDocument", state);
  const content: Partial<Message> = {};
  if (kind === "photo") {
    content.photo = upload ? photoFromUpload(s, upload) : photoFromKnown(s, known!);
    if (p.has_spoiler === true) content.has_media_spoiler = true;
    if (p.show_caption_above_media === true) content.show_caption_above_media = true;
  } else {
    const file = upload ? registerFile(s, "document", upload.data) : known!;
    content.document = {
      file_id: file.file_id,
      file_unique_id: file.file_unique_id,
      file_name: upload?.filename ?? "document",
      mime_type: upload?.contentType && upload.contentType !== "application/octet-stream" ? upload.contentType : guessMime(upload?.filename ?? ""),
      ...(file.file_size !== undefined ? { file_size: file.file_size } : {}),
    };
  }
  if (caption !== "") {
    content.caption = caption;
    if (entities.length > 0) content.caption_entities = entities;
  }
  return newBotMessage(s, state, p, content, markup, replyTo);
}

function registerFile(s: FakeState, kind: string, data: Buffer | undefined, size?: number): StoredFile {
  s.fileCounter += 1;
  const n = s.fileCounter.toString().padStart(5, "0");
  const ext = kind === "photo" ? "jpg" : "dat";
  const file: StoredFile = {
    file_id: `fake_${kind}_sent_${n}`,
    file_unique_id: `uniq_${kind}_sent_${n}`,
    file_path: `${kind}s/file_${n}.${ext}`,
    ...(data ? { data, file_size: data.length } : size !== undefined ? { file_size: size } : {}),
  };
  s.files.set(file.file_id, file);
  return file;
}

function photoFromUpload(s: FakeState, upload: UploadedFile): PhotoSize[] {
  const dims = imageSize(upload.data) ?? { width: 800, height: 600 };
  const original = registerFile(s, "photo", upload.data);
  original.dims = dims;
  return photoSizes(s, original, dims.width, dims.height);
}

function photoFromKnown(s: FakeState, file: StoredFile): PhotoSize[] {
  const dims = file.dims ?? { width: 1280, height: 960 };
  return photoSizes(s, file, dims.width, dims.height);
}

/** Telegram stores a photo as several sizes (≤90, ≤320, ≤800, ≤1280 px); the last is the largest. */
function photoSizes(s: FakeState, file: StoredFile, width: number, height: number): PhotoSize[] {
  const sizes: PhotoSize[] = [];
  const total = file.file_size ?? Math.round(width * height * 0.15);
  for (const box of [90, 320, 800, 1280]) {
    const scale = Math.min(1, box / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    const last = scale === 1 || box === 1280;
    const id = last ? file.file_id : `${file.file_id}_${box}`;
    if (!last && !s.files.has(id)) s.files.set(id, { file_id: id, file_unique_id: `${file.file_unique_id}_${box}`, file_path: `${file.file_path}.${box}` });
    sizes.push({ file_id: id, file_unique_id: last ? file.file_unique_id : `${file.file_unique_id}_${box}`, width: w, height: h, file_size: last ? total : Math.max(1, Math.round(total * scale * scale)) });
    if (last) break;
  }
  return sizes;
}

export function getFile(s: FakeState, p: Params): Omit<StoredFile, "data"> {
  const file = s.files.get(stringParam(p.file_id));
  if (!file) throw badRequest("invalid file_id");
  const { data: _data, ...info } = file;
  return info;
}

export function photosSentTo(s: FakeState, chatId: number): SentPhoto[] {
  return s.records.flatMap((call): SentPhoto[] => {
    if (call.method !== "sendPhoto" || !call.ok || Number(call.params.chat_id) !== chatId) return [];
    const input = call.params.photo;
    const file = typeof input === "string" && input.startsWith("attach://") ? call.files[input.slice("attach://".length)] : call.files.photo;
    if (!file) return [];
    const message = call.result as Message;
    return [{ seq: call.seq, messageId: message.message_id, ...(message.caption !== undefined ? { caption: message.caption } : {}), file }];
  });
}

function guessMime(filename: string): string {
  const ext = filename.toLowerCase().split(".").pop() ?? "";
  const map: Record<string, string> = {
    pdf: "application/pdf",
    xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    csv: "text/csv",
    txt: "text/plain",
    json: "application/json",
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    zip: "application/zip",
  };
  return map[ext] ?? "application/octet-stream";
}
