/*
 * Anxin officers' phone page (/field), offline first: the app shell (chrome, status bar, routing)
 * and the households list, the add-household form, field re-checks and refused records. A
 * household's own screens are field-household.js, the interview field-interview.js, and what is
 * kept and synced field-store.js. The contract with the server is docs/field-api.md.
 * Server text only ever goes into textContent: nothing received becomes markup.
 */
import { LANG_KEY, RECHECK_OUTCOMES, SPOT_OUTCOMES, S, $, add, attempt, badges, choice, field, h, lock, newId, screen, showTime, t, view, waitBadge } from "./field-common.js";
import { belongs, households, load, loadOwner, localRecheck, record, refresh, requestSync, save, sync, waitingCount } from "./field-store.js";
import { renderHouseholdRoute } from "./field-household.js";
import { renderInterview } from "./field-interview.js";

function applyChrome() {
  document.documentElement.lang = S.lang;
  document.title = t("page.title");
  $("brand").textContent = t("page.brand");
  $("lang-label").textContent = t("page.language");
  $("lang").value = S.lang;
  $("nav").setAttribute("aria-label", t("nav.main"));
  $("nav-households").textContent = t("nav.households");
  const open = S.boot ? S.boot.rechecks.filter((r) => !r.outcome && !localRecheck(r.spotCheckId)).length : 0;
  $("nav-rechecks").textContent = open ? `${t("nav.rechecks")} (${open})` : t("nav.rechecks");
  $("status").setAttribute("aria-label", t("status.bar"));
}

// ------------------------------------------------------------------ status bar

export function renderStatus() {
  const bar = $("status");
  const waiting = waitingCount();
  const online = navigator.onLine;
  bar.hidden = !S.boot;
  bar.setAttribute("data-online", String(online));
  bar.setAttribute("data-waiting", String(waiting));
  bar.setAttribute("data-refused", String(S.refused.length));
  $("net").textContent = t(online ? "status.online" : "status.offline");
  $("waiting").textContent = t("status.waiting", { count: waiting });
  const refused = $("refused");
  refused.hidden = S.refused.length === 0;
  refused.textContent = t("status.refused", { count: S.refused.length });
  const button = $("sync");
  button.textContent = t(S.syncing ? "status.syncing" : "status.sync");
  button.disabled = S.syncing || !online;
  $("sync-note").textContent = S.signedOut ? t("status.signed_out") : S.note;
  applyChrome();
}

// ------------------------------------------------------------------ screens

