// The phone's location and a small tap-to-place map, shared by the visit and premises forms.

export function appConfig () {
  const el = document.getElementById('app-config')
  return el ? JSON.parse(el.textContent) : {}
}

// Metres between two points (haversine): close enough to show an officer how far away they are.
export function distanceM (lat1, lon1, lat2, lon2) {
  const r = 6371008.8
  const toRad = (d) => d * Math.PI / 180
  const dLat = toRad(lat2 - lat1)
  const dLon = toRad(lon2 - lon1)
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2
  return 2 * r * Math.asin(Math.sqrt(a))
}

export function getFix () {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('This phone or browser cannot share its location.'))
      return
    }
    navigator.geolocation.getCurrentPosition(resolve, (error) => {
      const messages = {
        1: 'Location is blocked for this site. Allow it in the browser settings, place the premises on the map, or give a reason.',
        2: 'The phone could not work out where it is. Try again outside, or place the premises on the map.',
        3: 'Finding your location took too long. Try again, or place the premises on the map.'
      }
      reject(new Error(messages[error.code] || 'Your location could not be found.'))
    }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 0 })
  })
}

let leafletLoading = null

// Leaflet is only fetched when the officer asks for the map, to keep the form light.
export function loadLeaflet () {
  if (window.L) return Promise.resolve(window.L)
  if (leafletLoading) return leafletLoading
  const config = appConfig()
  leafletLoading = new Promise((resolve, reject) => {
    const css = document.createElement('link')
    css.rel = 'stylesheet'
    css.href = config.leafletCss
    document.head.appendChild(css)
    const script = document.createElement('script')
    script.src = config.leafletJs
    script.onload = () => resolve(window.L)
    script.onerror = () => reject(new Error('The map could not be loaded.'))
    document.head.appendChild(script)
  })
  return leafletLoading
}

export function addTiles (L, map) {
  const config = appConfig()
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: config.tileMaxZoom }).addTo(map)
  }
}

// Show a map in `container`; a tap places (or moves) the pin and calls onPick(lat, lon).
export async function pickOnMap (container, start, onPick) {
  const L = await loadLeaflet()
  container.hidden = false
  if (container._map) return container._map
  const map = L.map(container, { maxZoom: appConfig().tileMaxZoom || 19 }).setView(start, 17)
  addTiles(L, map)
  let marker = null
  map.on('click', (event) => {
    const { lat, lng } = event.latlng
    if (marker) marker.setLatLng(event.latlng)
    else marker = L.marker(event.latlng, { keyboard: false }).addTo(map)
    onPick(lat, lng)
  })
  container._map = map
  return map
}
