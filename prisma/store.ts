/**
 * The store: the only module (with its parts in prisma/store/) that talks to Prisma. It exposes
 * domain operations on domain types (plain objects, JSON already parsed), so nothing else in
 * Anxin sees a Prisma type.
 *
 * One schema source, two generated clients with identical APIs: the PostgreSQL client is typed
 * as the SQLite one, which is sound because tools/derive-postgres-schema.mjs only changes the
 * provider and the output folder.
 *
 * The work is done per aggregate, one module per port of the core (prisma/store/*.ts, over a
 * shared {@link StoreContext}); {@link PrismaStore} opens the database and hands each port
 * method to its part.
 */
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client.ts";
import { PrismaClient as PostgresClient } from "./generated/postgresql/client.ts";
import type { DatabaseTarget } from "./database-url.js";
import { openSqliteFile } from "./migrate.js";
import type { Client, StoreContext } from "./store/context.js";
import { ResidentTables } from "./store/residents.js";
import { StaffTables } from "./store/staff.js";
import { RegionTables } from "./store/regions.js";
import { SurveyTables } from "./store/surveys.js";
import { ConversationTables } from "./store/conversations.js";
import { ResponseTables } from "./store/responses.js";
import { SuggestionTables } from "./store/suggestions.js";
import { SpotCheckTables } from "./store/spot-checks.js";
import { BroadcastTables } from "./store/broadcasts.js";
import { WebInboxTables } from "./store/web-inbox.js";
import { LeafletLinkTables } from "./store/leaflet-links.js";
import { CaseTables } from "./store/cases.js";
import { NoticeConsentTables } from "./store/subscriptions.js";
import { ReminderTables } from "./store/reminders.js";
import { OutreachFigureTables } from "./store/outreach-figures.js";
import { HouseholdTables } from "./store/households.js";
import { VisitTables } from "./store/visits.js";
import { InterviewTables } from "./store/interviews.js";
import { FieldCoverageTables } from "./store/field-coverage.js";
import { AuditTables } from "./store/audit.js";
import { AlertTables } from "./store/alerts.js";
import type { AlertKind, AlertMessage, NewAlert } from "../core/model/index.js";
import type { AudienceQuery, BroadcastStatus, CaseQuery, CaseStatus, CoverageQuery, DeliveryPlan, DeliverySettlement, FieldCoverageQuery, FieldQuery, HouseholdInput, IdentityInput, InterviewInput, NoticeConsentChange, NoticeKind, VisitInput, RegionImportOptions, RegionImportPlan, ReminderFigureQuery, ReminderStatus, ResponseQuery, ResponseRecord, Role, SpotCheckOutcomeValue, SpotCheckRecheck, SpotCheckRecheckStatus, Store, SuggestionQuery, SuggestionStatus, Turn } from "../core/model/index.js";

/** Domain operations over one database: every port of the core, on Prisma. Create with {@link openStore}. */
export class PrismaStore implements Store {
  private readonly residents: ResidentTables;
  private readonly staff: StaffTables;
  private readonly regions: RegionTables;
  private readonly surveys: SurveyTables;
  private readonly conversations: ConversationTables;
  private readonly responses: ResponseTables;
  private readonly suggestions: SuggestionTables;
  private readonly spotChecks: SpotCheckTables;
  private readonly broadcasts: BroadcastTables;
  private readonly webInbox: WebInboxTables;
  private readonly leafletLinks: LeafletLinkTables;
  private readonly cases: CaseTables;
  private readonly noticeConsents: NoticeConsentTables;
  private readonly reminders: ReminderTables;
  private readonly outreachFigures: OutreachFigureTables;
  private readonly households: HouseholdTables;
  private readonly visits: VisitTables;
  private readonly interviews: InterviewTables;
  private readonly fieldCoverage: FieldCoverageTables;
  private readonly auditLog: AuditTables;
  private readonly alerts: AlertTables;

