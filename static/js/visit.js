// The visit form on a phone: capture the location with its accuracy, let the officer place
// the premises on a map, keep every answer on the device as it is typed, check photo sizes
// before anything is uploaded, stop a visit with too little checked unless the officer
// says why, and show the result worked out on the phone while the visit waits to be sent.
import { distanceM, getFix, pickOnMap } from './location.js'
import { list, put, remove, sendAll } from './outbox.js'
import { answersFromFields, evaluateVisit, routesFor } from './assessment.js'
import { showFieldError } from './form-error.js'
import { provisionalResult } from './provisional.js'

const form = document.getElementById('visit-form')
const data = form.dataset
const limit = Number(data.accuracyLimit)
const mismatchDistance = Number(data.mismatchDistance) // the server's own figure
const field = (name) => form.elements.namedItem(name)
const status = document.getElementById('location-status')
const locateButton = form.querySelector('[data-action="locate"]')
const mapButton = form.querySelector('[data-action="pick-on-map"]')
const mapBox = document.getElementById('location-map')

function fromPremises (lat, lon) {
  if (data.premisesLat === '') return ''
  const metres = Math.round(distanceM(lat, lon, Number(data.premisesLat), Number(data.premisesLon)))
  const warning = metres > mismatchDistance ? ` That is more than ${mismatchDistance} m away: the visit will be marked as a location mismatch.` : ''
  return ` You are ${metres} m from where this premises is recorded.${warning}`
}

function setLocation (method, lat, lon, accuracy, fixAt) {
  field('location_method').value = method
  field('latitude').value = lat.toFixed(6)
  field('longitude').value = lon.toFixed(6)
  field('accuracy_m').value = accuracy === null ? '' : Math.round(accuracy)
  field('fix_at').value = fixAt || ''
  saveDraft()
}

async function locate () {
  locateButton.disabled = true
  status.textContent = 'Finding your location…'
  try {
    const fix = await getFix()
    const { latitude, longitude, accuracy } = fix.coords
    setLocation('gps', latitude, longitude, accuracy, new Date(fix.timestamp).toISOString())
    if (accuracy > limit) {
      status.innerHTML = ''
      const strong = document.createElement('strong')
      strong.textContent = `Location is only accurate to ${Math.round(accuracy)} m (more than ${limit} m).`
      status.append(strong, ' Try again, place the premises on the map, or say why below.')
    } else {
      status.textContent = `Location found, accurate to ${Math.round(accuracy)} m.${fromPremises(latitude, longitude)}`
    }
  } catch (error) {
    status.textContent = error.message
    if (!field('latitude').value) field('location_method').value = 'none'
  } finally {
    locateButton.disabled = false
    locateButton.textContent = 'Try again'
  }
}

async function showMap () {
  const start = field('latitude').value
    ? [Number(field('latitude').value), Number(field('longitude').value)]
    : (data.premisesLat !== '' ? [Number(data.premisesLat), Number(data.premisesLon)] : [52.63, -1.13])
  try {
    await pickOnMap(mapBox, start, (lat, lon) => {
      setLocation('map', lat, lon, null, null)
      status.textContent = `Placed on the map by hand.${fromPremises(lat, lon)}`
    })
    status.textContent = 'Tap the map where the premises is.'
  } catch (error) {
    status.textContent = `${error.message} Say why there is no location below.`
  }
}

if ('geolocation' in navigator) {
  locateButton.hidden = false
  locateButton.addEventListener('click', locate)
}
mapButton.hidden = false
mapButton.addEventListener('click', showMap)

// --- Answers are kept on this device until the visit is stored -------------------------------
const draftKey = `fieldapp:${data.userId}:draft:${data.premisesId}`
const skip = new Set(['csrf_token', 'staged_photo', 'photos'])

function collect () {
  const fields = {}
  for (const el of form.elements) {
    if (!el.name || skip.has(el.name) || el.type === 'file' || el.type === 'submit') continue
    if ((el.type === 'radio' || el.type === 'checkbox') && !el.checked) continue
    fields[el.name] = el.value
  }
  return fields
}

function writeDraft () {
  try {
    window.localStorage.setItem(draftKey, JSON.stringify({ savedAt: new Date().toISOString(), fields: collect() }))
  } catch (error) { /* storage full or blocked: the form still works */ }
}

let timer = null
function saveDraft () {
  clearTimeout(timer)
  timer = setTimeout(writeDraft, 250)
}

// Typing is saved after a short pause; leaving the page, hiding the tab or sending the
// form saves at once, so nothing typed in the last moment is lost.
window.addEventListener('pagehide', writeDraft)
document.addEventListener('visibilitychange', () => { if (document.hidden) writeDraft() })
form.addEventListener('submit', writeDraft)

