/**
 * Survey waves and their targets, as admins read and change them from the dashboard, its API and
 * the CLI. The rules live in core/admin/waves.ts and targets.ts; this is where a change is also
 * written to the audit log, so that every surface records it alike and only `via` tells them apart.
 */
import type { QuestionnaireRecord, WaveRecord } from "../model/index.js";
import type { AdminMeasure } from "./measures.js";
import { resolveWave, waveMeasures } from "./stats-service.js";
import { checkStoredTarget, checkTypedTarget } from "./targets.js";
import {
  cancelledAuditDetails,
  cancelWave,
  closeWave,
  listWaveSummaries,
  openedAuditDetails,
  openWave,
  type CancelledWave,
  type CancelWaveRequest,
  type ClosedWave,
  type CloseWaveRequest,
  type OpenedWave,
  type OpenWaveRequest,
  type WaveSummary,
} from "./waves.js";
import type { AdminActor, AdminContext } from "./service-context.js";

/** Survey waves: reading them, and opening, closing and cancelling one (audited). */
export class WaveService {
  constructor(private readonly ctx: AdminContext) {}

  /** Every wave, newest first. */
  list(): Promise<WaveRecord[]> {
    return this.ctx.store.listWaves();
  }

  /** The wave with exactly this id, if any: unlike {@link resolve}, a name does not do and there is no default. */
  async byId(id: string): Promise<WaveRecord | undefined> {
    return (await this.ctx.store.listWaves()).find((w) => w.id === id);
  }

  /**
   * The wave a request means: the given id or name, else the one open at `at`, else the newest;
   * null when `ref` names none.
   */
  resolve(ref: string | undefined, at: Date = this.ctx.now()): Promise<WaveRecord | null> {
    return resolveWave(this.ctx.store, ref, at);
  }

  /** Every wave with its status at `at` and its response and target counts, newest first. */
  summaries(at: Date = this.ctx.now()): Promise<WaveSummary[]> {
    return listWaveSummaries(this.ctx.store, at);
  }

  /** Every stored questionnaire version (what a wave can be opened on). */
  questionnaires(): Promise<QuestionnaireRecord[]> {
    return this.ctx.store.listQuestionnaires();
  }

  /** The measures of a wave's questionnaire, derived with the service's settings. */
  async measures(wave: WaveRecord): Promise<AdminMeasure[]> {
    return (await waveMeasures(this.ctx.store, wave, this.ctx.settings)).measures;
  }

  /**
   * Opens (or schedules) a wave and audits it (`wave.open`).
   * @throws WaveError when the request cannot be met; nothing is changed or audited then
   */
  async open(request: OpenWaveRequest, actor: AdminActor): Promise<OpenedWave> {
    const opened = await openWave(this.ctx.store, request, this.ctx.now(), this.ctx.timeZone);
    await this.ctx.store.audit(actor.id, "wave.open", opened.wave.id, { ...openedAuditDetails(opened), via: actor.via });
    return opened;
  }

  /**
   * Closes a wave now or at `request.at` and audits it (`wave.close`, with the close time).
   * @throws WaveError when it cannot be closed
   */
  async close(request: CloseWaveRequest, actor: AdminActor): Promise<ClosedWave> {
    const now = this.ctx.now();
    const closed = await closeWave(this.ctx.store, request, now, this.ctx.timeZone);
    const w = closed.wave;
    await this.ctx.store.audit(actor.id, "wave.close", w.id, { name: w.name, closesAt: (w.closesAt ?? now).toISOString(), via: actor.via });
    return closed;
  }

  /**
   * Cancels a wave that has not opened yet and audits it (`wave.cancel`, with the waves that got their end back).
   * @throws WaveError when it cannot be cancelled
   */
  async cancel(request: CancelWaveRequest, actor: AdminActor): Promise<CancelledWave> {
    const cancelled = await cancelWave(this.ctx.store, request, this.ctx.now(), this.ctx.timeZone);
    await this.ctx.store.audit(actor.id, "wave.cancel", cancelled.wave.id, { ...cancelledAuditDetails(cancelled), via: actor.via });
    return cancelled;
  }
}

/** A target as asked for: a measure id, a label and a value. */
export interface TargetInput {
  measure: string;
  label: string;
  value: number;
}

/** A target that passed the checks: its measure, the trimmed label and the value as stored. */
export interface CheckedTarget {
  measure: AdminMeasure;
  label: string;
  value: number;
}

/**
 * How a target's value was given: `stored` as the store keeps it (rates as proportions 0–1: the
 * JSON API and the CLI), `typed` as the Waves page takes it (rates as percentages).
 */
export type TargetValueKind = "stored" | "typed";

/** The targets (comparison figures) of a wave: reading, setting and removing them (audited). */
export class TargetService {
  constructor(private readonly ctx: AdminContext) {}

  /** The targets of a wave, rates as proportions. */
  list(waveId: string): Promise<{ measureId: string; label: string; value: number }[]> {
    return this.ctx.store.waveTargets(waveId);
  }

  /**
   * Checks a target against the wave's measures (a targetable measure, a label, a value in range),
   * stores it and audits it (`target.set`).
   * @throws TargetError when the check fails; nothing is stored or audited then
   */
  async set(wave: WaveRecord, input: TargetInput, kind: TargetValueKind, actor: AdminActor): Promise<CheckedTarget> {
    const { measures } = await waveMeasures(this.ctx.store, wave, this.ctx.settings);
    const target = kind === "typed" ? checkTypedTarget(measures, input) : checkStoredTarget(measures, input);
    await this.ctx.store.setWaveTarget(wave.id, target.measure.spec.id, target.label, target.value);
    await this.ctx.store.audit(actor.id, "target.set", wave.id, { measure: target.measure.spec.id, label: target.label, value: target.value, via: actor.via });
    return target;
  }

  /**
   * Removes one target of a wave and audits it (`target.delete`).
   * @returns whether there was such a target (nothing is audited when there was not)
   */
  async remove(wave: WaveRecord, target: { measure: string; label: string }, actor: AdminActor): Promise<boolean> {
    if (!(await this.ctx.store.deleteWaveTarget(wave.id, target.measure, target.label))) return false;
    await this.ctx.store.audit(actor.id, "target.delete", wave.id, { measure: target.measure, label: target.label, via: actor.via });
    return true;
  }
}
