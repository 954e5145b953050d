/**
 * What an alert says, in each language: the chat message admins and officers get and the line
 * of the dashboard's banner. Both are made from the alert's stored details (the figures and the
 * names as they were when it was raised), so an alert reads the same however late it is read.
 */
import { z } from "zod";
import { SUPPORTED_LANGS, type Lang } from "../engine/types.js";
import { formatLocalDateTime } from "../util/time-zone.js";
import type { AlertCandidate } from "./alerts.js";
import { alertText } from "./alerts-i18n.js";

/** Names of what an alert is about, per language (regions, measures) or as named (waves). */
export interface AlertNames {
  region: Record<Lang, string>;
  /** The measure's name (null for a coverage reminder). */
  measure: Record<Lang, string> | null;
  wave: string;
  /** The previous wave (drops only). */
  previousWave: string | null;
}

/** What an alert stores as its details: the candidate it was raised for, and the names. */
export type AlertDetails = AlertCandidate & { names: AlertNames };

const Names = z.object({ "zh-CN": z.string(), "zh-TW": z.string(), en: z.string() });
const Snapshot = z.object({ value: z.number(), numerator: z.number(), n: z.number(), lower: z.number(), upper: z.number() });
const Role = z.enum(["security", "satisfaction"]);
const NamesSchema = z.object({ region: Names, measure: Names.nullable(), wave: z.string(), previousWave: z.string().nullable() });
const DetailsSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("below-target"), key: z.string(), waveId: z.string(), regionCode: z.string(), measureId: z.string(), role: Role, figure: Snapshot, targets: z.array(z.object({ label: z.string(), value: z.number() })), names: NamesSchema }),
  z.object({ kind: z.literal("drop"), key: z.string(), waveId: z.string(), previousWaveId: z.string(), regionCode: z.string(), measureId: z.string(), role: Role, figure: Snapshot, previous: Snapshot, z: z.number(), p: z.number(), alpha: z.number(), names: NamesSchema }),
  z.object({ kind: z.literal("coverage"), key: z.string(), waveId: z.string(), officerId: z.string(), regionCode: z.string(), covered: z.number(), assigned: z.number(), minimum: z.number(), closesAt: z.string(), names: NamesSchema }),
]);

/** Reads stored details; undefined when they are not an alert's (a row written by hand, an older shape). */
export function parseAlertDetails(value: unknown): AlertDetails | undefined {
  const parsed = DetailsSchema.safeParse(value);
  return parsed.success ? (parsed.data as AlertDetails) : undefined;
}

/** "82.5%": a proportion with one decimal. */
export const percent = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** A p-value as people read it: three decimals, "< 0.001" below that. */
export function formatP(p: number): string {
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

function rateVars(lang: Lang, d: Extract<AlertDetails, { kind: "below-target" | "drop" }>): Record<string, string | number> {
  return {
    wave: d.names.wave,
    region: d.names.region[lang],
    measure: d.names.measure?.[lang] ?? d.measureId,
    value: percent(d.figure.value),
    lower: percent(d.figure.lower),
    upper: percent(d.figure.upper),
    n: d.figure.n,
  };
}

function targetsText(lang: Lang, targets: readonly { label: string; value: number }[]): string {
  return targets.map((t) => alertText(lang, "chat.target", { label: t.label, value: percent(t.value) })).join(alertText(lang, "join"));
}

function dropVars(lang: Lang, d: Extract<AlertDetails, { kind: "drop" }>): Record<string, string | number> {
  return {
    ...rateVars(lang, d),
    previousWave: d.names.previousWave ?? d.previousWaveId,
    previous: percent(d.previous.value),
    previousN: d.previous.n,
    points: (Math.round((d.previous.value - d.figure.value) * 1000) / 10).toFixed(1),
    p: formatP(d.p),
  };
}

/** The chat message of an alert in `lang`; times (a wave's end) in the office time zone `timeZone`. */
export function alertChatText(d: AlertDetails, lang: Lang, timeZone: string): string {
  switch (d.kind) {
    case "below-target":
      return `${alertText(lang, "chat.below_target", { ...rateVars(lang, d), targets: targetsText(lang, d.targets) })}\n${alertText(lang, "chat.dashboard")}`;
    case "drop":
      return `${alertText(lang, "chat.drop", dropVars(lang, d))}\n${alertText(lang, "chat.dashboard")}`;
    case "coverage":
      return alertText(lang, "chat.coverage", {
        wave: d.names.wave,
        closes: formatLocalDateTime(new Date(d.closesAt), timeZone),
        village: d.names.region[lang],
        covered: d.covered,
        minimum: d.minimum,
        missing: d.minimum - d.covered,
      });
  }
}

/** The chat message in every language (the outbox picks each recipient's). */
export function alertChatTexts(d: AlertDetails, timeZone: string): Record<Lang, string> {
  return Object.fromEntries(SUPPORTED_LANGS.map((lang) => [lang, alertChatText(d, lang, timeZone)])) as Record<Lang, string>;
}

/** The banner's line for a rate alert in `lang` (coverage reminders are the officers', not the banner's). */
export function alertBannerLine(d: Extract<AlertDetails, { kind: "below-target" | "drop" }>, lang: Lang): string {
  return d.kind === "below-target" ? alertText(lang, "banner.below_target", { ...rateVars(lang, d), targets: targetsText(lang, d.targets) }) : alertText(lang, "banner.drop", dropVars(lang, d));
}
