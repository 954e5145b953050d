/**
 * 1,000 random, malformed, forged and stale updates thrown at the adapter (and a few hundred
 * bodies at the webhook route) while a resident is in the middle of the survey: nothing crashes,
 * every outcome is one of the documented ones, and not a single answer changes. Seeded, so a
 * failure replays exactly.
 */
import Fastify from "fastify";
import type { Message } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TelegramAdapter, type UpdateOutcome } from "../../bots/telegram/adapter.js";
import { CallbackSigner } from "../../bots/telegram/callback-data.js";
import { createTelegramChannel } from "../../bots/telegram/channel.js";
import { createSendingApi } from "../../bots/telegram/sender.js";
import { FakeTelegram } from "../support/fake-telegram/index.js";
import { mulberry32 } from "../../core/stats/sampling.js";
import { anxinFixture, buttonsOf, channelsConnected, payloadOf, recordingLogger, TEST_SECRET, type AnxinFixture } from "./support.js";

const SEED = 20_261_128;

const prng = mulberry32;

const OUTCOMES: UpdateOutcome[] = ["handled", "ignored", "duplicate"];
const victim = { id: 9_400_000_001, is_bot: false, first_name: "Victim", language_code: "zh-hans" };

let tg: FakeTelegram;
let fixture: AnxinFixture;
let adapter: TelegramAdapter;
const me = { username: "anxin_test_bot" };

beforeAll(async () => {
  tg = await FakeTelegram.start();
  fixture = await anxinFixture();
  adapter = new TelegramAdapter({ runner: fixture.runner, secret: TEST_SECRET, api: createSendingApi(tg.token, tg.apiRoot), logger: recordingLogger() });
});
afterAll(async () => {
  await adapter?.close();
  await tg?.stop();
  await fixture?.close();
});

let updateId = 1;
function privateMessage(from: { id: number; first_name: string; is_bot: boolean; language_code?: string }, text: string) {
  return { update_id: updateId++, message: { message_id: updateId, date: 1, chat: { id: from.id, type: "private", first_name: from.first_name }, from, text } };
}
function press(from: { id: number }, message: Message, data: unknown) {
  return { update_id: updateId++, callback_query: { id: String(updateId), from: { is_bot: false, first_name: "x", ...from }, chat_instance: "1", message, data } };
}
async function lastMessage(): Promise<Message> {
  await adapter.drain();
  const message = tg.sentTo(victim.id).at(-1);
  if (!message) throw new Error("the bot said nothing");
  return message;
}

async function victimState(): Promise<{ answers: Record<string, unknown>; current: unknown; mode: unknown }> {
  const identity = await fixture.store.findIdentity("telegram", String(victim.id));
  const response = await fixture.store.getResponse(identity?.residentId ?? "", fixture.wave.id);
  const conversation = await fixture.store.loadConversation(identity?.residentId ?? "");
  const state = conversation?.state as { mode?: unknown; survey?: { current?: unknown } } | undefined;
  return { answers: response?.answers ?? {}, current: state?.survey?.current, mode: state?.mode };
}

