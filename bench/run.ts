/**
 * `npm run bench`: speed and memory figures, each against a baseline measured in the same run
 * (ratios are what to quote; absolute numbers depend on the machine and its load).
 */
import { benchRunner } from "./runner.js";
import { benchExport } from "./export.js";
import { benchBroadcast } from "./broadcast.js";
import { benchEndToEnd } from "./e2e.js";
import { benchStartup } from "./startup.js";

const sections: [string, () => Promise<string[]>][] = [
  ["Start-up", () => benchStartup()],
  ["End to end against a plain grammY bot (local fake Telegram Bot API)", () => benchEndToEnd()],
  ["Conversation runner", () => benchRunner()],
  ["Broadcasts against the local fake Telegram API", () => benchBroadcast()],
  ["Exports (memory: 200,000 responses; speed against sqlite3: BENCH_EXPORT_RESPONSES, default 1,000,000)", () => benchExport()],
];

for (const [title, run] of sections) {
  console.log(`\n== ${title}`);
  for (const line of await run()) console.log(line);
}
