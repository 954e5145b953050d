/**
 * Ids of broadcasts composed in chat, drawn by the conversation runner before the turn (the
 * engine has no randomness of its own, and the broadcast is created in the turn's commit with
 * the id the officer was told). Kept apart so that the runner can draw one without loading the
 * rest of outreach.
 */
import { randomInt } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random characters after the time (36¹⁶ ≈ 8 × 10²⁴ per millisecond; a taken id reruns the turn). */
const RANDOM_LENGTH = 16;

/**
 * A fresh broadcast id shaped like the store's own (a cuid): "c", the time in base 36, then
 * random characters — 25 lower-case letters and digits, which officers type after
 * `/broadcast cancel`.
 */
export function newBroadcastId(now: Date): string {
  const time = now.getTime();
  let id = `c${(Number.isFinite(time) && time > 0 ? Math.floor(time) : 0).toString(36).padStart(8, "0").slice(-8)}`;
  for (let i = 0; i < RANDOM_LENGTH; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
