/**
 * The dashboard's Waves page: every survey wave, newest first, with its status, response counts
 * and targets; "Close now" for a running wave, "Cancel" for a scheduled one; a form to open the
 * next wave; the targets of one wave to set and remove. Plain HTML forms, no script (like every
 * admin page). Times shown and typed are office time (OFFICE_TIME_ZONE, named on the page), as
 * `anxin wave list` prints them.
 */
import type { QuestionnaireRecord } from "../../core/model/index.js";
import type { Lang } from "../../core/engine/types.js";
import { at } from "../../core/admin/i18n.js";
import { measureName, type AdminMeasure } from "../../core/admin/measures.js";
import { formatTargetValue, targetScale, TARGET_LABEL_MAX } from "../../core/admin/targets.js";
import type { WaveSummary } from "../../core/admin/waves.js";
import { html, trusted, type SafeHtml } from "./html.js";
import { layout, pageTime, selectOptions, zoneOf, type PageContext } from "./pages.js";

/** A target as the store keeps it (rates as proportions). */
export interface WaveTargetRecord {
  measureId: string;
  label: string;
  value: number;
}

/** One wave of the page: its summary, its targets and the measures of its questionnaire that take targets. */
export interface WaveEntry {
  summary: WaveSummary;
  targets: WaveTargetRecord[];
  measures: AdminMeasure[];
}

/** What the open form was sent with (shown again after a refusal). */
export interface OpenWaveFormValues {
  questionnaire?: string | undefined;
  name?: string | undefined;
  opens?: string | undefined;
  closes?: string | undefined;
  offset?: string | undefined;
  copyTargets: boolean;
}

/** What the target form was sent with (shown again after a refusal). */
export interface TargetFormValues {
  measure?: string;
  label?: string;
  value?: string;
}

/** Everything the Waves page shows. */
export interface WavesPageInput {
  waves: WaveEntry[];
  /** Stored questionnaire versions to open a wave on. */
  questionnaires: QuestionnaireRecord[];
  /** "key@version" preselected in the open form: the newest version of the current wave's questionnaire. */
  defaultQuestionnaire?: string | undefined;
  /** The wave whose targets can be set and removed (default: the current wave, else the newest). */
  selected: WaveEntry | null;
  openForm?: OpenWaveFormValues;
  targetForm?: TargetFormValues;
  /** What a change did, one line each. */
  notice?: string[];
  /** Why a change was refused (framed as "refused, nothing was changed"). */
  error?: string;
}

function targetText(entry: WaveEntry, target: WaveTargetRecord, lang: Lang): string {
  const measure = entry.measures.find((m) => m.spec.id === target.measureId);
  return `${target.label} ${measure ? measureName(measure, lang) : target.measureId} = ${formatTargetValue(measure, target.value)}`;
}

/** Targets in the order of the questionnaire's measures, then by label. */
function sortedTargets(entry: WaveEntry): WaveTargetRecord[] {
  const order = (id: string): number => {
    const i = entry.measures.findIndex((m) => m.spec.id === id);
    return i < 0 ? entry.measures.length : i;
  };
  return [...entry.targets].sort((a, b) => order(a.measureId) - order(b.measureId) || a.measureId.localeCompare(b.measureId) || a.label.localeCompare(b.label));
}

