/**
 * Case feedback on WeChat (wechaty-puppet-mock): an officer on WeChat registers and closes a case;
 * the reporter gets every update pushed as text, and — options being numbered lines on WeChat —
 * rates the closed case by typing a digit in the middle of the survey. A resident typing `/case`
 * is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CaseNotifier, casesMenuHandler, pushVia, ratingPromptVia } from "../../core/outreach/cases.js";
import { caseStaffCommand } from "../../core/outreach/cases-commands.js";
import { ConversationRunner } from "../../core/survey/runner.js";
import { resident, seededDatabase, startMockWechat, type MockWechat, type SeededDatabase } from "../wechat/harness.js";

let seeded: SeededDatabase;
let wechat: MockWechat;

beforeAll(async () => {
  seeded = await seededDatabase();
  const channels: { platform: string; push: MockWechat["channel"]["push"] }[] = [];
  const notifier: CaseNotifier = new CaseNotifier({
    store: seeded.store,
    push: pushVia(() => channels),
    askRating: (identity, code, updateId) => ratingPromptVia(runner)(identity, code, updateId),
  });
  const runner: ConversationRunner = new ConversationRunner({
    store: seeded.store,
    cacheMs: 0,
    staffCommands: [caseStaffCommand({ store: seeded.store, notifier })],
    menuHandlers: { cases: casesMenuHandler(seeded.store) },
  });
  wechat = await startMockWechat(seeded.store, { runner });
  channels.push({ platform: wechat.channel.platform, push: (chatId, lang, messages) => wechat.channel.push(chatId, lang, messages) });
});
afterAll(async () => {
  await wechat?.stop();
  await seeded?.close();
});

/** Waits (without a timer) until the resident's inbox has a message matching `re`. */
async function until(inbox: string[], re: RegExp, from = 0): Promise<string> {
  for (let spins = 0; spins < 100_000; spins++) {
    const found = inbox.slice(from).find((text) => re.test(text));
    if (found !== undefined) return found;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`no message ${re} in:\n${inbox.join("\n---\n")}`);
}

describe("case updates on WeChat", () => {
  it("refuse /case to a resident", async () => {
    const passerby = resident(wechat, "路人");
    expect((await passerby.say("/case update ABC234 closed")).join("\n")).toContain("只有民警和工作人员可以使用");
  });

  it("reach the reporter, and a typed digit rates the closed case in the middle of the survey", async () => {
    const wang = resident(wechat, "王阿姨");
    const officer = resident(wechat, "李警官");
    expect((await wang.say("你好")).join("\n")).toContain("您同意参加吗？");
    expect((await wang.say("同意")).join("\n")).toContain("总的来说");
    await officer.say("你好");
    await seeded.store.setRole("wechat", officer.contact.id, "officer");

    const ack = (await officer.say(`/case new wechat:${wang.contact.id} 电动车在菜市场门口被偷`)).join("\n");
    expect(ack).toContain("已通知报案人（wechat）");
    const code = /已登记案件 ([A-Z0-9]{6})/.exec(ack)?.[1] ?? "";
    expect(await until(wang.inbox, /民警已为您登记案件/)).toBe(`民警已为您登记案件，编号 ${code}：电动车在菜市场门口被偷\n有进展会在这里告诉您，也可以在菜单“反映情况 · 我的报案”里查看。`);

    let from = wang.inbox.length;
    await officer.say(`/case update ${code} 调查中 已调取监控`);
    expect(await until(wang.inbox, /有新进展/, from)).toBe(`您的案件 ${code}（电动车在菜市场门口被偷）有新进展：正在调查。\n民警留言：已调取监控`);

    from = wang.inbox.length;
    await officer.say(`/case update ${code} closed 车已找回，请到派出所领取`);
    expect(await until(wang.inbox, /已办结。/, from)).toContain("民警留言：车已找回，请到派出所领取");
    const question = await until(wang.inbox, /您对民警的处理满意吗/, from);
    expect(question).toContain("5. 非常满意");
    expect(question).toContain("1. 很不满意");

    const replies = (await wang.say("5")).join("\n");
    expect(replies).toContain("谢谢您的评价！");
    expect(replies).toContain("总的来说");
    expect((await seeded.store.getCaseByCode(code))?.rating).toBe(5);
    // The digit went to the rating, not to the survey question that was open.
    const identity = await seeded.store.findIdentity("wechat", wang.contact.id);
    expect((await seeded.store.getResponse(identity!.residentId, seeded.wave.id))?.answers).toEqual({});
  });
});
