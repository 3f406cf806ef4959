// Shown without a signal: the visit forms kept on this phone, so a visit can still start.
import { PAGES } from './kept-pages.js'

const listEl = document.getElementById('offline-forms')

async function render () {
  listEl.replaceChildren()
  const cache = await caches.open(PAGES)
  const forms = (await cache.keys()).map((r) => new URL(r.url)).filter((u) => /^\/premises\/\d+\/visits\/new$/.test(u.pathname))
  if (!forms.length) {
    const li = document.createElement('li')
    li.textContent = 'No visit forms are kept on this phone yet. Open "Find premises" while you have a signal.'
    listEl.append(li)
    return
  }
  for (const url of forms) {
    const response = await cache.match(url.pathname)
    const html = await response.text()
    const title = new DOMParser().parseFromString(html, 'text/html').querySelector('h1')
    const li = document.createElement('li')
    const link = document.createElement('a')
    link.className = 'govuk-link'
    link.href = url.pathname
    link.textContent = title ? title.textContent.trim() : url.pathname
    li.append(link)
    listEl.append(li)
  }
}
render()
