/**
 * Leaflets' short links: `/q/` and eight characters a resident can type from a printed leaflet
 * when the QR code will not scan, instead of the signed 60-character code the QR carries. The
 * code is drawn at random and stored (one per officer and region, the same one every time the
 * leaflet is printed), so it says nothing about the officer or the region and another leaflet's
 * code cannot be worked out from it: 31⁸ ≈ 8.5 × 10¹¹ codes, behind the web chat's rate limit.
 */
import { randomInt } from "node:crypto";
import type { LeafletLinkStore } from "../model/index.js";

/** Letters and digits of short codes: no 0/o, 1/i/l, which are misread off paper. */
const SHORT_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz";

/** Characters in a short code. */
export const SHORT_CODE_LENGTH = 8;

/** A typed short code (any case, spaces or dashes) in canonical form, or undefined when it cannot be one. */
export function normalizeShortCode(text: string): string | undefined {
  const code = text.normalize("NFKC").replace(/[\s-]/g, "").toLowerCase();
  return code.length === SHORT_CODE_LENGTH && [...code].every((c) => SHORT_ALPHABET.includes(c)) ? code : undefined;
}

/** A random short code, e.g. "k7m3pq9x". */
export function newShortCode(): string {
  let code = "";
  for (let i = 0; i < SHORT_CODE_LENGTH; i++) code += SHORT_ALPHABET[randomInt(SHORT_ALPHABET.length)];
  return code;
}

/** How often a freshly drawn code may collide with a stored one before giving up (practically never more than once). */
const DRAWS = 5;

/**
 * The short code of an officer's leaflet in a region: the stored one, else a new one stored now.
 * @throws Error when {@link DRAWS} random codes in a row were all taken (a broken random source)
 */
export async function leafletShortCode(store: LeafletLinkStore, officerId: string, regionCode: string, now: Date, draw: () => string = newShortCode): Promise<string> {
  for (let i = 0; i < DRAWS; i++) {
    const code = await store.leafletLinkCode({ officerId, regionCode, code: draw(), now });
    if (code) return code;
  }
  throw new Error(`no free leaflet short code after ${DRAWS} draws`);
}

/** The officer and region a typed short code stands for, or null (malformed or unknown). */
export async function leafletShortTarget(store: LeafletLinkStore, typed: string): Promise<{ officerId: string; regionCode: string } | null> {
  const code = normalizeShortCode(typed);
  return code ? store.leafletLinkTarget(code) : null;
}
