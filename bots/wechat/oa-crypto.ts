/**
 * WeChat's message encryption for Official Account callbacks (消息加解密, 安全模式 and 兼容模式):
 * AES-256-CBC with the key decoded from the 43-character EncodingAESKey and the key's first 16
 * bytes as IV; the plaintext is 16 random bytes, the message length (4 bytes, big-endian), the
 * message and the AppID, padded PKCS#7-style to a multiple of 32 bytes (WeChat's block, not AES's
 * 16). `msg_signature` is the sha1 of token, timestamp, nonce and the ciphertext, sorted and joined.
 * Only callbacks are decrypted: Anxin answers every callback "success" (which WeChat accepts in
 * every mode) and replies through the customer-service API, so nothing is encrypted back.
 */
import { createDecipheriv, createHash, timingSafeEqual } from "node:crypto";

/** WeChat's padding block (bytes). */
const PAD_BLOCK = 32;

/** The AES key of an EncodingAESKey, or undefined when it is not one (43 base64 characters, 32 bytes). */
export function decodeEncodingAesKey(encodingAesKey: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAesKey)) return undefined;
  const key = Buffer.from(`${encodingAesKey}=`, "base64");
  return key.length === 32 ? key : undefined;
}

/** The signature of an encrypted callback (`msg_signature`). */
export function messageSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return createHash("sha1").update([token, timestamp, nonce, encrypted].sort().join("")).digest("hex");
}

/** Is `given` the right `msg_signature`? */
export function messageSignatureValid(token: string, timestamp: string, nonce: string, encrypted: string, given: string): boolean {
  const expected = Buffer.from(messageSignature(token, timestamp, nonce, encrypted));
  const actual = Buffer.from(given.toLowerCase());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Why a ciphertext could not be read. */
export class CallbackDecryptError extends Error {}

/**
 * Decrypts `Encrypt` of a callback. Throws {@link CallbackDecryptError} when it is not a message of
 * this key (bad length or padding) or of this AppID.
 */
export function decryptCallback(encrypted: string, key: Buffer, appId: string): string {
  const data = Buffer.from(encrypted, "base64");
  if (data.length === 0 || data.length % 16 !== 0) throw new CallbackDecryptError("ciphertext length is not a multiple of the AES block");
  const decipher = createDecipheriv("aes-256-cbc", key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(data), decipher.final()]);
  const pad = padded[padded.length - 1] ?? 0;
  if (pad < 1 || pad > PAD_BLOCK || pad > padded.length) throw new CallbackDecryptError("bad padding (another EncodingAESKey?)");
  const plain = padded.subarray(0, padded.length - pad);
  if (plain.length < 20) throw new CallbackDecryptError("too short");
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) throw new CallbackDecryptError("bad message length (another EncodingAESKey?)");
  const from = plain.subarray(20 + length).toString("utf8");
  if (from !== appId) throw new CallbackDecryptError("the message is for another AppID");
  return plain.subarray(20, 20 + length).toString("utf8");
}
