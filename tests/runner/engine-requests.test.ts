/**
 * How the runner answers the engine's request events (core/survey/engine-requests.ts): the
 * engine is resumed with the result within the same turn (one reply, every event in order), a
 * request is performed once however often the turn runs again, an unanswered request leaves the
 * dialogue waiting, and adapters cannot hand the engine a `system` input.
 */
import { describe, expect, it } from "vitest";
import { step } from "../../core/engine/step.js";
import { initialState } from "../../core/engine/types.js";
import type { EngineContext, EngineRequestEvent, SystemResult } from "../../core/engine/types.js";
import { adapterInput, performOnce, stepWithRequests } from "../../core/survey/engine-requests.js";
import { defaultQuestionnaire, makeCtx } from "../engine/helpers.js";

const ctx: EngineContext = { ...makeCtx(defaultQuestionnaire(), { now: "2026-05-01T02:30:00.000Z" }), staff: { role: "officer" }, timeZone: "Asia/Shanghai" };

/** An officer at "who should get it?" for an English notice. */
function atAudience() {
  let state = initialState("en");
  for (const input of [{ kind: "text", text: "/broadcast Lock your doors." }, { kind: "button", payload: "bc:aud" }] as const) state = step(ctx, state, input).state;
  return state;
}

describe("request events", () => {
  it("are answered and the engine resumed within the same turn", async () => {
    const asked: EngineRequestEvent[] = [];
    const result = await stepWithRequests(step, ctx, atAudience(), { kind: "button", payload: "bc:aud:h" }, async (event) => {
      asked.push(event);
      return { type: "AudienceCounted", reach: 5, notReached: 2 };
    });
    expect(asked).toEqual([{ type: "AudienceCountRequested", audience: { kind: "households" } }]);
    expect(result.events.map((e) => e.type)).toEqual(["AudienceCountRequested"]);
    expect(result.messages[0]?.text).toBe("Preview: to my households; 5 will receive it (2 more opted out or cannot be reached). Residents will see:");
    expect(result.messages.at(-1)?.text).toBe("Send it?");
    expect(result.state.compose?.step).toBe("preview");

    const sent = await stepWithRequests(step, ctx, result.state, { kind: "button", payload: "bc:send" }, async (event) =>
      event.type === "BroadcastRequested" ? { type: "BroadcastScheduled", broadcastId: "cb9", scheduledAt: event.scheduledAt } : undefined,
    );
    expect(sent.messages.map((m) => m.text)).toEqual(["Sending now (id cb9). Progress: /broadcast list; cancel: /broadcast cancel cb9"]);
    expect(sent.state.compose).toBeUndefined();
  });

  it("left unanswered keep the dialogue waiting", async () => {
    const result = await stepWithRequests(step, ctx, atAudience(), { kind: "button", payload: "bc:aud:h" }, async () => undefined);
    expect(result.messages).toEqual([]);
    expect(result.state.compose?.step).toBe("counting");
  });

  it("are performed once per message, however often the turn runs", async () => {
    let performed = 0;
    const perform = performOnce(async (event): Promise<SystemResult> => {
      performed++;
      return { type: "BroadcastScheduled", broadcastId: `cb${performed}`, scheduledAt: event.type === "BroadcastRequested" ? event.scheduledAt : "" };
    });
    const event: EngineRequestEvent = { type: "BroadcastRequested", content: { text: { en: "x" } }, audience: { kind: "households" }, scheduledAt: "2026-05-01T02:30:00.000Z" };
    expect(await perform(event)).toMatchObject({ broadcastId: "cb1" });
    expect(await perform(structuredClone(event))).toMatchObject({ broadcastId: "cb1" });
    expect(performed).toBe(1);
  });

  it("results never come from an adapter", () => {
    expect(adapterInput({ kind: "system", result: { type: "BroadcastScheduled", broadcastId: "x", scheduledAt: "2026-05-01T02:30:00.000Z" } })).toEqual({ kind: "button", payload: "" });
    expect(adapterInput({ kind: "text", text: "hi" })).toEqual({ kind: "text", text: "hi" });
  });
});
