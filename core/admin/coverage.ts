/**
 * Officers' outreach coverage (households reached by the door-to-door publicity). A placeholder
 * until the outreach feature records deliveries: the dashboard shows its section and says there
 * is no data, so the layout does not change when the feature lands.
 */
import type { Store } from "../../prisma/store.js";

/** Coverage of one officer's households. */
export interface OfficerCoverage {
  officerId: string;
  officerName: string | null;
  households: number;
  reached: number;
}

/** The coverage report: not available until the outreach feature exists. */
export type CoverageReport = { available: false } | { available: true; officers: OfficerCoverage[] };

/** Officers' coverage for a wave; always "no data" for now. */
export async function officerCoverage(_store: Store, _waveId: string | null): Promise<CoverageReport> {
  return { available: false };
}