describe("fuzzing the Telegram adapter", () => {
  it("survives 1,000 random, malformed, forged and stale updates without storing a wrong answer", async () => {
    // The victim consents and answers the first question; the second one is on screen.
    await adapter.handleUpdate(privateMessage(victim, "/start survey"), me);
    const consent = await lastMessage();
    const accept = buttonsOf(consent).find((b) => b.payload.op === "consent" && b.payload.accept);
    await adapter.handleUpdate(press(victim, consent, accept?.data), me);
    const q1 = await lastMessage();
    const q1Buttons = buttonsOf(q1);
    await adapter.handleUpdate(press(victim, q1, q1Buttons[0]?.data), me);
    const q2 = await lastMessage();
    const q2Buttons = buttonsOf(q2);
    const before = await victimState();
    expect(before.answers).toEqual({ safety_overall: { kind: "choice", option: "very_safe" } });
    expect(before.current).toBe("safety_trend");

    const random = prng(SEED);
    const int = (n: number) => Math.floor(random() * n);
    const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
    const ascii = (max: number) => Array.from({ length: int(max) }, () => String.fromCharCode(32 + int(95))).join("");
    const symbols = (max: number) => Array.from({ length: 1 + int(max) }, () => pick([..."★☆♪#%&<>{}[]~^|🚓💡　"])).join("");
    const randomValue = (depth: number): unknown => {
      switch (int(depth > 0 ? 8 : 5)) {
        case 0: return null;
        case 1: return int(2) ? -int(1e12) : int(1e12);
        case 2: return ascii(30);
        case 3: return random() < 0.5;
        case 4: return undefined;
        case 5: return Array.from({ length: int(4) }, () => randomValue(depth - 1));
        default: {
          const keys = ["id", "chat", "from", "text", "data", "message", "type", "is_bot", "message_id", "entities", "update_id", "status"];
          return Object.fromEntries(Array.from({ length: 1 + int(5) }, () => [pick(keys), randomValue(depth - 1)]));
        }
      }
    };
    const stranger = () => ({ id: 9_500_000_000 + int(1_000_000), is_bot: false, first_name: "S" });
    const checksum = (q2Buttons[0] ? payloadOf(q2Buttons[0].data) : "")?.split(":")[2] ?? "0000";
    // The questionnaire version the buttons carry (stale ones below use the versions around it).
    const version = Number((q2Buttons[0] ? payloadOf(q2Buttons[0].data) : "")?.split(":")[1] ?? "1");
    const signer = new CallbackSigner(TEST_SECRET);
    const otherSigner = new CallbackSigner(`${TEST_SECRET}-other`);
    const q2data = q2Buttons.map((b) => b.data);
    const breakMessage = (): Record<string, unknown> => {
      const message: Record<string, unknown> = { message_id: updateId, date: 1, chat: { id: victim.id, type: "private" }, from: { ...victim }, text: "2" };
      switch (int(10)) {
        case 0: message.chat = { id: victim.id, type: pick(["group", "supergroup", "channel", undefined, 5]) }; break;
        case 1: message.chat = { id: pick([String(victim.id), -victim.id, victim.id + 1, 1.5, null]), type: "private" }; break;
        case 2: message.from = { ...victim, id: pick([String(victim.id), -victim.id, 0, victim.id + 1, null]) }; break;
        case 3: message.from = { ...victim, is_bot: true }; break;
        case 4: message.text = pick([2, null, { text: "2" }, ["2"], undefined]); break;
        case 5: delete message.from; break;
        case 6: delete message.chat; break;
        case 7: message.chat = null; break;
        case 8: message.from = "victim"; break;
        default: message.chat = [victim.id]; break;
      }
      return message;
    };

    const generators: (() => unknown)[] = [
      // Not updates at all.
      () => pick([null, 0, "update", [], true, {}, { update_id: "5" }, { update_id: -1 }, { update_id: 1.5 }, { update_id: 2 ** 60 }, { update_id: updateId }]),
      // Random structures under known keys.
      () => ({ update_id: updateId++, [pick(["message", "callback_query", "my_chat_member", "edited_message", "inline_query"])]: randomValue(3) }),
      // A message from the victim that is broken in one way, carrying what would be an answer.
      () => ({ update_id: updateId++, message: breakMessage() }),
      // The victim's answer text inside update kinds that are not messages to us.
      () => ({
        update_id: updateId++,
        [pick(["edited_message", "channel_post", "edited_channel_post", "business_message"])]: { message_id: 1, date: 1, chat: { id: victim.id, type: "private" }, from: victim, text: "2" },
      }),
      () => ({ update_id: updateId++, inline_query: { id: "1", from: victim, query: "2", offset: "" } }),
      () => ({ update_id: updateId++, my_chat_member: { chat: { id: -5, type: "group" }, from: victim, date: 1, old_chat_member: { status: "left", user: victim }, new_chat_member: { status: pick(["member", "kicked", "administrator"]), user: victim } } }),
      // Buttons: random data, forged signatures, tampered data, someone else's press, other keys.
      () => press(victim, q2, pick([ascii(80), "", 42, null, { a: 1 }, "anx:", `anx:${ascii(11)}:${ascii(40)}`])),
      () => press(victim, q2, `anx:${ascii(11).replace(/[^A-Za-z0-9_-]/g, "A").padEnd(11, "x")}:a:${version}:${checksum}:1:${int(4)}`),
      () => {
        const data = pick(q2data);
        const at = 4 + int(data.length - 4);
        const swapped = data.slice(0, at) + (data[at] === "A" ? "B" : "A") + data.slice(at + 1);
        return press(victim, q2, pick([swapped, data.slice(0, -1), `${data}0`, data.toUpperCase()]));
      },
      () => press(stranger(), q2, pick(q2data)),
      () => press(victim, q2, signer.sign(`a:${version}:${checksum}:1:${int(4)}`, victim.id + 1)),
      () => press(victim, q2, otherSigner.sign(`a:${version}:${checksum}:1:${int(4)}`, victim.id)),
      () => press(victim, { ...q2, chat: { id: -100_123, type: "supergroup", title: "g" } } as Message, pick(q2data)),
      () => ({ update_id: updateId++, callback_query: { id: "x", from: victim, chat_instance: "1", data: pick(q2data) } }),
      // Validly signed but stale survey buttons: an earlier question, an older version, nonsense indexes.
      () =>
        press(
          victim,
          q2,
          signer.sign(
            pick([
              payloadOf(pick(q1Buttons).data) ?? "",
              `a:${version - 1}:${checksum}:1:0`,
              `a:${version + 1}:${checksum}:1:0`,
              `a:${version}:0000:1:0`,
              `a:${version}:${checksum}:99:0`,
              `a:${version}:${checksum}:1:99`,
              `d:${version}:${checksum}:1`,
              `s:${version}:${checksum}:1`,
              `u:${version}:${checksum}:1:0`,
              `r:${version}:${checksum}:1:0:-:0`,
              `a:${version}:${checksum}:0:${int(6)}`,
              "c:n",
              "x:y",
            ]),
            victim.id,
          ),
        ),
      // Legitimate traffic from strangers (symbols only, so nobody consents by accident) and media from the victim.
      () => privateMessage(stranger(), symbols(40)),
      () => ({ update_id: updateId++, message: { message_id: 1, date: 1, chat: { id: victim.id, type: "private" }, from: victim, [pick(["photo", "sticker", "location", "voice"])]: {} } }),
      // Contacts while no phone question is asked: the victim's own, someone else's, broken ones.
      () => ({
        update_id: updateId++,
        message: {
          message_id: 1,
          date: 1,
          chat: { id: victim.id, type: "private" },
          from: victim,
          contact: pick([
            { phone_number: "8613800138000", first_name: "V", user_id: victim.id },
            { phone_number: "+8613800138000", first_name: "X", user_id: victim.id + 1 },
            { phone_number: "13800138000", first_name: "Y" },
            { phone_number: 13800138000, first_name: "Z", user_id: victim.id },
            { phone_number: "1".repeat(500), first_name: "W", user_id: victim.id },
            randomValue(2),
          ]),
        },
      }),
    ];

    const delivered: unknown[] = [];
    const outcomes = new Map<UpdateOutcome, number>();
    for (let batch = 0; batch < 40; batch++) {
      const updates = Array.from({ length: 25 }, () => {
        // Now and then Telegram delivers the same update again.
        const update = delivered.length > 0 && random() < 0.05 ? pick(delivered) : pick(generators)();
        delivered.push(update);
        return update;
      });
      const results = await Promise.all(updates.map((update) => adapter.handleUpdate(update, me)));
      for (const result of results) {
        expect(OUTCOMES).toContain(result);
        outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
      }
    }
    await adapter.drain();
    expect(delivered).toHaveLength(1000);
    expect(outcomes.get("ignored")).toBeGreaterThan(100);
    expect(outcomes.get("handled")).toBeGreaterThan(100);

    // Nothing the fuzz did changed an answer or moved the victim on.
    const after = await victimState();
    expect(after.answers).toEqual(before.answers);
    expect(after.current).toBe("safety_trend");
    // No contact became the victim's phone number: none was asked for.
    const victimIdentity = await fixture.store.findIdentity("telegram", String(victim.id));
    expect(await fixture.store.getResidentPhone(victimIdentity?.residentId ?? "")).toBeNull();
    expect(after.mode).toBe("survey");
    expect(await fixture.store.listResponses(fixture.wave.id)).toHaveLength(1);

    // The victim's real button still works.
    const real = q2Buttons.find((b) => b.payload.op === "answer" && b.payload.option === 1);
    expect(await adapter.handleUpdate(press(victim, q2, real?.data), me)).toBe("handled");
    await adapter.drain();
    expect((await victimState()).answers).toEqual({ ...before.answers, safety_trend: { kind: "choice", option: "same" } });
  });

  it("answers junk bodies on the webhook route with 4xx, never 5xx", async () => {
    const server = Fastify();
    const channel = createTelegramChannel({
      token: tg.token,
      apiRoot: tg.apiRoot,
      webhook: { url: "https://anxin.example.org/tg/hook", secret: "fuzz-secret" },
      runner: fixture.runner,
      secret: TEST_SECRET,
      logger: recordingLogger(),
      server,
    });
    await server.ready();
    await channel.start();
    await channelsConnected([channel]);
    try {
      const random = prng(SEED + 1);
      const bodies = ["", "{", "null", "[]", "1", '"x"', "{}", '{"update_id":1}', '{"update_id":"1","message":{}}', '{"update_id":2,"message":{"chat":null}}'];
      for (let i = 0; i < 300; i++) {
        const body = random() < 0.5 ? (bodies[Math.floor(random() * bodies.length)] ?? "") : JSON.stringify({ update_id: 10_000 + i, [["message", "callback_query", "x"][i % 3] ?? "x"]: { chat: { id: i, type: "private" }, from: { id: i }, data: String(random()) } });
        const secret = random() < 0.2 ? "wrong" : "fuzz-secret";
        const response = await server.inject({ method: "POST", url: "/tg/hook", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret }, payload: body });
        expect(response.statusCode, `${body} → ${response.body}`).toBeLessThan(500);
        if (secret === "wrong") expect(response.statusCode).toBe(401);
      }
    } finally {
      await channel.stop();
      await server.close();
    }
  });
});