  private constructor(
    private readonly client: Client,
    /** Which backend this store runs on. */
    readonly provider: DatabaseTarget["provider"],
    /** Where the database is, for bulk reads that bypass Prisma (see {@link Store.streamResponses}). */
    target?: DatabaseTarget,
  ) {
    const db: StoreContext = { client, provider, target };
    this.residents = new ResidentTables(db);
    this.staff = new StaffTables(db);
    this.regions = new RegionTables(db);
    this.surveys = new SurveyTables(db);
    this.conversations = new ConversationTables(db);
    this.responses = new ResponseTables(db);
    this.suggestions = new SuggestionTables(db);
    this.spotChecks = new SpotCheckTables(db);
    this.broadcasts = new BroadcastTables(db);
    this.webInbox = new WebInboxTables(db);
    this.leafletLinks = new LeafletLinkTables(db);
    this.cases = new CaseTables(db);
    this.noticeConsents = new NoticeConsentTables(db);
    this.reminders = new ReminderTables(db);
    this.outreachFigures = new OutreachFigureTables(db);
    this.households = new HouseholdTables(db);
    this.visits = new VisitTables(db);
    this.interviews = new InterviewTables(db);
    this.fieldCoverage = new FieldCoverageTables(db, this.staff);
    this.auditLog = new AuditTables(db);
    this.alerts = new AlertTables(db);
  }

  /** Connects to the target (already migrated) and applies the SQLite settings that matter. */
  static async open(target: DatabaseTarget): Promise<PrismaStore> {
    if (target.provider === "sqlite") {
      // Fail early, with the OS's reason, when the folder is missing or unwritable.
      openSqliteFile(target.file).close();
      const client = new SqliteClient({ adapter: new PrismaBetterSqlite3({ url: target.file }) });
      // The adapter keeps one connection per client, so these per-connection settings stick.
      await client.$queryRawUnsafe("PRAGMA journal_mode = WAL");
      await client.$queryRawUnsafe("PRAGMA synchronous = NORMAL");
      await client.$queryRawUnsafe("PRAGMA busy_timeout = 5000");
      await client.$queryRawUnsafe("PRAGMA foreign_keys = ON");
      // Deleted rows are overwritten with zeros, not just unlinked: a resident's erased data must
      // not stay readable in the file (see store/erasure.ts, which also empties the WAL after).
      await client.$queryRawUnsafe("PRAGMA secure_delete = ON");
      return new PrismaStore(client, "sqlite", target);
    }
    const client = new PostgresClient({
      adapter: new PrismaPg({ connectionString: target.url, connectionTimeoutMillis: 5000 }),
    }) as unknown as Client;
    await client.$connect();
    return new PrismaStore(client, "postgresql", target);
  }

  /** Throws when the database does not answer. */
  async health(): Promise<void> {
    await this.client.$queryRawUnsafe("SELECT 1");
  }

  /** Closes the connection(s). */
  async close(): Promise<void> {
    await this.client.$disconnect();
  }

  // The ports, each handed to its part (documented there).

  // ResidentStore: store/residents.ts
  resolveIdentity(input: IdentityInput) { return this.residents.resolveIdentity(input); }
  findIdentity(platform: string, platformUserId: string) { return this.residents.findIdentity(platform, platformUserId); }
  getResident(id: string) { return this.residents.getResident(id); }
  identitiesOf(residentId: string) { return this.residents.identitiesOf(residentId); }
  setRole(platform: string, platformUserId: string, role: Role, actorId?: string | null) { return this.residents.setRole(platform, platformUserId, role, actorId); }
  listByRole(role: Role) { return this.residents.listByRole(role); }
  setReachable(identityId: string, reachable: boolean, why: string | null, now: Date) { return this.residents.setReachable(identityId, reachable, why, now); }
  recordInbound(platform: string, platformUserId: string, at: Date) { return this.residents.recordInbound(platform, platformUserId, at); }
  setAccountReachable(platform: string, platformUserId: string, reachable: boolean, why: string | null, now: Date) { return this.residents.setAccountReachable(platform, platformUserId, reachable, why, now); }
  getResidentsById(ids: readonly string[]) { return this.residents.getResidentsById(ids); }
  findResidentByCode(code: string) { return this.residents.findResidentByCode(code); }
  setResidentPhone(residentId: string, phone: string | null) { return this.residents.setResidentPhone(residentId, phone); }
  getResidentPhone(residentId: string) { return this.residents.getResidentPhone(residentId); }
  setResidentRegion(residentId: string, regionCode: string | null) { return this.residents.setResidentRegion(residentId, regionCode); }

