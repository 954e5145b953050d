/**
 * The ports: what the core needs from storage, one narrow interface per aggregate. `prisma/`
 * implements them all (see prisma/store/); core modules ask for the narrowest that serves them,
 * so a test can hand them a small fake and a reader of the code sees what a module touches.
 */
import type { AssignmentRecord, IdentityInput, IdentityRecord, InvitationRecord, RedeemOutcome, ResidentRecord, Role, StaffMemberRecord } from "./residents.js";
import type { AdminSuggestionRecord, QuestionnaireRecord, RegionRecord, ResponseQuery, ResponseRecord, ResponseWithRegion, SuggestionQuery, SuggestionRecord, SuggestionStatus, WaveRecord } from "./surveys.js";
import type { ConversationRecord, Turn, TurnOutcome } from "./turns.js";
import type { OpenRecheckRecord, RecheckTarget, SpotCheckOutcomeValue, SpotCheckRecheck, SpotCheckRecheckStatus, SpotCheckRecord } from "./spot-checks.js";
import type { RegionDataCounts, RegionImportCounts, RegionImportOptions, RegionImportPlan } from "./regions.js";
import type { FieldCoverageQuery, FieldCoverageRow, FieldQuery, FieldRecheckRecord, HouseholdInput, HouseholdRecord, InterviewInput, InterviewOutcome, VisitInput, VisitRecord, VisitWithHousehold } from "./field.js";
import type { CaseQuery, CaseRecord, CaseStatus, CaseUpdateRecord, CaseWithLatest, ClosedCaseRating } from "./cases.js";
import type { NoticeConsentChange, NoticeConsentRecord, NoticeKind } from "./subscriptions.js";
import type { ReminderCandidate, ReminderFigureCounts, ReminderFigureQuery, ReminderStatus } from "./reminders.js";
import type { AlertKind, AlertMessage, AlertRecord, NewAlert } from "./alerts.js";
import type { AudienceMember, AudienceQuery, BroadcastRecord, BroadcastStatus, BroadcastSummary, CoverageQuery, CoverageRow, DeliveryCounts, DeliveryJob, DeliveryPlan, DeliverySettlement, FirstQuizAnswer, TipQuizAnswerRecord, WebInboxRecord } from "./outreach.js";

/** Residents and their platform accounts. */
export interface ResidentStore {
  /** Finds the resident behind a platform account, creating both on first contact. */
  resolveIdentity(input: IdentityInput): Promise<{ resident: ResidentRecord; identity: IdentityRecord; created: boolean }>;
  /** The platform account, or null. */
  findIdentity(platform: string, platformUserId: string): Promise<IdentityRecord | null>;
  /** The resident with this id, or null. */
  getResident(id: string): Promise<ResidentRecord | null>;
  /** The identities of a resident (where to reach them). */
  identitiesOf(residentId: string): Promise<IdentityRecord[]>;
  /** Sets the role of the resident behind a platform account, creating the account if needed. */
  setRole(platform: string, platformUserId: string, role: Role, actorId?: string | null): Promise<ResidentRecord>;
  /** Residents with a given role. */
  listByRole(role: Role): Promise<ResidentRecord[]>;
  /** Records that a platform account can (not) be reached, e.g. after the resident blocked the bot. */
  setReachable(identityId: string, reachable: boolean, why: string | null, now: Date): Promise<void>;
  /**
   * Records that a platform account just wrote to us: it is reachable again, and `lastInboundAt`
   * moves to `at` (never backwards, so a late redelivery cannot shorten WeChat's reply window).
   * Null when the account is unknown.
   */
  recordInbound(platform: string, platformUserId: string, at: Date): Promise<IdentityRecord | null>;
  /**
   * {@link setReachable} by platform account (e.g. a WeChat follower unfollowed). Null, and nothing
   * stored, when the account is unknown.
   */
  setAccountReachable(platform: string, platformUserId: string, reachable: boolean, why: string | null, now: Date): Promise<IdentityRecord | null>;
  /** The residents with these ids, in the order asked; unknown ids are left out. */
  getResidentsById(ids: readonly string[]): Promise<ResidentRecord[]>;
  /** The resident whose id ends in `code` (a resident code), if exactly one does and they are not erased. */
  findResidentByCode(code: string): Promise<ResidentRecord | null>;
  /** Sets the telephone number a resident shared for spot checks (null removes it). */
  setResidentPhone(residentId: string, phone: string | null): Promise<void>;
  /**
   * The telephone number a resident shared for spot checks, or null. Kept out of ResidentRecord on
   * purpose: only the spot-check list (and this) ever reads it.
   */
  getResidentPhone(residentId: string): Promise<string | null>;
  /**
   * Records the region a resident lives in (by code; null clears it). Cases they report later
   * take this region, and the dashboard's outreach figures group their quiz answers by it.
   * Returns null for an unknown resident or region code.
   */
  setResidentRegion(residentId: string, regionCode: string | null): Promise<ResidentRecord | null>;
}

