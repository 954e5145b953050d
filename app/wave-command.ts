/**
 * `anxin wave list | open | close | cancel`: survey waves from the command line (core/admin/waves.ts).
 * Wired into cli.ts with `registerWaveCommands(program)`. Times are office time (OFFICE_TIME_ZONE)
 * to the minute with the offset ("2026-12-08 09:00+08:00"); `--opens`, `--closes` and `--at` read
 * ISO dates and times as office time unless they carry an offset. A running `anxin start` notices
 * a new or closed wave within seconds.
 */
import type { Command } from "commander";
import { AdminCliError, withStore, type DbOption } from "./admin-commands.js";
import { formatWaveTime, listWaveSummaries, parseWaveTimeText, WaveError } from "../core/admin/waves.js";
import { AdminService, type AdminActor } from "../core/admin/service.js";
import { officeTimeZone } from "./config.js";

/** The command line acts as nobody in particular: it has no sign-in. */
const CLI: AdminActor = { id: null, via: "cli" };

const TIME_EXAMPLES = "e.g. 2026-12-01, \"2026-12-01 08:00\" or 2026-12-01T08:00+08:00; office time (OFFICE_TIME_ZONE) unless an offset is given";

/**
 * Reads an ISO 8601 date ("2026-12-01", office midnight) or date and time ("2026-12-01T08:00",
 * "2026-12-01 08:00:30", "2026-12-01T08:00+08:00"), office time in `zone` unless an offset is
 * given. Throws an {@link AdminCliError} naming `option` for anything else, including impossible dates.
 */
export function parseWaveTime(option: string, text: string, zone: string): Date {
  const at = parseWaveTimeText(text, zone);
  if (!at) throw new AdminCliError(`${option}: not a date or time: ${JSON.stringify(text)} (${TIME_EXAMPLES})`);
  return at;
}

/** Runs a wave operation, turning its refusals into one-line CLI errors. */
async function refusals<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WaveError) throw new AdminCliError(error.message);
    throw error;
  }
}

