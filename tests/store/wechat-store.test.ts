import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../prisma/migrate.js";
import type { Store } from "../../core/model/index.js";
import { openStore } from "../../prisma/store.js";
import { BACKENDS, type TestDatabase } from "../support/databases.js";

describe.each(BACKENDS)("WeChat reachability in the store on $name", ({ create }) => {
  let db: TestDatabase;
  let store: Store;
  const t0 = new Date("2026-11-01T08:00:00Z");
  const later = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);

  beforeAll(async () => {
    db = await create();
    await migrate(db.target);
    store = await openStore(db.target);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it("knows nothing of an account that never wrote", async () => {
    expect(await store.recordInbound("wechat", "o-nobody", t0)).toBeNull();
    expect(await store.setAccountReachable("wechat", "o-nobody", false, "unfollowed", t0)).toBeNull();
    expect(await store.findIdentity("wechat", "o-nobody")).toBeNull();
  });

  it("records the last inbound time, never moving it backwards", async () => {
    await store.resolveIdentity({ platform: "wechat", platformUserId: "o-wang", chatId: "o-wang" });
    expect((await store.findIdentity("wechat", "o-wang"))?.lastInboundAt).toBeNull();
    expect((await store.recordInbound("wechat", "o-wang", later(1)))?.lastInboundAt).toEqual(later(1));
    // A redelivered old message must not shorten the Official Account's 48-hour window.
    expect((await store.recordInbound("wechat", "o-wang", t0))?.lastInboundAt).toEqual(later(1));
    expect((await store.recordInbound("wechat", "o-wang", later(30)))?.lastInboundAt).toEqual(later(30));
    expect((await store.findIdentity("wechat", "o-wang"))?.lastInboundAt).toEqual(later(30));
  });

  it("marks an account unreachable on unfollow and reachable again when it writes", async () => {
    await store.resolveIdentity({ platform: "wechat", platformUserId: "o-li", chatId: "o-li" });
    const gone = await store.setAccountReachable("wechat", "o-li", false, "unfollowed", later(2));
    expect(gone?.reachable).toBe(false);
    expect((await store.findIdentity("wechat", "o-li"))?.reachable).toBe(false);
    const back = await store.recordInbound("wechat", "o-li", later(3));
    expect(back?.reachable).toBe(true);
    expect((await store.setAccountReachable("wechat", "o-li", true, null, later(4)))?.reachable).toBe(true);
    // Other platforms' accounts with the same id are different accounts.
    expect(await store.recordInbound("telegram", "o-li", later(5))).toBeNull();
  });
});
