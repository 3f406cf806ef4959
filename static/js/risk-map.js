// Draws the sites on the folium map from compact data, clustered, with a legend, an
// optional heat layer of high-risk sites, and popups filled on demand. Every string from
// the server is put into the page with textContent, never as HTML.
(function () {
  'use strict'
  const BANDS = { 3: 'High', 2: 'Medium', 1: 'Low', 0: 'No score' }
  const CLASSES = { 3: 'high', 2: 'medium', 1: 'low', 0: 'none' }
  const SECTORS = { 0: 'Hand car wash', 1: 'Nail bar' }

  function start () {
    const config = JSON.parse(document.getElementById('map-config').textContent)
    const points = JSON.parse(document.getElementById('map-points').textContent)
    const map = window[config.mapName]
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

    // Markers are added in chunks so the page stays responsive; the map says it is ready
    // (for people waiting on it, and for tests) once the last chunk is in.
    function ready () { document.documentElement.dataset.mapReady = String(points.length) }
    const cluster = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 50,
      chunkProgress: (done, total) => { if (done === total) ready() }
    })
    const markers = new Array(points.length)
    for (let i = 0; i < points.length; i++) {
      const [id, lat, lon, band, sector] = points[i]
      const marker = L.marker([lat, lon], { icon: icon(band, sector), title: SECTORS[sector] + ', ' + BANDS[band] + ' risk', keyboard: true })
      marker.bindPopup(() => {
        const box = el('div', 'Loading…', 'app-popup')
        fetch(config.siteUrl.replace('{id}', id), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))))
          .then((site) => fillPopup(box, site))
          .catch(() => { box.textContent = 'Could not load this site. Try again.' })
        return box
      }, { maxWidth: 280 })
      markers[i] = marker
    }
    cluster.addLayers(markers)
    map.addLayer(cluster)

    const overlays = { 'Sites (clustered)': cluster }
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
      shapes.append(el('span', '', 'app-marker app-marker--none app-legend__key'), document.createTextNode(' Car wash  '),
        el('span', '', 'app-marker app-marker--none app-marker--sector-1 app-legend__key'), document.createTextNode(' Nail bar'))
      box.append(shapes)
      return box
    }
    legend.addTo(map)

    if (points.length) {
      // Bounds from the data itself: the cluster fills in over several chunks.
      let south = 90; let north = -90; let west = 180; let east = -180
      for (const p of points) {
        if (p[1] < south) south = p[1]
        if (p[1] > north) north = p[1]
        if (p[2] < west) west = p[2]
        if (p[2] > east) east = p[2]
      }
      map.fitBounds([[south, west], [north, east]], { padding: [40, 40], maxZoom: 16 })
    } else {
      ready()
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
})()
