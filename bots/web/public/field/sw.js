/*
 * Service worker of the officers' phone page (scope /field): keeps the page's own files so that
 * it opens with no network. The API is never cached here: the page keeps its data in IndexedDB
 * and decides itself what to do when a request fails.
 *
 * Bump VERSION when a file changes (or let the server stamp it): a changed worker installs a
 * fresh cache and drops the old ones, so a phone never mixes two releases' files.
 */
"use strict";

const VERSION = "anxin-field-v1";
const SHELL = "/field";
/** The page's modules are listed one by one: a module the cache lacks would leave the page blank offline. */
const SCRIPTS = ["field.js", "field-common.js", "field-store.js", "field-household.js", "field-interview.js", "engine.js"].map((name) => `/field/static/${name}`);
const FILES = [SHELL, ...SCRIPTS, "/field/static/field.css", "/field/manifest.webmanifest"];
/** Served by the web chat, which an office may have turned off: nice to have, never a reason not to install. */
const EXTRAS = ["/web/static/icon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      // "reload": the copy kept for offline use must be the server's current one, not the HTTP cache's.
      .then((cache) =>
        Promise.all([
          cache.addAll(FILES.map((url) => new Request(url, { cache: "reload", credentials: "same-origin" }))),
          ...EXTRAS.map((url) => cache.add(new Request(url, { cache: "reload" })).catch(() => undefined)),
        ]),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("anxin-field-") && name !== VERSION).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Network only: the page handles a failed API call (and must never see a stale bootstrap as fresh).
  if (url.pathname.startsWith("/field/api/")) return;
  if (request.mode === "navigate" && (url.pathname === SHELL || url.pathname === SHELL + "/")) {
    // ?lang= and the #route are the page's business: every /field navigation is the same shell.
    event.respondWith(fromCache(SHELL, request));
    event.waitUntil(refreshFiles());
    return;
  }
  if (FILES.indexOf(url.pathname) >= 0 || EXTRAS.indexOf(url.pathname) >= 0) event.respondWith(fromCache(url.pathname, request));
});

/** Cache first; on a miss (a cache cleared by the browser) the network, keeping what it brings. */
function fromCache(key, request) {
  return caches.open(VERSION).then((cache) =>
    cache.match(key).then(
      (hit) =>
        hit ||
        fetch(request).then((response) => {
          if (response.ok && response.type === "basic") cache.put(key, response.clone());
          return response;
        }),
    ),
  );
}

let refreshedAt = 0;

/**
 * A release that changes the page's files but not this worker would otherwise never reach a phone
 * that opens the page from its cache. So, at most every ten minutes, an opened page fetches the
 * files again in the background (engine.js answers 304 while unchanged) and keeps them only when
 * every one came back: the next opening then has the new release whole, never half of it.
 */
function refreshFiles() {
  if (Date.now() - refreshedAt < 10 * 60 * 1000) return Promise.resolve();
  refreshedAt = Date.now();
  return Promise.all(FILES.map((url) => fetch(new Request(url, { cache: "no-cache", credentials: "same-origin" }))))
    .then((responses) => {
      if (!responses.every((response) => response.ok)) return undefined;
      return caches.open(VERSION).then((cache) => Promise.all(FILES.map((url, i) => cache.put(url, responses[i]))));
    })
    .catch(() => undefined);
}
