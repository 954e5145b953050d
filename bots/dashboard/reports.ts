/**
 * The survey figures behind the overview, the report page, the statistics, chart and outreach API
 * and the statistics export: one statistics report per query, kept for a few seconds because one
 * dashboard view asks for the same figures several times (the page, then each of its charts).
 */
import type { FastifyReply } from "fastify";
import type { AdminService } from "../../core/admin/service.js";
import { ReportRequestError, type ReportRequest, type StatsReport } from "../../core/admin/stats-service.js";
import type { OutreachFigures } from "../../core/admin/outreach-figures.js";
import type { StatsQuery } from "./queries.js";

/** How long a computed report is reused. */
const REPORT_TTL_MS = 15_000;

/** Reports, and the outreach figures that go with them, for the dashboard's routes. */
export interface ReportSource {
  /** The report for `request`, computed at most once per {@link REPORT_TTL_MS} (a failed one is not kept). */
  report(request: ReportRequest): Promise<StatsReport>;
  /** What a parsed figures query asks for, with the admin settings (and `min` overriding the minimum group size). */
  requestFor(q: StatsQuery): ReportRequest;
  /** The outreach figures that go with a report (same minimum group size, region filter and level). */
  outreach(report: StatsReport): Promise<OutreachFigures>;
  /** Forgets every kept report: a wave or a target changed. */
  forget(): void;
}

/** A report source over the admin service (its settings, its clock). */
export function reportSource(service: AdminService): ReportSource {
  const { settings } = service;
  const cache = new Map<string, { at: number; report: Promise<StatsReport> }>();
  return {
    report(request) {
      const key = JSON.stringify(request);
      const hit = cache.get(key);
      const t = Date.now();
      if (hit && t - hit.at < REPORT_TTL_MS) return hit.report;
      for (const [k, v] of cache) if (t - v.at >= REPORT_TTL_MS || cache.size > 20) cache.delete(k);
      const promise = service.report(request);
      promise.catch(() => cache.delete(key));
      cache.set(key, { at: t, report: promise });
      return promise;
    },
    requestFor(q) {
      return {
        ...(q.wave ? { waveId: q.wave } : {}),
        ...(q.region ? { regionCode: q.region } : {}),
        ...(q.level !== undefined ? { level: q.level } : {}),
        excludeFlagged: q.clean,
        settings: { ...settings, ...(q.min ? { minGroupSize: q.min } : {}) },
      };
    },
    outreach(report) {
      return service.outreach(report);
    },
    forget() {
      cache.clear();
    },
  };
}

/**
 * Runs `work`; when a report it asks for cannot be made (no such wave or region) it answers with
 * `refuse(message)` instead. Any other error is thrown on.
 */
export async function unlessNoReport<T>(work: () => Promise<T>, refuse: (message: string) => FastifyReply): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ReportRequestError) return refuse(error.message);
    throw error;
  }
}
