/**
 * Case and resident codes: short, unambiguous, easy to read out on the phone. Kept apart from
 * cases.ts so that the conversation runner can draw a code without loading the notifier.
 */
import { randomInt } from "node:crypto";
import { CASE_CODE_PATTERN } from "../engine/payload.js";

/** Letters and digits of case codes: no 0/O, 1/I/L, which elderly residents read out on the phone. */
const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/** Characters in a case code (31⁶ ≈ 8.9 × 10⁸ codes; a taken one is drawn again). */
export const CASE_CODE_LENGTH = 6;

/** A random case code, e.g. "K7M3PQ". */
export function newCaseCode(): string {
  let code = "";
  for (let i = 0; i < CASE_CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** A typed case code in canonical form ("k7m-3pq" → "K7M3PQ"), or undefined when it cannot be one. */
export function normalizeCaseCode(text: string): string | undefined {
  const code = text.normalize("NFKC").replace(/[\s-]/g, "").toUpperCase();
  return CASE_CODE_PATTERN.test(code) ? code : undefined;
}

/**
 * A resident's code, shown to them under "My cases" for an officer to register a case for them:
 * the last 8 characters of their id (the random part of a cuid), upper case.
 */
export function residentCode(residentId: string): string {
  return residentId.slice(-8).toUpperCase();
}
