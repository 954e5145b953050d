/**
 * Outreach's hook in front of the engine (see {@link InboundInterceptor}):
 *
 * - an invitation code — in a deep link (`/start INV-…`) or typed (WeChat, web) — is redeemed;
 * - a household code in a deep link (`/start h_<officer>_<sig>`) makes the resident one of that
 *   officer's households (households.ts, the same path as a web leaflet; the runner attributes
 *   the responses they start), then the engine greets them as for "take the survey";
 * - "I've read it ✓" (`rd:<delivery>`) or the keyword 已读 / 已讀 / read confirms a notice (a
 *   notice carrying a library tip then goes on into the tip's quiz, as the engine's own button);
 *
 * Everything else passes through untouched, at the cost of at most one cached lookup. The
 * /broadcast dialogue is the engine's (core/engine/compose.ts); this hook tells the engine who
 * is staff (`engineContext`), performs what the dialogue asks of the store (`perform`: count an
 * audience, check a broadcast may go out; broadcast-requests.ts), turns a confirmed broadcast into
 * the turn's `broadcast.schedule` write (`writesFor`) and, once that turn is committed, wakes the
 * sender (`afterTurn`).
 */
import type { RedeemOutcome, Store } from "../model/index.js";
import { isRequestEvent, type Lang, type OutMessage } from "../engine/types.js";
import type { InboundInterceptor, InterceptRequest, InterceptResult } from "../survey/runner.js";
import { parseInvitationCode, verifyHouseholdCode } from "./codes.js";
import { broadcastWrite, performBroadcastRequest, staffContextOf, type BroadcastRequestDeps } from "./broadcast-requests.js";
import { isReadKeyword, parseContent, parseReadPayload } from "./content.js";
import { encodePayload, TIP_ID_PATTERN } from "../engine/payload.js";
import { outreachText, type OutreachKey } from "./i18n.js";
import type { StaffDirectory } from "./invitations.js";
import { Households } from "./households.js";

/** What the interceptor needs. */
export interface OutreachInterceptorDeps {
  store: Store;
  /** The app secret (household codes are signed with it). */
  secret: string;
  /** What the /broadcast dialogue's requests need (tips, platforms, waking the sender). */
  broadcasts: Omit<BroadcastRequestDeps, "store">;
  staff: StaffDirectory;
  /** The read keyword confirms notices sent this recently. Default 30 days. */
  readKeywordWindowMs?: number;
}

/** Creates the outreach interceptor. */
export function createOutreachInterceptor(deps: OutreachInterceptorDeps): InboundInterceptor {
  const { store } = deps;
  const households = new Households(store);
  const keywordWindow = deps.readKeywordWindowMs ?? 30 * 24 * 3600 * 1000;
  const broadcasts: BroadcastRequestDeps = { store, ...deps.broadcasts };

  const redeem = async (code: string, request: InterceptRequest): Promise<InterceptResult> => {
    const outcome = await store.redeemInvitation(code, request.residentId, request.now);
    if (outcome.ok) deps.staff.invalidate();
    return { reply: { messages: redeemMessages(outcome, request.lang) } };
  };

  return {
    name: "outreach",
    async intercept(request) {
      const { input } = request.message;
      const lang = request.lang;
      if (input.kind === "start") {
        const arg = input.arg ?? "";
        const code = parseInvitationCode(arg);
        if (code) return redeem(code, request);
        const officerId = verifyHouseholdCode(deps.secret, arg);
        if (officerId) {
          const link = await households.link(officerId);
          // A stale link (the officer left) still greets the resident, it just assigns nobody.
          if (link) await households.join(link, request.residentId);
          return { input: { kind: "start", arg: "survey" } };
        }
        return undefined;
      }
      if (input.kind === "button") {
        const deliveryId = parseReadPayload(input.payload);
        if (deliveryId) {
          const { outcome, broadcastId } = await store.markDeliveryRead(deliveryId, request.residentId, request.now);
          // A notice carrying a library tip goes on like the tip's own "I've read it": into its quiz.
          const tipId = outcome !== "unknown" && broadcastId ? parseContent((await store.getBroadcast(broadcastId))?.content).tipId : undefined;
          if (tipId && TIP_ID_PATTERN.test(tipId)) return { input: { kind: "button", payload: encodePayload({ op: "tipRead", id: tipId }) } };
          return { reply: { messages: [info(lang, outcome === "read" ? "read.thanks" : outcome === "already" ? "read.already" : "read.unknown")] } };
        }
        return undefined;
      }
      // A re-check the office starts on the resident's behalf is the engine's alone.
      if (input.kind !== "text") return undefined;
      const text = input.text;
      const code = parseInvitationCode(text);
      if (code) return redeem(code, request);
      if (isReadKeyword(text)) {
        const read = await store.markLatestDeliveryRead(request.residentId, new Date(request.now.getTime() - keywordWindow), request.now);
        // No notice to confirm: the word is the engine's (an answer, a suggestion).
        if (read) return { reply: { messages: [info(lang, "read.thanks")] } };
      }
      return undefined;
    },
    async engineContext({ residentId }) {
      // Residents cost one cached lookup; only staff are read from the store.
      if (!(await deps.staff.isStaff(residentId))) return undefined;
      const staff = await staffContextOf(broadcasts, await store.getResident(residentId));
      return staff ? { staff } : undefined;
    },
    async perform({ residentId, event, now }) {
      if (!isRequestEvent(event)) return undefined;
      return performBroadcastRequest(broadcasts, await store.getResident(residentId), event, now);
    },
    async writesFor({ residentId, event }) {
      if (event.type !== "BroadcastConfirmed") return undefined;
      return [await broadcastWrite(store, await store.getResident(residentId), event)];
    },
    async afterTurn({ events }) {
      // Committed: the broadcast exists now, so the sender can find it.
      if (events.some((event) => event.type === "BroadcastConfirmed")) deps.broadcasts.notify?.();
    },
  };
}

function redeemMessages(outcome: RedeemOutcome, lang: Lang): OutMessage[] {
  if (!outcome.ok) {
    const key: OutreachKey = outcome.reason === "used" ? "redeem.used" : outcome.reason === "revoked" ? "redeem.revoked" : outcome.reason === "expired" ? "redeem.expired" : "redeem.unknown";
    return [{ kind: "error", text: outreachText(lang, key) }];
  }
  // Surfaces with staff pages (the web chat) offer a way in; a since-revoked member gets none.
  const role = outcome.resident.role;
  const entry = role === "admin" || role === "officer" ? { staffEntry: role } : {};
  if (outcome.already) return [{ ...info(lang, "redeem.already"), ...entry }];
  const key: OutreachKey = role === "admin" ? "redeem.ok_admin" : "redeem.ok";
  return [{ ...info(lang, key, { region: outcome.invitation.regionCode ?? "—" }), ...entry }];
}

function info(lang: Lang, key: OutreachKey, vars?: Record<string, string | number>): OutMessage {
  return { kind: "info", text: outreachText(lang, key, vars) };
}
