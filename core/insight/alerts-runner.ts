/**
 * The alert monitor: reads what {@link evaluateAlerts} needs (the open waves' security and
 * satisfaction rates by region at every level of the tree, this wave and the previous one; the
 * targets; officers' coverage near a wave's end), then records each alert that does not exist
 * yet. Recording is one store transaction per alert — the alert under its unique key, its audit
 * entry and its chat message as outbox rows — so a crash loses or doubles nothing, and two
 * processes running at once raise each alert once (the loser's insert does nothing).
 *
 * Messages go out through the outbox (the rate-limited OutboxSender delivers them like any
 * notice, each recipient in their language): rate alerts to every admin, coverage reminders to
 * the officer. Nothing is sent from here.
 *
 * `runOnce(now)` is the whole job; app/start.ts runs it as a periodic job (core/util/periodic-jobs.ts:
 * on a timer, or once per round across instances through Redis).
 */
import type { AlertMessage, AlertStore, DeliveryPlan, ExportSource, FieldStore, RegionRecord, ResidentStore, WaveRecord } from "../model/index.js";
import { SUPPORTED_LANGS, type Lang } from "../engine/types.js";
import { BreakdownTally, responseSelector, type Figure, type MeasureSpec } from "../stats/index.js";
import { StatConverter } from "../admin/convert.js";
import { headlineMeasureIds } from "../admin/headline.js";
import { measureName, type AdminMeasure } from "../admin/measures.js";
import { waveMeasures } from "../admin/stats-service.js";
import { adminSettings, type AdminSettings } from "../admin/settings.js";
import { regionName } from "../admin/tables.js";
import { planDelivery } from "../outreach/audience.js";
import { DEFAULT_OFFICE_TIME_ZONE } from "../util/time-zone.js";
import { DEFAULT_ALERT_THRESHOLDS, coverageReminderAt, evaluateAlerts, type AlertCandidate, type AlertMeasureRole, type AlertThresholds, type MeasureRates, type WaveCoverage, type WaveRates } from "./alerts.js";
import { alertChatTexts, type AlertDetails, type AlertNames } from "./alerts-text.js";

/** What the monitor reads and writes. */
export type AlertMonitorStore = AlertStore &
  Pick<ExportSource, "listWaves" | "getQuestionnaireById" | "listRegions" | "streamResponses" | "waveTargets"> &
  Pick<FieldStore, "fieldCoverageRows"> &
  Pick<ResidentStore, "listByRole" | "getResident" | "identitiesOf">;

/** Minimal logger (pino's fits). */
export interface AlertLogger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of {@link AlertMonitor}. */
export interface AlertMonitorOptions {
  store: AlertMonitorStore;
  /** The platforms the outbox can send on now (a recipient is reached on one of these). */
  platforms: () => Iterable<string>;
  /** The office time zone (IANA): "a week before the wave closes", times in messages. Default Asia/Shanghai. */
  timeZone?: string;
  /** Suppression (minimum group size) and measure settings: the dashboard's. */
  settings?: Partial<AdminSettings>;
  /** Significance level, minimum households per village, reminder days. */
  thresholds?: Partial<AlertThresholds>;
  /** Called after alerts with pending messages were recorded (wake the outbox sender). */
  onQueued?: () => void;
  logger?: AlertLogger;
}

/** What one run did. */
export interface AlertRunSummary {
  /** Alerts that should exist now (new and already recorded). */
  due: number;
  /** Recorded by this run, by kind. */
  raised: { "below-target": number; drop: number; coverage: number };
  /** Due but recorded before (by an earlier run or another process). */
  already: number;
  /** Outbox rows written pending (messages that will go out). */
  messages: number;
}

const SILENT: AlertLogger = { info() {}, error() {} };

/** Whether a wave is open at `now`. */
function isOpen(wave: WaveRecord, now: Date): boolean {
  return wave.opensAt.getTime() <= now.getTime() && (wave.closesAt === null || now.getTime() < wave.closesAt.getTime());
}

function namesOf(get: (lang: Lang) => string): Record<Lang, string> {
  return Object.fromEntries(SUPPORTED_LANGS.map((lang) => [lang, get(lang)])) as Record<Lang, string>;
}

