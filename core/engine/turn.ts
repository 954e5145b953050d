/**
 * The working state of one step: a private copy of the session plus what to send and record.
 * Modules append to it; step() returns it.
 */
import { t } from "./i18n.js";
import type { BotKey, BotVars } from "./i18n.js";
import type { EngineContext, EngineEvent, OutMessage, SessionState } from "./types.js";

/** One step in progress. `s` is the step's own copy of the session; mutate it freely. */
export interface Turn {
  readonly ctx: EngineContext;
  s: SessionState;
  messages: OutMessage[];
  events: EngineEvent[];
}

/** Appends a message. */
export function send(turn: Turn, message: OutMessage): void {
  turn.messages.push(message);
}

/** Appends a plain message with a bot string. */
export function say(turn: Turn, kind: "info" | "error", key: BotKey, vars?: BotVars): void {
  turn.messages.push({ kind, text: t(turn.s.lang, key, vars) });
}

/** Records an event. */
export function emit(turn: Turn, event: EngineEvent): void {
  turn.events.push(event);
}
