// The visit form on a phone: capture the location with its accuracy, let the officer place
// the premises on a map, keep every answer on the device as it is typed, and check photo
// sizes before anything is uploaded.
import { distanceM, getFix, pickOnMap } from './location.js'

const form = document.getElementById('visit-form')
const data = form.dataset
const limit = Number(data.accuracyLimit)
const field = (name) => form.elements.namedItem(name)
const status = document.getElementById('location-status')
const locateButton = form.querySelector('[data-action="locate"]')
const mapButton = form.querySelector('[data-action="pick-on-map"]')
const mapBox = document.getElementById('location-map')

function fromPremises (lat, lon) {
  if (data.premisesLat === '') return ''
  const metres = Math.round(distanceM(lat, lon, Number(data.premisesLat), Number(data.premisesLon)))
  const warning = metres > 250 ? ' That is more than 250 m away: the visit will be marked as a location mismatch.' : ''
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