function wavesTable(ctx: PageContext, waves: readonly WaveEntry[]): SafeHtml {
  const { lang } = ctx;
  if (waves.length === 0) return html`<p class="muted" id="waves-none">${at(lang, "waves.none")}</p>`;
  return html`<table class="list" id="waves-table"><thead><tr><th>${at(lang, "waves.name")}</th><th>${at(lang, "waves.questionnaire")}</th><th>${at(lang, "waves.opens")}</th><th>${at(lang, "waves.closes")}</th><th>${at(lang, "waves.status")}</th><th class="num">${at(lang, "overview.completed")}</th><th class="num">${at(lang, "overview.in_progress")}</th><th class="num">${at(lang, "overview.abandoned")}</th><th>${at(lang, "waves.targets")}</th><th>${at(lang, "waves.actions")}</th></tr></thead><tbody>
${waves.map((entry) => {
  const { wave, status, counts } = entry.summary;
  return html`<tr data-wave="${wave.id}" class="wave-${status}"><th scope="row">${wave.name}<br><span class="muted wave-id">${wave.id}</span></th>
<td>${wave.questionnaireKey} v${wave.questionnaireVersion}</td><td class="date">${pageTime(ctx, wave.opensAt)}</td><td class="date">${wave.closesAt ? pageTime(ctx, wave.closesAt) : at(lang, "waves.open_ended")}</td>
<td><span class="status wave-${status}">${at(lang, `waves.status_${status}`)}</span></td>
<td class="num">${counts.completed}</td><td class="num">${counts.inProgress}</td><td class="num">${counts.abandoned}</td>
<td class="wave-targets">${sortedTargets(entry).map((t) => html`<span class="target-item">${targetText(entry, t, lang)}</span>`)}</td>
<td class="actions">${
    // A scheduled wave cannot close before it opens (the service refuses): it can be cancelled instead.
    status === "closed"
      ? ""
      : status === "scheduled"
        ? html`<form method="post" action="/admin/waves/${wave.id}/cancel?lang=${lang}" class="inline cancel-wave"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" title="${at(lang, "waves.cancel_hint")}">${at(lang, "waves.cancel")}</button></form>`
        : html`<form method="post" action="/admin/waves/${wave.id}/close?lang=${lang}" class="inline close-wave"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button type="submit" title="${at(lang, "waves.close_hint")}">${at(lang, "waves.close_now")}</button></form>`
  }<a href="/admin/waves?lang=${lang}&amp;wave=${wave.id}#targets">${at(lang, "waves.edit_targets")}</a></td></tr>`;
})}
</tbody></table>`;
}

function openForm(ctx: PageContext, input: WavesPageInput): SafeHtml {
  const { lang } = ctx;
  const f: OpenWaveFormValues = input.openForm ?? { copyTargets: true };
  const questionnaires = input.questionnaires.map((q) => ({ value: `${q.key}@${q.version}`, label: `${q.key} v${q.version} — ${q.title}` }));
  const options = questionnaires.length > 0 ? questionnaires : [{ value: "", label: at(lang, "waves.questionnaire_bundled") }];
  return html`<section class="card" id="open-wave"><h2>${at(lang, "waves.open_title")}</h2>
<form method="post" action="/admin/waves/open?lang=${lang}" class="filters" id="open-wave-form"><input type="hidden" name="_csrf" value="${ctx.csrf}">
<label>${at(lang, "waves.questionnaire")} <select name="questionnaire">${selectOptions(options, f.questionnaire ?? input.defaultQuestionnaire)}</select></label>
<label>${at(lang, "waves.name")} <input name="name" value="${f.name ?? ""}" maxlength="200" placeholder="${at(lang, "waves.name_hint")}" size="28"></label>
<label>${at(lang, "waves.opens")} <input name="opens" type="datetime-local" value="${f.opens ?? ""}"><small>${at(lang, "waves.opens_hint")}</small></label>
<label>${at(lang, "waves.closes")} <input name="closes" type="datetime-local" value="${f.closes ?? ""}"><small>${at(lang, "waves.closes_hint")}</small></label>
<p class="note muted" id="offset-note">${at(lang, "waves.offset_note", { zone: zoneOf(ctx) })}</p>
<label class="check"><input type="checkbox" name="copyTargets" value="1"${f.copyTargets ? trusted(" checked") : ""}> ${at(lang, "waves.copy_targets")}</label>
<button type="submit">${at(lang, "waves.open_submit")}</button>
</form></section>`;
}

