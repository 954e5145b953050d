/**
 * What the runner tells adapters about a platform account without running a turn: whose it is,
 * where their conversation stands, and whether they can be reached. Adapters read none of this
 * from the store themselves (see ConversationRunner.session and its neighbours).
 */
import { isLang } from "../engine/types.js";
import type { Lang, Mode } from "../engine/types.js";
import type { ConversationStore, IdentityRecord, ResidentStore } from "../model/index.js";

/** Where a resident's conversation with Anxin stands. */
export interface SessionInfo {
  residentId: string;
  /** The language on the resident's record (chosen in the dialogue, or their platform's at first contact), if Anxin speaks it. */
  residentLang: Lang | undefined;
  /** A session is stored: the resident has had at least one turn. */
  started: boolean;
  /** The session's mode; undefined before the first turn. */
  mode: Mode | undefined;
  /** The session's language; undefined before the first turn. */
  lang: Lang | undefined;
  /** The resident opted out of notices. */
  optedOut: boolean;
  /** In the middle of an Anxin conversation (consent, survey, language …): an embedded bot yields their text to Anxin. */
  active: boolean;
}

/** Whether a platform account can be reached, for a channel deciding whether to push. */
export interface AccountStatus {
  reachable: boolean;
  /** When the account last wrote to us (WeChat's Official Account may only answer within 48 hours of it). */
  lastInboundAt: Date | null;
}

/**
 * Session modes in which a resident is "talking to Anxin". A record over every mode, so that a
 * new mode of the engine cannot be forgotten here.
 */
const ACTIVE_MODE: Record<Mode, boolean> = {
  new: false,
  menu: false,
  consent: true,
  survey: true,
  language: true,
  privacy: true,
  confirmDeletion: true,
  tips: true,
  cases: true,
  reportCase: true,
  rateCase: true,
  recheck: true,
  compose: true,
};

/** What reading a session needs from the store. */
export type SessionStore = Pick<ResidentStore, "findIdentity" | "getResident"> & Pick<ConversationStore, "loadConversation">;

/**
 * Reads the session of a platform account from the store (never creating anything); null for an
 * account Anxin has never seen. `revision` is the stored session's (0 before the first turn).
 * Without `withResident` the resident's record is not read and `residentLang` stays undefined.
 */
export async function readSession(
  store: SessionStore,
  platform: string,
  platformUserId: string,
  options: { withResident?: boolean } = {},
): Promise<{ info: SessionInfo; identity: IdentityRecord; revision: number } | null> {
  const identity = await store.findIdentity(platform, platformUserId);
  if (!identity) return null;
  const [resident, conversation] = await Promise.all([options.withResident ? store.getResident(identity.residentId) : null, store.loadConversation(identity.residentId)]);
  // Read field by field: a stored state is JSON from any earlier version.
  const state = typeof conversation?.state === "object" && conversation.state !== null ? (conversation.state as Record<string, unknown>) : undefined;
  const mode = typeof state?.mode === "string" && Object.hasOwn(ACTIVE_MODE, state.mode) ? (state.mode as Mode) : undefined;
  const lang = isLang(state?.lang) ? state.lang : undefined;
  const info: SessionInfo = {
    residentId: identity.residentId,
    residentLang: resident && isLang(resident.lang) ? resident.lang : undefined,
    started: conversation !== null,
    mode,
    lang,
    optedOut: state?.optedOut === true,
    active: mode !== undefined && ACTIVE_MODE[mode],
  };
  return { info, identity, revision: conversation?.revision ?? 0 };
}
