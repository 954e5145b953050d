/*
 * What the phone keeps and sends: the officer's records in IndexedDB, what a screen shows (the
 * bootstrap plus what waits on the phone), and the one sync. Everything recorded waits in an
 * outbox with a client id and goes in one POST /field/api/sync; the server answers per item, so
 * sending twice stores nothing twice. The contract is docs/field-api.md.
 */
import { KINDS, OWNED, S, emptyBox, errorMessage, screen, t } from "./field-common.js";

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

export async function kv(mode, work) {
  const tx = (await db()).transaction("kv", mode);
  const request = work(tx.objectStore("kv"));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}
export const load = (key) => kv("readonly", (store) => store.get(key)).catch(() => undefined);

/** Everything the officer recorded, in one transaction: a crash never keeps half of a sync's outcome. */
export function save() {
  const owner = S.owner;
  if (!owner) return Promise.resolve();
  return kv("readwrite", (store) => {
    for (const key of Object.keys(OWNED)) store.put(S[key], `${key}:${owner}`);
  }).catch(() => undefined);
}

export async function loadOwner(owner) {
  S.owner = owner;
  for (const key of Object.keys(OWNED)) S[key] = (await load(`${key}:${owner}`)) ?? OWNED[key]();
  for (const kind of KINDS) for (const box of [S.outbox, S.sent]) box[kind] ??= [];
}

export const waitingCount = () => KINDS.reduce((n, kind) => n + S.outbox[kind].length, 0);
export const localRecheck = (spotCheckId) => S.outbox.rechecks.concat(S.sent.rechecks).find((r) => r.spotCheckId === spotCheckId);
export const villageName = (code) => ((S.boot && S.boot.villages.find((v) => v.code === code)) || {}).name || code;

// ------------------------------------------------------------------ what is shown: the bootstrap plus what waits on the phone

export function households() {
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

export const localHousehold = (x, waiting) => ({ ...x, key: x.id || `c:${x.clientId}`, id: x.id || null, regionName: villageName(x.regionCode), surveyed: null, lastVisitAt: null, visits: 0, waiting });

/** Does a visit or interview belong to this household (by server id, or by the client id it was added with)? */
export function belongs(item, x) {
  if (x.id && item.householdId === x.id) return true;
  const cid = item.householdClientId;
  return Boolean(cid && (cid === x.clientId || (x.id && S.ids[cid] === x.id)));
}

/** The bootstrap's visits by household, worked out once per bootstrap (an admin's list is long). */
let visitIndex = { boot: null, map: new Map() };
export function visitsOf(x) {
  if (visitIndex.boot !== S.boot) {
    visitIndex = { boot: S.boot, map: new Map() };
    for (const v of S.boot.visits) visitIndex.map.set(v.householdId, (visitIndex.map.get(v.householdId) || []).concat(v));
  }
  const byClient = new Map((visitIndex.map.get(x.id) || []).map((v) => [v.clientId, { ...v, local: false }]));
  // The phone's copies win, the outbox's last: they are newer than a bootstrap that still lists them
  // (`sent` is dropped once a later bootstrap came), so an edit shows as edited before the server lists it.
  for (const v of S.sent.visits.concat(S.outbox.visits)) {
    if (!belongs(v, x)) continue;
    const listed = byClient.get(v.clientId);
    byClient.set(v.clientId, { ...v, local: !listed, editableUntil: listed ? listed.editableUntil : null, waiting: S.outbox.visits.includes(v) });
  }
  return Array.from(byClient.values()).sort((a, b) => (a.visitedAt < b.visitedAt ? 1 : -1));
}

/**
 * May the officer change this visit? While it waits, always; once on the server, until its
 * `editableUntil`. One sent but not yet listed by a bootstrap was stored moments ago: the server
 * still takes an edit (and answers too-late itself should the phone's clock be wrong).
 */
export function editable(v) {
  if (v.waiting || v.local) return true;
  return Boolean(v.editableUntil) && Date.parse(v.editableUntil) > Date.now();
}

export function findHousehold(key) {
  const all = households();
  let found = all.find((x) => x.key === key);
  // Added offline and sent since: the page the officer is on now has the server's id.
  if (!found && key.startsWith("c:")) found = all.find((x) => x.id && x.id === S.ids[key.slice(2)]);
  return found || null;
}

// ------------------------------------------------------------------ talking to the server

/** A request given up after `ms`: on a failing mobile network a fetch can hang for good, and a hung sync would block every later one. */
export async function call(path, options, ms = 30_000) {
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
export async function refresh() {
  const startedAt = Date.now();
  const result = await call(`/field/api/bootstrap?lang=${encodeURIComponent(S.lang)}`).catch(() => null);
  if (!result) return false;
  if (result.status === 401 || result.status === 403) {
    S.signedOut = true;
    if (!S.boot) screen.showSignIn(errorMessage(result.body));
    else screen.renderStatus();
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
  screen.render(true);
  return true;
}

/** Sends every waiting item in one request. One sync at a time; asked again meanwhile, it runs once more after. */
export async function sync() {
  if (!S.boot) return;
  if (S.syncing) return void (S.again = true);
  S.syncing = true;
  S.note = "";
  screen.renderStatus();
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
    screen.renderStatus();
    if (!refreshed) screen.render(true);
  }
  if (S.again) {
    S.again = false;
    if (navigator.onLine && waitingCount() > 0) await sync();
  }
}

/** Applies the server's answer to what was sent: taken items leave the outbox, refused ones wait for the officer to read why. */
export function settle(sentBody, results) {
  // The very objects sent: an edit recorded while they were on the way keeps its client id and must stay.
  const done = new Set();
  for (const kind of KINDS) {
    for (const r of results[kind] || []) {
      const item = sentBody[kind].find((x) => x.clientId === r.clientId);
      if (!item) continue;
      if (r.status === "refused") {
        S.refused.push({ kind, item, reason: r.reason || null, message: r.message || r.reason || "", at: new Date().toISOString() });
        done.add(item);
      } else if (r.status === "stored" || r.status === "updated" || r.status === "duplicate") {
        if (kind === "households" && r.id) S.ids[item.clientId] = r.id;
        S.sent[kind].push(r.id ? { ...item, id: r.id } : item);
        done.add(item);
      }
    }
  }
  S.sentAt = Date.now();
  for (const kind of KINDS) S.outbox[kind] = S.outbox[kind].filter((x) => !done.has(x)).map(withServerIds);
  // In place: the interview on screen holds this very object and keeps adding inputs to it.
  const cid = S.draft && S.draft.householdClientId;
  if (cid && S.ids[cid]) {
    S.draft.householdId = S.ids[cid];
    delete S.draft.householdClientId;
  }
}

export function withServerIds(item) {
  const { householdClientId, ...rest } = item;
  return householdClientId && S.ids[householdClientId] ? { ...rest, householdId: S.ids[householdClientId] } : item;
}

export const requestSync = () => navigator.onLine && void sync();

/**
 * Adds an item to the outbox, keeps it, shows it, and sends it when there is a network. An item
 * with the client id of one still waiting (an edited visit) takes its place: only the latest
 * content is sent, and the server treats the same client id with new content as an edit.
 */
export async function record(kind, item) {
  const ready = withServerIds(item);
  const at = S.outbox[kind].findIndex((x) => x.clientId === item.clientId);
  if (at >= 0) S.outbox[kind][at] = ready;
  else S.outbox[kind].push(ready);
  await save();
  screen.renderStatus();
  requestSync();
}
