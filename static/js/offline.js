// On every page for officers: the service worker, the "waiting to be sent" banner, sending
// the outbox when the connection returns, and a warning before signing out with unsent
// visits.
import { count, sendAll } from './outbox.js'

const me = document.body.dataset.userId
const banner = document.getElementById('outbox-banner')

export async function refreshBanner (state) {
  if (!banner || !me) return 0
  let waiting = 0
  try { waiting = await count(me) } catch (error) { return 0 }
  const text = banner.querySelector('[data-outbox-text]')
  if (!waiting) {
    banner.hidden = true
    return 0
  }
  banner.hidden = false
  const visits = waiting === 1 ? '1 visit is' : `${waiting} visits are`
  let message = `${visits} saved on this phone and waiting to be sent.`
  if (state === 'signed_out') message += ' Sign in again to send.'
  else if (state === 'storage_full') message += ' The service is out of storage: they will send when there is room. Tell your administrator.'
  else if (state === 'offline' || !navigator.onLine) message += ' They will send when there is a connection.'
  text.textContent = message
  return waiting
}

let sending = null
export function sendNow () {
  if (!me) return Promise.resolve()
  if (!sending) {
    sending = sendAll(me)
      .then((outcome) => refreshBanner(outcome.state).then(() => outcome))
      .then((outcome) => {
        // A page showing a visit saved on this phone listens, to become its stored result.
        if (outcome.sent) document.dispatchEvent(new CustomEvent('fieldapp:outbox-sent', { detail: outcome }))
        return outcome
      })
      .finally(() => { sending = null })
  }
  return sending
}

if (me) {
  if ('serviceWorker' in navigator) {
    // updateViaCache 'none': the worker and the module it imports (outbox.js) always come
    // from the server when the browser checks for a new one, never from its HTTP cache.
    const options = { type: 'module', scope: '/', updateViaCache: 'none' }
    navigator.serviceWorker.register('/sw.js', options).then(async (registration) => {
      // A new release reaches the phone on its first page with a signal: /sw.js changes
      // whenever a kept file does, and asking now beats waiting for the browser to.
      if (navigator.onLine) registration.update().catch(() => { /* the next page asks again */ })
      if ('sync' in registration) {
        try { await registration.sync.register('send-outbox') } catch (error) { /* not allowed */ }
      }
    }).catch(() => { /* pages still work without it */ })
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'outbox') {
        refreshBanner(event.data.outcome.state)
        if (event.data.outcome.sent) document.dispatchEvent(new CustomEvent('fieldapp:outbox-sent', { detail: event.data.outcome }))
      }
    })
  }
  const sendButton = banner && banner.querySelector('[data-action="send-outbox"]')
  if (sendButton) sendButton.addEventListener('click', () => sendNow())
  window.addEventListener('online', () => sendNow())
  window.addEventListener('offline', () => refreshBanner('offline'))
  setInterval(() => { if (navigator.onLine) sendNow() }, 30000)
  refreshBanner().then((waiting) => { if (waiting) sendNow() })
  document.addEventListener('fieldapp:outbox-changed', () => refreshBanner(navigator.onLine ? undefined : 'offline'))

  // Signing out with unsent visits: warn, and only go ahead once the officer confirms.
  const signOut = document.querySelector('.app-header__signout')
  if (signOut) {
    signOut.addEventListener('submit', async (event) => {
      if (signOut.dataset.confirmed) return
      event.preventDefault()
      const waiting = await refreshBanner()
      if (waiting && !document.getElementById('signout-warning')) {
        const warning = document.createElement('div')
        warning.id = 'signout-warning'
        warning.className = 'govuk-error-summary'
        warning.setAttribute('role', 'alert')
        warning.tabIndex = -1
        const title = document.createElement('h2')
        title.className = 'govuk-error-summary__title'
        title.textContent = `${waiting === 1 ? '1 visit has' : waiting + ' visits have'} not been sent yet`
        const body = document.createElement('p')
        body.className = 'govuk-body'
        body.textContent = 'If you sign out they stay on this phone, but only you can send them, after you sign in again. Send them first if you can.'
        const anyway = document.createElement('button')
        anyway.type = 'button'
        anyway.className = 'govuk-button govuk-button--warning'
        anyway.textContent = 'Sign out anyway'
        anyway.addEventListener('click', () => finishSignOut())
        warning.append(title, body, anyway)
        document.querySelector('main').prepend(warning)
        warning.focus()
        return
      }
      if (!waiting) finishSignOut()
    })
    function finishSignOut () {
      if (navigator.serviceWorker && navigator.serviceWorker.controller) {
        navigator.serviceWorker.controller.postMessage({ type: 'forget-pages' })
      }
      signOut.dataset.confirmed = '1'
      signOut.requestSubmit()
    }
  }
}