/** See the module comment. */
export class AlertMonitor {
  private readonly store: AlertMonitorStore;
  private readonly timeZone: string;
  private readonly settings: AdminSettings;
  private readonly thresholds: AlertThresholds;
  private readonly log: AlertLogger;

  constructor(private readonly options: AlertMonitorOptions) {
    this.store = options.store;
    this.timeZone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
    this.settings = adminSettings(options.settings);
    this.thresholds = { ...DEFAULT_ALERT_THRESHOLDS, ...options.thresholds };
    this.log = options.logger ?? SILENT;
  }

  /** Evaluates every open wave at `now` and records the alerts not recorded yet (see the module comment). */
  async runOnce(now: Date): Promise<AlertRunSummary> {
    const waves = await this.store.listWaves();
    const regions = await this.store.listRegions();
    const open = waves.filter((w) => isOpen(w, now));
    const rates: WaveRates[] = [];
    const coverage: WaveCoverage[] = [];
    const labels = new Map<string, { measures: Map<string, AdminMeasure>; wave: WaveRecord; previous: WaveRecord | null }>();
    for (const wave of open) {
      const previous = waves.filter((w) => w.questionnaireKey === wave.questionnaireKey && w.opensAt.getTime() < wave.opensAt.getTime()).sort((a, b) => b.opensAt.getTime() - a.opensAt.getTime())[0] ?? null;
      const measured = await this.waveRates(wave, previous, regions);
      labels.set(wave.id, { measures: measured.measures, wave, previous });
      if (measured.rates.measures.length > 0) rates.push(measured.rates);
      if (wave.closesAt && now.getTime() >= coverageReminderAt(wave.closesAt, this.thresholds.reminderDays, this.timeZone).getTime()) {
        coverage.push({ waveId: wave.id, closesAt: wave.closesAt, rows: await this.store.fieldCoverageRows({ waveId: wave.id }) });
      }
    }
    const due = evaluateAlerts({ now, timeZone: this.timeZone, rates, coverage, thresholds: this.thresholds });
    const summary: AlertRunSummary = { due: due.length, raised: { "below-target": 0, drop: 0, coverage: 0 }, already: 0, messages: 0 };
    if (due.length === 0) return summary;
    const existing = await this.store.existingAlertKeys(due.map((c) => c.key));
    const byCode = new Map(regions.map((r) => [r.code, r]));
    const admins = due.some((c) => c.kind !== "coverage" && !existing.has(c.key)) ? await this.store.listByRole("admin") : [];
    for (const candidate of due) {
      if (existing.has(candidate.key)) {
        summary.already++;
        continue;
      }
      const context = labels.get(candidate.waveId);
      if (!context) continue;
      const details = this.detailsOf(candidate, context, byCode.get(candidate.regionCode));
      const recipients = candidate.kind === "coverage" ? [candidate.officerId] : admins.map((a) => a.id);
      const plans = await this.plansFor(recipients);
      const message: AlertMessage | null = plans.length > 0 ? { content: { text: alertChatTexts(details, this.timeZone) }, plans } : null;
      const raised = await this.store.raiseAlert({
        alert: {
          key: candidate.key,
          kind: candidate.kind,
          waveId: candidate.waveId,
          regionCode: candidate.regionCode,
          measureId: candidate.kind === "coverage" ? null : candidate.measureId,
          officerId: candidate.kind === "coverage" ? candidate.officerId : null,
          details: details as unknown as Record<string, unknown>,
        },
        message,
        now,
      });
      if (!raised) {
        summary.already++;
        continue;
      }
      summary.raised[candidate.kind]++;
      summary.messages += plans.filter((p) => p.status === "pending").length;
    }
    if (summary.messages > 0) this.options.onQueued?.();
    const raisedCount = summary.raised["below-target"] + summary.raised.drop + summary.raised.coverage;
    if (raisedCount > 0) this.log.info({ ...summary }, "alerts raised");
    return summary;
  }

