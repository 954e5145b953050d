/**
 * Types shared by the fake's modules but not part of its public surface (./index.ts does not
 * re-export them).
 */
import type { Chat, InlineKeyboardMarkup, Message, ReplyKeyboardMarkup } from "grammy/types";
import type { CallRecord, FailOptions, UploadedFile } from "./types.js";

export type Params = Record<string, unknown>;
export type Encoding = CallRecord["encoding"];

export interface StoredMessage {
  current: Message;
  versions: Message[];
  fromBot: boolean;
  deleted: boolean;
}

export interface ChatState {
  chat: Chat;
  messages: Map<number, StoredMessage>;
  blocked: boolean;
  replyKeyboard?: ReplyKeyboardMarkup;
}

export interface StoredFile {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path: string;
  data?: Buffer;
  /** Pixel size, for photos. */
  dims?: { width: number; height: number };
}

export interface FaultRule {
  method: string;
  remaining: number;
  triggered: number;
  opts: FailOptions;
}

export interface CallContext {
  source: CallRecord["source"];
  encoding: Encoding;
  /** Registers a callback for when the client goes away before the answer. */
  onClose: (cb: () => void) => void;
  /** Set by handlers that want a `description` next to `result`. */
  description?: string;
}

export interface Outcome {
  ok: boolean;
  result?: unknown;
  errorCode?: number;
  description?: string;
  retryAfter?: number;
  injected?: boolean;
  disconnect?: boolean;
}

export interface MarkupInfo {
  inline?: InlineKeyboardMarkup;
  reply?: ReplyKeyboardMarkup;
  remove?: boolean;
}

export interface PollWaiter {
  wake(): void;
  conflict(description: string): void;
  finish(): void;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  allowedUpdates?: string[];
  maxConnections: number;
  ipAddress?: string;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

/** Implementation of one Bot API method; its return value becomes the answer's `result`. */
export type MethodHandler = (p: Params, files: Record<string, UploadedFile>, ctx: CallContext) => unknown;

/** Entry of the method table, keyed by the lower-cased method name (method names are case-insensitive). */
export interface MethodEntry {
  /** Canonical spelling, as documented. */
  name: string;
  fn: MethodHandler;
}
