/**
 * The admin service: everything the admin dashboard (bots/dashboard) does with the office's data,
 * as operations named for what an admin means, so that the dashboard translates HTTP in and out
 * and never holds the store. The CLI makes the same audited changes through it.
 *
 * Changes are audited here (waves, targets, sign-ins, downloads) or by the store where it records
 * the change in the same transaction (suggestions, spot checks), always under the acting admin.
 *
 *   const admin = new AdminService(store);
 *   await admin.targets.set(wave, { measure, label, value }, "stored", { id: staffId, via: "api" });
 */
import type { BroadcastSummary, RegionRecord, ResidentRecord, SuggestionQuery, WaveRecord } from "../model/index.js";
import type { Lang } from "../engine/types.js";
import { coverageReport, type CoverageOptions, type CoverageReport } from "../outreach/coverage.js";
import type { ExportFormat, ExportTable } from "./export-writers.js";
import { computeOutreachFigures, computeReminderFigures, outreachOptionsFor, type OutreachFigures, type ReminderFigures } from "./outreach-figures.js";
import { SpotCheckService, SuggestionService } from "./review-service.js";
import { adminSettings, type AdminSettings } from "./settings.js";
import { computeReport, waveMeasures, type ReportRequest, type StatsReport } from "./stats-service.js";
import { responsesTable, spotChecksTable, suggestionsTable } from "./tables.js";
import { TargetService, WaveService } from "./wave-service.js";
import { RegionService } from "./regions-service.js";
import type { AdminContext, AdminStore } from "./service-context.js";
import { DEFAULT_OFFICE_TIME_ZONE } from "../util/time-zone.js";
import { computeDriversReport, type DriversReport, type DriversRequest } from "./drivers.js";
import { AlertBoard } from "../insight/alerts-board.js";

export type { AdminActor, AdminStore, AdminSurface } from "./service-context.js";
export type { CheckedTarget, TargetInput, TargetValueKind } from "./wave-service.js";
export type { SuggestionChange, SuggestionFilterQuery } from "./review-service.js";
export type { RegionImportOutcome, RegionImportRequest, RegionTreeEntry } from "./regions-service.js";
export { RegionRenameError } from "./regions-service.js";
export { RegionService, SpotCheckService, SuggestionService, TargetService, WaveService };

/** How to run the service. */
export interface AdminServiceOptions {
  /** Suppression and quality thresholds (defaults filled in). */
  settings?: Partial<AdminSettings>;
  /** The clock (tests). Default: the system's. */
  now?: () => Date;
  /** The office's time zone, an IANA name (OFFICE_TIME_ZONE). Default Asia/Shanghai. */
  timeZone?: string;
}

/** What a download was, as the audit log records it (`export`). */
export interface ExportRecord {
  format: ExportFormat;
  wave: string | null;
  region: string | null;
}

/** The tables of the downloads that read the store directly (the statistics tables come from a report). */
export class ExportService {
  constructor(private readonly ctx: AdminContext) {}

  /** The suggestions matching `filter`, streamed as they are written. */
  async suggestions(filter: Omit<SuggestionQuery, "cursor" | "limit">, lang: Lang): Promise<ExportTable> {
    return suggestionsTable(this.ctx.store, filter, lang, await this.waveNames());
  }

  /**
   * The raw answers of a wave (in `region`'s subtree, when given), regions with fewer than
   * `minGroupSize` responses generalised (default: the service's setting).
   */
  async responses(wave: WaveRecord, options: { region: RegionRecord | null; lang: Lang; minGroupSize?: number | undefined }): Promise<ExportTable> {
    const waveNames = await this.waveNames();
    const { questionnaire, quality } = await waveMeasures(this.ctx.store, wave, this.ctx.settings);
    return responsesTable(this.ctx.store, {
      query: { waveIds: [wave.id], ...(options.region ? { regionPath: options.region.path } : {}) },
      questionnaire,
      lang: options.lang,
      regions: await this.ctx.store.listRegions(),
      quality,
      minGroupSize: options.minGroupSize ?? this.ctx.settings.minGroupSize,
      waveNames,
    });
  }

  /** The spot checks of a wave. */
  async spotChecks(wave: WaveRecord, lang: Lang): Promise<ExportTable> {
    const regions = new Map((await this.ctx.store.listRegions()).map((r) => [r.code, r]));
    return spotChecksTable(await this.ctx.store.listSpotChecks(wave.id), lang, regions);
  }

  /** Audits a download of `kind` by `actorId` (`export`). */
  record(actorId: string | null, kind: string, details: ExportRecord): Promise<void> {
    return this.ctx.store.audit(actorId, "export", kind, { format: details.format, wave: details.wave, region: details.region });
  }

