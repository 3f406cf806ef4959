// A "Print or save as PDF" button: shown only where scripts run, as printing needs them.
const button = document.querySelector('[data-action="print"]')
if (button) {
  button.hidden = false
  button.addEventListener('click', () => window.print())
}
