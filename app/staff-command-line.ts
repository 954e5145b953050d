/**
 * Outreach commands of the `anxin` CLI: staff onboarding (`anxin staff invite|list|revoke`),
 * broadcasts (`anxin broadcast send|list|cancel`) and coverage (`anxin coverage`, app/coverage-command.ts). Wired into
 * cli.ts with `registerStaffCommands(program)`. They work on the database directly; a running
 * `anxin start` picks up a scheduled broadcast within a second and sends it.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { Api } from "grammy";
import { parseDatabaseUrl } from "../prisma/database-url.js";
import type { Store } from "../core/model/index.js";
import { loadConfig, officeTimeZone } from "./config.js";
import { openDatabase, StartupError } from "./database.js";
import { loadOrCreateSecret } from "./secret.js";
import { baseUrlOf } from "./urls.js";
import QRCode from "qrcode";
import { isLang, SUPPORTED_LANGS, type Lang, type LocalizedText } from "../core/engine/types.js";
import { formatInvitationCode, parseInvitationCode } from "../core/outreach/codes.js";
import { formatTime, parseWhen, describeAudience } from "../core/outreach/broadcast-format.js";
import { MAX_BROADCAST_TEXT, MAX_CAPTION_TEXT, parseAudience, type Audience, type BroadcastContent } from "../core/outreach/content.js";
import { createInvitation, InvitationError, parseAccount } from "../core/outreach/invitations.js";
import { householdTelegramLink, invitationLinks } from "../core/outreach/links.js";
import { loadTipLibrary } from "../core/outreach/tip-library.js";
import { registerCoverageCommand } from "./coverage-command.js";

interface DbOption {
  db?: string;
}

async function withStore<T>(options: DbOption, run: (store: Store) => Promise<T>): Promise<T> {
  const target = options.db ? parseDatabaseUrl(options.db) : loadConfig().database;
  const { store } = await openDatabase(target);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

const dbOption = () => new Option("--db <url>", "database URL instead of DATABASE_URL");

const positive = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
  return n;
};

/** The bot's username, asked from Telegram when a token is configured (for deep links); undefined otherwise. */
async function telegramUsername(): Promise<string | undefined> {
  const telegram = loadConfig().telegram;
  if (!telegram) return undefined;
  try {
    const api = new Api(telegram.token, { ...(telegram.apiRoot ? { apiRoot: telegram.apiRoot } : {}), timeoutSeconds: 10 });
    return (await api.getMe()).username;
  } catch {
    return undefined;
  }
}

/** Who a `--audience` names: everyone, region:<code>, households:<platform:user-id>, unfinished[:<platform:user-id>]. */
async function parseAudienceOption(store: Store, text: string): Promise<Audience> {
  const [kind = "", rest = ""] = text.split(/:(.*)/s);
  const officerOf = async (account: string): Promise<string> => {
    const parsed = parseAccount(account);
    const identity = parsed ? await store.findIdentity(parsed.platform, parsed.userId) : null;
    const officer = identity ? await store.getOfficer(identity.residentId) : null;
    if (!officer) throw new StartupError(`--audience: ${account} is not an officer`);
    return officer.id;
  };
  switch (kind) {
    case "everyone":
      return { kind: "everyone" };
    case "region": {
      const region = await store.getRegionByCode(rest);
      if (!region) throw new StartupError(`--audience: no region with code ${rest}`);
      return { kind: "region", regionCode: region.code, regionPath: region.path };
    }
    case "households":
      return { kind: "households", officerId: await officerOf(rest) };
    case "unfinished":
      return rest ? { kind: "unfinished", officerId: await officerOf(rest) } : { kind: "unfinished" };
    default:
      throw new StartupError(`--audience: expected everyone, region:<code>, households:<platform:user-id> or unfinished[:<platform:user-id>] (got ${JSON.stringify(text)})`);
  }
}

