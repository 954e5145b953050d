/**
 * `npm run bench`: speed and memory figures, each against a baseline measured in the same run
 * (ratios are what to quote; absolute numbers depend on the machine and its load).
 */
import { benchRunner } from "./runner.js";
import { benchExport } from "./export.js";
import { benchBroadcast } from "./broadcast.js";

const sections: [string, () => Promise<string[]>][] = [
  ["Conversation runner", () => benchRunner()],
  ["Broadcasts against the local fake Telegram API", () => benchBroadcast()],
  ["Exports (200,000 responses)", () => benchExport()],
];

for (const [title, run] of sections) {
  console.log(`\n== ${title}`);
  for (const line of await run()) console.log(line);
}
