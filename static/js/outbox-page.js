// The outbox page: what is waiting on this phone for the signed-in officer.
import { list } from './outbox.js'
import { refreshBanner, sendNow } from './offline.js'

const me = document.body.dataset.userId
const listEl = document.getElementById('outbox-list')
const status = document.getElementById('outbox-status')
const button = document.querySelector('[data-action="send-now"]')

async function render () {
  const items = await list(me)
  listEl.replaceChildren()
  status.textContent = items.length
    ? `${items.length === 1 ? '1 visit is' : items.length + ' visits are'} waiting to be sent.`
    : 'Nothing is waiting. Every visit from this phone has been sent.'
  button.hidden = !items.length
  for (const item of items) {
    const li = document.createElement('li')
    const name = document.createElement('strong')
    name.textContent = item.premises_name || 'Visit'
    const when = document.createElement('span')
    when.className = 'govuk-body-s'
    when.textContent = ` · saved ${new Date(item.queued_at).toLocaleString('en-GB')}` +
      (item.photos && item.photos.length ? ` · ${item.photos.length} photo(s)` : '')
    li.append(name, when)
    if (item.problem) {
      const problem = document.createElement('p')
      problem.className = 'govuk-error-message'
      problem.textContent = `Not accepted: ${item.problem}`
      li.append(problem)
    }
    listEl.append(li)
  }
}

button.addEventListener('click', async () => {
  button.disabled = true
  status.textContent = 'Sending…'
  await sendNow()
  await refreshBanner()
  await render()
  button.disabled = false
})
render()
