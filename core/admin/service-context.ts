/**
 * What the parts of the admin service (core/admin/service.ts) share: the store ports they read and
 * write, who makes a change, and the settings and clock they run with. A file of its own so that
 * the parts need not import the service that assembles them.
 */
import type { AlertStore, AuditLog, BroadcastStore, FieldStore, OutreachFiguresReader, RegionStore, ReminderStore, ResidentStore, ResponseStore, SpotCheckStore, StaffStore, SuggestionStore, SurveyStore } from "../model/index.js";
import type { AdminSettings } from "./settings.js";

/**
 * The store ports the admin service needs: waves and questionnaires, regions, responses (figures,
 * exports, spot-check draws), suggestions, spot checks, staff and field work (coverage), the outreach figures'
 * reads, looking up a staff member, and the audit log. Conversations, broadcasts, the web inbox
 * and cases are none of its business.
 */
export type AdminStore = SurveyStore &
  RegionStore &
  ResponseStore &
  SuggestionStore &
  SpotCheckStore &
  StaffStore &
  OutreachFiguresReader &
  Pick<ResidentStore, "getResident"> &
  Pick<BroadcastStore, "listBroadcasts"> &
  Pick<FieldStore, "fieldCoverageRows"> &
  Pick<ReminderStore, "reminderFigures"> &
  Pick<AlertStore, "listOpenAlerts" | "acknowledgeAlert"> &
  AuditLog;

/** Where a change came from, as the audit log's `via` records it. */
export type AdminSurface = "dashboard" | "api" | "cli";

/** Who makes a change: the staff member (null from the command line, which has no sign-in) and the surface. */
export interface AdminActor {
  id: string | null;
  via: AdminSurface;
}

/** The store, settings, clock and office time zone every part of the service runs with. */
export interface AdminContext {
  store: AdminStore;
  settings: AdminSettings;
  now: () => Date;
  /** The office's time zone (IANA name): times admins type and read (wave names, exports). */
  timeZone: string;
}