/** Officers, their households and coverage, staff invitations. */
export interface StaffStore {
  /** The officer or admin with this id; null when there is none, it is a resident, or it was erased. */
  getOfficer(id: string): Promise<ResidentRecord | null>;
  /**
   * Makes a resident one of an officer's households in a region, and gives the household's
   * unfinished responses that have no officer yet this officer (and this region where they have
   * none), in one transaction. Idempotent; assigning again moves the household to the new region.
   * Refuses an officer id that is not an officer or admin, and an officer as their own household.
   */
  assignHousehold(input: { officerId: string; householdId: string; regionId: string | null }): Promise<{ assignment: AssignmentRecord; created: boolean }>;
  /**
   * Gives a household's unfinished responses that have no officer yet the officer and region of
   * its most recent assignment (a response started after the household was assigned). Returns how
   * many responses changed.
   */
  attributeResponses(householdId: string): Promise<number>;
  /** The households assigned to an officer, oldest first. */
  listHouseholds(officerId: string): Promise<AssignmentRecord[]>;
  /**
   * The rows of the coverage report: every household assignment (of current officers and admins)
   * with whether the household was reached (a delivery sent) and confirmed (read) — counting
   * deliveries of one broadcast, or of any broadcast since `since`.
   */
  coverageRows(query?: CoverageQuery): Promise<CoverageRow[]>;
  /** Stores a one-time staff invitation (audited). `code` is the canonical code (core/outreach/codes.ts). */
  createInvitation(input: { code: string; role: Role; regionId: string | null; createdById: string | null; expiresAt: Date; now: Date }): Promise<InvitationRecord>;
  /** The invitation with this canonical code, or null. */
  findInvitation(code: string): Promise<InvitationRecord | null>;
  /** Invitations, newest first; `open`: only those neither used, revoked nor expired at `now`. */
  listInvitations(filter: { open?: boolean; now: Date; limit?: number }): Promise<InvitationRecord[]>;
  /**
   * Redeems an invitation for a resident: in one transaction the invitation is marked used and
   * the resident gets its role and region (audited). A used, revoked or expired invitation grants
   * nothing; redeeming again by the resident who used it is reported as `already` and changes
   * nothing (a redelivered message).
   */
  redeemInvitation(code: string, residentId: string, now: Date): Promise<RedeemOutcome>;
  /** Revokes an unused invitation (audited); null when there is none with this code, or it was used. */
  revokeInvitation(code: string, actorId: string | null, now: Date): Promise<InvitationRecord | null>;
  /** Officers and admins with their accounts, region and number of households, oldest first. */
  listStaff(): Promise<StaffMemberRecord[]>;
  /** Ids of every officer and admin (for a cheap "is this staff?" check). */
  staffIds(): Promise<string[]>;
  /**
   * Makes the staff member behind a platform account a resident again (audited). Their
   * households stay assigned to them (history), but they can no longer broadcast or see
   * coverage. Null when the account is unknown or not staff.
   */
  revokeStaff(platform: string, platformUserId: string, actorId: string | null, now: Date): Promise<ResidentRecord | null>;
  /**
   * Ends every staff session of a person (sign-out, audited) by raising their session epoch, but
   * only while it is still `epoch`: a token already ended cannot end the sessions that followed it.
   * False when nothing changed.
   */
  endStaffSessions(residentId: string, epoch: number, now: Date): Promise<boolean>;
}

/** The region tree. */
export interface RegionStore {
  /** Creates or renames a region under its parent (by code). Parents must exist first. */
  upsertRegion(input: { code: string; name: Record<string, string>; parentCode?: string | null }): Promise<RegionRecord>;
  /** All regions, parents before children. */
  listRegions(): Promise<RegionRecord[]>;
  /** The region with this code, or null. */
  getRegionByCode(code: string): Promise<RegionRecord | null>;
  /**
   * Applies a validated import plan (core/regions/plan.ts) in one transaction: adds the new
   * regions, renames the changed ones (the languages a planned name leaves out are kept) and, with
   * `replace`, removes stored regions the plan leaves out that have no data and no kept child.
   * Refuses (throws, nothing stored) a planned region stored under another parent or whose parent
   * is missing. With `dryRun` it rolls everything back and only reports.
   */
  importRegions(plan: RegionImportPlan, options: RegionImportOptions): Promise<RegionImportCounts>;
  /** Sets the names of a region (the languages left out are kept; an empty one is removed). Null for an unknown code. */
  renameRegion(code: string, name: Record<string, string>): Promise<RegionRecord | null>;
  /** What hangs on each region that has anything: one grouped count per table. */
  countRegionData(): Promise<RegionDataCounts[]>;
  /** Whether there is any region at all (cheap: the overview asks on every view). */
  hasRegions(): Promise<boolean>;
}

