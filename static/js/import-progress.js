// Looks up a checked file's addresses a batch at a time, showing progress, then reloads the
// report so its counts and the Import button reflect what was found. Without JavaScript the
// same button looks up one batch per press.
const form = document.getElementById('lookup-form')

async function lookUpAll (event) {
  event.preventDefault()
  const button = form.querySelector('button')
  const importButton = document.getElementById('import-button')
  const progress = document.getElementById('lookup-progress')
  const bar = document.getElementById('lookup-bar')
  const status = document.getElementById('lookup-status')
  const token = form.querySelector('input[name="csrf_token"]').value
  button.disabled = true
  if (importButton) importButton.disabled = true
  progress.hidden = false
  let remainingBefore = Infinity
  for (;;) {
    let data
    try {
      const response = await fetch(form.action, {
        method: 'POST',
        headers: { Accept: 'application/json', 'X-CSRFToken': token },
        credentials: 'same-origin'
      })
      data = await response.json()
      if (!response.ok) throw new Error(data.error)
    } catch (error) {
      status.textContent = 'The addresses could not be looked up. Reload the page and try again.'
      break
    }
    bar.max = data.total
    bar.value = data.done
    status.textContent = `${data.done} of ${data.total} addresses looked up`
    if (data.error) {
      status.textContent += `. ${data.error}`
      break
    }
    // Finished, or no further on than last time (so never loop for ever): show the report.
    if (data.remaining === 0 || data.remaining >= remainingBefore) {
      window.location.reload()
      return
    }
    remainingBefore = data.remaining
  }
  button.disabled = false
  if (importButton) importButton.disabled = false
}

if (form) form.addEventListener('submit', lookUpAll)
