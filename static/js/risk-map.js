// Draws the sites on the folium map from compact data, clustered, with a legend, an
// optional heat layer of high-risk sites, and popups filled on demand. Every string from
// the server is put into the page with textContent, never as HTML.
(function () {
  'use strict'
  const BANDS = { 3: 'High', 2: 'Medium', 1: 'Low', 0: 'No score' }
  const CLASSES = { 3: 'high', 2: 'medium', 1: 'low', 0: 'none' }

  function start () {
    const config = JSON.parse(document.getElementById('map-config').textContent)
    const points = JSON.parse(document.getElementById('map-points').textContent)
    const map = window[config.mapName]
    const SECTORS = config.sectors // names by the sector code each point carries
    const L = window.L

    const icons = {}
    function icon (band, sector) {
      const key = band + ':' + sector
      if (!icons[key]) {
        icons[key] = L.divIcon({
          className: 'app-marker app-marker--' + CLASSES[band] + ' app-marker--sector-' + sector,
          html: '<span aria-hidden="true">' + BANDS[band][0] + '</span>',
          iconSize: [26, 26]
        })
      }
      return icons[key]
    }

    function el (tag, text, className) {
      const node = document.createElement(tag)
      if (text !== undefined && text !== null) node.textContent = String(text)
      if (className) node.className = className
      return node
    }

    function fillPopup (container, site) {
      container.replaceChildren()
      container.append(el('h2', site.name, 'app-popup__title'))
      const list = el('dl', null, 'app-popup__facts')
      const facts = [
        ['Sector', site.sector_label],
        ['Risk', site.band_label + (site.score !== null && site.score !== undefined ? ' (' + Math.round(site.score) + '%)' : '')],
        ['Last visit', site.last_visit || 'Never'],
        ['Flagged', site.flagged ? 'Yes' : 'No']
      ]
      if (site.placed_by) facts.push(['Map position', site.placed_by])
      for (const [label, value] of facts) {
        list.append(el('dt', label), el('dd', value))
      }
      container.append(list)
      if (site.red_flags && site.red_flags.length) {
        container.append(el('h3', 'Red flags', 'app-popup__subtitle'))
        const ul = el('ul')
        for (const flag of site.red_flags) ul.append(el('li', flag))
        container.append(ul)
      }
      if (site.top_indicators && site.top_indicators.length) {
        container.append(el('h3', 'Top indicators', 'app-popup__subtitle'))
        const ul = el('ul')
        for (const item of site.top_indicators) ul.append(el('li', item))
        container.append(ul)
      }
      if (site.url) {
        const link = el('a', 'Open premises record')
        link.href = site.url
        link.target = '_top'
        container.append(link)
      }
    }

    // Clustering on a grid of the screen, redrawn for the current view: only the clusters
    // and markers in sight are ever made, so 50,000 sites draw as fast as 500.
    const CELL = 64 // pixels
    const SINGLE_ZOOM = 16 // from here every site in view is its own marker
    const layer = L.layerGroup()
    const clusterIcons = {}
    function clusterIcon (count, band) {
      const size = count < 10 ? 34 : count < 100 ? 40 : count < 1000 ? 46 : 54
      const key = size + ':' + band + ':' + count
      if (!clusterIcons[key]) {
        clusterIcons[key] = L.divIcon({
          className: 'app-cluster app-cluster--' + CLASSES[band],
          html: '<span>' + count.toLocaleString('en-GB') + '</span>',
          iconSize: [size, size]
        })
      }
      return clusterIcons[key]
    }
    function siteMarker (p) {
      const [id, lat, lon, band, sector] = p
      const marker = L.marker([lat, lon], { icon: icon(band, sector), title: SECTORS[sector] + ', ' + BANDS[band] + ' risk', keyboard: true })
      marker.bindPopup(() => {
        const box = el('div', 'Loading…', 'app-popup')
        fetch(config.siteUrl.replace('{id}', id), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
          .then((site) => fillPopup(box, site))
          .catch(() => { box.textContent = 'Could not load this site. Try again.' })
        return box
      }, { maxWidth: 280 })
      return marker
    }
    function redraw () {
      layer.clearLayers()
      const zoom = map.getZoom()
      const view = map.getBounds().pad(0.25)
      const south = view.getSouth(); const north = view.getNorth()
      const west = view.getWest(); const east = view.getEast()
      const cells = new Map()
      for (const p of points) {
        if (p[1] < south || p[1] > north || p[2] < west || p[2] > east) continue
        if (zoom >= SINGLE_ZOOM) {
          layer.addLayer(siteMarker(p))
          continue
        }
        const at = map.project([p[1], p[2]], zoom)
        const key = Math.floor(at.x / CELL) + ':' + Math.floor(at.y / CELL)
        const cell = cells.get(key)
        if (cell) {
          cell.count++
          cell.lat += p[1]
          cell.lon += p[2]
          if (p[3] > cell.band) cell.band = p[3]
        } else {
          cells.set(key, { count: 1, lat: p[1], lon: p[2], band: p[3], point: p })
        }
      }
      for (const cell of cells.values()) {
        if (cell.count === 1) {
          layer.addLayer(siteMarker(cell.point))
          continue
        }
        const centre = [cell.lat / cell.count, cell.lon / cell.count]
        const marker = L.marker(centre, {
          icon: clusterIcon(cell.count, cell.band),
          title: cell.count + ' sites, highest risk ' + BANDS[cell.band].toLowerCase() + '. Select to zoom in.',
          keyboard: true
        })
        marker.on('click', () => map.setView(centre, Math.min(zoom + 2, SINGLE_ZOOM)))
        layer.addLayer(marker)
      }
    }
    layer.addTo(map)
    map.on('moveend', redraw)

    const overlays = { 'Sites (clustered)': layer }
    if (L.heatLayer) {
      const hot = []
      for (const p of points) if (p[3] === 3) hot.push([p[1], p[2], 1])
      const heat = L.heatLayer(hot, { radius: 25, blur: 20, maxZoom: 14, minOpacity: 0.35, gradient: { 0.3: '#ffdd00', 0.6: '#f47738', 1.0: '#d4351c' } })
      overlays['High-risk density (heat map)'] = heat
      if (config.heat) map.addLayer(heat)
    }
    const small = window.innerWidth < 600
    L.control.layers(null, overlays, { collapsed: small }).addTo(map)

    const legend = L.control({ position: 'bottomright' })
    legend.onAdd = function () {
      // A disclosure, closed on a phone, so the key does not hide the sites.
      const box = el('details', null, 'app-legend')
      box.open = !small
      box.append(el('summary', 'Key'))
      box.append(el('strong', 'Risk'))
      for (const band of [3, 2, 1, 0]) {
        const row = el('div')
        row.append(el('span', BANDS[band][0], 'app-marker app-marker--' + CLASSES[band] + ' app-legend__key'), document.createTextNode(' ' + BANDS[band]))
        box.append(row)
      }
      const shapes = el('div')
      shapes.append(el('span', '', 'app-marker app-marker--none app-legend__key'), document.createTextNode(' ' + SECTORS[0] + '  '),
        el('span', '', 'app-marker app-marker--none app-marker--sector-1 app-legend__key'), document.createTextNode(' ' + SECTORS[1]))
      box.append(shapes)
      box.append(el('p', 'A number is a group of sites; its ring shows the highest risk in it.', 'app-legend__note'))
      return box
    }
    legend.addTo(map)

    if (points.length) {
      // Bounds from the data itself.
      let south = 90; let north = -90; let west = 180; let east = -180
      for (const p of points) {
        if (p[1] < south) south = p[1]
        if (p[1] > north) north = p[1]
        if (p[2] < west) west = p[2]
        if (p[2] > east) east = p[2]
      }
      // No zoom animation: the markers drawn below are the ones that stay (an animated
      // zoom redrew them a moment after the map said it was ready).
      map.fitBounds([[south, west], [north, east]], { padding: [40, 40], maxZoom: 16, animate: false })
    }
    redraw()
    document.documentElement.dataset.mapReady = String(points.length)
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
