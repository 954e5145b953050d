/**
 * An admin's /stats on WeChat (wechaty-puppet-mock): the figures as text first, then each chart's
 * caption and the chart itself as an image message (a FileBox holding the PNG). When the puppet
 * cannot send images (as the Official Account may refuse the media upload), the captions still go
 * as text with one note, and nothing crashes.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { types } from "wechaty";
import { isPng, statsWorld, TINY_PNG, type StatsWorld } from "../support/stats-admin.js";
import { capturingLogger, startMockWechat, type MockWechat } from "./harness.js";

/** The zh-CN chart titles of the fixture, in order. */
const ZH_TITLES = ["各项指标与目标对比", "历轮趋势", "分地区 — 公众安全感率", "群众关注的治安问题"];

type Seen = { kind: "text"; text: string } | { kind: "image"; name: string; bytes: Buffer };

let world: StatsWorld;
let wechat: MockWechat;
const captured = capturingLogger();

beforeAll(async () => {
  world = await statsWorld();
  wechat = await startMockWechat(world.store, { runner: world.runner, logger: captured.logger });
});
afterAll(async () => {
  await wechat?.stop();
  await world?.close();
});

/** A contact who is an admin, and everything the bot sends them (texts and images, in order). */
async function adminContact(name: string): Promise<{ seen: Seen[]; say(text: string): Promise<Seen[]> }> {
  const contact = wechat.mocker.createContact({ name });
  await world.store.setRole("wechat", contact.id, "admin");
  const seen: Seen[] = [];
  contact.on("message", (message: { payload: { id: string; type: types.Message; talkerId?: string; listenerId?: string; text?: string } }) => {
    const { payload } = message;
    if (payload.talkerId !== wechat.me.id || payload.listenerId !== contact.id) return;
    if (payload.type === types.Message.Image) {
      // The mock keeps the FileBox the bot sent as its JSON form (base64 for ours).
      const box = wechat.mocker.cacheFileBoxPayload.get(payload.id) as { name: string; base64?: string } | undefined;
      seen.push({ kind: "image", name: box?.name ?? "", bytes: Buffer.from(box?.base64 ?? "", "base64") });
    } else {
      seen.push({ kind: "text", text: payload.text ?? "" });
    }
  });
  return {
    seen,
    async say(text: string) {
      const before = seen.length;
      const done = wechat.nextHandled(contact.id);
      contact.say(text).to(wechat.me);
      expect((await done).outcome).toBe("answered");
      return seen.slice(before);
    },
  };
}

describe("/stats on WeChat", () => {
  it("sends the figures, then each caption followed by its chart as a PNG image", async () => {
    const admin = await adminContact("张主任");
    const reply = await admin.say("/stats");
    const [text, ...rest] = reply;
    expect(text?.kind).toBe("text");
    expect(text?.kind === "text" ? text.text : "").toContain("公众安全感率：82.1%（95%置信区间 67.3–91.0%，n=39）");
    expect(text?.kind === "text" ? text.text : "").toContain("可疑问卷：已完成 40 份中有 2 份");
    expect(rest).toHaveLength(ZH_TITLES.length * 2);
    for (const [i, title] of ZH_TITLES.entries()) {
      expect(rest[2 * i]).toEqual({ kind: "text", text: title });
      const image = rest[2 * i + 1];
      expect(image?.kind).toBe("image");
      if (image?.kind !== "image") continue;
      expect(image.name).toBe(`chart-${i + 1}.png`);
      expect(isPng(image.bytes)).toBe(true);
      expect(image.bytes.equals(TINY_PNG)).toBe(true);
    }
  });

  it("/stats clean tells the captions and the header it left the flagged responses out", async () => {
    const admin = await adminContact("李科长");
    const reply = await admin.say("/stats 剔除可疑");
    const header = reply[0]?.kind === "text" ? reply[0].text : "";
    expect(header).toContain("已剔除可疑问卷（答题过快、全部同一选项）。");
    expect(header).toContain("n=37");
    const captions = reply.slice(1).flatMap((s) => (s.kind === "text" ? [s.text] : []));
    expect(captions).toEqual(ZH_TITLES.map((t) => `${t}（已剔除可疑问卷）`));
    expect(reply.filter((s) => s.kind === "image")).toHaveLength(ZH_TITLES.length);
  });

  it("falls back to the captions and a note when the puppet cannot send images, without crashing", async () => {
    const admin = await adminContact("王所长");
    const refuse = vi.spyOn(wechat.puppet, "messageSendFile").mockRejectedValue(new Error("unsupported media type: image/png"));
    const lines = captured.lines.length;
    try {
      const reply = await admin.say("/stats");
      expect(reply.every((s) => s.kind === "text")).toBe(true);
      const texts = reply.map((s) => (s.kind === "text" ? s.text : ""));
      expect(texts[0]).toContain("公众安全感率：82.1%");
      expect(texts.slice(1, -1)).toEqual(ZH_TITLES);
      expect(texts.at(-1)).toBe("图表无法在此以图片发送。上面的数据是完整的，图表可在管理后台查看。");
      // One refusal is enough to know: the other charts are not tried (an upload can be slow).
      expect(refuse).toHaveBeenCalledTimes(1);
      expect(captured.lines.slice(lines).some((l) => l.level === 40 && /could not send a chart image/.test(l.msg))).toBe(true);
    } finally {
      refuse.mockRestore();
    }
    // The chat goes on as usual.
    expect((await admin.say("/stats")).filter((s) => s.kind === "image")).toHaveLength(ZH_TITLES.length);
  });
});