  private async waveNames(): Promise<Map<string, string>> {
    return new Map((await this.ctx.store.listWaves()).map((w) => [w.id, w.name]));
  }
}

/** See the module comment. */
export class AdminService {
  /** The settings the service runs with, defaults filled in. */
  readonly settings: AdminSettings;
  /** The clock the service reads (the dashboard's, too). */
  readonly now: () => Date;
  /** The office's time zone (IANA name) every time admins type or read is in (the dashboard's, too). */
  readonly timeZone: string;
  /** Survey waves: list, open, close, cancel. */
  readonly waves: WaveService;
  /** Waves' targets: list, set, remove. */
  readonly targets: TargetService;
  /** Residents' suggestions: filter, query, count, update. */
  readonly suggestions: SuggestionService;
  /** Spot checks: list, draw, re-ask in chat, record. */
  readonly spotChecks: SpotCheckService;
  /** Downloads: the tables, and their audit. */
  readonly exports: ExportService;
  /** The region tree: import, rename, the tree with its counts. */
  readonly regionTree: RegionService;
  /** Open alerts for the dashboard's banner, and their acknowledgement. */
  readonly alerts: AlertBoard;
  private readonly store: AdminStore;

  constructor(store: AdminStore, options: AdminServiceOptions = {}) {
    this.store = store;
    this.settings = adminSettings(options.settings);
    this.now = options.now ?? (() => new Date());
    this.timeZone = options.timeZone ?? DEFAULT_OFFICE_TIME_ZONE;
    const ctx: AdminContext = { store, settings: this.settings, now: this.now, timeZone: this.timeZone };
    this.waves = new WaveService(ctx);
    this.targets = new TargetService(ctx);
    this.suggestions = new SuggestionService(ctx);
    this.spotChecks = new SpotCheckService(ctx);
    this.exports = new ExportService(ctx);
    this.regionTree = new RegionService(ctx);
    this.alerts = new AlertBoard(ctx);
  }

  /** Every region, parents before children. */
  regions(): Promise<RegionRecord[]> {
    return this.store.listRegions();
  }

  /** The region with this code, or null. */
  region(code: string): Promise<RegionRecord | null> {
    return this.store.getRegionByCode(code);
  }

  /** The resident a staff token names (their role decides what they may do), or null. */
  staffMember(id: string): Promise<ResidentRecord | null> {
    return this.store.getResident(id);
  }

  /** Ends every staff session of a person still at session `epoch` (sign-out; audited). */
  endStaffSessions(residentId: string, epoch: number): Promise<boolean> {
    return this.store.endStaffSessions(residentId, epoch, this.now());
  }

  /** Audits an admin's sign-in to the dashboard (`admin.login`). */
  recordSignIn(adminId: string): Promise<void> {
    return this.store.audit(adminId, "admin.login", null, {});
  }

  /**
   * The statistics report `request` asks for, the current wave read at the service's clock.
   * @throws ReportRequestError for an unknown wave or region
   */
  report(request: ReportRequest): Promise<StatsReport> {
    return computeReport(this.store, { ...request, now: this.now() });
  }

  /** The outreach figures that go with a report (same minimum group size, region filter and level). */
  outreach(report: StatsReport): Promise<OutreachFigures> {
    return computeOutreachFigures(this.store, outreachOptionsFor(report));
  }

  /** The reminders to residents of a report's wave and region (reminded, finished after reminder …). */
  reminders(report: StatsReport): Promise<ReminderFigures> {
    return computeReminderFigures(this.store, report);
  }

  /**
   * Officers' coverage of their households (surveyed: in `options.waveId`, default the wave
   * current at the service's clock).
   * @throws CoverageRequestError for an unknown region or wave
   */
  coverage(options: CoverageOptions = {}): Promise<CoverageReport> {
    return coverageReport(this.store, { now: this.now(), ...options });
  }

  /**
   * What goes with feeling unsafe or dissatisfied in a wave (logistic regressions, core/admin/drivers.ts),
   * with the service's settings and clock.
   * @throws ReportRequestError for an unknown wave or region
   */
  drivers(request: Omit<DriversRequest, "settings" | "now">): Promise<DriversReport> {
    return computeDriversReport(this.store, { ...request, settings: this.settings, now: this.now() });
  }

  /** The newest broadcasts (drafts left out) with their delivery counts, "possibly duplicated" included. */
  recentBroadcasts(limit = 10): Promise<BroadcastSummary[]> {
    return this.store.listBroadcasts({ limit });
  }
}
