/*
 * One household on the officers' phone page: its card and visits, the visit form (a new visit, or
 * an edit of one of the officer's own while it may still change), and the household's own QR code
 * for self-completion, drawn on the phone so it shows with no network.
 */
import { OUTCOMES, S, add, badges, choice, field, fromLocalInput, h, householdRef, lock, newId, showTime, t, toLocalInput, view, waitBadge } from "./field-common.js";
import { belongs, editable, findHousehold, record, visitsOf } from "./field-store.js";
import { startInterview } from "./field-interview.js";

const pageOf = (x, ...rest) => [`#/h/${encodeURIComponent(x.key)}`, ...rest.map(encodeURIComponent)].join("/");
const notice = (key) => h("p", { class: "notice", role: "alert", text: t(key) });

/** The `#/h/<key>[/visit | /edit/<clientId> | /qr]` screens. */
export function renderHouseholdRoute(key, action, arg) {
  const x = findHousehold(key);
  if (!x) return void add(view, notice("household.not_found"), h("a", { class: "button secondary", href: "#/", text: t("household.back") }));
  if (action === "visit") return renderVisitForm(x, null);
  if (action === "qr") return renderQr(x);
  if (action === "edit") {
    const visit = visitsOf(x).find((v) => v.clientId === arg);
    // An old link, or a window that closed while the form was away: nothing to edit any more.
    if (!visit || !editable(visit)) return void add(view, notice("visit.not_editable"), h("a", { class: "button secondary", href: pageOf(x), text: t("interview.finish") }));
    return renderVisitForm(x, visit);
  }
  renderHousehold(x);
}

function renderHousehold(x) {
  const visits = visitsOf(x);
  const tipTitle = (id) => ((S.boot.tips.find((tip) => tip.id === id) || {}).title || id);
  const draftHere = S.draft && belongs(S.draft, x);
  const phone = x.phone ? t("household.phone", { phone: x.phone }) : null;
  const handed = (v) => [v.handedOver.leaflet ? t("visit.summary_leaflet") : null, v.handedOver.tips.length ? `${t("visit.summary_tips", { count: v.handedOver.tips.length })}: ${v.handedOver.tips.map(tipTitle).join("、")}` : null].filter(Boolean).join(" · ");
  const editLink = (v) => h("a", { class: "button small secondary edit-visit", href: pageOf(x, "edit", v.clientId), "aria-label": `${t("household.edit")} · ${showTime(v.visitedAt)}`, text: t("household.edit") });
  const visit = (v) => h("li", { class: "card visit", "data-visit": v.clientId }, h("strong", { text: showTime(v.visitedAt) }), h("span", { text: ` · ${t(`visit.outcome.${v.survey}`)}` }), v.waiting ? waitBadge() : null, h("p", { class: "meta", text: handed(v) }), v.notes ? h("p", { class: "meta", text: v.notes }) : null, editable(v) ? editLink(v) : null);
  add(
    view,
    h("a", { class: "back-link", href: "#/", text: `← ${t("household.back")}` }),
    // The bootstrap masks household numbers (138****5678): shown, not dialled.
    h("section", { class: "card" }, h("h2", { text: x.address }), h("p", { text: `${x.regionName || ""} · ${x.headName || t("households.no_head")}` }), phone ? h("p", {}, /^[+\d\s-]+$/.test(x.phone) ? h("a", { href: `tel:${x.phone}`, text: phone }) : phone) : null, badges(x)),
    h(
      "div",
      { class: "actions" },
      h("a", { class: "button", id: "record-visit", href: pageOf(x, "visit"), text: t("household.record") }),
      draftHere ? h("a", { class: "button secondary", id: "resume-interview", href: "#/interview", text: t("household.resume") }) : null,
      h("a", { class: "button secondary", id: "show-qr", href: pageOf(x, "qr"), text: t("household.show_qr") }),
    ),
    h("h3", { text: t("household.visits") }),
    visits.length === 0 ? h("p", { class: "empty", text: t("household.no_visits") }) : null,
    h("ul", { class: "visits", id: "visits" }, visits.map(visit)),
  );
}