  // StaffStore: store/staff.ts
  getOfficer(id: string) { return this.staff.getOfficer(id); }
  assignHousehold(input: { officerId: string; householdId: string; regionId: string | null }) { return this.staff.assignHousehold(input); }
  attributeResponses(householdId: string) { return this.staff.attributeResponses(householdId); }
  listHouseholds(officerId: string) { return this.staff.listHouseholds(officerId); }
  coverageRows(query?: CoverageQuery) { return this.staff.coverageRows(query); }
  createInvitation(input: { code: string; role: Role; regionId: string | null; createdById: string | null; expiresAt: Date; now: Date }) { return this.staff.createInvitation(input); }
  findInvitation(code: string) { return this.staff.findInvitation(code); }
  listInvitations(filter: { open?: boolean; now: Date; limit?: number }) { return this.staff.listInvitations(filter); }
  redeemInvitation(code: string, residentId: string, now: Date) { return this.staff.redeemInvitation(code, residentId, now); }
  revokeInvitation(code: string, actorId: string | null, now: Date) { return this.staff.revokeInvitation(code, actorId, now); }
  listStaff() { return this.staff.listStaff(); }
  staffIds() { return this.staff.staffIds(); }
  revokeStaff(platform: string, platformUserId: string, actorId: string | null, now: Date) { return this.staff.revokeStaff(platform, platformUserId, actorId, now); }
  endStaffSessions(residentId: string, epoch: number, now: Date) { return this.staff.endStaffSessions(residentId, epoch, now); }

  // RegionStore: store/regions.ts
  upsertRegion(input: { code: string; name: Record<string, string>; parentCode?: string | null }) { return this.regions.upsertRegion(input); }
  listRegions() { return this.regions.listRegions(); }
  getRegionByCode(code: string) { return this.regions.getRegionByCode(code); }
  importRegions(plan: RegionImportPlan, options: RegionImportOptions) { return this.regions.importRegions(plan, options); }
  renameRegion(code: string, name: Record<string, string>) { return this.regions.renameRegion(code, name); }
  countRegionData() { return this.regions.countRegionData(); }
  hasRegions() { return this.regions.hasRegions(); }

  // SurveyStore: store/surveys.ts
  saveQuestionnaire(input: { key: string; version: number; title: string; definition: unknown; checksum: string; source?: string }) { return this.surveys.saveQuestionnaire(input); }
  getQuestionnaire(key: string, version: number) { return this.surveys.getQuestionnaire(key, version); }
  getQuestionnaireById(id: string) { return this.surveys.getQuestionnaireById(id); }
  listQuestionnaires() { return this.surveys.listQuestionnaires(); }
  createWave(input: { name: string; questionnaireId: string; opensAt: Date; closesAt?: Date | null }) { return this.surveys.createWave(input); }
  currentWave(now: Date) { return this.surveys.currentWave(now); }
  listWaves() { return this.surveys.listWaves(); }
  setWaveTarget(waveId: string, measureId: string, label: string, value: number) { return this.surveys.setWaveTarget(waveId, measureId, label, value); }
  deleteWaveTarget(waveId: string, measureId: string, label: string) { return this.surveys.deleteWaveTarget(waveId, measureId, label); }
  waveTargets(waveId: string) { return this.surveys.waveTargets(waveId); }
  copyWaveTargets(fromWaveId: string, toWaveId: string) { return this.surveys.copyWaveTargets(fromWaveId, toWaveId); }
  closeWave(id: string, at: Date) { return this.surveys.closeWave(id, at); }
  setWaveEnd(id: string, closesAt: Date | null) { return this.surveys.setWaveEnd(id, closesAt); }
  deleteWave(id: string) { return this.surveys.deleteWave(id); }
  responseCountsByWave() { return this.surveys.responseCountsByWave(); }

