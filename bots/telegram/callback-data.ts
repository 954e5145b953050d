/**
 * Signed callback data for inline buttons.
 *
 * Telegram sends a button's `callback_data` back verbatim, so anyone can craft a callback query
 * with any data (a modified client, a bot in a group, a replayed old button). The engine already
 * refuses stale payloads (another question, an older questionnaire version); what it cannot know
 * is *who* a button was made for. So every payload is signed together with the Telegram user id
 * it was sent to: a button pressed by another account, or data nobody signed, never reaches the
 * engine.
 *
 * Format (ASCII, ≤ 64 bytes, Telegram's limit): `anx:<sig>:<payload>` where `sig` is the first
 * 8 bytes of HMAC-SHA256(key, "<userId>\n<payload>") in base64url (11 characters). With the
 * engine's ≤ 40-byte payloads that is at most 56 bytes. The `anx:` prefix lets the middleware
 * for an existing bot tell Anxin's buttons from the host bot's own.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Prefix of every callback data Anxin produces. */
export const CALLBACK_PREFIX = "anx:";

/** Telegram's limit for `callback_data`, in bytes. */
export const MAX_CALLBACK_BYTES = 64;

const SIG_CHARS = 11;
const SIG_BYTES = 8;
const SIG_RE = /^[A-Za-z0-9_-]{11}$/;
// The engine's payloads are printable ASCII without spaces; anything else is not ours.
const PAYLOAD_RE = /^[\x21-\x7e]+$/;

/** The longest payload that still fits Telegram's 64-byte limit once signed. */
export const MAX_SIGNED_PAYLOAD_BYTES = MAX_CALLBACK_BYTES - CALLBACK_PREFIX.length - SIG_CHARS - 1;

/** The outcome of {@link CallbackSigner.verify}. */
export type VerifiedCallback =
  | { ok: true; payload: string }
  /** `foreign`: not Anxin's format at all; `forged`: Anxin's format with a wrong signature (another resident, tampered). */
  | { ok: false; reason: "foreign" | "forged" };

/** Signs and verifies callback data with a key derived from the app secret. */
export class CallbackSigner {
  private readonly key: Buffer;

  /** `secret` is the app secret (ctx.secret); a purpose-specific key is derived from it. */
  constructor(secret: string) {
    if (secret.length === 0) throw new Error("CallbackSigner needs a non-empty secret");
    // A derived key, so that a signature made here is worthless anywhere else the secret signs.
    this.key = createHmac("sha256", secret).update("anxin/telegram/callback-data/v1").digest();
  }

  /**
   * The callback data for `payload` on a button sent to Telegram user `userId`, or undefined
   * when the payload cannot be signed within 64 bytes (or is not printable ASCII).
   */
  sign(payload: string, userId: number | string): string | undefined {
    if (!PAYLOAD_RE.test(payload) || payload.length > MAX_SIGNED_PAYLOAD_BYTES) return undefined;
    return `${CALLBACK_PREFIX}${this.mac(payload, userId)}:${payload}`;
  }

  /** Checks that `data` was signed here for `userId`; hands back the engine's original payload. */
  verify(data: unknown, userId: number | string): VerifiedCallback {
    if (!isAnxinCallbackData(data)) return { ok: false, reason: "foreign" };
    const sig = data.slice(CALLBACK_PREFIX.length, CALLBACK_PREFIX.length + SIG_CHARS);
    const payload = data.slice(CALLBACK_PREFIX.length + SIG_CHARS + 1);
    const expected = Buffer.from(this.mac(payload, userId), "ascii");
    const given = Buffer.from(sig, "ascii");
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: "forged" };
    return { ok: true, payload };
  }

  private mac(payload: string, userId: number | string): string {
    return createHmac("sha256", this.key).update(`${String(userId)}\n${payload}`).digest().subarray(0, SIG_BYTES).toString("base64url");
  }
}

/** Is `data` shaped like Anxin's callback data (signature not checked)? Used to claim updates in a host bot. */
export function isAnxinCallbackData(data: unknown): data is string {
  if (typeof data !== "string" || !data.startsWith(CALLBACK_PREFIX) || data.length > MAX_CALLBACK_BYTES) return false;
  const sig = data.slice(CALLBACK_PREFIX.length, CALLBACK_PREFIX.length + SIG_CHARS);
  const sep = data.charAt(CALLBACK_PREFIX.length + SIG_CHARS);
  const payload = data.slice(CALLBACK_PREFIX.length + SIG_CHARS + 1);
  return SIG_RE.test(sig) && sep === ":" && payload.length > 0 && PAYLOAD_RE.test(payload);
}