/** Questionnaire versions, survey waves and their targets. */
export interface SurveyStore {
  /**
   * Stores a questionnaire version. Storing the same key, version and checksum again is a no-op;
   * other content under an existing key and version is refused (bump the version instead).
   */
  saveQuestionnaire(input: {
    key: string;
    version: number;
    title: string;
    definition: unknown;
    checksum: string;
    source?: string;
  }): Promise<{ record: QuestionnaireRecord; created: boolean }>;
  /** A stored questionnaire version, or null. */
  getQuestionnaire(key: string, version: number): Promise<QuestionnaireRecord | null>;
  /** A stored questionnaire by row id, or null. */
  getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null>;
  /** Every stored questionnaire version, newest first within a key. */
  listQuestionnaires(): Promise<QuestionnaireRecord[]>;
  /** Opens a survey wave for a stored questionnaire version. */
  createWave(input: { name: string; questionnaireId: string; opensAt: Date; closesAt?: Date | null }): Promise<WaveRecord>;
  /** The wave open at `now` (the most recently opened one when several are), or null. */
  currentWave(now: Date): Promise<WaveRecord | null>;
  /** All waves, newest first. */
  listWaves(): Promise<WaveRecord[]>;
  /** Sets a comparison figure (e.g. the provincial average) for a measure in a wave. */
  setWaveTarget(waveId: string, measureId: string, label: string, value: number): Promise<void>;
  /**
   * Removes one target of a wave (the figure for `measureId` under `label`).
   * @returns whether there was such a target
   */
  deleteWaveTarget(waveId: string, measureId: string, label: string): Promise<boolean>;
  /** The targets of a wave. */
  waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]>;
  /**
   * Copies every target of one wave to another (one transaction); a target the other wave
   * already has for the same measure and label takes the copied value. Returns how many were copied.
   */
  copyWaveTargets(fromWaveId: string, toWaveId: string): Promise<number>;
  /** Sets when a wave closes (ends it at `at`); null when there is no such wave. */
  closeWave(id: string, at: Date): Promise<WaveRecord | null>;
  /**
   * Sets or clears when a wave closes (`null`: open-ended), e.g. to give a wave back the end it had
   * before a wave scheduled after it was cancelled.
   * @returns the wave as it is now, or null when there is no such wave
   */
  setWaveEnd(id: string, closesAt: Date | null): Promise<WaveRecord | null>;
  /**
   * Deletes a wave that has no responses (one transaction): its targets and spot checks go with
   * it, its suggestions stay without a wave. A wave with responses is kept (they belong to it).
   * @returns whether the wave was deleted (false: no such wave, or it has responses)
   */
  deleteWave(id: string): Promise<boolean>;
  /** How many responses each wave has in each status (waves without responses are left out). */
  responseCountsByWave(): Promise<{ waveId: string; status: ResponseRecord["status"]; count: number }[]>;
}

/** Dialogue sessions: what the runner loads before a turn and commits after it. */
export interface ConversationStore {
  /** The stored session state of a resident, or null before their first turn. */
  loadConversation(residentId: string): Promise<ConversationRecord | null>;
  /** True when this platform message was already handled. */
  isProcessed(platform: string, messageId: string): Promise<boolean>;
  /**
   * Commits one dialogue turn atomically: the inbound message id, the new session state and every
   * domain write. "duplicate": the message id was already handled, nothing written. "conflict":
   * the state moved on since it was read, nothing written (the caller reruns the turn).
   */
  commitTurn(turn: Turn): Promise<TurnOutcome>;
}

/** Survey responses, for statistics and exports. */
export interface ResponseStore {
  /** The response of a resident to a wave, with its answers, or null. */
  getResponse(residentId: string, waveId: string): Promise<ResponseRecord | null>;
  /** Responses of a wave (optionally only one status), with answers, oldest first. */
  listResponses(waveId: string, status?: ResponseRecord["status"]): Promise<ResponseRecord[]>;
  /** How many responses match (for progress bars and spot-check planning). */
  countResponses(query?: ResponseQuery): Promise<number>;
  /** How many responses match, per region id (null: responses without a region). */
  countResponsesByRegion(query?: ResponseQuery): Promise<{ regionId: string | null; count: number }[]>;
  /**
   * One page of responses with answers and region, in id order, after `afterId`. Exports and
   * statistics page through with this so that memory stays flat however many responses exist.
   */
  pageResponses(query: ResponseQuery, afterId: string | null, take: number): Promise<ResponseWithRegion[]>;
  /**
   * Every response matching `query` with answers and region, in id order, read in keyset pages
   * by plain SQL on a separate read-only connection ({@link BulkReader}): exports and statistics
   * of whole waves must not pay Prisma's per-row memory (see prisma/bulk-reader.ts).
   */
  streamResponses(query?: ResponseQuery, pageSize?: number): AsyncGenerator<ResponseWithRegion>;
}

