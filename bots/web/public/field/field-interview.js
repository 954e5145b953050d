/*
 * The interview screen of the officers' phone page: the questionnaire runs here with the real
 * engine (/field/static/engine.js, window.AnxinInterview), so it works with no network. Only the
 * officer's inputs are kept (the draft survives a reload) and synced; the server replays them.
 */
import { S, add, h, householdRef, newId, t, view, zone } from "./field-common.js";
import { record, save } from "./field-store.js";

export function startInterview(x, visitClientId) {
  const survey = S.boot.survey;
  const wave = { waveId: survey.wave.id, questionnaireId: survey.wave.questionnaireId, version: survey.wave.version };
  // address and householdKey are for this page only; finishing the interview leaves them out of the synced item.
  S.draft = { clientId: newId("i"), ...householdRef(x), visitClientId, ...wave, lang: S.lang, inputs: [], startedAt: new Date().toISOString(), address: x.address, householdKey: x.key };
  void save();
  location.hash = "#/interview";
}

function setupOf(draft) {
  const survey = S.boot.survey;
  return { wave: survey.wave, questionnaire: survey.questionnaire, regions: survey.regions, lang: draft.lang, timeZone: zone() };
}

export function renderInterview() {
  const draft = S.draft;
  const engine = window.AnxinInterview;
  if (!draft) return void (location.hash = "#/");
  const householdLink = `#/h/${encodeURIComponent(draft.householdKey)}`;
  const stop = (key) => add(view, h("p", { class: "notice", role: "alert", text: t(key) }), h("a", { class: "button secondary", href: householdLink, text: t("interview.finish") }));
  if (!engine) return stop("interview.no_engine");
  if (!S.boot.survey || S.boot.survey.wave.id !== draft.waveId) {
    S.draft = null;
    void save();
    return stop("interview.no_survey");
  }
  const setup = setupOf(draft);
  const log = h("div", { class: "log", id: "log", role: "log", "aria-live": "polite", "aria-label": t("interview.log") });
  const answerLabel = h("label", { for: "answer", class: "visually-hidden", id: "answer-label", text: t("interview.answer") });
  const text = h("input", { id: "answer", type: "text", maxlength: "2000", autocomplete: "off", enterkeyhint: "send" });
  const composer = h("form", { class: "composer", id: "composer", novalidate: true }, answerLabel, text, h("button", { class: "button", type: "submit", text: t("interview.send") }));
  const backButton = h("button", { class: "button secondary", type: "button", id: "interview-back", text: t("interview.back") });
  const run = { state: null, current: null, done: false };

  const said = (label) => log.append(h("div", { class: "msg you" }, h("p", { class: "bubble" }, h("span", { class: "visually-hidden", text: `${t("interview.you")}: ` }), label)));

  function fill(item, message) {
    const opts = message.options || [];
    const old = Array.from(item.querySelectorAll(".options button"));
    const pressed = (o) => (message.multi && o.key !== "0" ? String(Boolean(o.selected)) : null);
    // The handlers read item.message at click time, so an update in place keeps them right.
    item.message = message;
    if (message.editsPrevious && old.length === opts.length && opts.every((o, i) => old[i].getAttribute("data-key") === o.key)) {
      // A ticked option: the same buttons updated, so focus and a screen reader's place stay put.
      item.querySelector(".bubble").textContent = message.text;
      opts.forEach((o, i) => (old[i].setAttribute("data-payload", o.payload), old[i].querySelector(".label").replaceChildren(o.label), pressed(o) && old[i].setAttribute("aria-pressed", pressed(o))));
      return;
    }
    item.className = `msg bot ${message.kind}`;
    if (message.questionId) item.setAttribute("data-question-id", message.questionId);
    const button = (o, i) => {
      const props = { type: "button", class: `option${o.key === "0" ? " secondary" : ""}`, "data-key": o.key, "data-payload": o.payload, "aria-pressed": pressed(o), onclick: () => choose(item.message, item.message.options[i]) };
      return h("button", props, h("span", { class: "key", "aria-hidden": "true", text: o.key }), h("span", { class: "label", text: o.label }));
    };
    const group = opts.length ? h("div", { class: "options", role: "group", "aria-label": t(message.multi ? "interview.options_multi" : "interview.options") }, opts.map(button)) : null;
    item.replaceChildren();
    add(item, h("p", { class: "bubble", text: message.text }), group);
  }

  function show(messages) {
    let first = null;
    for (const message of messages) {
      let item = message.editsPrevious && run.current ? run.current : null;
      if (!item) {
        log.append((item = h("div")));
        first ??= item;
      }
      fill(item, message);
      if (message.kind === "question" || (message.options && message.options.length)) {
        // Only the latest question takes answers; its own buttons stay enabled so a ticked one keeps focus.
        if (run.current && run.current !== item) for (const button of run.current.querySelectorAll(".options button")) button.disabled = true;
        run.current = item;
        const phone = message.expects === "phone";
        text.setAttribute("inputmode", phone ? "tel" : "text");
        text.type = phone ? "tel" : "text";
        answerLabel.textContent = t(phone ? "interview.answer_phone" : "interview.answer");
      }
      if (message.progress) progress.textContent = `${message.progress.index} / ${message.progress.total}`;
    }
    if (run.current) for (const button of run.current.querySelectorAll(".options button")) button.disabled = run.done;
    return first;
  }

  function step(input, label) {
    if (label) said(label);
    const result = engine.continueInterview(setup, run.state, input, new Date().toISOString());
    run.state = result.state;
    if (result.completed) run.done = true;
    run.shown = show(result.messages);
    return result.completed;
  }

  function choose(message, option) {
    if (run.done) return;
    const toggling = message.multi && option.key !== "0";
    const picked = message.multi && !toggling ? message.options.filter((o) => o.selected && o.key !== "0").map((o) => o.label).join("、") : "";
    void send({ kind: "button", payload: option.payload }, toggling ? null : picked || option.label);
  }

  async function send(input, label) {
    // Keyboard and screen-reader users answering from a button go on to the next question's choices.
    const follow = log.contains(document.activeElement);
    draft.inputs.push(input);
    const completed = step(input, label);
    if (completed) await finish();
    else await save();
    const first = run.shown && run.current && run.current.querySelector(".options button:not([disabled])");
    if (first && follow && !completed) first.focus({ preventScroll: true });
    // A long question is read from its start, not from its last option.
    if (run.shown) run.shown.scrollIntoView({ block: "start" });
  }

  async function finish() {
    const { address, householdKey, ...item } = draft;
    item.completedAt = new Date().toISOString();
    S.draft = null;
    composer.hidden = true;
    backButton.hidden = true;
    add(log, h("p", { class: "notice done", role: "status", id: "interview-done", text: t("interview.done") }), h("a", { class: "button", href: householdLink, text: t("interview.finish") }));
    await record("interviews", item);
  }

  const progress = h("span", { class: "progress", id: "interview-progress" });
  const tools = h("div", { class: "interview-tools" }, backButton, h("a", { class: "button secondary", href: householdLink, text: t("interview.leave") }));
  add(view, h("div", { class: "interview-head" }, h("h2", { text: t("interview.title") }), progress), h("p", { class: "muted", text: t("interview.household", { address: draft.address }) }), log, tools, composer);
  try {
    const first = engine.beginInterview(setup, draft.startedAt);
    run.state = first.state;
    show(first.messages);
    // After a reload: the same inputs through the same engine bring the same question back.
    for (const input of draft.inputs) {
      const label = input.kind === "text" ? (input.text === "/back" ? t("interview.back") : input.text) : labelOf(input.payload);
      const toggling = input.kind === "button" && run.current && run.current.querySelector(`[data-payload="${CSS.escape(input.payload)}"][aria-pressed]`);
      if (step(input, toggling ? null : label)) throw new Error("already complete");
    }
  } catch (error) {
    S.draft = null;
    void save();
    view.replaceChildren();
    return stop("interview.restart");
  }
  function labelOf(payload) {
    const button = run.current && run.current.querySelector(`[data-payload="${CSS.escape(payload)}"] .label`);
    return button ? button.textContent : payload;
  }
  backButton.addEventListener("click", () => void send({ kind: "text", text: "/back" }, t("interview.back")));
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = text.value.trim();
    if (!value || run.done) return;
    text.value = "";
    void send({ kind: "text", text: value }, value);
  });
}
