/**
 * The runner's generic interceptor hook (core/survey/runner.ts), which outreach plugs into: an
 * interceptor answers a message, rewrites it for the engine, or lets it through; one that fails
 * is skipped and reported; afterTurn sees the committed engine turn; a redelivered message is
 * still a duplicate.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundInterceptor } from "../../core/survey/runner.js";
import type { EngineEvent } from "../../core/engine/types.js";
import { surveyFixture, type SurveyFixture } from "../support/survey-fixture.js";

const seen: string[] = [];
const turns: EngineEvent["type"][][] = [];
const errors: unknown[] = [];
const interceptors: InboundInterceptor[] = [
  {
    name: "broken",
    async intercept({ message }) {
      if (message.input.kind === "text" && message.input.text === "boom") throw new Error("boom");
      return undefined;
    },
  },
  {
    name: "test",
    async intercept({ message }) {
      const input = message.input;
      seen.push(input.kind);
      if (input.kind === "text" && input.text === "ping") return { reply: { messages: [{ kind: "info", text: "pong" }] } };
      if (input.kind === "text" && input.text === "go") return { input: { kind: "start", arg: "survey" } };
      return undefined;
    },
    async afterTurn({ events }) {
      turns.push(events.map((e) => e.type));
    },
  },
];

let fx: SurveyFixture;
beforeAll(async () => {
  fx = await surveyFixture({ runner: { interceptors, onError: (error) => errors.push(error) } });
});
afterAll(async () => {
  await fx?.close();
});

let n = 0;
const send = (text: string, id = `h${++n}`) => fx.runner.handle({ platform: "test", platformUserId: "u1", chatId: "u1", messageId: id, langCode: "en", input: { kind: "text", text } });

describe("the runner's interceptors", () => {
  it("answer a message themselves, and the message id is still recorded", async () => {
    const reply = await send("ping", "ping-1");
    expect(reply.messages).toEqual([{ kind: "info", text: "pong" }]);
    expect(turns).toEqual([]);
    expect((await send("ping", "ping-1")).duplicate).toBe(true);
  });

  it("rewrite the input for the engine, which then runs (and afterTurn sees it)", async () => {
    const reply = await send("go");
    expect(reply.messages.some((m) => m.options?.some((o) => o.payload === "c:y"))).toBe(true);
    expect(turns.length).toBe(1);
  });

  it("skip a failing interceptor, report it, and go on", async () => {
    const reply = await send("boom");
    expect(errors).toHaveLength(1);
    expect(reply.messages.length).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe("text");
  });
});