/** Residents' suggestions and the office's handling of them. */
export interface SuggestionStore {
  /** Suggestions, newest first. */
  listSuggestions(filter?: { waveId?: string; since?: Date }): Promise<SuggestionRecord[]>;
  /** Suggestions matching a filter, newest first, one page (keyset paging by `cursor`). */
  querySuggestions(query?: SuggestionQuery): Promise<AdminSuggestionRecord[]>;
  /** How many suggestions match a filter (paging fields ignored). */
  countSuggestions(query?: SuggestionQuery): Promise<number>;
  /** One suggestion, or null. */
  getSuggestion(id: string): Promise<AdminSuggestionRecord | null>;
  /** Sets a suggestion's status and/or tags (audited); null when there is no such suggestion. */
  updateSuggestion(id: string, change: { status?: SuggestionStatus; tags?: readonly string[] }, actorId: string | null): Promise<AdminSuggestionRecord | null>;
  /** Every suggestion matching `query`, newest first, streamed like {@link SuggestionStore.streamResponses}. */
  streamSuggestions(query?: SuggestionQuery, pageSize?: number): AsyncGenerator<AdminSuggestionRecord>;
}

/** Spot checks of completed responses and their re-checks in chat. */
export interface SpotCheckStore {
  /**
   * Records drawn spot checks for a wave (audited). Responses already drawn for the wave keep
   * their first draw; returns how many were new.
   */
  createSpotChecks(input: { waveId: string; seed: string; method?: string; responseIds: readonly string[]; actorId?: string | null; now: Date }): Promise<{ created: number; existing: number }>;
  /** The spot checks of a wave, with the resident's shared phone number, in drawing order. */
  listSpotChecks(waveId: string): Promise<SpotCheckRecord[]>;
  /** Records a spot check's outcome (audited); null when there is no such spot check. */
  recordSpotCheck(id: string, input: { outcome: SpotCheckOutcomeValue; verifier?: string | null; notes?: string | null; actorId?: string | null; now: Date }): Promise<SpotCheckRecord | null>;
  /**
   * Asks for the re-check in chat of a wave's open `chat` spot checks not asked for yet (at most
   * `limit`, in drawing order); the running app's re-check service then asks them. Audited.
   */
  queueSpotCheckRechecks(input: { waveId: string; limit?: number; actorId?: string | null; now: Date }): Promise<{ queued: number; remaining: number }>;
  /** Re-checks in chat still to send, ask again or expire: queued or asked, on open spot checks. */
  listOpenRechecks(): Promise<OpenRecheckRecord[]>;
  /** The resident, accounts, answers and questionnaire behind an open re-check, or null. */
  getRecheckTarget(spotCheckId: string): Promise<RecheckTarget | null>;
  /**
   * Changes an open re-check's delivery bookkeeping (attempts, errors, deliveredAt …) while it is
   * in one of `statuses`; false when it is not (answered meanwhile, recorded by a verifier …).
   */
  updateSpotCheckRecheck(spotCheckId: string, statuses: readonly SpotCheckRecheckStatus[], patch: Partial<Omit<SpotCheckRecheck, "status" | "queuedAt" | "queuedBy">>): Promise<boolean>;
  /**
   * Closes an open re-check from outside a resident's turn: `expired` (outcome unreachable,
   * verifier "chat") or `skipped` (no outcome: a verifier may still call). Audited; false when it
   * was no longer open.
   */
  closeSpotCheckRecheck(spotCheckId: string, input: { status: "expired" | "skipped"; reason: string; notes: string; actorId?: string | null; now: Date }): Promise<boolean>;
}

