/**
 * The codes outreach hands out: one-time staff invitation codes, and officers' household join
 * codes for Telegram deep links (`?start=h_<officer>_<signature>`).
 *
 * Invitation codes are typed by hand on WeChat, so they avoid look-alike characters (no 0/O,
 * 1/I) and ignore case and separators: "INV-K7PM-Q2XR-9HTD", "inv k7pm q2xr 9htd" and
 * "invk7pmq2xr9htd" are the same code. Household codes fit Telegram's 64-character start
 * parameter and survive the lower-casing an embedded bot applies to it.
 */
import { createHmac, randomInt, timingSafeEqual } from "node:crypto";

/** Letters and digits of invitation codes (32 symbols: 5 bits each). */
export const INVITATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/** Symbols of an invitation code after its "INV" prefix: 12 × 5 = 60 bits. */
export const INVITATION_LENGTH = 12;

/** A new random invitation code, canonical (upper case, no prefix or separators). */
export function newInvitationCode(): string {
  let code = "";
  for (let i = 0; i < INVITATION_LENGTH; i++) code += INVITATION_ALPHABET[randomInt(INVITATION_ALPHABET.length)];
  return code;
}

/** The way people see a code: "INV-K7PM-Q2XR-9HTD". */
export function formatInvitationCode(code: string): string {
  return `INV-${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

const INVITATION_TEXT = /^(?:邀请码|邀請碼|invitation(?:\s+code)?|invite)?\s*[:：]?\s*inv[-_\s]?([a-z0-9]{4})[-_\s]?([a-z0-9]{4})[-_\s]?([a-z0-9]{4})$/i;

/**
 * Reads an invitation code out of a start parameter or a typed message; undefined when the text
 * is not one. The "INV" prefix is required, so an ordinary answer is never taken for a code.
 */
export function parseInvitationCode(text: string): string | undefined {
  const match = INVITATION_TEXT.exec(text.trim());
  if (!match) return undefined;
  const code = `${match[1]}${match[2]}${match[3]}`.toUpperCase();
  for (const char of code) if (!INVITATION_ALPHABET.includes(char)) return undefined;
  return code;
}

// -------------------------------------------------------------------------- household codes

const HOUSEHOLD_SIG_HEX = 16; // 64 bits
const HOUSEHOLD_CODE = /^h_([a-z0-9]{1,40})_([0-9a-f]{16})$/;

function householdKey(secret: string): Buffer {
  // A purpose-specific key: this signature is worth nothing anywhere else the secret signs.
  return createHmac("sha256", secret).update("anxin/outreach/household-code/v1").digest();
}

function householdMac(secret: string, officerId: string): string {
  return createHmac("sha256", householdKey(secret)).update(officerId).digest("hex").slice(0, HOUSEHOLD_SIG_HEX);
}

/**
 * The start parameter that makes whoever opens it one of `officerId`'s households:
 * `h_<officer id>_<16 hex>` (at most 59 characters). Officer ids are lower-case cuids.
 */
export function signHouseholdCode(secret: string, officerId: string): string {
  if (!/^[a-z0-9]{1,40}$/.test(officerId)) throw new Error(`officer id ${JSON.stringify(officerId)} cannot go in a household code`);
  return `h_${officerId}_${householdMac(secret, officerId)}`;
}

/** The officer id of a valid household code, else undefined (malformed or forged). */
export function verifyHouseholdCode(secret: string, text: string): string | undefined {
  const match = HOUSEHOLD_CODE.exec(text.trim().toLowerCase());
  if (!match?.[1] || !match[2]) return undefined;
  const expected = Buffer.from(householdMac(secret, match[1]));
  const given = Buffer.from(match[2]);
  return expected.length === given.length && timingSafeEqual(expected, given) ? match[1] : undefined;
}