function restore (fields) {
  for (const el of form.elements) {
    if (!el.name || skip.has(el.name) || !(el.name in fields)) continue
    if (el.type === 'radio' || el.type === 'checkbox') {
      el.checked = fields[el.name] === el.value
      el.dispatchEvent(new Event('change', { bubbles: true })) // reveals follow-ups
    } else {
      el.value = fields[el.name]
    }
  }
}

function offerRestored (savedAt) {
  const banner = document.getElementById('draft-banner')
  const text = document.getElementById('draft-banner-text')
  const time = new Date(savedAt).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  text.textContent = `Your unsent answers from ${time} have been put back. `
  const discard = document.createElement('button')
  discard.type = 'button'
  discard.className = 'govuk-button govuk-button--secondary govuk-!-margin-bottom-0'
  discard.textContent = 'Start again instead'
  discard.addEventListener('click', () => {
    window.localStorage.removeItem(draftKey)
    window.location.reload()
  })
  text.append(discard)
  banner.hidden = false
}

const saved = JSON.parse(window.localStorage.getItem(draftKey) || 'null')
if (data.fresh === 'true' && !(saved && saved.fields) && window.crypto && crypto.randomUUID) {
  // The phone mints the visit's id and time: this page may have come from the phone's own
  // store, opened many times, with no signal to ask the server for new ones.
  field('visit_id').value = crypto.randomUUID()
  field('visited_at').value = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')
}
if (data.fresh === 'true' && saved && saved.fields) {
  restore(saved.fields)
  offerRestored(saved.savedAt)
  if (saved.fields.latitude) {
    const accuracy = saved.fields.accuracy_m ? `, accurate to ${saved.fields.accuracy_m} m` : ''
    status.textContent = `Location captured${accuracy}.`
  }
} else {
  saveDraft()
}
form.addEventListener('input', saveDraft)
form.addEventListener('change', saveDraft)

if (data.fresh === 'true' && !field('latitude').value && 'geolocation' in navigator) {
  locate()
}

// --- Photos are checked here first so a big file fails now, not after a long upload --------
const photos = document.getElementById('photos')
const photoError = document.getElementById('photos-error')
const maxBytes = Number(data.photoMaxBytes)
const maxCount = Number(data.photoMaxCount)

photos.addEventListener('change', () => {
  const kept = form.querySelectorAll('input[name="staged_photo"]').length
  let message = ''
  if (photos.files.length + kept > maxCount) {
    message = `Attach ${maxCount} photos or fewer.`
  }
  for (const file of photos.files) {
    if (!file.type.startsWith('image/')) {
      message = `${file.name} is not a photo. Choose a JPEG, PNG or WebP image.`
    } else if (file.size > maxBytes) {
      message = `${file.name} is ${(file.size / 1048576).toFixed(1)} MB. Each photo must be ${Math.floor(maxBytes / 1048576)} MB or smaller.`
    }
  }
  const group = photos.closest('.govuk-form-group')
  if (message) {
    photos.value = ''
    photoError.querySelector('[data-error-text]').textContent = message
    photoError.hidden = false
    group.classList.add('govuk-form-group--error')
  } else {
    photoError.hidden = true
    group.classList.remove('govuk-form-group--error')
  }
})


// --- Submitting: into the outbox first, then to the server --------------------------------
// The visit is written to the phone's outbox before anything is sent, so a dropped signal,
// a server restart or an expired sign-in cannot lose it. "Submitted" is only ever shown
// by the server's own result page.
function fieldsForOutbox () {
  const fields = []
  for (const [name, value] of new FormData(form)) {
    if (value instanceof File || name === 'csrf_token') continue
    fields.push([name, value])
  }
  return fields
}

// What the phone downloaded to work offline (the service worker keeps it), or null.
async function phoneReference () {
  try {
    const response = await fetch('/api/checklists.json', { credentials: 'same-origin' })
    return response.ok ? await response.json() : null
  } catch (error) {
    return null
  }
}

// Asked for as the page opens, so sending does not wait for it (again then if it failed).
let referenceLoad = phoneReference()

// The result worked out on this phone, or null when it cannot be (the server decides).
function provisional (reference, fields) {
  const checklist = reference && reference.checklists[data.sector]
  if (!checklist || !fields.visited_at) return null
  try {
    return evaluateVisit(reference, data.sector, answersFromFields(checklist, fields), fields.visited_at)
  } catch (error) {
    return null
  }
}

