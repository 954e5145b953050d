/*
 * Shared by every part of the officers' phone page (/field): its state, its strings (with the few
 * the page must say before any bootstrap brought them), and small DOM and time helpers.
 * Server text only ever goes into textContent: nothing received becomes markup.
 */
export const LANGS = ["zh-CN", "zh-TW", "en"];
export const KINDS = ["households", "visits", "interviews", "rechecks"];
export const OUTCOMES = ["interview", "qr_left", "refused", "nobody_home", "none"];
export const RECHECK_OUTCOMES = ["confirmed", "differs", "not_found"];
/** The spot check's stored outcome (what the bootstrap lists) in the words the phone recorded it with. */
export const SPOT_OUTCOMES = { consistent: "confirmed", inconsistent: "differs", unreachable: "not_found" };
export const LANG_KEY = "anxin-field-lang";

/** What the page can say before any bootstrap brought its strings: signed out, or offline the first time. */
const FALLBACK = {
  "zh-CN": { page: { title: "安心 · 入户走访", brand: "安心 · 入户走访", language: "语言", loading: "正在打开…", first_offline: "第一次使用需要联网：请连上网络后再打开本页，之后没有网络也能用。", retry: "重试" }, signin: { title: "请先登录", body: "用民警身份登录后才能使用本页：在手机上打开安心聊天（/web），点聊天里的“打开民警页面”，就会回到这里。", chat: "打开安心聊天" } },
  "zh-TW": { page: { title: "安心 · 入戶走訪", brand: "安心 · 入戶走訪", language: "語言", loading: "正在開啟…", first_offline: "第一次使用需要連網：請連上網路後再開啟本頁，之後沒有網路也能用。", retry: "重試" }, signin: { title: "請先登入", body: "用警員身分登入後才能使用本頁：在手機上開啟安心聊天（/web），點聊天裡的「開啟警員頁面」，就會回到這裡。", chat: "開啟安心聊天" } },
  en: { page: { title: "Anxin · Field visits", brand: "Anxin · Field visits", language: "Language", loading: "Opening…", first_offline: "The first time, this page needs the network: connect and open it again. After that it works offline too.", retry: "Try again" }, signin: { title: "Please sign in first", body: "This page is for officers who are signed in: open the Anxin chat (/web) on this phone and tap “Open your officer page” in the chat; it brings you back here.", chat: "Open the Anxin chat" } },
};

export const attempt = (work) => { try { return work(); } catch (error) { return null; } };
export const emptyBox = () => ({ households: [], visits: [], interviews: [], rechecks: [] });
export const $ = (id) => document.getElementById(id);
export const view = $("view");

/** The page's state. The officer's records are kept per officer (`owner` = me.id): a shared phone never sends one officer's records as another's. */
/**
 * The screens the data layer (field-store.js) asks to redraw after a sync or a sign-out. field.js
 * fills these in when it loads, so that the store needs no import of the screens (no circle).
 */
export const screen = { render: (_passive) => {}, renderStatus: () => {}, showSignIn: (_message) => {} };
export const S = { lang: pickLang(), text: null, boot: null, owner: null, syncing: false, again: false, signedOut: false, note: "", filter: { village: "", q: "" } };
/**
 * Per officer, in IndexedDB: the outbox; `sent` (items the server took, shown until a bootstrap
 * fetched after `sentAt` lists them itself); `refused`; `ids` (household client id → the server's
 * id, for items recorded before their household was sent); the unfinished interview (`draft`).
 */
export const OWNED = { outbox: emptyBox, sent: emptyBox, sentAt: () => 0, refused: () => [], ids: () => ({}), draft: () => null };
for (const key of Object.keys(OWNED)) S[key] = OWNED[key]();

// ------------------------------------------------------------------ language and strings

function pickLang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGS.includes(asked)) return asked;
  // Storage may be blocked: then the browser's language decides.
  const kept = attempt(() => localStorage.getItem(LANG_KEY));
  if (LANGS.includes(kept)) return kept;
  for (const tag of navigator.languages || [navigator.language || ""]) {
    const lower = String(tag).toLowerCase();
    if (/^zh-(tw|hk|mo|hant)/.test(lower)) return "zh-TW";
    if (lower.startsWith("zh")) return "zh-CN";
    if (lower.startsWith("en")) return "en";
  }
  return "zh-CN";
}

function lookup(table, key) {
  let node = table;
  for (const part of key.split(".")) node = node && typeof node === "object" ? node[part] : undefined;
  return typeof node === "string" ? node : undefined;
}

export function t(key, vars) {
  const text = lookup(S.text, key) ?? lookup(FALLBACK[S.lang], key) ?? lookup(FALLBACK["zh-CN"], key) ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
}

// ------------------------------------------------------------------ small helpers

export function h(tag, props, ...kids) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "value") node.value = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  return add(node, kids);
}

/** Appends what is there: a missing optional part (null, false) adds nothing, not the text "null". */
export function add(parent, ...kids) {
  for (const kid of kids.flat(3)) if (kid !== null && kid !== undefined && kid !== false) parent.append(kid);
  return parent;
}

/** A client id (8–64 of A-Za-z0-9_-). randomUUID needs a secure context; getRandomValues does not. */
export function newId(prefix) {
  if (crypto.randomUUID) return `${prefix}-${crypto.randomUUID()}`;
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export const zone = () => (S.boot && S.boot.timeZone) || "Asia/Shanghai";

function zoneParts(date) {
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone(), year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
}

/** The office's wall-clock time for a datetime-local field: the officer thinks in the office's zone, not the phone's. */
export const toLocalInput = (date, p = zoneParts(date)) => `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;

export function fromLocalInput(value) {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(value || "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]);
  let guess = wall;
  // Two rounds settle any offset, including a DST edge in zones that have one.
  for (let i = 0; i < 2; i++) {
    const p = zoneParts(new Date(guess));
    guess += wall - Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute);
  }
  return new Date(guess);
}

export const showTime = (iso) => new Intl.DateTimeFormat(S.lang, { timeZone: zone(), month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
export const errorMessage = (body) => (body && typeof body.message === "string" ? body.message : body && body.error && typeof body.error.message === "string" ? body.error.message : null);

// ------------------------------------------------------------------ pieces several screens show

export const waitBadge = () => h("span", { class: "badge wait", text: t("households.waiting") });

export function badges(x) {
  const surveyed = x.surveyed === "self" || x.surveyed === "interviewer" ? `households.surveyed_${x.surveyed}` : null;
  return h("span", { class: "badges" }, h("span", { class: surveyed ? "badge done" : "badge", text: t(surveyed || "households.not_surveyed") }), x.waiting ? waitBadge() : null);
}

/** A second tap on "save" while the first is being kept must not record the same thing twice. */
export const lock = (event) => event.target.querySelectorAll("button[type=submit]").forEach((button) => (button.disabled = true));

export function field(label, control) {
  return h("div", { class: "field" }, h("label", { for: control.id, text: label }), control);
}

export function choice(type, name, value, label, checked) {
  return h("label", { class: "choice" }, h("input", { type, name, value, checked: Boolean(checked) }), h("span", { text: label }));
}

/** How an item names its household: the server's id, or the client id of one added on this phone and not sent yet. */
export const householdRef = (x) => (x.id ? { householdId: x.id } : { householdClientId: x.clientId });
