// Operations: the briefing pack's map with numbered stops in visiting order, and the
// tap-to-place start point on the plan form. Strings go into the page as text, never HTML.
import { addTiles, appConfig, pickOnMap } from './location.js'

function briefMap (el) {
  const L = window.L
  const data = JSON.parse(document.getElementById('operation-map-data').textContent)
  const map = L.map(el, { scrollWheelZoom: false, maxZoom: appConfig().tileMaxZoom || 19 })
  addTiles(L, map)
  const points = []
  function marker (latlng, label, title, extraClass) {
    // The label is put in as text, never parsed as HTML.
    const span = document.createElement('span')
    span.textContent = label
    const icon = L.divIcon({ className: 'app-stop-marker ' + extraClass, html: span, iconSize: [28, 28] })
    return L.marker(latlng, { icon, title, keyboard: false }).addTo(map)
  }
  if (data.start) {
    const start = [data.start.lat, data.start.lon]
    points.push(start)
    marker(start, 'S', 'Start', 'app-start-marker')
  }
  for (const stop of data.stops) {
    const at = [stop.lat, stop.lon]
    points.push(at)
    marker(at, String(stop.n), 'Stop ' + stop.n + ': ' + stop.name, '')
  }
  L.polyline(points, { color: '#1d70b8', weight: 3, dashArray: '6 6' }).addTo(map)
  const fit = () => {
    map.invalidateSize()
    if (points.length === 1) map.setView(points[0], 16)
    else map.fitBounds(points, { padding: [30, 30] })
  }
  fit()
  // Paper is wider than a phone: fit the route again for print.
  window.addEventListener('beforeprint', fit)
  window.matchMedia('print').addEventListener('change', fit)
  el.dataset.ready = String(data.stops.length)
}

function startPicker (container) {
  const button = document.querySelector('[data-action="start-map"]')
  const lat = document.getElementById('start_latitude')
  const lon = document.getElementById('start_longitude')
  if (!button || !lat || !lon) return
  button.hidden = false
  button.addEventListener('click', async () => {
    const centre = lat.value && lon.value
      ? [Number(lat.value), Number(lon.value)]
      : [Number(container.dataset.lat || 52.6344), Number(container.dataset.lon || -1.1315)]
    button.hidden = true
    const map = await pickOnMap(container, centre, (pickedLat, pickedLon) => {
      lat.value = pickedLat.toFixed(6)
      lon.value = pickedLon.toFixed(6)
    })
    map.setZoom(14)
  })
}

const brief = document.getElementById('operation-map')
if (brief && window.L) briefMap(brief)

const picker = document.getElementById('start-map')
if (picker) startPicker(picker)

const printButton = document.querySelector('[data-action="print"]')
if (printButton) {
  printButton.hidden = false
  printButton.addEventListener('click', () => window.print())
}
