/**
 * Outreach's hook in front of the engine (see {@link InboundInterceptor}):
 *
 * - an invitation code — in a deep link (`/start INV-…`) or typed (WeChat, web) — is redeemed;
 * - a household code in a deep link (`/start h_<officer>_<sig>`) makes the resident one of that
 *   officer's households, then the engine greets them as for "take the survey";
 * - "I've read it ✓" (`rd:<delivery>`) or the keyword 已读 / 已讀 / read confirms a notice (a
 *   notice carrying a library tip then goes on into the tip's quiz, as the engine's own button);
 * - `bc:` buttons, and text an officer types while the /broadcast dialogue waits for it, go to
 *   the dialogue.
 *
 * Everything else passes through untouched, at the cost of at most one cached lookup.
 */
import type { RedeemOutcome, Store } from "../../prisma/store.js";
import type { Lang, OutMessage } from "../engine/types.js";
import type { InboundInterceptor, InterceptRequest, InterceptResult } from "../survey/runner.js";
import { staffText } from "../survey/staff-i18n.js";
import { hasRole } from "../app/roles.js";
import { parseInvitationCode, verifyHouseholdCode } from "./codes.js";
import { COMPOSE_PREFIX, ComposeDialogue } from "./compose.js";
import { isReadKeyword, parseContent, parseReadPayload } from "./content.js";
import { encodePayload, TIP_ID_PATTERN } from "../engine/payload.js";
import { outreachText, type OutreachKey } from "./i18n.js";
import type { StaffDirectory } from "./invitations.js";

/** What the interceptor needs. */
export interface OutreachInterceptorDeps {
  store: Store;
  /** The app secret (household codes are signed with it). */
  secret: string;
  compose: ComposeDialogue;
  staff: StaffDirectory;
  /** The read keyword confirms notices sent this recently. Default 30 days. */
  readKeywordWindowMs?: number;
}

/** Creates the outreach interceptor. */
export function createOutreachInterceptor(deps: OutreachInterceptorDeps): InboundInterceptor {
  const { store } = deps;
  const keywordWindow = deps.readKeywordWindowMs ?? 30 * 24 * 3600 * 1000;

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
          const officer = await store.getOfficer(officerId);
          // A stale link (the officer left) still greets the resident, it just assigns nobody.
          if (officer && officer.id !== request.residentId) await store.assignHousehold({ officerId: officer.id, householdId: request.residentId, regionId: officer.regionId });
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
        if (input.payload.startsWith(COMPOSE_PREFIX)) {
          const staff = await store.getResident(request.residentId);
          if (!staff || !hasRole(staff.role, "officer")) return { reply: { messages: [notAllowed(lang)] } };
          return { reply: await deps.compose.button(staff, input.payload, lang, request.now) };
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
      if (text.trim().startsWith("/") || !(await deps.staff.isStaff(request.residentId))) return undefined;
      const draft = await deps.compose.draft(request.residentId, request.now);
      if (!draft) return undefined;
      const route = ComposeDialogue.routeText(draft, text);
      if (!route) return undefined;
      const staff = await store.getResident(request.residentId);
      if (!staff || !hasRole(staff.role, "officer")) return undefined;
      if (route.kind === "button") return { reply: await deps.compose.button(staff, route.payload, lang, request.now) };
      return { reply: await deps.compose.text(staff, draft, text, lang, request.now) };
    },
    async afterTurn({ residentId, events }) {
      // A response started after the household was assigned (through a link) belongs to that officer.
      if (events.some((event) => event.type === "ResponseStarted")) await store.attributeResponses(residentId);
    },
  };
}

function redeemMessages(outcome: RedeemOutcome, lang: Lang): OutMessage[] {
  if (!outcome.ok) {
    const key: OutreachKey = outcome.reason === "used" ? "redeem.used" : outcome.reason === "revoked" ? "redeem.revoked" : outcome.reason === "expired" ? "redeem.expired" : "redeem.unknown";
    return [{ kind: "error", text: outreachText(lang, key) }];
  }
  if (outcome.already) return [info(lang, "redeem.already")];
  const key: OutreachKey = outcome.resident.role === "admin" ? "redeem.ok_admin" : "redeem.ok";
  return [info(lang, key, { region: outcome.invitation.regionCode ?? "—" })];
}

function notAllowed(lang: Lang): OutMessage {
  return { kind: "error", text: staffText(lang, "not_allowed", { role: staffText(lang, "role_officer") }) };
}

function info(lang: Lang, key: OutreachKey, vars?: Record<string, string | number>): OutMessage {
  return { kind: "info", text: outreachText(lang, key, vars) };
}
