/**
 * The reference survey bot of the end-to-end benchmark (bench/e2e.ts): what a competent developer
 * writes with grammY alone — @grammyjs/runner for concurrent long polling, inline keyboards, one
 * better-sqlite3 row per answer in WAL mode with synchronous=NORMAL. It asks the same number of
 * questions as Anxin's default survey, with options of the same length, so both bots send similar
 * messages. Run as its own process (its memory is measured): `node --import tsx bench/reference-bot.ts`
 * with BOT_TOKEN, API_ROOT and DB_FILE in the environment.
 */
import Database from "better-sqlite3";
import { Bot, InlineKeyboard } from "grammy";
import { run } from "@grammyjs/runner";

const token = process.env.BOT_TOKEN;
const apiRoot = process.env.API_ROOT;
const file = process.env.DB_FILE;
if (!token || !apiRoot || !file) throw new Error("BOT_TOKEN, API_ROOT and DB_FILE are needed");

const QUESTIONS = [
  "您对本地区的社会治安状况总体感觉如何？",
  "您晚上独自走路时感觉安全吗？",
  "过去一年您或家人是否遭受过违法犯罪侵害？",
  "您是否向公安机关报过案？",
  "您对报案后的处理结果满意吗？",
  "您经常看到民警或辅警巡逻吗？",
  "您认为本地区最突出的治安问题是什么？",
  "您是否看到过防范电信诈骗的宣传？",
  "您对派出所的工作总体满意吗？",
  "您对社区（村）的矛盾纠纷化解满意吗？",
  "您觉得本地区的交通秩序如何？",
  "您的年龄段是？",
  "您愿意接受电话回访吗？",
];
const OPTIONS = ["非常满意", "比较满意", "一般", "不太满意", "很不满意"];

const db = new Database(file);
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec("CREATE TABLE IF NOT EXISTS answer (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, question INTEGER NOT NULL, option INTEGER NOT NULL, at INTEGER NOT NULL)");
const insert = db.prepare("INSERT INTO answer (user_id, question, option, at) VALUES (?, ?, ?, ?)");

function question(index: number): { text: string; keyboard: InlineKeyboard } {
  const keyboard = new InlineKeyboard();
  OPTIONS.forEach((option, i) => keyboard.text(`${i + 1}. ${option}`, `a:${index}:${i}`).row());
  return { text: `（${index + 1}/${QUESTIONS.length}）${QUESTIONS[index]}`, keyboard };
}

const bot = new Bot(token, { client: { apiRoot } });

bot.command("start", async (ctx) => {
  const first = question(0);
  await ctx.reply(first.text, { reply_markup: first.keyboard });
});

bot.callbackQuery(/^a:(\d+):(\d+)$/, async (ctx) => {
  const index = Number(ctx.match[1]);
  const option = Number(ctx.match[2]);
  insert.run(ctx.from.id, index, option, Date.now());
  await ctx.answerCallbackQuery();
  if (index + 1 < QUESTIONS.length) {
    const next = question(index + 1);
    await ctx.reply(next.text, { reply_markup: next.keyboard });
  } else {
    await ctx.reply("问卷已完成，感谢您的参与！", { reply_markup: new InlineKeyboard().text("再填一次", "restart") });
  }
});

bot.callbackQuery("restart", async (ctx) => {
  await ctx.answerCallbackQuery();
  const first = question(0);
  await ctx.reply(first.text, { reply_markup: first.keyboard });
});

bot.on("message", (ctx) => ctx.reply("请点按下面的按钮作答。"));

const runner = run(bot);
const stop = () => {
  if (runner.isRunning()) void runner.stop().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
