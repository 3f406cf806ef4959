// The service worker: keeps the app shell, the checklists and the pages an officer opened
// on the phone, so a visit can be started, answered and submitted with no signal; and
// sends the outbox when the connection returns (Background Sync where the browser has it).
//
// The server writes VERSION, SHELL_URLS and PAGE_URLS above this file when it sends /sw.js
// (fieldapp/web/offline/worker.py): the files kept as the app shell, a hash of them and of
// this file, and the pages kept from the start (the outbox, the indicator guide). A release
// that changes any of them changes /sw.js, so the browser installs the new worker at its
// next check; that worker keeps the new files under a new name and drops the old copy. The
// outbox is in IndexedDB (outbox.js), which no update touches.
/* global VERSION, SHELL_URLS, PAGE_URLS */
import { PAGES, PAGES_PREFIX } from '/static/js/kept-pages.js'
import { sendAll } from '/static/js/outbox.js'

const SHELL_PREFIX = 'fieldapp-shell-'
const SHELL = SHELL_PREFIX + VERSION
// The kept pages outlive a release (an officer's kept visit forms stay usable offline):
// their name (PAGES) changes only when the pages themselves must be fetched again.
// Pages worth keeping for use without a signal: these, and PAGE_URLS. Nothing else is
// stored on the phone.
const KEEP = [/^\/$/, /^\/premises\/$/, /^\/premises\/\d+\/visits\/new$/]

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const shell = await caches.open(SHELL)
    // Straight from the server: the browser's HTTP cache may still hold the last release.
    await shell.addAll(SHELL_URLS.map((url) => new Request(url, { cache: 'reload' })))
    const pages = await caches.open(PAGES)
    await Promise.allSettled(PAGE_URLS.map((url) => cachePage(pages, url)))
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    // Only older copies of the shell, and pages kept under an older name, go. The outbox
    // is not in Cache Storage, so nothing here can touch it.
    for (const name of await caches.keys()) {
      if (name.startsWith(PAGES_PREFIX) && name !== PAGES) await keepAgain(name)
      if (name.startsWith(SHELL_PREFIX) && name !== SHELL) await caches.delete(name)
    }
    await self.clients.claim()
  })())
})

async function cachePage (cache, url) {
  const response = await fetch(url, { credentials: 'same-origin', redirect: 'manual' })
  // Only real pages: never a redirect to sign-in or an error.
  if (response.ok && response.type === 'basic') await cache.put(url, response)
  return response
}

// Answers that mean a kept page is gone for good (its premises removed, or no longer this
// officer's to visit), not that it could not be fetched just now.
const GONE = new Set([403, 404, 410])

// Pages kept under an older name are fetched again, as they are now, under the new one, so
// an officer's kept visit forms stay usable offline. One that cannot be fetched now (no
// signal, signed out, a server error) keeps its old copy rather than vanish; then the old
// cache goes.
async function keepAgain (name) {
  const [old, pages] = await Promise.all([caches.open(name), caches.open(PAGES)])
  await Promise.allSettled((await old.keys()).map(async (request) => {
    const path = new URL(request.url).pathname
    let response = null
    try { response = await cachePage(pages, path) } catch (error) { /* no connection */ }
    if (response && (response.ok || GONE.has(response.status))) return
    const copy = await old.match(request)
    if (copy && !(await pages.match(path))) await pages.put(path, copy)
  }))
  await caches.delete(name)
}

function keep (url) {
  if (url.origin !== self.location.origin) return false
  return PAGE_URLS.includes(url.pathname) || KEEP.some((pattern) => pattern.test(url.pathname))
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (url.pathname.startsWith('/static/')) {
    // From this release's shell only, never an older copy still on the phone.
    event.respondWith(caches.open(SHELL)
      .then((shell) => shell.match(request, { ignoreSearch: true }))
      .then((hit) => hit || fetch(request)))
    return
  }
  if (request.mode === 'navigate' || keep(url)) {
    event.respondWith(networkFirst(request, url))
  }
})

async function networkFirst (request, url) {
  const pages = await caches.open(PAGES)
  try {
    const response = await fetch(request)
    if (response.ok && !response.redirected && keep(url) && !url.search) {
      await pages.put(url.pathname, response.clone())
    }
    return response
  } catch (error) {
    const hit = await pages.match(url.pathname)
    if (hit) return hit
    if (request.mode === 'navigate') {
      const offline = await pages.match('/offline')
      if (offline) return offline
    }
    throw error
  }
}

self.addEventListener('message', (event) => {
  const data = event.data || {}
  if (data.type === 'keep-pages') {
    // The page lists nearby premises: keep their visit forms for use without a signal.
    event.waitUntil(caches.open(PAGES).then((pages) =>
      Promise.allSettled((data.urls || []).map((url) => cachePage(pages, url)))
    ))
  } else if (data.type === 'forget-pages') {
    // Signing out: another officer may use this phone next.
    event.waitUntil(caches.delete(PAGES))
  } else if (data.type === 'send-outbox') {
    event.waitUntil(sendAll().then((outcome) => tell(outcome)))
  }
})

self.addEventListener('sync', (event) => {
  if (event.tag === 'send-outbox') {
    event.waitUntil(sendAll().then((outcome) => {
      tell(outcome)
      // Retried later by the browser: no connection, or no room on the server yet.
      if (outcome.state === 'offline' || outcome.state === 'storage_full') throw new Error('not sent yet')
    }))
  }
})

async function tell (outcome) {
  for (const client of await self.clients.matchAll()) client.postMessage({ type: 'outbox', outcome })
}
