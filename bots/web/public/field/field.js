/*
 * Anxin officers' phone page (/field): households, visits, interviews and field re-checks, offline
 * first. Everything recorded waits in an IndexedDB outbox with a client id and is sent in one
 * POST /field/api/sync; the server answers per item, so sending twice stores nothing twice.
 * Interviews run here with the real engine (/field/static/engine.js); only the officer's inputs
 * are kept and synced, and the server replays them. The contract is docs/field-api.md.
 * Server text only ever goes into textContent: nothing received becomes markup.
 */
(() => {
  "use strict";

  const LANGS = ["zh-CN", "zh-TW", "en"];
  const KINDS = ["households", "visits", "interviews", "rechecks"];
  const OUTCOMES = ["interview", "qr_left", "refused", "nobody_home", "none"];
  const RECHECK_OUTCOMES = ["confirmed", "differs", "not_found"];
  /** The spot check's stored outcome (what the bootstrap lists) in the words the phone recorded it with. */
  const SPOT_OUTCOMES = { consistent: "confirmed", inconsistent: "differs", unreachable: "not_found" };
  const LANG_KEY = "anxin-field-lang";

  /** What the page can say before any bootstrap brought its strings: signed out, or offline the first time. */
  const FALLBACK = {
    "zh-CN": { page: { title: "安心 · 入户走访", brand: "安心 · 入户走访", language: "语言", loading: "正在打开…", first_offline: "第一次使用需要联网：请连上网络后再打开本页，之后没有网络也能用。", retry: "重试" }, signin: { title: "请先登录", body: "用民警身份登录后才能使用本页：在手机上打开安心聊天（/web），点聊天里的“打开民警页面”，就会回到这里。", chat: "打开安心聊天" } },
    "zh-TW": { page: { title: "安心 · 入戶走訪", brand: "安心 · 入戶走訪", language: "語言", loading: "正在開啟…", first_offline: "第一次使用需要連網：請連上網路後再開啟本頁，之後沒有網路也能用。", retry: "重試" }, signin: { title: "請先登入", body: "用警員身分登入後才能使用本頁：在手機上開啟安心聊天（/web），點聊天裡的「開啟警員頁面」，就會回到這裡。", chat: "開啟安心聊天" } },
    en: { page: { title: "Anxin · Field visits", brand: "Anxin · Field visits", language: "Language", loading: "Opening…", first_offline: "The first time, this page needs the network: connect and open it again. After that it works offline too.", retry: "Try again" }, signin: { title: "Please sign in first", body: "This page is for officers who are signed in: open the Anxin chat (/web) on this phone and tap “Open your officer page” in the chat; it brings you back here.", chat: "Open the Anxin chat" } },
  };

  const attempt = (work) => { try { return work(); } catch (error) { return null; } };
  const emptyBox = () => ({ households: [], visits: [], interviews: [], rechecks: [] });
  const $ = (id) => document.getElementById(id);
  const view = $("view");

  /** The page's state. The officer's records are kept per officer (`owner` = me.id): a shared phone never sends one officer's records as another's. */
  const S = { lang: pickLang(), text: null, boot: null, owner: null, syncing: false, again: false, signedOut: false, note: "", filter: { village: "", q: "" } };
  /**
   * Per officer, in IndexedDB: the outbox; `sent` (items the server took, shown until a bootstrap
   * fetched after `sentAt` lists them itself); `refused`; `ids` (household client id → the server's
   * id, for items recorded before their household was sent); the unfinished interview (`draft`).
   */
  const OWNED = { outbox: emptyBox, sent: emptyBox, sentAt: () => 0, refused: () => [], ids: () => ({}), draft: () => null };
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

  function t(key, vars) {
    const text = lookup(S.text, key) ?? lookup(FALLBACK[S.lang], key) ?? lookup(FALLBACK["zh-CN"], key) ?? key;
    return text.replace(/\{\{(\w+)\}\}/g, (whole, name) => (vars && name in vars ? String(vars[name]) : whole));
  }

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

  // ------------------------------------------------------------------ IndexedDB

  let dbPromise = null;
  function db() {
    dbPromise ??= new Promise((resolve, reject) => {
      const request = indexedDB.open("anxin-field", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("kv");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return dbPromise;
  }

  async function kv(mode, work) {
    const tx = (await db()).transaction("kv", mode);
    const request = work(tx.objectStore("kv"));
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }
  const load = (key) => kv("readonly", (store) => store.get(key)).catch(() => undefined);

  /** Everything the officer recorded, in one transaction: a crash never keeps half of a sync's outcome. */
  function save() {
    const owner = S.owner;
    if (!owner) return Promise.resolve();
    return kv("readwrite", (store) => {
      for (const key of Object.keys(OWNED)) store.put(S[key], `${key}:${owner}`);
    }).catch(() => undefined);
  }

  async function loadOwner(owner) {
    S.owner = owner;
    for (const key of Object.keys(OWNED)) S[key] = (await load(`${key}:${owner}`)) ?? OWNED[key]();
    for (const kind of KINDS) for (const box of [S.outbox, S.sent]) box[kind] ??= [];
  }

  // ------------------------------------------------------------------ small helpers

  function h(tag, props, ...kids) {
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
  function add(parent, ...kids) {
    for (const kid of kids.flat(3)) if (kid !== null && kid !== undefined && kid !== false) parent.append(kid);
    return parent;
  }

  /** A client id (8–64 of A-Za-z0-9_-). randomUUID needs a secure context; getRandomValues does not. */
  function newId(prefix) {
    if (crypto.randomUUID) return `${prefix}-${crypto.randomUUID()}`;
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  }

  const zone = () => (S.boot && S.boot.timeZone) || "Asia/Shanghai";

  function zoneParts(date) {
    const format = new Intl.DateTimeFormat("en-CA", { timeZone: zone(), year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
  }

  /** The office's wall-clock time for a datetime-local field: the officer thinks in the office's zone, not the phone's. */
  const toLocalInput = (date, p = zoneParts(date)) => `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;

  function fromLocalInput(value) {
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

  const showTime = (iso) => new Intl.DateTimeFormat(S.lang, { timeZone: zone(), month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
  const errorMessage = (body) => (body && typeof body.message === "string" ? body.message : body && body.error && typeof body.error.message === "string" ? body.error.message : null);
  const waitingCount = () => KINDS.reduce((n, kind) => n + S.outbox[kind].length, 0);
  const localRecheck = (spotCheckId) => S.outbox.rechecks.concat(S.sent.rechecks).find((r) => r.spotCheckId === spotCheckId);
  const villageName = (code) => ((S.boot && S.boot.villages.find((v) => v.code === code)) || {}).name || code;

  // ------------------------------------------------------------------ what is shown: the bootstrap plus what waits on the phone

  function households() {
    const list = S.boot.households.map((x) => ({ ...x, key: x.id, clientId: null, waiting: false }));
    const known = new Set(list.map((x) => x.id));
    for (const x of S.sent.households) if (!known.has(x.id)) list.push(localHousehold(x, false));
    for (const x of S.outbox.households) list.push(localHousehold(x, true));
    const interviews = S.outbox.interviews.concat(S.sent.interviews);
    for (const x of list) {
      for (const v of visitsOf(x)) if (v.local && (!x.lastVisitAt || v.visitedAt > x.lastVisitAt)) x.lastVisitAt = v.visitedAt;
      if (!x.surveyed && interviews.some((i) => belongs(i, x))) x.surveyed = "interviewer";
    }
    return list;
  }

  const localHousehold = (x, waiting) => ({ ...x, key: x.id || `c:${x.clientId}`, id: x.id || null, regionName: villageName(x.regionCode), surveyed: null, lastVisitAt: null, visits: 0, waiting });

  /** Does a visit or interview belong to this household (by server id, or by the client id it was added with)? */
  function belongs(item, x) {
    if (x.id && item.householdId === x.id) return true;
    const cid = item.householdClientId;
    return Boolean(cid && (cid === x.clientId || (x.id && S.ids[cid] === x.id)));
  }

  /** The bootstrap's visits by household, worked out once per bootstrap (an admin's list is long). */
  let visitIndex = { boot: null, map: new Map() };
  function visitsOf(x) {
    if (visitIndex.boot !== S.boot) {
      visitIndex = { boot: S.boot, map: new Map() };
      for (const v of S.boot.visits) visitIndex.map.set(v.householdId, (visitIndex.map.get(v.householdId) || []).concat(v));
    }
    const list = (visitIndex.map.get(x.id) || []).map((v) => ({ ...v, local: false }));
    const known = new Set(list.map((v) => v.clientId));
    for (const v of S.sent.visits.concat(S.outbox.visits)) {
      if (!known.has(v.clientId) && belongs(v, x)) list.push({ ...v, local: true, waiting: S.outbox.visits.includes(v) });
    }
    return list.sort((a, b) => (a.visitedAt < b.visitedAt ? 1 : -1));
  }

  function findHousehold(key) {
    const all = households();
    let found = all.find((x) => x.key === key);
    // Added offline and sent since: the page the officer is on now has the server's id.
    if (!found && key.startsWith("c:")) found = all.find((x) => x.id && x.id === S.ids[key.slice(2)]);
    return found || null;
  }

  // ------------------------------------------------------------------ talking to the server

  /** A request given up after `ms`: on a failing mobile network a fetch can hang for good, and a hung sync would block every later one. */
  async function call(path, options, ms = 30_000) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ms);
    try {
      const response = await fetch(path, { credentials: "same-origin", cache: "no-store", signal: abort.signal, ...options });
      return { status: response.status, ok: response.ok, body: await response.json().catch(() => null) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Fetches the bootstrap; a signed-out officer with a cached one keeps working offline. */
  async function refresh() {
    const startedAt = Date.now();
    const result = await call(`/field/api/bootstrap?lang=${encodeURIComponent(S.lang)}`).catch(() => null);
    if (!result) return false;
    if (result.status === 401 || result.status === 403) {
      S.signedOut = true;
      if (!S.boot) showSignIn(errorMessage(result.body));
      else renderStatus();
      return false;
    }
    if (!result.ok || !result.body || !result.body.me) return false;
    const boot = result.body;
    if (S.owner !== boot.me.id) await loadOwner(boot.me.id);
    S.boot = boot;
    S.text = boot.text || S.text;
    S.signedOut = false;
    if (S.sentAt && S.sentAt < startedAt) [S.sent, S.sentAt] = [emptyBox(), 0];
    await kv("readwrite", (store) => {
      store.put(boot, "boot");
      if (boot.text) store.put(boot.text, `text:${S.lang}`);
    }).catch(() => undefined);
    await save();
    render(true);
    return true;
  }

  /** Sends every waiting item in one request. One sync at a time; asked again meanwhile, it runs once more after. */
  async function sync() {
    if (!S.boot) return;
    if (S.syncing) return void (S.again = true);
    S.syncing = true;
    S.note = "";
    renderStatus();
    let refreshed = false;
    try {
      const body = {};
      for (const kind of KINDS) {
        body[kind] = S.outbox[kind].slice(0, 200);
        // More than one request's worth: the rest goes in the next round.
        if (S.outbox[kind].length > 200) S.again = true;
      }
      if (waitingCount() > 0) {
        const result = await call(`/field/api/sync?lang=${encodeURIComponent(S.lang)}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, 60_000);
        if (result.status === 401 || result.status === 403) S.signedOut = true;
        else if (!result.ok || !result.body || !result.body.results) S.note = errorMessage(result.body) || t("error.server");
        else {
          settle(body, result.body.results);
          await save();
        }
      }
      refreshed = await refresh();
    } catch (error) {
      // Lost on the way: everything stays in the outbox and goes again (the server ignores repeats).
      S.note = t("status.failed");
    } finally {
      S.syncing = false;
      document.body.setAttribute("data-syncs", String(Number(document.body.getAttribute("data-syncs") || "0") + 1));
      renderStatus();
      if (!refreshed) render(true);
    }
    if (S.again) {
      S.again = false;
      if (navigator.onLine && waitingCount() > 0) await sync();
    }
  }

  /** Applies the server's answer to what was sent: taken items leave the outbox, refused ones wait for the officer to read why. */
  function settle(sentBody, results) {
    const done = new Set();
    for (const kind of KINDS) {
      for (const r of results[kind] || []) {
        const item = sentBody[kind].find((x) => x.clientId === r.clientId);
        if (!item) continue;
        if (r.status === "refused") {
          S.refused.push({ kind, item, reason: r.reason || null, message: r.message || r.reason || "", at: new Date().toISOString() });
          done.add(r.clientId);
        } else if (r.status === "stored" || r.status === "updated" || r.status === "duplicate") {
          if (kind === "households" && r.id) S.ids[item.clientId] = r.id;
          S.sent[kind].push(r.id ? { ...item, id: r.id } : item);
          done.add(r.clientId);
        }
      }
    }
    S.sentAt = Date.now();
    for (const kind of KINDS) S.outbox[kind] = S.outbox[kind].filter((x) => !done.has(x.clientId)).map(withServerIds);
    // In place: the interview on screen holds this very object and keeps adding inputs to it.
    const cid = S.draft && S.draft.householdClientId;
    if (cid && S.ids[cid]) {
      S.draft.householdId = S.ids[cid];
      delete S.draft.householdClientId;
    }
  }

  function withServerIds(item) {
    const { householdClientId, ...rest } = item;
    return householdClientId && S.ids[householdClientId] ? { ...rest, householdId: S.ids[householdClientId] } : item;
  }

  const requestSync = () => navigator.onLine && void sync();

  /** Adds an item to the outbox, keeps it, shows it, and sends it when there is a network. */
  async function record(kind, item) {
    S.outbox[kind].push(withServerIds(item));
    await save();
    renderStatus();
    requestSync();
  }

  // ------------------------------------------------------------------ status bar

  function renderStatus() {
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
  function render(passive) {
    renderStatus();
    if (!S.boot) return;
    const route = location.hash.replace(/^#/, "") || "/";
    const screen = route === "/" ? "households" : route.split("/")[1] || "households";
    const isForm = screen === "add" || screen === "interview" || screen === "rechecks" || route.endsWith("/visit");
    if (passive && isForm && document.body.getAttribute("data-route") === route) return;
    document.body.setAttribute("data-route", route);
    document.body.setAttribute("data-screen", screen);
    $("nav").hidden = false;
    $("nav-households").setAttribute("aria-current", screen === "rechecks" ? "false" : "page");
    $("nav-rechecks").setAttribute("aria-current", screen === "rechecks" ? "page" : "false");
    const focusSearch = passive && document.activeElement && document.activeElement.id === "search";
    view.replaceChildren();
    if (screen === "h") {
      const x = findHousehold(decodeURIComponent(route.split("/")[2] || ""));
      if (!x) add(view, h("p", { class: "notice", text: t("household.not_found") }), h("a", { class: "button secondary", href: "#/", text: t("household.back") }));
      else if (route.endsWith("/visit")) renderVisitForm(x);
      else renderHousehold(x);
    } else if (screen === "add") renderAddForm();
    else if (screen === "interview") renderInterview();
    else if (screen === "rechecks") renderRechecks();
    else if (screen === "refused") renderRefused();
    else renderHouseholds();
    if (focusSearch) $("search").focus();
    if (!passive) view.focus({ preventScroll: true });
  }

  function showSignIn(message) {
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

  const waitBadge = () => h("span", { class: "badge wait", text: t("households.waiting") });

  function badges(x) {
    const surveyed = x.surveyed === "self" || x.surveyed === "interviewer" ? `households.surveyed_${x.surveyed}` : null;
    return h("span", { class: "badges" }, h("span", { class: surveyed ? "badge done" : "badge", text: t(surveyed || "households.not_surveyed") }), x.waiting ? waitBadge() : null);
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
      h("div", { class: "heading" }, h("h2", { text: t("households.title") }), h("a", { class: "button small", href: "#/add", id: "add-household", text: t("households.add") })),
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

  /** A second tap on "save" while the first is being kept must not record the same thing twice. */
  const lock = (event) => event.target.querySelectorAll("button[type=submit]").forEach((button) => (button.disabled = true));

  function field(label, control) {
    return h("div", { class: "field" }, h("label", { for: control.id, text: label }), control);
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

  function renderHousehold(x) {
    const visits = visitsOf(x);
    const tipTitle = (id) => ((S.boot.tips.find((tip) => tip.id === id) || {}).title || id);
    const draftHere = S.draft && belongs(S.draft, x);
    const phone = x.phone ? t("household.phone", { phone: x.phone }) : null;
    const handed = (v) => [v.handedOver.leaflet ? t("visit.summary_leaflet") : null, v.handedOver.tips.length ? `${t("visit.summary_tips", { count: v.handedOver.tips.length })}: ${v.handedOver.tips.map(tipTitle).join("、")}` : null].filter(Boolean).join(" · ");
    add(
      view,
      h("a", { class: "back-link", href: "#/", text: `← ${t("household.back")}` }),
      // The bootstrap masks household numbers (138****5678): shown, not dialled.
      h("section", { class: "card" }, h("h2", { text: x.address }), h("p", { text: `${x.regionName || ""} · ${x.headName || t("households.no_head")}` }), phone ? h("p", {}, /^[+\d\s-]+$/.test(x.phone) ? h("a", { href: `tel:${x.phone}`, text: phone }) : phone) : null, badges(x)),
      h("div", { class: "actions" }, h("a", { class: "button", id: "record-visit", href: `#/h/${encodeURIComponent(x.key)}/visit`, text: t("household.record") }), draftHere ? h("a", { class: "button secondary", id: "resume-interview", href: "#/interview", text: t("household.resume") }) : null),
      h("h3", { text: t("household.visits") }),
      visits.length === 0 ? h("p", { class: "empty", text: t("household.no_visits") }) : null,
      h("ul", { class: "visits", id: "visits" }, visits.map((v) => h("li", { class: "card visit", "data-visit": v.clientId }, h("strong", { text: showTime(v.visitedAt) }), h("span", { text: ` · ${t(`visit.outcome.${v.survey}`)}` }), v.waiting ? waitBadge() : null, h("p", { class: "meta", text: handed(v) }), v.notes ? h("p", { class: "meta", text: v.notes }) : null))),
    );
  }

  function choice(type, name, value, label, checked) {
    return h("label", { class: "choice" }, h("input", { type, name, value, checked: Boolean(checked) }), h("span", { text: label }));
  }

  function renderVisitForm(x) {
    const openedAt = new Date();
    const error = h("p", { class: "error", role: "alert" });
    const time = h("input", { id: "visit-time", type: "datetime-local", value: toLocalInput(openedAt), required: true });
    const outcomes = OUTCOMES.filter((o) => o !== "interview" || (S.boot.survey && !x.surveyed));
    const form = h("form", { class: "form", id: "visit-form", novalidate: true }, field(t("visit.time"), time));
    add(
      form,
      h("fieldset", {}, h("legend", { text: t("visit.handed") }), choice("checkbox", "leaflet", "yes", t("visit.leaflet"), true), h("p", { class: "sub", text: t("visit.tips") }), S.boot.tips.map((tip) => choice("checkbox", "tip", tip.id, tip.title, false))),
      h("fieldset", { class: "outcomes" }, h("legend", { text: t("visit.survey") }), outcomes.map((o) => choice("radio", "survey", o, t(`visit.outcome.${o}`), x.surveyed && o === "none"))),
      field(t("visit.notes"), h("textarea", { id: "visit-notes", rows: "3", maxlength: "1000" })),
      error,
      h("div", { class: "actions" }, h("button", { class: "button", type: "submit", id: "save-visit", text: t("visit.save") }), h("a", { class: "button secondary", href: `#/h/${encodeURIComponent(x.key)}`, text: t("add.cancel") })),
    );
    const saveButton = form.querySelector("#save-visit");
    form.addEventListener("change", () => (saveButton.textContent = t(form.elements.survey.value === "interview" ? "visit.save_interview" : "visit.save")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      // Left at its default, the time is when the form was opened, to the second.
      const at = time.value === toLocalInput(openedAt) ? openedAt : fromLocalInput(time.value);
      if (!at || at.getTime() > Date.now() + 5 * 60_000) return void (error.textContent = t("visit.bad_time"));
      const survey = form.elements.survey.value;
      if (!survey) return void (error.textContent = t("visit.need_survey"));
      lock(event);
      const tips = Array.from(form.querySelectorAll("input[name=tip]:checked"), (input) => input.value);
      const visit = { clientId: newId("v"), ...householdRef(x), visitedAt: at.toISOString(), handedOver: { leaflet: form.querySelector("input[name=leaflet]").checked, tips }, survey, notes: form.querySelector("#visit-notes").value.trim() || null };
      await record("visits", visit);
      if (survey === "interview") startInterview(x, visit.clientId);
      else location.hash = `#/h/${encodeURIComponent(x.key)}`;
    });
    add(view, h("a", { class: "back-link", href: `#/h/${encodeURIComponent(x.key)}`, text: `← ${x.address}` }), h("h2", { text: `${t("visit.title")} · ${x.address}` }), form);
  }

  const householdRef = (x) => (x.id ? { householdId: x.id } : { householdClientId: x.clientId });

  // ------------------------------------------------------------------ interview

  function startInterview(x, visitClientId) {
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

  function renderInterview() {
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
})();
