// A form's hidden latitude, longitude and location_source fields, filled from the phone's
// location or a tap on the map. Used by the add-a-premises and place-a-premises pages.
import { getFix, pickOnMap } from './location.js'

export function wireLocationFields (form, { unavailable }) {
  const field = (name) => form.elements.namedItem(name)
  const status = form.querySelector('#location-status')
  const locateButton = form.querySelector('[data-action="locate"]')
  const mapButton = form.querySelector('[data-action="pick-on-map"]')

  function set (lat, lon, source) {
    field('latitude').value = lat.toFixed(6)
    field('longitude').value = lon.toFixed(6)
    field('location_source').value = source
    form.dispatchEvent(new CustomEvent('location-set', { detail: { source } }))
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
        status.textContent = `${error.message} ${unavailable}`
      }
    })
  }
  mapButton.hidden = false
  mapButton.addEventListener('click', async () => {
    const start = field('latitude').value
      ? [Number(field('latitude').value), Number(field('longitude').value)]
      : [Number(mapButton.dataset.lat || 52.63), Number(mapButton.dataset.lon || -1.13)]
    try {
      await pickOnMap(form.querySelector('#location-map'), start, (lat, lon) => {
        set(lat, lon, 'map')
        status.textContent = 'Placed on the map.'
      })
      status.textContent = 'Tap the map where the premises is.'
    } catch (error) {
      status.textContent = error.message
    }
  })
}
