// The outbox: visits submitted on this phone and not yet stored by the server. Kept in
// IndexedDB (which survives closing the tab, a crash or a flat battery) and sent by the
// page or the service worker. A visit's id is minted on the phone, so sending it twice is
// harmless: the server returns the stored visit.

const DB_NAME = 'fieldapp'
const STORE = 'outbox'

function openDb () {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1)
    request.onupgradeneeded = () => {
      const store = request.result.createObjectStore(STORE, { keyPath: 'visit_id' })
      store.createIndex('user_id', 'user_id')
    }
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
}

async function withStore (mode, work) {
  const db = await openDb()
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode)
    const result = work(tx.objectStore(STORE))
    tx.oncomplete = () => { db.close(); resolve(result && 'result' in result ? result.result : result) }
    tx.onerror = () => { db.close(); reject(tx.error) }
    tx.onabort = () => { db.close(); reject(tx.error) }
  })
}

export function put (item) {
  return withStore('readwrite', (store) => store.put(item))
}

export function remove (visitId) {
  return withStore('readwrite', (store) => store.delete(visitId))
}

// Only ever this officer's visits: a shared phone never shows one officer's outbox to another.
export function list (userId) {
  return withStore('readonly', (store) => store.index('user_id').getAll(Number(userId)))
}

export async function count (userId) {
  return (await list(userId)).length
}

async function session () {
  let response
  try {
    response = await fetch('/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
  } catch (error) {
    return { offline: true }
  }
  if (response.status === 401) return { signedOut: true }
  if (!response.ok) return { offline: true }
  return response.json()
}

function formData (item, token) {
  const data = new FormData()
  for (const [name, value] of item.fields) data.append(name, value)
  data.set('csrf_token', token)
  for (const photo of item.photos || []) data.append('photos', photo.blob, photo.name)
  return data
}

// Send one visit. Returns {status: 'stored'|'invalid'|'conflict'|'signed_out'|'storage_full'|
// 'offline', body}.
export async function sendOne (item, token) {
  let response
  try {
    response = await fetch(item.url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': token },
      body: formData(item, token)
    })
  } catch (error) {
    return { status: 'offline' }
  }
  let body = null
  try { body = await response.json() } catch (error) { body = null }
  if (response.status === 200 || response.status === 201) return { status: 'stored', body }
  if (response.status === 401) return { status: 'signed_out', body }
  if (response.status === 409) return { status: 'conflict', body }
  // The server has no room to store it: kept here and sent again later, like offline.
  if (response.status === 507) return { status: 'storage_full', body }
  if (response.status === 400 && body && body.reason === 'csrf') return { status: 'stale_token', body }
  if (response.status === 400 && body && body.errors) return { status: 'invalid', body }
  return { status: 'offline', body } // 5xx, a proxy's error page: try again later
}

// Send every waiting visit of the signed-in officer. Safe to run from several tabs and the
// service worker at once: the server keeps one copy of each visit.
export async function sendAll (expectedUserId) {
  const who = await session()
  if (who.offline) return { sent: 0, state: 'offline' }
  if (who.signedOut) return { sent: 0, state: 'signed_out' }
  if (expectedUserId && Number(expectedUserId) !== who.user_id) return { sent: 0, state: 'other_user' }
  let token = who.csrf_token
  let sent = 0
  for (const item of await list(who.user_id)) {
    let outcome = await sendOne(item, token)
    if (outcome.status === 'stale_token') {
      const fresh = await session()
      if (!fresh.csrf_token) return { sent, state: 'signed_out' }
      token = fresh.csrf_token
      outcome = await sendOne(item, token)
    }
    if (outcome.status === 'stored') {
      await remove(item.visit_id)
      sent++
    } else if (outcome.status === 'invalid' || outcome.status === 'conflict') {
      item.problem = outcome.status === 'invalid'
        ? Object.values(outcome.body.errors).join(' ')
        : outcome.body.error
      await put(item) // kept, and shown on the outbox page, until the officer deals with it
    } else if (outcome.status === 'signed_out') {
      return { sent, state: 'signed_out' }
    } else if (outcome.status === 'storage_full') {
      return { sent, state: 'storage_full' }
    } else {
      return { sent, state: 'offline' }
    }
  }
  return { sent, state: 'done' }
}