/** Broadcasts, the outbox of their deliveries, read confirmations and tip quiz answers. */
export interface BroadcastStore {
  /** Creates a broadcast (a draft unless `status` says otherwise). */
  createBroadcast(input: { authorId: string | null; content: unknown; audience: unknown; status?: BroadcastStatus; scheduledAt?: Date | null; now: Date }): Promise<BroadcastRecord>;
  /** Replaces a draft's content and audience; null when it is no longer a draft. */
  updateDraft(id: string, change: { content?: unknown; audience?: unknown }): Promise<BroadcastRecord | null>;
  /** The broadcast with this id, or null. */
  getBroadcast(id: string): Promise<BroadcastRecord | null>;
  /** The newest draft of an author created at or after `since`, or null. */
  findDraft(authorId: string, since: Date): Promise<BroadcastRecord | null>;
  /** Deletes an author's drafts (a draft is the compose dialogue's scratch pad, never sent). */
  deleteDrafts(authorId: string): Promise<number>;
  /** Broadcasts, newest first, with delivery counts; only one author's when `authorId` is given. Drafts are left out. */
  listBroadcasts(filter?: { authorId?: string; limit?: number }): Promise<BroadcastSummary[]>;
  /** Delivery counts by status (and read) of each broadcast. */
  deliveryCounts(broadcastIds: readonly string[]): Promise<Map<string, DeliveryCounts>>;
  /** Moves a draft to `scheduled` for `at` (now or later), audited; null when it is not a draft. */
  scheduleBroadcast(id: string, at: Date, actorId: string | null, now: Date): Promise<BroadcastRecord | null>;
  /**
   * Cancels a scheduled or sending broadcast (audited): deliveries not yet attempted are marked
   * skipped at once; one being sent right now finishes. Null when it is already done or cancelled.
   */
  cancelBroadcast(id: string, actorId: string | null, now: Date): Promise<BroadcastRecord | null>;
  /** Scheduled broadcasts whose time has come, oldest first. */
  dueBroadcasts(now: Date, limit?: number): Promise<BroadcastRecord[]>;
  /**
   * The residents an audience reaches, with their accounts: one officer's households (in a
   * region subtree, when given), a region subtree (residents living, assigned or answering
   * there) or everyone; with `unfinishedWaveId`,
   * only those without a completed response to that wave. Staff and erased residents are left out.
   */
  audienceMembers(query: AudienceQuery): Promise<AudienceMember[]>;
  /**
   * Writes the outbox of a scheduled broadcast — one Delivery per recipient — and moves it to
   * `sending`, in one transaction: a crash leaves either no rows or all of them. False when the
   * broadcast is no longer scheduled (another sender got there first, or it was cancelled).
   */
  fanOutBroadcast(id: string, plans: readonly DeliveryPlan[], now: Date): Promise<boolean>;
  /**
   * Deliveries a sender should work on now, oldest first: pending ones of broadcasts being sent
   * whose time has come, and `sending` ones whose lease ran out (their send may or may not have
   * happened; see core/outreach/README.md). Only accounts on `platform` when given; residents in
   * `excludeResidentIds` are left out.
   */
  nextDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[] }): Promise<DeliveryJob[]>;
  /**
   * {@link nextDeliveries} for one of several senders sharing the outbox: the pending rows it
   * returns are reserved for `owner` until `until` (other senders' reads skip them; a dead
   * sender's reservations lapse then). `sending` rows whose lease ran out are returned as by
   * nextDeliveries (taking one over is a conditional write of its own).
   */
  reserveDeliveries(input: { now: Date; limit: number; platform?: string; excludeResidentIds?: readonly string[]; owner: string; until: Date }): Promise<DeliveryJob[]>;
  /** Gives back the pending rows `owner` reserved (it is stopping); the number released. */
  releaseDeliveryReservations(owner: string): Promise<number>;
  /**
   * Claims a pending delivery for sending, right before the platform call: committed first, so
   * that after a crash the row says "may have been sent". `owner` (the sender process) renews
   * the lease while it lives ({@link renewDeliveryLeases}). Refused (false) when the row is no
   * longer pending or the resident has another delivery being sent (one at a time per resident).
   */
  claimDelivery(id: string, input: { leaseUntil: Date; owner?: string }): Promise<boolean>;
  /** Extends the lease of every `sending` delivery of `owner` (its heartbeat), and the rows it reserved; the number renewed. */
  renewDeliveryLeases(owner: string, leaseUntil: Date): Promise<number>;
  /**
   * A `sending` delivery whose lease ran out by `now` (its sender died during the call) goes
   * back to `pending`, marked possibly duplicated: it is sent again. False when it is not such a row.
   */
  recoverDelivery(id: string, now: Date): Promise<boolean>;
  /**
   * Records what became of a delivery that was `from` (default `sending`); false when it had
   * moved on meanwhile (nothing written). A blocked outcome also marks the account unreachable.
   */
  settleDelivery(id: string, outcome: DeliverySettlement, now: Date, from?: "pending" | "sending"): Promise<boolean>;
  /**
   * Web chat delivery, atomic with the outbox: the push goes into the resident's web inbox and
   * the delivery is marked sent in one transaction. False when the delivery was not pending.
   */
  deliverToWebInbox(deliveryId: string, item: { sessionId: string; residentId: string; lang: string; messages: unknown[] }, now: Date): Promise<boolean>;
  /** The message ids of the newest deliveries sent to an account, newest first. */
  sentMessageIds(identityId: string, limit?: number): Promise<string[]>;
  /** Moves a pending delivery's next attempt (e.g. the chat's own rate limit); false when it is not pending. */
  deferDelivery(id: string, until: Date): Promise<boolean>;
  /** Marks `sending` broadcasts with nothing left to send as done; returns their ids. */
  finishBroadcasts(now: Date): Promise<string[]>;
  /**
   * A resident confirmed reading a delivery ("I've read it ✓"). A delivery still `sending` is
   * thereby proven sent. "unknown": no such delivery of this resident.
   */
  markDeliveryRead(deliveryId: string, residentId: string, now: Date): Promise<{ outcome: "read" | "already" | "unknown"; broadcastId: string | null }>;
  /** Marks the newest unread delivery sent to a resident at or after `since` as read; its id, or null when there is none. */
  markLatestDeliveryRead(residentId: string, since: Date, now: Date): Promise<string | null>;
  /** Stored quiz answers (one per resident and tip: the first), oldest first. */
  listTipQuizAnswers(filter?: { since?: Date; until?: Date; tipIds?: readonly string[] }): Promise<TipQuizAnswerRecord[]>;
}

