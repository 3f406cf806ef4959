// Radios that reveal a follow-up question (GOV.UK's "conditional reveal"), shown and hidden
// here rather than by GOV.UK Frontend's Radios script. That script also sets aria-expanded
// on each radio, an attribute ARIA does not allow on a radio (axe-core: aria-allowed-attr),
// and some screen readers then read the radio as a collapsed button. The follow-up sits
// straight after its radio in the page, so it is the next thing read once it shows; the
// radio names it with aria-controls, which every role may carry. Without this script
// (no JavaScript) the follow-ups are always shown, as GOV.UK's own CSS leaves them.

function conditionalInputs (root) {
  return root.querySelectorAll('.govuk-radios__input[aria-controls]')
}

function sync (root) {
  for (const input of conditionalInputs(root)) {
    const target = document.getElementById(input.getAttribute('aria-controls'))
    if (target) target.classList.toggle('govuk-radios__conditional--hidden', !input.checked)
  }
}

export function initRadios (root = document) {
  for (const input of root.querySelectorAll('.govuk-radios__input[data-aria-controls]')) {
    const target = document.getElementById(input.dataset.ariaControls)
    if (!target || !target.classList.contains('govuk-radios__conditional')) continue
    input.setAttribute('aria-controls', target.id)
    input.removeAttribute('data-aria-controls')
  }
  sync(root)
  // Choosing one radio unchecks the others without telling them, so every group is
  // brought into line; pageshow covers a page the browser restores with answers ticked.
  root.addEventListener('change', (event) => {
    if (event.target.matches && event.target.matches('.govuk-radios__input')) sync(root)
  })
  window.addEventListener('pageshow', () => sync(root))
}