/** The form for a new visit, or (`edited`) the same form filled in with one of the officer's visits. */
function renderVisitForm(x, edited) {
  const openedAt = new Date();
  const was = edited ? new Date(edited.visitedAt) : openedAt;
  const error = h("p", { class: "error", role: "alert" });
  const time = h("input", { id: "visit-time", type: "datetime-local", value: toLocalInput(was), required: true });
  // An interview visit stays one when edited, even though its household now counts as surveyed.
  const outcomes = OUTCOMES.filter((o) => o !== "interview" || (edited && edited.survey === o) || (S.boot.survey && !x.surveyed));
  const checked = (o) => (edited ? edited.survey === o : x.surveyed && o === "none");
  const tipTicked = (id) => Boolean(edited && edited.handedOver.tips.includes(id));
  const notes = h("textarea", { id: "visit-notes", rows: "3", maxlength: "1000", value: (edited && edited.notes) || "" });
  const form = h("form", { class: "form", id: "visit-form", novalidate: true, "data-edit": edited ? edited.clientId : null }, field(t("visit.time"), time));
  add(
    form,
    h("fieldset", {}, h("legend", { text: t("visit.handed") }), choice("checkbox", "leaflet", "yes", t("visit.leaflet"), edited ? edited.handedOver.leaflet : true), h("p", { class: "sub", text: t("visit.tips") }), S.boot.tips.map((tip) => choice("checkbox", "tip", tip.id, tip.title, tipTicked(tip.id)))),
    h("fieldset", { class: "outcomes" }, h("legend", { text: t("visit.survey") }), outcomes.map((o) => choice("radio", "survey", o, t(`visit.outcome.${o}`), checked(o)))),
    field(t("visit.notes"), notes),
    error,
    h("div", { class: "actions" }, h("button", { class: "button", type: "submit", id: "save-visit", text: t("visit.save") }), h("a", { class: "button secondary", href: pageOf(x), text: t("add.cancel") })),
  );
  // Only a visit that becomes an interview starts one: an edited interview visit already has its interview.
  const becomes = (survey) => survey !== (edited && edited.survey);
  const saveButton = form.querySelector("#save-visit");
  form.addEventListener("change", () => (saveButton.textContent = t(form.elements.survey.value === "interview" && becomes("interview") ? "visit.save_interview" : "visit.save")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // Left as it was, the time stays what it was to the second: when the form was opened, or the visit's own.
    const at = time.value === toLocalInput(was) ? was : fromLocalInput(time.value);
    if (!at || at.getTime() > Date.now() + 5 * 60_000) return void (error.textContent = t("visit.bad_time"));
    const survey = form.elements.survey.value;
    if (!survey) return void (error.textContent = t("visit.need_survey"));
    lock(event);
    const tips = Array.from(form.querySelectorAll("input[name=tip]:checked"), (input) => input.value);
    // The same client id with new content is what the server takes as an edit.
    const visit = { clientId: edited ? edited.clientId : newId("v"), ...householdRef(x), visitedAt: at.toISOString(), handedOver: { leaflet: form.querySelector("input[name=leaflet]").checked, tips }, survey, notes: notes.value.trim() || null };
    await record("visits", visit);
    if (survey === "interview" && becomes(survey)) startInterview(x, visit.clientId);
    // The code is left for the resident to scan now, at the door.
    else if (survey === "qr_left" && becomes(survey)) location.hash = pageOf(x, "qr");
    else location.hash = pageOf(x);
  });
  const title = edited ? t("visit.edit_title") : t("visit.title");
  add(view, h("a", { class: "back-link", href: pageOf(x), text: `← ${x.address}` }), h("h2", { text: `${title} · ${x.address}` }), form);
}

/**
 * The household's own self-completion QR, big enough to scan from the doorstep. It is drawn by our
 * bundle (engine.js), with no network; its SVG is parsed as SVG, never put in as HTML.
 */
function renderQr(x) {
  const box = h("div", { class: "qr", id: "household-qr", role: "img", "aria-label": t("qr.label", { address: x.address }) });
  add(view, h("a", { class: "back-link", href: pageOf(x), text: `← ${x.address}` }), h("h2", { text: t("qr.title") }), h("p", { class: "qr-address", text: `${x.regionName || ""} · ${x.address}` }));
  const done = h("a", { class: "button secondary", id: "qr-done", href: pageOf(x), text: t("interview.finish") });
  // Households added on this phone get their code from the server, in the bootstrap after they are sent.
  if (!x.qr) return void add(view, notice(x.clientId ? "qr.not_yet" : "qr.none"), done);
  const engine = window.AnxinInterview;
  if (!engine || typeof engine.qrSvg !== "function") return void add(view, notice("interview.no_engine"), done);
  add(view, box, h("p", { class: "qr-scan", text: t("qr.scan") }), done);
  engine
    .qrSvg(x.qr)
    .then((text) => {
      const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
      if (svg.namespaceURI !== "http://www.w3.org/2000/svg" || svg.localName !== "svg") throw new Error("not an SVG");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("focusable", "false");
      box.replaceChildren(document.importNode(svg, true));
    })
    .catch(() => box.replaceWith(notice("qr.failed")));
}
