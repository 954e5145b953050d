/**
 * The kill -9 campaign of issue 22: 300 Telegram residents, one broadcast at the default 30/s,
 * the sender (a child process) SIGKILLed twice while sending and restarted, against the fake Bot
 * API numbering messages as Telegram does (one counter for all the bot's private chats) with
 * 20–40 ms of latency, so a call is in flight at each kill (the fake carries a call out even when
 * its caller is gone, as Telegram does).
 *
 * What must hold: nobody is missed; nothing but sendMessage is ever called (no probe edits any
 * message); duplicates only come from calls in flight at a kill, and the outbox counts exactly
 * those residents as "possibly duplicated"; every delivery is done within 10 s of a restart plus
 * the time the remaining sends take at the limit (the lease is 6 s, renewed every 2 s by a live
 * sender).
 */
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seeded } from "../support/auto-resident.js";
import { createWorld, startChildSender, type World } from "./world.js";

const HOUSEHOLDS = 300;
const RATE = 30;
/** Kill once this many sends were accepted (plus a random few), while a call is in flight. */
const KILL_AT = [90, 190];

describe("a sender killed twice during a broadcast", () => {
  let world: World;
  beforeAll(async () => {
    world = await createWorld({ households: HOUSEHOLDS });
  }, 120_000);
  afterAll(async () => {
    await world?.close();
  });

  it("misses nobody, edits nothing, and counts every possible duplicate", { timeout: 90_000 }, async () => {
    const { tg, store } = world;
    tg.setLatency(20, "sendMessage", 20);
    const id = await world.schedule();
    const random = seeded(22);
    const accepted = () => tg.calls("sendMessage").filter((c) => c.ok).length;
    const counts = async () => (await store.deliveryCounts([id])).get(id)!;
    /** Residents whose delivery a dead sender left claimed: sent again after a restart, counted possibly duplicated. */
    const interrupted = new Set<number>();
    /** Chat → which kill left it claimed. */
    const killOf = new Map<number, number>();
    const claimedRows = async () => (await store.nextDeliveries({ now: new Date(Date.now() + 3_600_000), limit: 5_000 })).filter((job) => job.status === "sending").map((job) => Number(job.identity!.chatId));
    const kills: { accepted: number; sendingRows: number; inFlightAtFake: number; at: number }[] = [];
    const restarts: { at: number; remaining: number }[] = [];
    let sender = await startChildSender(world, { rate: RATE, perChat: 1 });
    for (const threshold of KILL_AT) {
      const target = threshold + Math.floor(random() * 20);
      // Wait for the threshold, then for a moment with a call at the fake, then up to 10 ms more.
      await tg.waitUntil(() => accepted() >= target && tg.inFlight("sendMessage") > 0, 60_000, `${target} sends and a call in flight`);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 10)));
      const at = performance.now();
      const inFlightAtFake = tg.inFlight("sendMessage");
      await sender.kill();
      // What the dead sender left claimed: the calls it had in flight (started, not settled).
      const left = await counts();
      const fresh = (await claimedRows()).filter((chat) => !interrupted.has(chat));
      for (const chat of fresh) {
        interrupted.add(chat);
        killOf.set(chat, kills.length);
      }
      kills.push({ accepted: accepted(), sendingRows: fresh.length, inFlightAtFake, at });
      sender = await startChildSender(world, { rate: RATE, perChat: 1 });
      restarts.push({ at: performance.now(), remaining: left.pending + left.sending });
    }
    const final = await world.settled(id, 60_000);
    const doneAt = performance.now();
    await sender.stop();

    const copies = world.households.map((h) => tg.sentTo(h.chatId).length);
    const duplicates = copies.filter((n) => n > 1).length;
    const inFlight = kills.reduce((sum, kill) => sum + kill.sendingRows, 0);
    const last = restarts[restarts.length - 1]!;
    // A claim whose request had not left the dead process (a kill in the microseconds between
    // the claim's commit and the request's write) is counted but cannot be a duplicate: the
    // fake got no call for that chat before the restart.
    const neverLeft = [...interrupted].filter((chat) => {
      const restartedAt = restarts[killOf.get(chat)!]!.at;
      return !tg.calls("sendMessage").some((c) => Number(c.params.chat_id) === chat && c.at < restartedAt);
    });
    const recoverySeconds = (doneAt - last.at) / 1000;
    const boundSeconds = 10 + last.remaining / RATE;
    console.log(
      `crash campaign: ${HOUSEHOLDS} residents at ${RATE}/s; kills after ${kills.map((k) => k.accepted).join(" and ")} accepted sends, ` +
        `with ${kills.map((k) => k.sendingRows).join(" and ")} deliveries claimed and unsettled (${kills.map((k) => k.inFlightAtFake).join(" and ")} calls held by the fake); ` +
        `${duplicates} residents got two copies, ${final.possiblyDuplicated} counted possibly duplicated (${neverLeft.length} claimed whose call had not reached the API); ` +
        `done ${recoverySeconds.toFixed(1)} s after the last restart (bound ${boundSeconds.toFixed(1)} s for ${last.remaining} left); ` +
        `${tg.calls("sendMessage").length} sendMessage calls`,
    );
    expect(kills).toHaveLength(KILL_AT.length);
    // Nobody missed, the database agrees.
    expect(copies.filter((n) => n === 0)).toEqual([]);
    expect(final).toMatchObject({ total: HOUSEHOLDS, sent: HOUSEHOLDS });
    // Nothing but sends: no message of anyone's was edited, deleted or probed.
    expect(tg.calls().filter((c) => c.method !== "sendMessage").map((c) => c.method)).toEqual([]);
    // Duplicates only from the calls in flight at the kills, and every one of them counted.
    expect(Math.max(...copies)).toBeLessThanOrEqual(2);
    expect(duplicates).toBeLessThanOrEqual(inFlight);
    expect(final.possiblyDuplicated).toBe(interrupted.size);
    // Every duplicate is one of them, and each of them is a duplicate unless its call never left.
    expect(copies.flatMap((n, i) => (n > 1 ? [world.households[i]!.chatId] : [])).every((chat) => interrupted.has(chat))).toBe(true);
    expect(final.possiblyDuplicated - neverLeft.length).toBe(duplicates);
    // Interrupted deliveries are taken over once their lease (6 s) runs out, not after a minute.
    expect(recoverySeconds).toBeLessThanOrEqual(boundSeconds);
  });
});
