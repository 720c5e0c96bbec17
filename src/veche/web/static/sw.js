/* veche's service worker, registered by offline.js on veche's own thread pages only.
 *
 * It keeps the last threads a reader opened readable on a cut network: thread pages go to
 * the network first and a copy is kept, stamped with the time it was saved; when the
 * network fails, the copy is served with that time in a <meta> for offline.js to show.
 * Only the shared body is kept (what an anonymous reader gets, no tokens, no name): a
 * signed-in reader's page is fetched once more without cookies for it. Static files are
 * served from the cache and revalidated. Signing out forgets every saved thread.
 */
"use strict";

const PAGES = "veche-pages-v1";
const STATIC = "veche-static-v1";
const KEEP = 10;             // threads kept, the least recently visited go first
const PAGES_PER_THREAD = 5;  // a thread's pages (sort orders, permalinks) kept
const ASSETS = ["/static/veche.css", "/static/veche.js", "/static/offline.js"];
const THREAD = /^\/stories\/(\d+)(?:\/comments\/\d+)?$/;
const SHARED_PARAMS = ["sort", "after", "replies", "tab"];  // any other (reply, edit) is per viewer
const SIGNOUT = ["/signout", "/api/v1/auth/signout"];
const SAVED = "X-Veche-Saved";
const KEPT_HEADERS = [
  "Content-Type", "Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
  "X-Frame-Options",
];  // the copy is served under the same CSP as the page was
const TOKEN = /data-csrf="[^"]|name="csrf" value="[^"]/;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((c) => c.addAll(ASSETS)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("veche-") && name !== PAGES && name !== STATIC) await caches.delete(name);
    }
    await self.clients.claim();
    // The page that registered this worker was loaded before it: keep that one too.
    for (const client of await self.clients.matchAll({ type: "window" })) {
      const url = new URL(client.url);
      if (savable(url)) await save(url, null).catch(() => {});
    }
  })());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && SIGNOUT.includes(url.pathname)) {
    // Forget first: on a shared phone the next reader must not find these threads.
    event.respondWith(forget().catch(() => {}).then(() => fetch(request)));
  } else if (request.method !== "GET") {
    return;
  } else if (request.mode === "navigate" && savable(url)) {
    event.respondWith(page(event, url));
  } else if (url.pathname.startsWith("/static/") || /^\/sites\/[^/]+\/theme\.css$/.test(url.pathname)) {
    event.respondWith(asset(event));  // a site's theme too: a saved thread keeps its look
  }
});

/** A thread page whose HTML is the same for every reader: no per-viewer form is open. */
function savable(url) {
  return THREAD.test(url.pathname) && [...url.searchParams.keys()].every((k) => SHARED_PARAMS.includes(k));
}

function keyOf(url) {
  return url.origin + url.pathname + url.search;
}

async function page(event, url) {
  try {
    const response = await fetch(event.request);
    if (response.status === 200) event.waitUntil(save(url, response.clone()).catch(() => {}));
    return response;
  } catch (err) {
    const copy = await savedCopy(url);
    if (copy) return copy;
    throw err;  // never visited: the browser's own offline page
  }
}

/** Keeps the shared body of `url`: the response itself when it is public (an anonymous
 * reader's), otherwise the same page fetched again without cookies. */
async function save(url, response) {
  if (!response || !isShared(response)) {
    response = await fetch(keyOf(url), { credentials: "omit", cache: "no-cache" });
    if (!isShared(response)) return;
  }
  const body = await response.text();
  if (TOKEN.test(body)) return;  // a token in it: per viewer after all, never stored
  const headers = new Headers({ [SAVED]: new Date().toISOString() });
  for (const name of KEPT_HEADERS) {
    const value = response.headers.get(name);
    if (value) headers.set(name, value);
  }
  const cache = await caches.open(PAGES);
  await cache.put(keyOf(url), new Response(body, { status: 200, headers }));
  await prune(cache);
}

function isShared(response) {
  const control = response.headers.get("Cache-Control") || "";
  return response.status === 200 && response.type === "basic" && /\bpublic\b/.test(control) &&
    (response.headers.get("Content-Type") || "").startsWith("text/html");
}

/** Newest first, at most KEEP threads and PAGES_PER_THREAD pages of each. */
async function prune(cache) {
  const entries = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    const story = THREAD.exec(new URL(request.url).pathname);
    const at = Date.parse(response ? response.headers.get(SAVED) : "") || 0;
    entries.push({ request, story: story ? story[1] : "", at });
  }
  entries.sort((a, b) => b.at - a.at);
  const kept = new Map();
  for (const e of entries) {
    const n = kept.get(e.story);
    if (n === undefined ? kept.size >= KEEP : n >= PAGES_PER_THREAD) await cache.delete(e.request);
    else kept.set(e.story, (n || 0) + 1);
  }
}

/** The saved copy of this page, or of its thread's first page, marked with its time. */
async function savedCopy(url) {
  const cache = await caches.open(PAGES);
  const thread = url.origin + "/stories/" + THREAD.exec(url.pathname)[1];
  const stored = (await cache.match(keyOf(url))) || (await cache.match(thread));
  if (!stored) return null;
  const at = stored.headers.get(SAVED);
  const html = (await stored.text()).replace("<head>", '<head><meta name="veche-saved" content="' + at + '">');
  return new Response(html, { status: 200, headers: stored.headers });
}

function forget() {
  return caches.delete(PAGES);
}

/** Network first, like pages: after a deploy the page and its script must agree, so the
 *  stored copy is only for when the network is gone. */
async function asset(event) {
  const cache = await caches.open(STATIC);
  try {
    const response = await fetch(event.request);
    if (response.status === 200 && response.type === "basic") {
      event.waitUntil(cache.put(event.request, response.clone()).catch(() => {}));
    }
    return response;
  } catch (err) {
    const hit = await cache.match(event.request);
    if (hit) return hit;
    throw err;
  }
}
