// Adding a premises: take its location from the phone, or from a tap on the map.
import { wireLocationFields } from './location-fields.js'

wireLocationFields(document.getElementById('premises-form'), {
  unavailable: 'The address will be looked up instead.'
})
