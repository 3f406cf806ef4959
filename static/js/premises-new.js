// Adding a premises: take its location from the phone, or from a tap on the map.
import { getFix, pickOnMap } from './location.js'

const form = document.getElementById('premises-form')
const field = (name) => form.elements.namedItem(name)
const status = document.getElementById('location-status')
const locateButton = form.querySelector('[data-action="locate"]')
const mapButton = form.querySelector('[data-action="pick-on-map"]')

function set (lat, lon, source) {
  field('latitude').value = lat.toFixed(6)
  field('longitude').value = lon.toFixed(6)
  field('location_source').value = source
}

if ('geolocation' in navigator) {
  locateButton.hidden = false
  locateButton.addEventListener('click', async () => {
    status.textContent = 'Finding your location…'
    try {
      const fix = await getFix()
      set(fix.coords.latitude, fix.coords.longitude, 'gps')
      status.textContent = `Location captured, accurate to ${Math.round(fix.coords.accuracy)} m.`
    } catch (error) {
      status.textContent = `${error.message} The address will be looked up instead.`
    }
  })
}
mapButton.hidden = false
mapButton.addEventListener('click', async () => {
  const start = field('latitude').value ? [Number(field('latitude').value), Number(field('longitude').value)] : [52.63, -1.13]
  try {
    await pickOnMap(document.getElementById('location-map'), start, (lat, lon) => {
      set(lat, lon, 'map')
      status.textContent = 'Placed on the map.'
    })
    status.textContent = 'Tap the map where the premises is.'
  } catch (error) {
    status.textContent = error.message
  }
})