  /** The security and satisfaction figures of `wave` and `previous` by region, every level of the tree, in one pass over their responses. */
  private async waveRates(wave: WaveRecord, previous: WaveRecord | null, regions: readonly RegionRecord[]): Promise<{ rates: WaveRates; measures: Map<string, AdminMeasure> }> {
    const { questionnaire, measures } = await waveMeasures(this.store, wave, this.settings);
    const ids = headlineMeasureIds(measures, questionnaire);
    const watched: { role: AlertMeasureRole; measure: AdminMeasure }[] = [];
    for (const role of ["security", "satisfaction"] as const) {
      const measure = measures.find((m) => m.spec.id === ids[role]);
      if (measure) watched.push({ role, measure });
    }
    const byId = new Map(watched.map((w) => [w.measure.spec.id, w.measure]));
    if (watched.length === 0) return { rates: { waveId: wave.id, previousWaveId: previous?.id ?? null, measures: [] }, measures: byId };
    const specs: MeasureSpec[] = watched.map((w) => w.measure.spec);
    const levels = [...new Set(regions.map((r) => r.level))].sort((a, b) => a - b);
    const waveIds = previous ? [wave.id, previous.id] : [wave.id];
    const tallies = new Map(waveIds.map((id) => [id, levels.map((level) => new BreakdownTally(specs, { kind: "region", level }))]));
    const keep = new Set(specs.flatMap((s) => [s.questionId, ...(s.among ? [s.among.questionId] : [])]));
    const converter = new StatConverter(keep);
    // The dashboard's default figures: completed responses, none left out as flagged.
    const select = responseSelector({});
    for await (const row of this.store.streamResponses({ waveIds, statuses: ["completed"] })) {
      const response = converter.convert(row);
      if (!select(response)) continue;
      for (const tally of tallies.get(response.waveId) ?? []) tally.add(response);
    }
    const figures = (waveId: string, index: number): Map<string, Figure> => {
      const out = new Map<string, Figure>();
      for (const tally of tallies.get(waveId) ?? []) {
        const breakdown = tally.breakdowns(this.settings.minGroupSize)[index];
        for (const group of breakdown?.groups ?? []) out.set(group.key, group.figure);
      }
      return out;
    };
    const targets = await this.store.waveTargets(wave.id);
    const known = new Set(regions.map((r) => r.code));
    const onlyRegions = (map: Map<string, Figure>) => new Map([...map].filter(([code]) => known.has(code)));
    const rates: MeasureRates[] = watched.map(({ role, measure }, index) => ({
      measureId: measure.spec.id,
      role,
      targets: targets.filter((t) => t.measureId === measure.spec.id).map((t) => ({ label: t.label, value: t.value })),
      current: onlyRegions(figures(wave.id, index)),
      previous: previous ? onlyRegions(figures(previous.id, index)) : new Map(),
    }));
    return { rates: { waveId: wave.id, previousWaveId: previous?.id ?? null, measures: rates }, measures: byId };
  }

  private detailsOf(candidate: AlertCandidate, context: { measures: Map<string, AdminMeasure>; wave: WaveRecord; previous: WaveRecord | null }, region: RegionRecord | undefined): AlertDetails {
    const measure = candidate.kind === "coverage" ? undefined : context.measures.get(candidate.measureId);
    const names: AlertNames = {
      region: namesOf((lang) => regionName(region, lang, candidate.regionCode)),
      measure: measure ? namesOf((lang) => measureName(measure, lang)) : null,
      wave: context.wave.name,
      previousWave: candidate.kind === "drop" ? (context.previous?.name ?? null) : null,
    };
    return { ...candidate, names };
  }

  /** One outbox row per recipient, on an account of a platform the outbox sends on (or why not). */
  private async plansFor(residentIds: readonly string[]): Promise<DeliveryPlan[]> {
    const platforms = new Set(this.options.platforms());
    const plans: DeliveryPlan[] = [];
    for (const id of residentIds) {
      const person = await this.store.getResident(id);
      if (!person || person.deletedAt) continue;
      plans.push(planDelivery({ residentId: id, lang: person.lang, optedOut: person.optedOut, identities: await this.store.identitiesOf(id) }, platforms));
    }
    return plans;
  }
}
