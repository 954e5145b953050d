/**
 * Telephone spot checks of completed questionnaires, as the survey method requires: a
 * stratified random sample drawn by core/stats (reproducible from its seed), stored with the
 * seed, listed for verifiers and closed with an outcome.
 */
import { randomBytes } from "node:crypto";
import type { SpotCheckOutcomeValue, SpotCheckRecord, ResponseStore, SpotCheckStore } from "../model/index.js";
import { consistencyRate, drawSpotCheckSample, type ConsistencyRate, type SpotCheckSample } from "../stats/index.js";
import { StatConverter } from "./convert.js";
import { loadStatResponses } from "./stats-service.js";
import { at } from "./i18n.js";
import type { Lang } from "../engine/types.js";

/** How to draw. */
export interface DrawRequest {
  waveId: string;
  /** Share of completed responses, 0–1; default 0.05. */
  share?: number;
  /** At least this many per stratum where available; default 2. */
  minPerStratum?: number;
  /** Region level of the strata; default 1 (towns/streets). */
  level?: number;
  /** Any text or a 32-bit integer; default random (and stored, so the draw can be repeated). */
  seed?: string;
  method?: "phone" | "chat" | "visit";
  actorId?: string | null;
  now: Date;
}

/** The outcome of a draw. */
export interface DrawResult {
  seed: string;
  sample: SpotCheckSample;
  created: number;
  existing: number;
}

/** Draws and stores a spot-check sample for a wave. */
export async function drawSpotChecks(store: SpotCheckStore & ResponseStore, request: DrawRequest): Promise<DrawResult> {
  const seed = request.seed ?? randomBytes(6).toString("hex");
  // Only ids, status and regions matter to the draw: keep no answers.
  const responses = await loadStatResponses(store, { waveIds: [request.waveId], statuses: ["completed"] }, new StatConverter(new Set()));
  const numeric = /^\d+$/.test(seed) && Number(seed) <= 0xffffffff ? Number(seed) : seed;
  const sample = drawSpotCheckSample(responses, {
    share: request.share ?? 0.05,
    minPerStratum: request.minPerStratum ?? 2,
    strata: { regionLevel: request.level ?? 1 },
    seed: numeric,
  });
  const { created, existing } = await store.createSpotChecks({
    waveId: request.waveId,
    seed,
    method: request.method ?? "phone",
    responseIds: sample.sample.map((p) => p.id),
    actorId: request.actorId ?? null,
    now: request.now,
  });
  return { seed, sample, created, existing };
}

/** Whether a string is a spot-check outcome. */
export function isOutcome(value: unknown): value is SpotCheckOutcomeValue {
  return value === "consistent" || value === "inconsistent" || value === "unreachable";
}

/** The consistency rate of a wave's checked spot checks. */
export function spotCheckConsistency(checks: readonly SpotCheckRecord[]): ConsistencyRate {
  return consistencyRate(checks.flatMap((c) => (c.outcome ? [c.outcome] : [])));
}

/** How a spot check is checked, and for one re-asked in chat where that stands, in `lang`. */
export function spotCheckMethodText(check: Pick<SpotCheckRecord, "method" | "recheck">, lang: Lang): string {
  const method = check.method === "chat" || check.method === "visit" ? check.method : "phone";
  const text = at(lang, `spot.method_${method}`);
  return check.recheck ? `${text} · ${at(lang, `spot.recheck_${check.recheck.status}`)}` : text;
}
