/** Recognising uploaded images from their first bytes, since the fake does not decode them. */
import type { UploadedFile } from "./types.js";

export function imageKind(data: Buffer): NonNullable<UploadedFile["imageType"]> | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "jpeg";
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return "png";
  if (data.length >= 6 && data.subarray(0, 4).toString("latin1") === "GIF8") return "gif";
  if (data.length >= 12 && data.subarray(0, 4).toString("latin1") === "RIFF" && data.subarray(8, 12).toString("latin1") === "WEBP") return "webp";
  if (data.length >= 2 && data[0] === 0x42 && data[1] === 0x4d) return "bmp";
  return undefined;
}

/** Width and height from a PNG, GIF or JPEG header. */
export function imageSize(data: Buffer): { width: number; height: number } | undefined {
  const kind = imageKind(data);
  if (kind === "png" && data.length >= 24) return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  if (kind === "gif" && data.length >= 10) return { width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
  if (kind === "jpeg") {
    let pos = 2;
    while (pos + 9 < data.length) {
      if (data[pos] !== 0xff) return undefined;
      const marker = data[pos + 1] ?? 0;
      const length = data.readUInt16BE(pos + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: data.readUInt16BE(pos + 5), width: data.readUInt16BE(pos + 7) };
      }
      pos += 2 + length;
    }
  }
  return undefined;
}