/** Adds `staff`, `broadcast` and `coverage` to the CLI. */
export function registerStaffCommands(program: Command): Command {
  const staff = program.command("staff").description("officers and admins: invitations, list, revoke");
  staff
    .command("invite")
    .description("create a one-time invitation (Telegram deep link, web link, or a code to send on WeChat)")
    .addOption(new Option("--role <role>", "officer or admin").choices(["officer", "admin"]).default("officer"))
    .option("--region <code>", "the officer's region (required for officers)")
    .option("--days <n>", "validity in days", positive("--days"), 7)
    .option("--no-qr", "do not draw the web link's QR code in the terminal")
    .addOption(dbOption())
    .action(async (options: DbOption & { role: "officer" | "admin"; region?: string; days: number; qr: boolean }) => {
      await withStore(options, async (store) => {
        try {
          const { invitation, region } = await createInvitation(store, { role: options.role, regionCode: options.region ?? null, createdById: null, days: options.days, now: new Date() });
          const config = loadConfig();
          const username = await telegramUsername();
          // Without PUBLIC_URL the web link is this machine's own address: enough for the first admin.
          const links = invitationLinks({ secret: "", publicUrl: baseUrlOf(config), telegramBot: () => username }, invitation.code);
          console.log(`one-time ${invitation.role} invitation${region ? ` for ${region.code}` : ""}, valid until ${formatTime(invitation.expiresAt, officeTimeZone())} (${officeTimeZone()})`);
          if (links.web) {
            console.log(`web:      ${links.web}   (open it in a browser while \`npm start\` runs; the chat makes you ${invitation.role === "admin" ? "an admin and links to the dashboard" : "an officer and links to your leaflet page"})`);
            if (!config.publicUrl) console.log("          this address works on this computer only: set PUBLIC_URL to the address phones reach");
            if (options.qr && process.stdout.isTTY) console.log(await QRCode.toString(links.web, { type: "terminal", small: true }));
          }
          console.log(`code:     ${links.code}   (WeChat or any chat: send this code)`);
          if (links.telegram) console.log(`telegram: ${links.telegram}`);
        } catch (error) {
          if (error instanceof InvitationError) throw new StartupError(error.message);
          throw error;
        }
      });
    });
  staff
    .command("list")
    .description("officers and admins, and invitations not used yet")
    .addOption(dbOption())
    .action(async (options: DbOption) => {
      await withStore(options, async (store) => {
        const now = new Date();
        const zone = officeTimeZone();
        const [members, invitations] = await Promise.all([store.listStaff(), store.listInvitations({ open: true, now, limit: 500 })]);
        console.log(["role", "name", "region", "households", "accounts", "resident id"].join("\t"));
        for (const m of members) console.log([m.role, m.displayName ?? "", m.regionCode ?? "", m.households, m.accounts.join(","), m.id].join("\t"));
        if (invitations.length > 0) {
          console.log(`\nopen invitations:`);
          for (const i of invitations) console.log([formatInvitationCode(i.code), i.role, i.regionCode ?? "", `until ${formatTime(i.expiresAt, zone)}`].join("\t"));
        }
      });
    });
  staff
    .command("revoke")
    .description("make a staff member a resident again, or revoke an unused invitation")
    .argument("<platform:user-id|code>", "e.g. telegram:123456789, or INV-XXXX-XXXX-XXXX")
    .addOption(dbOption())
    .action(async (target: string, options: DbOption) => {
      await withStore(options, async (store) => {
        const code = parseInvitationCode(target);
        if (code) {
          if (!(await store.revokeInvitation(code, null, new Date()))) throw new StartupError(`no unused invitation ${formatInvitationCode(code)}`);
          console.log(`invitation ${formatInvitationCode(code)} revoked`);
          return;
        }
        const account = parseAccount(target);
        if (!account) throw new StartupError(`expected <platform>:<user-id> or an invitation code (got ${JSON.stringify(target)})`);
        const resident = await store.revokeStaff(account.platform, account.userId, null, new Date());
        if (!resident) throw new StartupError(`${target} is not staff`);
        console.log(`${target} is a resident again (resident ${resident.id})`);
      });
    });
  staff
    .command("link")
    .description("an officer's household link: residents who open it become the officer's households")
    .argument("<platform:user-id>", "the officer's account")
    .addOption(dbOption())
    .action(async (target: string, options: DbOption) => {
      await withStore(options, async (store) => {
        const account = parseAccount(target);
        const identity = account ? await store.findIdentity(account.platform, account.userId) : null;
        const officer = identity ? await store.getOfficer(identity.residentId) : null;
        if (!officer) throw new StartupError(`${target} is not staff`);
        const config = loadConfig();
        const bot = await telegramUsername();
        const link = householdTelegramLink({ secret: loadOrCreateSecret(config.appSecret, config.dataDir), telegramBot: () => bot }, officer.id);
        if (!link) throw new StartupError("no Telegram bot configured (TELEGRAM_BOT_TOKEN); for the web, print leaflets at /web/staff/leaflet");
        console.log(link);
      });
    });

  const broadcast = program.command("broadcast").description("safety notices to residents (sent by the running app)");
  broadcast
    .command("send")
    .description("schedule a notice; `anxin start` sends it (now, or at --at)")
    .option("--text <text>", "the notice, in --lang")
    .addOption(new Option("--lang <lang>", "language of --text").default("zh-CN").argParser((value: string) => {
      if (!isLang(value)) throw new InvalidArgumentError("zh-CN, zh-TW or en");
      return value;
    }))
    .option("--text-zh-cn <text>", "the notice in Simplified Chinese")
    .option("--text-zh-tw <text>", "the notice in Traditional Chinese")
    .option("--text-en <text>", "the notice in English")
    .option("--tip <id>", "a tip of the library instead of a text")
    .option("--image <url>", "an http(s) picture shown with it")
    .option("--audience <who>", "everyone, region:<code>, households:<platform:user-id>, unfinished[:<platform:user-id>]", "everyone")
    .option("--at <time>", "when: \"2026-05-01 09:00\", \"tomorrow 9:00\", \"+2h\" (office time, OFFICE_TIME_ZONE); default now")
    .addOption(dbOption())
    .action(async (options: DbOption & { text?: string; lang: Lang; textZhCn?: string; textZhTw?: string; textEn?: string; tip?: string; image?: string; audience: string; at?: string }) => {
      await withStore(options, async (store) => {
        const now = new Date();
        const text: LocalizedText = {};
        if (options.text) text[options.lang] = options.text;
        if (options.textZhCn) text["zh-CN"] = options.textZhCn;
        if (options.textZhTw) text["zh-TW"] = options.textZhTw;
        if (options.textEn) text.en = options.textEn;
        const content: BroadcastContent = { text };
        if (options.tip) {
          const tip = await (await loadTipLibrary()).getTip(options.tip);
          if (!tip) throw new StartupError(`--tip: no tip ${options.tip} in the library`);
          content.text = { ...tip.text, ...text };
          content.tipId = tip.id;
        }
        if (Object.keys(content.text).length === 0) throw new StartupError("give the notice: --text (with --lang), --text-en …, or --tip");
        for (const lang of SUPPORTED_LANGS) if ((content.text[lang]?.length ?? 0) > MAX_BROADCAST_TEXT) throw new StartupError(`the ${lang} text is longer than ${MAX_BROADCAST_TEXT} characters`);
        if (options.image) {
          if (!/^https?:\/\/\S+$/.test(options.image)) throw new StartupError("--image: must be an http(s) address");
          // Telegram shows the text as the picture's caption, which is much shorter than a message.
          for (const lang of SUPPORTED_LANGS) if ((content.text[lang]?.length ?? 0) > MAX_CAPTION_TEXT) throw new StartupError(`with --image the ${lang} text may have at most ${MAX_CAPTION_TEXT} characters`);
          content.image = options.image;
        }
        const audience = await parseAudienceOption(store, options.audience);
        const zone = officeTimeZone();
        const at = options.at ? parseWhen(options.at, now, zone) : now;
        if (!at) throw new StartupError(`--at: cannot read ${JSON.stringify(options.at)}, or it has passed (e.g. "2026-05-01 09:00", "tomorrow 9:00", "+2h")`);
        const draft = await store.createBroadcast({ authorId: null, content, audience, now });
        const scheduled = await store.scheduleBroadcast(draft.id, at, null, now);
        console.log(`broadcast ${scheduled?.id ?? draft.id} scheduled for ${formatTime(at, zone)} (${zone}) to ${describeAudience(audience, "en")} (the running app sends it)`);
      });
    });
  broadcast
    .command("list")
    .description("recent broadcasts with delivery counts")
    .option("--limit <n>", "how many", positive("--limit"), 20)
    .addOption(dbOption())
    .action(async (options: DbOption & { limit: number }) => {
      await withStore(options, async (store) => {
        const list = await store.listBroadcasts({ limit: options.limit });
        const zone = officeTimeZone();
        console.log(["id", "status", "when", "audience", "total", "sent", "read", "waiting", "failed", "blocked", "skipped", "possibly-duplicated"].join("\t"));
        for (const b of list) {
          const c = b.counts;
          console.log([b.id, b.status, formatTime(b.scheduledAt ?? b.createdAt, zone), describeAudience(parseAudience(b.audience), "en"), c.total, c.sent, c.read, c.pending + c.sending, c.failed + c.undeliverable, c.blocked, c.skipped, c.possiblyDuplicated].join("\t"));
        }
      });
    });
  broadcast
    .command("cancel")
    .description("cancel a scheduled or sending broadcast: what was not sent yet is skipped")
    .argument("<id>", "the broadcast id (anxin broadcast list)")
    .addOption(dbOption())
    .action(async (id: string, options: DbOption) => {
      await withStore(options, async (store) => {
        const cancelled = await store.cancelBroadcast(id, null, new Date());
        if (!cancelled) throw new StartupError(`no broadcast ${id} to cancel (unknown, done or cancelled already)`);
        console.log(`broadcast ${id} cancelled`);
      });
    });

  registerCoverageCommand(program, withStore);
  return program;
}