/** Pushes waiting for a web chat page that is not open. */
export interface WebInboxStore {
  /** Keeps a push for a web session whose page is closed. */
  putWebInbox(item: { sessionId: string; residentId?: string | null; lang: string; messages: unknown[]; now: Date }): Promise<void>;
  /**
   * Removes and returns up to `limit` waiting pushes of a web session, oldest first. Each item is
   * deleted on its own, so two pages opening at once never both get the same one.
   */
  takeWebInbox(sessionId: string, limit: number): Promise<WebInboxRecord[]>;
}

/** Leaflets' short links (/q/<code>), one per officer and region (core/outreach/leaflet-links.ts). */
export interface LeafletLinkStore {
  /**
   * The short code of an officer's leaflet in a region: the one stored, else `code`, stored now.
   * Null when `code` already stands for another leaflet (the caller draws another).
   */
  leafletLinkCode(input: { officerId: string; regionCode: string; code: string; now: Date }): Promise<string | null>;
  /** The officer and region a stored short code stands for, or null. */
  leafletLinkTarget(code: string): Promise<{ officerId: string; regionCode: string } | null>;
}

/** Residents' consent to notices outside the reply window (template and subscription messages). */
export interface NoticeConsentStore {
  /** Records a consent given or withdrawn (one record per account and kind, the latest change kept); null when the account does not exist. */
  setNoticeConsent(change: NoticeConsentChange): Promise<NoticeConsentRecord | null>;
  /** The account's consent to `kind`, or null when it was never asked. */
  noticeConsent(identityId: string, kind: NoticeKind): Promise<NoticeConsentRecord | null>;
  /** Every consent record of a resident's accounts. */
  noticeConsentsOf(residentId: string): Promise<NoticeConsentRecord[]>;
}

