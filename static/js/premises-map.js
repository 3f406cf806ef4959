// A small map of one premises.
import { addTiles } from './location.js'

const el = document.getElementById('premises-map')
if (el && window.L) {
  const point = [Number(el.dataset.lat), Number(el.dataset.lon)]
  const map = window.L.map(el, { scrollWheelZoom: false, maxZoom: 19 }).setView(point, 16)
  addTiles(window.L, map)
  window.L.marker(point, { title: el.dataset.name, keyboard: false }).addTo(map)
}