function targetsSection(ctx: PageContext, input: WavesPageInput): SafeHtml {
  const { lang } = ctx;
  const entry = input.selected;
  if (!entry) return html``;
  const wave = entry.summary.wave;
  const f = input.targetForm ?? {};
  const back = `lang=${lang}&wave=${encodeURIComponent(wave.id)}`;
  const targets = sortedTargets(entry);
  return html`<section class="card" id="targets"><h2>${at(lang, "waves.targets_title", { name: wave.name })}</h2>
<form method="get" action="/admin/waves" class="filters" id="target-wave"><input type="hidden" name="lang" value="${lang}">
<label>${at(lang, "filters.wave")} <select name="wave">${selectOptions(
    input.waves.map((w) => ({ value: w.summary.wave.id, label: `${w.summary.wave.name} (${at(lang, `waves.status_${w.summary.status}`)})` })),
    wave.id,
  )}</select></label><button type="submit">${at(lang, "app.apply")}</button></form>
<p class="muted">${at(lang, "waves.targets_hint")}</p>
${
  targets.length === 0
    ? html`<p class="muted" id="targets-none">${at(lang, "app.none")}</p>`
    : html`<table class="list" id="targets-table"><thead><tr><th>${at(lang, "waves.target_label")}</th><th>${at(lang, "waves.target_measure")}</th><th class="num">${at(lang, "waves.target_value")}</th><th>${at(lang, "waves.actions")}</th></tr></thead><tbody>
${targets.map((t) => {
  const measure = entry.measures.find((m) => m.spec.id === t.measureId);
  return html`<tr><th scope="row">${t.label}</th><td>${measure ? measureName(measure, lang) : ""} <span class="muted">${t.measureId}</span></td><td class="num">${formatTargetValue(measure, t.value)}</td>
<td><form method="post" action="/admin/waves/targets/delete?${back}" class="inline remove-target"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="wave" value="${wave.id}"><input type="hidden" name="measure" value="${t.measureId}"><input type="hidden" name="label" value="${t.label}"><button type="submit">${at(lang, "waves.target_remove")}</button></form></td></tr>`;
})}</tbody></table>`
}
${
  entry.measures.length === 0
    ? html`<p class="muted">${at(lang, "waves.no_measures")}</p>`
    : html`<form method="post" action="/admin/waves/targets?${back}" class="filters" id="target-form"><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="hidden" name="wave" value="${wave.id}">
<label>${at(lang, "waves.target_measure")} <select name="measure">${selectOptions(
        entry.measures.map((m) => {
          const scale = targetScale(m);
          return { value: m.spec.id, label: `${measureName(m, lang)} (${scale.percent ? "%" : `${scale.min}–${scale.max}`})` };
        }),
        f.measure,
      )}</select></label>
<label>${at(lang, "waves.target_label")} <input name="label" value="${f.label ?? ""}" maxlength="${TARGET_LABEL_MAX}" placeholder="${at(lang, "waves.target_label_hint")}" size="10" required></label>
<label>${at(lang, "waves.target_value")} <input name="value" type="number" step="any" value="${f.value ?? ""}" size="8" required></label>
<button type="submit">${at(lang, "waves.target_set")}</button></form>`
}
</section>`;
}

/** The Waves page. */
export function wavesPage(ctx: PageContext, input: WavesPageInput): string {
  const { lang } = ctx;
  const body = html`<h1>${at(lang, "waves.title")}</h1>
${input.error ? html`<p class="notice error" role="alert" id="wave-error">${at(lang, "waves.refused", { message: input.error })}</p>` : ""}
${input.notice && input.notice.length > 0 ? html`<div class="notice" role="status" id="wave-notice">${input.notice.map((line) => html`<p>${line}</p>`)}</div>` : ""}
<p class="muted">${at(lang, "waves.intro", { zone: zoneOf(ctx) })}</p>
${wavesTable(ctx, input.waves)}
${openForm(ctx, input)}
${targetsSection(ctx, input)}`;
  return layout({ ...ctx, active: "waves" }, at(lang, "waves.title"), body);
}