/** Cases residents reported and their progress notes. */
export interface CaseStore {
  /**
   * Registers a case with status "received" and its first update, in one transaction; the case
   * takes the reporter's region. Null when the code is taken (draw another).
   */
  createCase(input: { code: string; reporterId: string | null; officerId: string | null; title: string; note?: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null>;
  /** The case with this code, or null. */
  getCaseByCode(code: string): Promise<CaseWithLatest | null>;
  /**
   * Posts a progress update: the case takes the new status (closedAt set on closing, cleared on
   * reopening; an unassigned case gets the author as its officer) and the update is recorded
   * undelivered, in one transaction. Null when there is no such case.
   */
  addCaseUpdate(input: { code: string; status: CaseStatus; note: string | null; authorId: string | null; now: Date }): Promise<{ case: CaseRecord; update: CaseUpdateRecord } | null>;
  /** A resident's cases with their newest update, newest case first. */
  listCasesOfReporter(reporterId: string, limit?: number): Promise<CaseWithLatest[]>;
  /** Cases matching `query`, newest first. */
  listCases(query?: CaseQuery): Promise<CaseRecord[]>;
  /**
   * Updates not yet delivered to a reporter (created at or after `since`), oldest first, with
   * their case. Cases without a reporter (erased, or registered for nobody) have no one to tell.
   */
  pendingCaseUpdates(filter?: { since?: Date; limit?: number }): Promise<{ update: CaseUpdateRecord; case: CaseRecord }[]>;
  /** Records that an update reached its reporter (first delivery wins). */
  markCaseUpdateDelivered(updateId: string, at: Date): Promise<void>;
}

/**
 * Field work: households, visits, officer-administered interviews, field re-checks and the
 * coverage they add up to. Every write is audited; writes carrying a client id are idempotent.
 */
export interface FieldStore {
  /**
   * Adds or updates households in one transaction (an import). A row whose village already has a
   * household at the same address (compared trimmed, case- and width-insensitively) updates its
   * head, phone and officer; otherwise it is added. Refuses (throws FieldRequestError, nothing
   * stored) an unknown region code or officer. With `dryRun` it rolls back and only reports.
   */
  importHouseholds(rows: readonly HouseholdInput[], options: { actorId: string | null; dryRun?: boolean; now: Date }): Promise<{ added: number; updated: number; unchanged: number }>;
  /**
   * Adds one household (an officer on the phone). The same address in the same village again is
   * `created: false` with the stored household when it is the same officer's, and refused
   * (`duplicate-address`) when it is another's.
   */
  addHousehold(input: HouseholdInput & { actorId: string | null; now: Date }): Promise<{ household: HouseholdRecord; created: boolean }>;
  /** The household with this id, or null. */
  getHousehold(id: string): Promise<HouseholdRecord | null>;
  /** Households matching the query (officer, region subtree), by region code then address. */
  listFieldHouseholds(query?: FieldQuery): Promise<HouseholdRecord[]>;
  /** The household a resident is linked to, or null. */
  householdOfResident(residentId: string): Promise<HouseholdRecord | null>;
  /**
   * Links a resident (chat account) to a household, or unlinks it (null); a resident is linked to
   * at most one household (linking moves them). Audited; null when there is no such household.
   */
  linkHouseholdResident(householdId: string, residentId: string | null, actorId: string | null): Promise<HouseholdRecord | null>;
  /**
   * Erases a household (an admin on request, or with its linked resident's data): its visits and
   * its interviewer responses go with it, self responses lose the link. Audited without the
   * address. False when there is no such household.
   */
  eraseHousehold(id: string, actorId: string | null): Promise<boolean>;
  /**
   * Stores a visit by its client id: new (`stored`), the same content again (`duplicate`), or a
   * change by its author within {@link VISIT_EDIT_WINDOW_MS} of first storing (`updated`, audited
   * with the previous values). Throws FieldRequestError: `unknown-household`, `not-yours` (another
   * officer's household or visit), `too-late` (edit window over).
   */
  saveVisit(input: VisitInput & { officerId: string; now: Date }): Promise<{ visit: VisitRecord; outcome: "stored" | "updated" | "duplicate" }>;
  /** Visits matching the query, newest first (at most `limit`, default 1000), with their household. */
  listVisits(query?: FieldQuery & { limit?: number }): Promise<VisitWithHousehold[]>;
  /** Every visit matching the query, oldest first, read in keyset pages (exports). */
  streamVisits(query?: FieldQuery): AsyncGenerator<VisitWithHousehold>;
  /**
   * Stores an officer-administered interview as a completed response with mode `interviewer`,
   * the officer and the household (and links it to its visit), in one transaction; idempotent by
   * (officer, client id). One response per household and wave across both modes.
   */
  storeInterview(input: InterviewInput & { now: Date }): Promise<InterviewOutcome>;
  /** One row per household of every officer and admin (dwellings, and chat-only assignments): see {@link FieldCoverageRow}. */
  fieldCoverageRows(query?: FieldCoverageQuery): Promise<FieldCoverageRow[]>;
  /** The spot checks drawn with method `visit` (one wave, or every wave), with what a verifier needs at the door. */
  listFieldRechecks(filter?: { waveId?: string }): Promise<FieldRecheckRecord[]>;
}

/** What the outreach figures read (core/admin/outreach-figures.ts). Both methods return every row (no filter, no paging contract): the volumes are one row per closed case and one per resident and tip, and filtering in the core keeps every implementation trivially equivalent. */
export interface OutreachFiguresReader {
  /** Every closed case's rating (null when not rated) and the path of its region. */
  listClosedCaseRatings(): Promise<ClosedCaseRating[]>;
  /** Every stored (first) quiz answer with the path of the resident's region. */
  listFirstQuizAnswers(): Promise<FirstQuizAnswer[]>;
}

/** Reminders to residents who started the survey and did not finish (core/outreach/reminders.ts). */
export interface ReminderStore {
  /**
   * Responses that may be due for their reminder: in progress, answered by a resident themselves
   * (not staff, not erased) to wave `waveId`, started and last answered at or before `idleSince`,
   * with no reminder yet; in response id order after `afterId`, at most `limit`.
   */
  reminderCandidates(input: { waveId: string; idleSince: Date; afterId?: string | null; limit: number }): Promise<ReminderCandidate[]>;
  /**
   * Records the response's one reminder and, when `queued`, its outbox row (a one-recipient
   * broadcast of kind `reminder`, already sending, with `content`), in one transaction. False,
   * and nothing written, when the response has a reminder already (another run or process
   * recorded it first: the database refuses a second) or is no longer in progress.
   */
  recordReminder(input: { responseId: string; residentId: string; status: ReminderStatus; identityId: string | null; content: unknown; now: Date }): Promise<boolean>;
  /**
   * Marks in-progress responses of residents started and last answered at or before
   * `idleSince` as abandoned; how many. They stay resumable: the next answer makes one in
   * progress again (the turn's commit), completing it makes it completed.
   */
  abandonIdleResponses(idleSince: Date): Promise<number>;
  /** The reminders of one wave's responses (in a region subtree), counted. */
  reminderFigures(query: ReminderFigureQuery): Promise<ReminderFigureCounts>;
}

/** Alerts (core/insight/alerts.ts): each raised once, with its audit entry and its chat message in the outbox. */
export interface AlertStore {
  /**
   * Records an alert, audits it (`alert.raise`) and, when there is a message, writes it as a
   * broadcast being sent with one outbox row per recipient, all in one transaction. Null, and
   * nothing written, when an alert with this key exists (another run or process raised it).
   */
  raiseAlert(input: { alert: NewAlert; message: AlertMessage | null; now: Date }): Promise<AlertRecord | null>;
  /** Which of `keys` are recorded already. */
  existingAlertKeys(keys: readonly string[]): Promise<Set<string>>;
  /** Alerts not acknowledged yet, newest first; only these kinds when given. */
  listOpenAlerts(filter?: { kinds?: readonly AlertKind[]; limit?: number }): Promise<AlertRecord[]>;
  /** Acknowledges an open alert (audited `alert.acknowledge`); null when there is no such alert or it was acknowledged already. */
  acknowledgeAlert(id: string, actorId: string | null, now: Date): Promise<AlertRecord | null>;
}

/** The audit trail of staff actions. */
export interface AuditLog {
  /** Appends to the audit log. */
  audit(actorId: string | null, action: string, target: string | null, details?: Record<string, unknown>): Promise<void>;
  /** The newest audit entries. */
  listAudit(limit?: number): Promise<{ actorId: string | null; action: string; target: string | null; details: unknown; at: Date }[]>;
}

/**
 * What exports read: the read operations that both the Prisma store and the plain-SQL reader of
 * CLI exports (prisma/bulk-reader.ts) provide, so that a CLI export can run without loading
 * Prisma at all (memory: see bench/export.ts). The outreach figures' two reads included.
 */
export interface ExportSource extends OutreachFiguresReader {
  listWaves(): Promise<WaveRecord[]>;
  currentWave(now: Date): Promise<WaveRecord | null>;
  getQuestionnaireById(id: string): Promise<QuestionnaireRecord | null>;
  listRegions(): Promise<RegionRecord[]>;
  getRegionByCode(code: string): Promise<RegionRecord | null>;
  countResponses(query?: ResponseQuery): Promise<number>;
  countResponsesByRegion(query?: ResponseQuery): Promise<{ regionId: string | null; count: number }[]>;
  streamResponses(query?: ResponseQuery): AsyncGenerator<ResponseWithRegion>;
  countSuggestions(query?: SuggestionQuery): Promise<number>;
  streamSuggestions(query?: SuggestionQuery): AsyncGenerator<AdminSuggestionRecord>;
  waveTargets(waveId: string): Promise<{ measureId: string; label: string; value: number }[]>;
  listSpotChecks(waveId: string): Promise<SpotCheckRecord[]>;
}

/** Which database a store runs on. */
export type StoreProvider = "sqlite" | "postgresql";

/** The store's own life cycle. */
export interface StoreLifecycle {
  /** Which backend this store runs on. */
  readonly provider: StoreProvider;
  /** Throws when the database does not answer. */
  health(): Promise<void>;
  /** Closes the connection(s). */
  close(): Promise<void>;
}

/** Every port in one: what the composition root opens and hands to the parts of the core. */
export interface Store
  extends StoreLifecycle,
    ResidentStore,
    StaffStore,
    RegionStore,
    SurveyStore,
    ConversationStore,
    ResponseStore,
    SuggestionStore,
    SpotCheckStore,
    BroadcastStore,
    WebInboxStore,
    LeafletLinkStore,
    CaseStore,
    NoticeConsentStore,
    ReminderStore,
    FieldStore,
    OutreachFiguresReader,
    AlertStore,
    AuditLog {}
