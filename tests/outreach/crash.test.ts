/**
 * Exactly once across crashes: the sender (in a child process) is SIGKILLed at five random
 * moments during one broadcast, with calls in flight (the fake Bot API answers after 30 ms and
 * carries out a call even when the caller is gone, as Telegram does). After the restarts every
 * household has exactly one copy — counted by the fake — and none is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seeded } from "../support/auto-resident.js";
import { createWorld, startChildSender, type World } from "./world.js";

const HOUSEHOLDS = 400;
const KILLS = 5;

describe("a sender killed at random moments during a broadcast", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({ households: HOUSEHOLDS });
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it("leaves every household exactly one copy", { timeout: 300_000 }, async () => {
    const { tg, store } = world;
    tg.setLatency(30, "sendMessage");
    const id = await world.schedule();
    const random = seeded(7);
    const accepted = () => tg.calls("sendMessage").filter((c) => c.ok).length;
    const kills: number[] = [];
    let next = 0;
    for (let i = 0; i < KILLS; i++) {
      const sender = await startChildSender(world, { rate: 100, perChat: 1, leaseMs: 1_000 });
      // Somewhere in the next stretch of the broadcast, not at a round number of sends.
      next = Math.min(HOUSEHOLDS - 20, accepted() + 10 + Math.floor(random() * 50));
      await tg.waitUntil(() => accepted() >= next, 60_000, `${next} sends`);
      // And a random moment within a send or two.
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 25)));
      await sender.kill();
      kills.push(accepted());
    }
    const last = await startChildSender(world, { rate: 100, perChat: 1, leaseMs: 1_000 });
    const counts = await world.settled(id, 120_000);
    await last.stop();

    const copies = world.households.map((h) => tg.sentTo(h.chatId).length);
    const probes = tg.calls("editMessageReplyMarkup");
    const foundByProbe = probes.filter((c) => /not modified/.test(c.description ?? "")).length;
    console.log(
      `crash test: killed after ${kills.join(", ")} accepted sends; ${tg.calls("sendMessage").length} sendMessage calls for ${HOUSEHOLDS} households; ${probes.length} probes, ${foundByProbe} of them found a message sent before a crash`,
    );
    expect(kills).toHaveLength(KILLS);
    expect(copies.filter((n) => n !== 1)).toEqual([]);
    expect(counts).toMatchObject({ total: HOUSEHOLDS, sent: HOUSEHOLDS });
    // Every recorded message id is the one the resident actually has.
    for (const h of world.households.slice(0, 50)) {
      const identity = (await store.identitiesOf(h.resident.id))[0]!;
      expect(await store.sentMessageIds(identity.id)).toEqual([String(tg.sentTo(h.chatId)[0]!.message_id)]);
    }
  });
});
