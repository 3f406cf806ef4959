// "Premises near me": ask the phone where it is, then list premises by distance.
import { getFix } from './location.js'

const button = document.querySelector('[data-action="near-me"]')
const status = document.getElementById('near-status')

if (button && 'geolocation' in navigator) {
  button.hidden = false
  button.addEventListener('click', async () => {
    button.disabled = true
    status.textContent = 'Finding your location…'
    try {
      const fix = await getFix()
      const params = new URLSearchParams({
        lat: fix.coords.latitude.toFixed(6),
        lon: fix.coords.longitude.toFixed(6),
        accuracy: Math.round(fix.coords.accuracy)
      })
      window.location.assign(`${window.location.pathname}?${params}`)
    } catch (error) {
      status.textContent = `${error.message} You can search by name, street or postcode instead.`
      button.disabled = false
    }
  })
}

// Keep the visit forms of the premises listed here on the phone, for use without a signal.
const starts = [...document.querySelectorAll('.app-start-visit')].map((a) => new URL(a.href).pathname)
if (starts.length && navigator.serviceWorker) {
  navigator.serviceWorker.ready.then((registration) => {
    registration.active.postMessage({ type: 'keep-pages', urls: starts.slice(0, 25) })
  })
}
