// Placing a premises: the phone's location or a tap on the map chooses "where I say".
import { wireLocationFields } from './location-fields.js'

const form = document.getElementById('place-form')
wireLocationFields(form, { unavailable: 'Place it on the map instead.' })
form.addEventListener('location-set', () => {
  const here = form.querySelector('input[name="method"][value="here"]')
  if (here) here.checked = true
})
