/** Settings of the admin statistics: suppression and quality-flag thresholds. */
import { checkMinGroupSize, DEFAULT_MIN_GROUP_SIZE } from "../stats/index.js";
import type { MeasureOverrides } from "./measures.js";

/** What the statistics service needs to know besides the data. */
export interface AdminSettings {
  /** Groups (and figure bases) below this size are suppressed everywhere. Default 10. */
  minGroupSize: number;
  /** A completed response faster than this many seconds per answered question is a speeder. Default 2. */
  speederSecondsPerAnswer: number;
  /** Same level on all of at least this many scale questions flags a straight-liner. Default 4. */
  straightLineMinQuestions: number;
  /** Overrides of how measures are derived from the questionnaire. */
  measureOverrides?: MeasureOverrides;
}

/** The defaults: minimum group 10, speeders under 2 s per answer, straight lines over ≥ 4 scales. */
export const DEFAULT_ADMIN_SETTINGS: AdminSettings = Object.freeze({
  minGroupSize: DEFAULT_MIN_GROUP_SIZE,
  speederSecondsPerAnswer: 2,
  straightLineMinQuestions: 4,
});

/** Settings with defaults filled in and checked. @throws StatsConfigError on a bad minimum. */
export function adminSettings(partial: Partial<AdminSettings> = {}): AdminSettings {
  const settings: AdminSettings = { ...DEFAULT_ADMIN_SETTINGS, ...definedOnly(partial) };
  checkMinGroupSize(settings.minGroupSize);
  return settings;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