/** Re-renders the current screen; `passive` (new data arrived) leaves forms and the interview alone so nothing typed is lost. */
export function render(passive) {
  renderStatus();
  if (!S.boot) return;
  const route = location.hash.replace(/^#/, "") || "/";
  const parts = route.split("/");
  const screen = route === "/" ? "households" : parts[1] || "households";
  const isForm = screen === "add" || screen === "interview" || screen === "rechecks" || (screen === "h" && (parts[3] === "visit" || parts[3] === "edit"));
  if (passive && isForm && document.body.getAttribute("data-route") === route) return;
  document.body.setAttribute("data-route", route);
  document.body.setAttribute("data-screen", screen);
  $("nav").hidden = false;
  $("nav-households").setAttribute("aria-current", screen === "rechecks" ? "false" : "page");
  $("nav-rechecks").setAttribute("aria-current", screen === "rechecks" ? "page" : "false");
  const focusSearch = passive && document.activeElement && document.activeElement.id === "search";
  view.replaceChildren();
  const part = (i) => attempt(() => decodeURIComponent(parts[i] || "")) ?? "";
  if (screen === "h") renderHouseholdRoute(part(2), parts[3], part(4));
  else if (screen === "add") renderAddForm();
  else if (screen === "interview") renderInterview();
  else if (screen === "rechecks") renderRechecks();
  else if (screen === "refused") renderRefused();
  else renderHouseholds();
  if (focusSearch) $("search").focus();
  if (!passive) view.focus({ preventScroll: true });
}

export function showSignIn(message) {
  document.body.setAttribute("data-screen", "signin");
  applyChrome();
  const card = h("section", { class: "card signin", role: "alert" }, h("h2", { text: t("signin.title") }), h("p", { text: t("signin.body") }), message ? h("p", { class: "muted", text: message }) : null);
  view.replaceChildren(add(card, h("a", { class: "button", href: "/web", text: t("signin.chat") })));
}

function showFirstOffline() {
  document.body.setAttribute("data-screen", "first-offline");
  applyChrome();
  view.replaceChildren(h("section", { class: "card", role: "alert" }, h("p", { text: t("page.first_offline") }), h("button", { class: "button", type: "button", text: t("page.retry"), onclick: () => start() })));
}

function renderHouseholds() {
  const all = households();
  const q = S.filter.q.trim().toLowerCase();
  const shown = all.filter((x) => (!S.filter.village || x.regionCode === S.filter.village) && (!q || [x.address, x.headName, x.phone, x.regionName].some((s) => s && String(s).toLowerCase().includes(q))));
  const villages = h("select", { id: "village", onchange: (e) => ((S.filter.village = e.target.value), render(true)) }, h("option", { value: "", text: t("households.all_villages") }), S.boot.villages.map((v) => h("option", { value: v.code, text: v.name })));
  villages.value = S.filter.village;
  const search = h("input", { id: "search", type: "search", value: S.filter.q, placeholder: t("households.search_placeholder"), autocomplete: "off", oninput: (e) => ((S.filter.q = e.target.value), render(true)) });
  add(
    view,
    h(
      "div",
      { class: "heading" },
      h("h2", { text: t("households.title") }),
      h(
        "div",
        { class: "heading-actions" },
        h("a", { class: "button small", href: "#/add", id: "add-household", text: t("households.add") }),
        // Printing needs the network and a printer: the leaflet page is the web chat's, not part of this offline page.
        h("a", { class: "button small secondary", id: "leaflet-link", href: `/web/staff/leaflet?lang=${encodeURIComponent(S.lang)}`, text: t("households.leaflet") }),
      ),
    ),
    h("div", { class: "filters" }, h("label", { for: "village", text: t("households.village") }), villages, h("label", { for: "search", text: t("households.search") }), search),
    h("p", { class: "muted", id: "household-count", text: t("households.count", { count: shown.length }) }),
    shown.length === 0 ? h("p", { class: "empty", text: t("households.empty") }) : null,
    // A few hundred at most on screen: a filter or the search finds the rest.
    h("ul", { class: "households", id: "households" }, shown.slice(0, 300).map((x) => h("li", { "data-household": x.key }, householdLink(x)))),
  );
}

function householdLink(x) {
  const last = x.lastVisitAt ? t("households.last_visit", { time: showTime(x.lastVisitAt) }) : t("households.never_visited");
  return h("a", { class: "household", href: `#/h/${encodeURIComponent(x.key)}` }, h("span", { class: "address", text: x.address }), h("span", { class: "meta", text: `${x.regionName || ""} · ${x.headName || t("households.no_head")}` }), badges(x), h("span", { class: "meta", text: last }));
}

function renderAddForm() {
  const error = h("p", { class: "error", role: "alert" });
  const village = h("select", { id: "add-village", required: true }, h("option", { value: "", text: t("add.choose") }), S.boot.villages.map((v) => h("option", { value: v.code, text: v.name })));
  if (S.filter.village) village.value = S.filter.village;
  else if (S.boot.villages.length === 1) village.value = S.boot.villages[0].code;
  const address = h("input", { id: "add-address", type: "text", maxlength: "200", required: true, autocomplete: "off" });
  const head = h("input", { id: "add-head", type: "text", maxlength: "100", autocomplete: "off" });
  const phone = h("input", { id: "add-phone", type: "tel", maxlength: "30", inputmode: "tel", autocomplete: "off" });
  const submit = async (event) => {
    event.preventDefault();
    if (!village.value || !address.value.trim()) return void (error.textContent = t("add.missing"));
    lock(event);
    const item = { clientId: newId("h"), regionCode: village.value, address: address.value.trim(), headName: head.value.trim() || null, phone: phone.value.trim() || null };
    await record("households", item);
    location.hash = `#/h/${encodeURIComponent(`c:${item.clientId}`)}`;
  };
  add(
    view,
    h("h2", { text: t("add.title") }),
    h("form", { class: "form", id: "add-form", novalidate: true, onsubmit: submit }, field(t("add.village"), village), field(t("add.address"), address), field(t("add.head"), head), field(t("add.phone"), phone), error, h("div", { class: "actions" }, h("button", { class: "button", type: "submit", text: t("add.save") }), h("a", { class: "button secondary", href: "#/", text: t("add.cancel") }))),
  );
}

// ------------------------------------------------------------------ field re-checks

function renderRechecks() {
  add(view, h("h2", { text: t("rechecks.title") }), h("p", { class: "muted", text: t("rechecks.intro") }));
  if (S.boot.rechecks.length === 0) return void add(view, h("p", { class: "empty", text: t("rechecks.empty") }));
  for (const r of S.boot.rechecks) {
    const mine = localRecheck(r.spotCheckId);
    const done = SPOT_OUTCOMES[r.outcome] || r.outcome || (mine && mine.outcome);
    const house = r.household || {};
    const card = h("section", { class: "card recheck", "data-spot-check": r.spotCheckId }, h("h3", { text: house.address || r.regionName || "" }), h("p", { text: [r.regionName, house.headName, r.waveName].filter(Boolean).join(" · ") }));
    if (house.phone) add(card, h("a", { class: "button small secondary", href: `tel:${house.phone}`, text: `${t("rechecks.call")} ${house.phone}` }));
    add(card, h("h4", { text: t("rechecks.answers") }), h("dl", { class: "answers" }, r.questions.map((q) => [h("dt", { text: q.text }), h("dd", { text: q.answer })])));
    if (done) add(card, h("p", { class: "badge done", text: t("rechecks.done", { outcome: t(`rechecks.${done}`) }) }), mine && S.outbox.rechecks.includes(mine) ? waitBadge() : null);
    else add(card, recheckForm(r));
    add(view, card);
  }
}

function recheckForm(r) {
  const name = `outcome-${r.spotCheckId}`;
  const error = h("p", { class: "error", role: "alert" });
  const which = h("fieldset", { class: "which", hidden: true }, h("legend", { text: t("rechecks.which") }), r.questions.map((q) => choice("checkbox", "differs", q.id, q.text, false)));
  const notes = h("textarea", { id: `notes-${r.spotCheckId}`, rows: "2", maxlength: "1000" });
  const outcomes = h("fieldset", {}, h("legend", { text: t("rechecks.outcome") }), RECHECK_OUTCOMES.map((o) => choice("radio", name, o, t(`rechecks.${o}`), false)));
  const form = h("form", { class: "form", novalidate: true }, outcomes, which, field(t("rechecks.notes"), notes), error, h("button", { class: "button", type: "submit", text: t("rechecks.save") }));
  form.addEventListener("change", () => (which.hidden = form.elements[name].value !== "differs"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const outcome = form.elements[name].value;
    if (!outcome) return void (error.textContent = t("rechecks.need_outcome"));
    const differs = outcome === "differs" ? Array.from(which.querySelectorAll("input:checked"), (input) => input.value) : [];
    if (outcome === "differs" && differs.length === 0) return void (error.textContent = t("rechecks.need_which"));
    lock(event);
    await record("rechecks", { clientId: newId("r"), spotCheckId: r.spotCheckId, outcome, differs, notes: notes.value.trim() || null });
    render(false);
  });
  return form;
}

// ------------------------------------------------------------------ refused items

function describe(entry) {
  const item = entry.item;
  const all = S.boot ? households() : [];
  const house = item.address || ((all.find((x) => belongs(item, x)) || {}).address ?? "");
  if (entry.kind === "visits") return `${house} · ${showTime(item.visitedAt)} · ${t(`visit.outcome.${item.survey}`)}`;
  if (entry.kind === "interviews") return `${house} · ${showTime(item.completedAt)}`;
  const r = entry.kind === "rechecks" && S.boot && S.boot.rechecks.find((x) => x.spotCheckId === item.spotCheckId);
  if (entry.kind === "rechecks") return `${(r && r.household && r.household.address) || ""} · ${t(`rechecks.${item.outcome}`)}`;
  return house;
}

function renderRefused() {
  add(view, h("h2", { text: t("refused.title") }), h("p", { class: "muted", text: t("refused.intro") }));
  if (S.refused.length === 0) add(view, h("p", { class: "empty", text: t("refused.empty") }));
  const dismiss = async (entry) => {
    S.refused = S.refused.filter((other) => other !== entry);
    await save();
    render(false);
  };
  const item = (entry) => h("li", { class: "card refused", "data-client-id": entry.item.clientId }, h("strong", { text: `${t(`refused.kind.${entry.kind}`)} · ${describe(entry)}` }), h("p", { class: "reason", text: entry.message }), h("button", { class: "button small secondary", type: "button", text: t("refused.dismiss"), onclick: () => dismiss(entry) }));
  add(view, h("ul", { class: "refused-list", id: "refused-list" }, S.refused.map(item)), h("a", { class: "button secondary", href: "#/", text: t("refused.close") }));
}

// ------------------------------------------------------------------ start

async function useLang(lang) {
  S.lang = lang;
  attempt(() => localStorage.setItem(LANG_KEY, lang));
  const url = new URL(location.href);
  url.searchParams.set("lang", lang);
  history.replaceState(null, "", url);
  S.text = (await load(`text:${lang}`)) || (S.boot ? S.text : null);
  render(false);
  if (navigator.onLine) await refresh();
}

async function start() {
  applyChrome();
  const boot = await load("boot");
  if (boot && boot.me) {
    S.boot = boot;
    await loadOwner(boot.me.id);
    S.text = (await load(`text:${S.lang}`)) || boot.text;
    render(false);
  } else view.replaceChildren(h("p", { class: "muted", text: t("page.loading") }));
  document.body.setAttribute("data-ready", "true");
  const fresh = await refresh();
  if (!S.boot && !fresh && document.body.getAttribute("data-screen") !== "signin") showFirstOffline();
  if (S.boot && waitingCount() > 0) requestSync();
}

Object.assign(screen, { render, renderStatus, showSignIn });
$("lang").addEventListener("change", (event) => void useLang(event.target.value));
// Tapped after signing in again elsewhere: worth trying even if the last answer was "signed out".
$("sync").addEventListener("click", () => ((S.signedOut = false), void sync()));
$("refused").addEventListener("click", () => (location.hash = "#/refused"));
window.addEventListener("hashchange", () => render(false));
// Never opened online before: the network coming back is the moment to fetch everything.
window.addEventListener("online", () => (renderStatus(), void (S.boot ? sync() : start())));
window.addEventListener("offline", renderStatus);

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(() => undefined);
  const mark = () => document.body.setAttribute("data-sw", navigator.serviceWorker.controller ? "controlled" : "none");
  navigator.serviceWorker.addEventListener("controllerchange", mark);
  mark();
}
void start();