/** Adds `wave list`, `wave open`, `wave close` and `wave cancel` to the `anxin` program; returns the program. */
export function registerWaveCommands(program: Command): Command {
  const wave = program.command("wave").description("survey waves (rounds): list them with their response counts, open the next one, close one, cancel a scheduled one");
  wave
    .command("list")
    .description("every wave, newest first: name, id, questionnaire, opens, closes, status (current/open/scheduled/closed), responses completed / in progress / abandoned, targets")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .action(async (options: DbOption) => {
      const zone = officeTimeZone();
      await withStore(options, async (store) => {
        const waves = await listWaveSummaries(store, new Date());
        if (waves.length === 0) {
          console.log("no survey wave yet (anxin wave open opens one)");
          return;
        }
        for (const { wave: w, status, counts, targets } of waves) {
          console.log(
            [
              w.name,
              w.id,
              `${w.questionnaireKey} v${w.questionnaireVersion}`,
              `opens ${formatWaveTime(w.opensAt, zone)}`,
              w.closesAt ? `closes ${formatWaveTime(w.closesAt, zone)}` : "open-ended",
              status,
              `${counts.completed} completed / ${counts.inProgress} in progress / ${counts.abandoned} abandoned`,
              `${targets} target(s)`,
            ].join("\t"),
          );
        }
      });
    });
  wave
    .command("open")
    .description("open a wave now (it becomes the current wave and the previous one ends: residents part-way through it are offered the new one) or schedule one with --opens (the running wave ends then)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--questionnaire <key[@version]>", "a stored questionnaire, e.g. public-safety@2 (default: the newest stored version of the current wave's questionnaire, the bundled default stored first)")
    .option("--name <name>", "the wave's name, unique (default: the questionnaire's title and the opening date)")
    .option("--opens <time>", `when it opens (default now; ${TIME_EXAMPLES})`)
    .option("--closes <time>", "when it closes (default: open-ended, or when a later scheduled wave opens; anxin wave close ends it)")
    .option("--copy-targets", "copy the targets of the current wave")
    .action(async (options: DbOption & { questionnaire?: string; name?: string; opens?: string; closes?: string; copyTargets?: boolean }) => {
      const zone = officeTimeZone();
      const opensAt = options.opens === undefined ? undefined : parseWaveTime("--opens", options.opens, zone);
      const closesAt = options.closes === undefined ? undefined : parseWaveTime("--closes", options.closes, zone);
      await withStore(options, async (store) => {
        const opened = await refusals(() =>
          new AdminService(store, { timeZone: zone }).waves.open(
            {
              ...(options.questionnaire !== undefined ? { questionnaire: options.questionnaire } : {}),
              ...(options.name !== undefined ? { name: options.name } : {}),
              ...(opensAt ? { opensAt } : {}),
              ...(closesAt ? { closesAt } : {}),
              copyTargets: options.copyTargets ?? false,
            },
            CLI,
          ),
        );
        const w = opened.wave;
        const closes = w.closesAt ? `closes ${formatWaveTime(w.closesAt, zone)}` : "open-ended";
        console.log(
          opened.status === "scheduled"
            ? `scheduled wave "${w.name}" (${w.id}) on ${w.questionnaireKey} v${w.questionnaireVersion}: opens ${formatWaveTime(w.opensAt, zone)}, ${closes}`
            : `opened wave "${w.name}" (${w.id}) on ${w.questionnaireKey} v${w.questionnaireVersion}: opens ${formatWaveTime(w.opensAt, zone)}, ${closes}`,
        );
        if (opened.copiedTargets) console.log(`copied ${opened.copiedTargets.count} target(s) from "${opened.copiedTargets.from.name}"`);
        for (const e of opened.ended) console.log(`wave "${e.name}" (${e.id}) ends when this one opens (one wave runs at a time)`);
        if (opened.endsAtNext) console.log(`it ends when the scheduled wave "${opened.endsAtNext.name}" (${opened.endsAtNext.id}) opens`);
        if (opened.status === "scheduled") {
          console.log(`until then the current wave does not change; from ${formatWaveTime(w.opensAt, zone)} residents are asked this wave`);
        } else if (opened.status === "open" && opened.current) {
          console.log(`"${opened.current.name}" (${opened.current.id}) opened later and stays the current wave`);
        } else if (opened.replaced) {
          console.log(
            `it replaces "${opened.replaced.name}" (${opened.replaced.id}) as the current wave: residents part-way through "${opened.replaced.name}" are offered the new wave on their next message (their unfinished response ends as abandoned)`,
          );
        } else {
          console.log("it is the current wave: residents are asked it from now on");
        }
      });
    });
  wave
    .command("close")
    .description("close a wave (default: the current wave, now); residents part-way through it are told the survey has ended")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .option("--wave <id-or-name>", "the wave to close (default: the current one)")
    .option("--at <time>", `when it closes (default now; ${TIME_EXAMPLES})`)
    .action(async (options: DbOption & { wave?: string; at?: string }) => {
      const zone = officeTimeZone();
      const at = options.at === undefined ? undefined : parseWaveTime("--at", options.at, zone);
      await withStore(options, async (store) => {
        const now = new Date();
        // One moment for closing and for what is printed, as the audit entry has it.
        const closed = await refusals(() => new AdminService(store, { now: () => now, timeZone: zone }).waves.close({ ...(options.wave !== undefined ? { wave: options.wave } : {}), ...(at ? { at } : {}) }, CLI));
        const w = closed.wave;
        const closesAt = w.closesAt ?? now;
        if (!closed.closedNow) {
          console.log(`wave "${w.name}" (${w.id}) will close at ${formatWaveTime(closesAt, zone)}`);
          return;
        }
        console.log(`closed wave "${w.name}" (${w.id}) at ${formatWaveTime(closesAt, zone)}`);
        if (!closed.wasCurrent) return;
        console.log(
          closed.current
            ? `the current wave is now "${closed.current.name}" (${closed.current.id}), which was still open: residents are asked it from now on, those part-way through "${w.name}" included`
            : "no wave is open now: residents who want the survey are told none is running, and those part-way through are told it has ended",
        );
      });
    });
  wave
    .command("cancel")
    .description("cancel a wave that has not opened yet: it is deleted with its targets, and the wave it was to end gets its end back (open-ended, or when the next scheduled wave opens)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .requiredOption("--wave <id-or-name>", "the scheduled wave to cancel")
    .action(async (options: DbOption & { wave: string }) => {
      const zone = officeTimeZone();
      await withStore(options, async (store) => {
        const cancelled = await refusals(() => new AdminService(store, { timeZone: zone }).waves.cancel({ wave: options.wave }, CLI));
        const w = cancelled.wave;
        console.log(`cancelled wave "${w.name}" (${w.id}), which was to open ${formatWaveTime(w.opensAt, zone)}`);
        for (const r of cancelled.restored) {
          console.log(`wave "${r.name}" (${r.id}) gets its end back: ${r.closesAt ? `closes ${formatWaveTime(r.closesAt, zone)}` : "open-ended"}`);
        }
      });
    });
  return program;
}