async function submitThroughOutbox (event) {
  if (form.dataset.nativeSubmit || data.amend === 'true' || !window.indexedDB) return
  event.preventDefault()
  const button = form.querySelector('button[type="submit"]')
  button.disabled = true
  const fields = fieldsForOutbox()
  const named = Object.fromEntries(fields)
  let reference = await referenceLoad
  if (!reference) reference = await (referenceLoad = phoneReference())
  const result = provisional(reference, named)
  const excused = reference && Object.hasOwn(reference.outcome_reasons, named.outcome_reason || '')
  if (result && !result.judged && !excused) {
    // Too little checked to judge and no reason why: the server would refuse it, so say
    // so now, in the server's words, even with no signal.
    button.disabled = false
    document.getElementById('outcome-warning').hidden = false
    showFieldError('outcome_reason', reference.too_little_message, document.getElementById('draft-banner'))
    return
  }
  const visitId = field('visit_id').value
  const item = {
    visit_id: visitId,
    user_id: Number(data.userId),
    premises_id: Number(data.premisesId),
    premises_name: data.premisesName,
    sector: data.sector,
    url: window.location.pathname,
    fields,
    photos: [...photos.files].map((file) => ({ name: file.name, type: file.type, blob: file })),
    queued_at: new Date().toISOString()
  }
  try {
    await put(item)
  } catch (error) {
    form.dataset.nativeSubmit = '1' // no storage on this phone: send the ordinary way
    form.requestSubmit()
    return
  }
  window.localStorage.removeItem(draftKey) // the outbox holds it now
  const outcome = await sendAll(data.userId)
  const waiting = (await list(data.userId)).find((i) => i.visit_id === visitId)
  if (!waiting) {
    window.location.assign(`/visits/${visitId}`)
  } else if (waiting.problem) {
    // The server found something to fix: send the form the ordinary way so its page shows
    // each problem next to its field, with everything typed kept. The answers go back
    // into the draft first, and the form gets a fresh token (this page may have come from
    // the phone's store), so even a failed send loses nothing.
    writeDraft()
    await remove(visitId)
    try {
      const who = await (await fetch('/api/session', { credentials: 'same-origin', headers: { Accept: 'application/json' } })).json()
      if (who.csrf_token) form.elements.namedItem('csrf_token').value = who.csrf_token
    } catch (error) { /* keep the page's own token */ }
    form.dataset.nativeSubmit = '1'
    button.disabled = false
    form.requestSubmit()
  } else {
    showProvisional(outcome.state, reference, result, named.outcome_reason || '')
    becomeStoredWhenSent(visitId)
  }
}

// Once the outbox has sent this visit (the connection came back, now or in the
// background), open its stored result: the only place to record a referral.
function becomeStoredWhenSent (visitId) {
  let done = false
  const check = async () => {
    if (done) return
    let waiting
    try {
      waiting = (await list(data.userId)).some((i) => i.visit_id === visitId)
    } catch (error) { return }
    if (waiting) return
    done = true
    const heading = document.querySelector('main h1')
    if (heading) heading.textContent = 'Sent: opening the stored result'
    window.location.assign(`/visits/${visitId}`)
  }
  document.addEventListener('fieldapp:outbox-sent', check)
  window.addEventListener('online', () => setTimeout(check, 1500))
  setInterval(check, 5000)
}

function showProvisional (state, reference, result, outcomeReason) {
  const main = document.querySelector('main')
  for (const child of [...main.children]) {
    if (child.id !== 'outbox-banner') child.remove() // the banner stays: it counts this visit
  }
  const el = (tag, text, className) => {
    const node = document.createElement(tag)
    if (text) node.textContent = text
    if (className) node.className = className
    return node
  }
  main.append(el('h1', 'Saved on this phone: not sent yet', 'govuk-heading-l'))
  const why = {
    signed_out: 'Your sign-in has ended. Sign in again and it will be sent; nothing is lost.',
    storage_full: 'The service is out of storage: your visit is kept on this phone and will be sent when there is room. Tell your administrator.'
  }
  main.append(el('p', why[state] || 'There is no connection to the server. It will be sent by itself when there is one; you can close this page.', 'govuk-body'))
  if (result) {
    const actions = routesFor(result, reference.safeguarding, reference.assessment)
    main.append(...provisionalResult(result, actions, reference, outcomeReason))
  }
  const back = el('a', 'Back to find premises', 'govuk-link')
  back.href = '/premises/'
  const backParagraph = el('p', null, 'govuk-body')
  backParagraph.append(back)
  main.append(backParagraph)
  document.dispatchEvent(new CustomEvent('fieldapp:outbox-changed'))
}

form.addEventListener('submit', submitThroughOutbox)