  // ConversationStore: store/conversations.ts
  loadConversation(residentId: string) { return this.conversations.loadConversation(residentId); }
  isProcessed(platform: string, messageId: string) { return this.conversations.isProcessed(platform, messageId); }
  commitTurn(turn: Turn) { return this.conversations.commitTurn(turn); }

  // ResponseStore: store/responses.ts
  getResponse(residentId: string, waveId: string) { return this.responses.getResponse(residentId, waveId); }
  listResponses(waveId: string, status?: ResponseRecord["status"]) { return this.responses.listResponses(waveId, status); }
  countResponses(query?: ResponseQuery) { return this.responses.countResponses(query); }
  countResponsesByRegion(query?: ResponseQuery) { return this.responses.countResponsesByRegion(query); }
  pageResponses(query: ResponseQuery, afterId: string | null, take: number) { return this.responses.pageResponses(query, afterId, take); }
  streamResponses(query?: ResponseQuery, pageSize?: number) { return this.responses.streamResponses(query, pageSize); }

  // SuggestionStore: store/suggestions.ts
  listSuggestions(filter?: { waveId?: string; since?: Date }) { return this.suggestions.listSuggestions(filter); }
  querySuggestions(query?: SuggestionQuery) { return this.suggestions.querySuggestions(query); }
  countSuggestions(query?: SuggestionQuery) { return this.suggestions.countSuggestions(query); }
  getSuggestion(id: string) { return this.suggestions.getSuggestion(id); }
  updateSuggestion(id: string, change: { status?: SuggestionStatus; tags?: readonly string[] }, actorId: string | null) { return this.suggestions.updateSuggestion(id, change, actorId); }
  streamSuggestions(query?: SuggestionQuery, pageSize?: number) { return this.suggestions.streamSuggestions(query, pageSize); }

  // SpotCheckStore: store/spot-checks.ts
  createSpotChecks(input: { waveId: string; seed: string; method?: string; responseIds: readonly string[]; actorId?: string | null; now: Date }) { return this.spotChecks.createSpotChecks(input); }
  listSpotChecks(waveId: string) { return this.spotChecks.listSpotChecks(waveId); }
  recordSpotCheck(id: string, input: { outcome: SpotCheckOutcomeValue; verifier?: string | null; notes?: string | null; actorId?: string | null; now: Date }) { return this.spotChecks.recordSpotCheck(id, input); }
  queueSpotCheckRechecks(input: { waveId: string; limit?: number; actorId?: string | null; now: Date }) { return this.spotChecks.queueSpotCheckRechecks(input); }
  listOpenRechecks() { return this.spotChecks.listOpenRechecks(); }
  getRecheckTarget(spotCheckId: string) { return this.spotChecks.getRecheckTarget(spotCheckId); }
  updateSpotCheckRecheck(spotCheckId: string, statuses: readonly SpotCheckRecheckStatus[], patch: Partial<Omit<SpotCheckRecheck, "status" | "queuedAt" | "queuedBy">>) { return this.spotChecks.updateSpotCheckRecheck(spotCheckId, statuses, patch); }
  closeSpotCheckRecheck(spotCheckId: string, input: { status: "expired" | "skipped"; reason: string; notes: string; actorId?: string | null; now: Date }) { return this.spotChecks.closeSpotCheckRecheck(spotCheckId, input); }

