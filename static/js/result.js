// The visit is stored: forget the answers kept on this device for it.
const el = document.getElementById('visit-result')
const key = `fieldapp:${el.dataset.userId}:draft:${el.dataset.premisesId}`
try {
  const saved = JSON.parse(window.localStorage.getItem(key) || 'null')
  if (saved && saved.fields && saved.fields.visit_id === el.dataset.visitId) {
    window.localStorage.removeItem(key)
  }
} catch (error) { /* nothing kept */ }
