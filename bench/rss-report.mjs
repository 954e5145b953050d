// Preloaded (`node --import`) into a benchmarked command: writes the process's peak resident set
// (getrusage maxRSS, kB) to ANXIN_BENCH_RSS_FILE as it exits, so the command runs unchanged.
import { writeFileSync } from "node:fs";

const file = process.env.ANXIN_BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