  // BroadcastStore: store/broadcasts.ts
  createBroadcast(input: { authorId: string | null; content: unknown; audience: unknown; status?: BroadcastStatus; scheduledAt?: Date | null; now: Date }) { return this.broadcasts.createBroadcast(input); }
  updateDraft(id: string, change: { content?: unknown; audience?: unknown }) { return this.broadcasts.updateDraft(id, change); }
  getBroadcast(id: string) { return this.broadcasts.getBroadcast(id); }
  findDraft(authorId: string, since: Date) { return this.broadcasts.findDraft(authorId, since); }
  deleteDrafts(authorId: string) { return this.broadcasts.deleteDrafts(authorId); }
  listBroadcasts(filter?: { authorId?: string; limit?: number }) { return this.broadcasts.listBroadcasts(filter); }
  deliveryCounts(broadcastIds: readonly string[]) { return this.broadcasts.deliveryCounts(broadcastIds); }
  scheduleBroadcast(id: string, at: Date, actorId: string | null, now: Date) { return this.broadcasts.scheduleBroadcast(id, at, actorId, now); }
  cancelBroadcast(id: string, actorId: string | null, now: Date) { return this.broadcasts.cancelBroadcast(id, actorId, now); }
  dueBroadcasts(now: Date, limit?: number) { return this.broadcasts.dueBroadcasts(now, limit); }
  audienceMembers(query: AudienceQuery) { return this.broadcasts.audienceMembers(query); }
  fanOutBroadcast(id: string, plans: readonly DeliveryPlan[], now: Date) { return this.broadcasts.fanOutBroadcast(id, plans, now); }
  nextDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[] }) { return this.broadcasts.nextDeliveries(input); }
  reserveDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[]; owner: string; until: Date }) { return this.broadcasts.reserveDeliveries(input); }
  releaseDeliveryReservations(owner: string) { return this.broadcasts.releaseDeliveryReservations(owner); }
  claimDelivery(id: string, input: { leaseUntil: Date; owner?: string }) { return this.broadcasts.claimDelivery(id, input); }
  renewDeliveryLeases(owner: string, leaseUntil: Date) { return this.broadcasts.renewDeliveryLeases(owner, leaseUntil); }
  recoverDelivery(id: string, now: Date) { return this.broadcasts.recoverDelivery(id, now); }
  settleDelivery(id: string, outcome: DeliverySettlement, now: Date, from?: "pending" | "sending") { return this.broadcasts.settleDelivery(id, outcome, now, from); }
  deliverToWebInbox(deliveryId: string, item: { sessionId: string; residentId: string; lang: string; messages: unknown[] }, now: Date) { return this.broadcasts.deliverToWebInbox(deliveryId, item, now); }
  sentMessageIds(identityId: string, limit?: number) { return this.broadcasts.sentMessageIds(identityId, limit); }
  deferDelivery(id: string, until: Date) { return this.broadcasts.deferDelivery(id, until); }
  finishBroadcasts(now: Date) { return this.broadcasts.finishBroadcasts(now); }
  markDeliveryRead(deliveryId: string, residentId: string, now: Date) { return this.broadcasts.markDeliveryRead(deliveryId, residentId, now); }
  markLatestDeliveryRead(residentId: string, since: Date, now: Date) { return this.broadcasts.markLatestDeliveryRead(residentId, since, now); }
  listTipQuizAnswers(filter?: { since?: Date; until?: Date; tipIds?: readonly string[] }) { return this.broadcasts.listTipQuizAnswers(filter); }

  // WebInboxStore: store/web-inbox.ts
  putWebInbox(item: { sessionId: string; residentId?: string | null; lang: string; messages: unknown[]; now: Date }) { return this.webInbox.putWebInbox(item); }
  takeWebInbox(sessionId: string, limit: number) { return this.webInbox.takeWebInbox(sessionId, limit); }

  // LeafletLinkStore: store/leaflet-links.ts
  leafletLinkCode(input: { officerId: string; regionCode: string; code: string; now: Date }) { return this.leafletLinks.leafletLinkCode(input); }
  leafletLinkTarget(code: string) { return this.leafletLinks.leafletLinkTarget(code); }

  // CaseStore: store/cases.ts
  createCase(input: { code: string; reporterId: string | null; officerId: string | null; title: string; note?: string | null; now: Date }) { return this.cases.createCase(input); }
  getCaseByCode(code: string) { return this.cases.getCaseByCode(code); }
  addCaseUpdate(input: { code: string; status: CaseStatus; note: string | null; authorId: string | null; now: Date }) { return this.cases.addCaseUpdate(input); }
  listCasesOfReporter(reporterId: string, limit?: number) { return this.cases.listCasesOfReporter(reporterId, limit); }
  listCases(query?: CaseQuery) { return this.cases.listCases(query); }
  pendingCaseUpdates(filter?: { since?: Date; limit?: number }) { return this.cases.pendingCaseUpdates(filter); }
  markCaseUpdateDelivered(updateId: string, at: Date) { return this.cases.markCaseUpdateDelivered(updateId, at); }

  // NoticeConsentStore: store/subscriptions.ts
  setNoticeConsent(change: NoticeConsentChange) { return this.noticeConsents.setNoticeConsent(change); }
  noticeConsent(identityId: string, kind: NoticeKind) { return this.noticeConsents.noticeConsent(identityId, kind); }
  noticeConsentsOf(residentId: string) { return this.noticeConsents.noticeConsentsOf(residentId); }

  // FieldStore: store/households.ts, visits.ts, interviews.ts, field-coverage.ts
  importHouseholds(rows: readonly HouseholdInput[], options: { actorId: string | null; dryRun?: boolean; now: Date }) { return this.households.importHouseholds(rows, options); }
  addHousehold(input: HouseholdInput & { actorId: string | null; now: Date }) { return this.households.addHousehold(input); }
  getHousehold(id: string) { return this.households.getHousehold(id); }
  listFieldHouseholds(query?: FieldQuery) { return this.households.listFieldHouseholds(query); }
  householdOfResident(residentId: string) { return this.households.householdOfResident(residentId); }
  linkHouseholdResident(householdId: string, residentId: string | null, actorId: string | null) { return this.households.linkHouseholdResident(householdId, residentId, actorId); }
  eraseHousehold(id: string, actorId: string | null) { return this.households.eraseHousehold(id, actorId); }
  saveVisit(input: VisitInput & { officerId: string; now: Date }) { return this.visits.saveVisit(input); }
  listVisits(query?: FieldQuery & { limit?: number }) { return this.visits.listVisits(query); }
  streamVisits(query?: FieldQuery) { return this.visits.streamVisits(query); }
  storeInterview(input: InterviewInput & { now: Date }) { return this.interviews.storeInterview(input); }
  fieldCoverageRows(query?: FieldCoverageQuery) { return this.fieldCoverage.fieldCoverageRows(query); }
  listFieldRechecks(filter?: { waveId?: string }) { return this.interviews.listFieldRechecks(filter); }

  // ReminderStore: store/reminders.ts
  reminderCandidates(input: { waveId: string; idleSince: Date; afterId?: string | null; limit: number }) { return this.reminders.reminderCandidates(input); }
  recordReminder(input: { responseId: string; residentId: string; status: ReminderStatus; identityId: string | null; content: unknown; now: Date }) { return this.reminders.recordReminder(input); }
  abandonIdleResponses(idleSince: Date) { return this.reminders.abandonIdleResponses(idleSince); }
  reminderFigures(query: ReminderFigureQuery) { return this.reminders.reminderFigures(query); }

  // OutreachFiguresReader: store/outreach-figures.ts
  listClosedCaseRatings() { return this.outreachFigures.listClosedCaseRatings(); }
  listFirstQuizAnswers() { return this.outreachFigures.listFirstQuizAnswers(); }

  // AlertStore: store/alerts.ts
  raiseAlert(input: { alert: NewAlert; message: AlertMessage | null; now: Date }) { return this.alerts.raiseAlert(input); }
  existingAlertKeys(keys: readonly string[]) { return this.alerts.existingAlertKeys(keys); }
  listOpenAlerts(filter?: { kinds?: readonly AlertKind[]; limit?: number }) { return this.alerts.listOpenAlerts(filter); }
  acknowledgeAlert(id: string, actorId: string | null, now: Date) { return this.alerts.acknowledgeAlert(id, actorId, now); }

  // AuditLog: store/audit.ts
  audit(actorId: string | null, action: string, target: string | null, details?: Record<string, unknown>) { return this.auditLog.audit(actorId, action, target, details); }
  listAudit(limit?: number) { return this.auditLog.listAudit(limit); }
}

/** Opens a store for an already-migrated database. */
export function openStore(target: DatabaseTarget): Promise<Store> {
  return PrismaStore.open(target);
}
