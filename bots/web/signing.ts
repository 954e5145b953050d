/**
 * What the web chat signs with the app secret: the resident's session cookie, the CSRF token,
 * and the officer/region code on a leaflet's QR code. (Staff tokens are the app's own, from
 * app/staff-auth.ts.)
 *
 * Each purpose gets its own key derived from the secret, so a signature made for one purpose can
 * never be replayed as another (a QR code is not a cookie, a cookie is not a CSRF token).
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a key is for; part of the key derivation. */
type Purpose = "cookie" | "csrf" | "qr";

/** Keys derived from the app secret, one per purpose. */
export interface WebKeys {
  cookie: Buffer;
  csrf: Buffer;
  qr: Buffer;
}

/** Derives the per-purpose keys from the app secret. */
export function deriveKeys(secret: string): WebKeys {
  const derive = (purpose: Purpose) => createHmac("sha256", secret).update(`anxin/web/${purpose}/v1`).digest();
  return { cookie: derive("cookie"), csrf: derive("csrf"), qr: derive("qr") };
}

function mac(key: Buffer, text: string, length: number): string {
  return createHmac("sha256", key).update(text).digest("base64url").slice(0, length);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

// ---------------------------------------------------------------------------------------------
// Session id and CSRF token
// ---------------------------------------------------------------------------------------------

const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

/** A new random session id (the resident's anonymous web identity, 128 bits). */
export function newSessionId(): string {
  return randomBytes(16).toString("base64url");
}

/** Is `value` shaped like a session id {@link newSessionId} makes? */
export function isSessionId(value: string): boolean {
  return SESSION_ID.test(value);
}

/** The CSRF token of a session: the page sends it back in a header with every message. */
export function csrfToken(keys: WebKeys, sessionId: string): string {
  return mac(keys.csrf, sessionId, 32);
}

/** Checks a CSRF token against the session it claims to belong to. */
export function verifyCsrfToken(keys: WebKeys, sessionId: string, token: string | undefined): boolean {
  return typeof token === "string" && sameText(token, csrfToken(keys, sessionId));
}

// ---------------------------------------------------------------------------------------------
// Leaflet codes
// ---------------------------------------------------------------------------------------------

/** Who handed out a leaflet, and for which region (and, for a household's own QR, which household). */
export interface LeafletCode {
  officerId: string;
  regionCode: string;
  /** The household an officer left the QR at (the phone page's "QR left" at a visit). */
  householdId?: string;
}

const OFFICER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CODE_SIG_LENGTH = 22; // 132 bits: forgery is hopeless, and the QR stays small.

/**
 * Encodes and signs a leaflet code for a QR link: `<officerId>.<base64url(regionCode)>.<mac>`, or
 * `<officerId>.<base64url(regionCode)>.<householdId>.<mac>` for one household's QR. Region codes
 * may contain any character, so they travel base64url-encoded.
 */
export function signLeafletCode(keys: WebKeys, code: LeafletCode): string {
  if (!OFFICER_ID.test(code.officerId)) throw new Error(`officer id ${JSON.stringify(code.officerId)} cannot go in a QR code`);
  if (code.householdId !== undefined && !OFFICER_ID.test(code.householdId)) throw new Error(`household id ${JSON.stringify(code.householdId)} cannot go in a QR code`);
  const region = Buffer.from(code.regionCode, "utf8").toString("base64url");
  const body = code.householdId === undefined ? `${code.officerId}.${region}` : `${code.officerId}.${region}.${code.householdId}`;
  return `${body}.${mac(keys.qr, body, CODE_SIG_LENGTH)}`;
}

/** Verifies a leaflet code; undefined when it is malformed or its signature is wrong. */
export function verifyLeafletCode(keys: WebKeys, text: string): LeafletCode | undefined {
  if (text.length > 300) return undefined;
  const parts = text.split(".");
  if (parts.length !== 3 && parts.length !== 4) return undefined;
  const sig = parts.pop() as string;
  const [officerId, region, householdId] = parts as [string, string, string | undefined];
  if (!OFFICER_ID.test(officerId) || !/^[A-Za-z0-9_-]{1,200}$/.test(region)) return undefined;
  if (householdId !== undefined && !OFFICER_ID.test(householdId)) return undefined;
  if (!sameText(sig, mac(keys.qr, parts.join("."), CODE_SIG_LENGTH))) return undefined;
  const regionCode = Buffer.from(region, "base64url").toString("utf8");
  if (!regionCode) return undefined;
  return householdId === undefined ? { officerId, regionCode } : { officerId, regionCode, householdId };
}
