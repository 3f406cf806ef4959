// A problem with a form found on the phone, shown as GOV.UK shows one from the server: an
// error summary at the top linking to the field, the message on the field, the focus on the
// summary and "Error: " in the title. Everything is written as text, never as HTML.
import { ErrorSummary } from '../govuk/govuk-frontend.min.js'

function make (tag, className, ...children) {
  const node = document.createElement(tag)
  if (className) node.className = className
  node.append(...children)
  return node
}

// ``id`` is the field's id (for radios, the first radio's); the summary goes before
// ``before``, in place of any summary already on the page.
export function showFieldError (id, message, before) {
  const group = document.getElementById(id).closest('.govuk-form-group')
  group.classList.add('govuk-form-group--error')
  let error = document.getElementById(id + '-error')
  if (!error) {
    error = make('p', 'govuk-error-message')
    error.id = id + '-error'
    const control = group.querySelector('.govuk-radios, .govuk-checkboxes, input, textarea, select')
    control.before(error)
    const described = group.querySelector('fieldset') || control
    const ids = (described.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
    described.setAttribute('aria-describedby', [...ids, error.id].join(' '))
  }
  error.replaceChildren(make('span', 'govuk-visually-hidden', 'Error:'), ' ' + message)

  const link = make('a', null, message)
  link.href = '#' + id
  const summary = make('div', 'govuk-error-summary',
    make('div', null,
      make('h2', 'govuk-error-summary__title', 'There is a problem'),
      make('div', 'govuk-error-summary__body',
        make('ul', 'govuk-list govuk-error-summary__list', make('li', null, link)))))
  summary.dataset.module = 'govuk-error-summary'
  summary.firstChild.setAttribute('role', 'alert')
  const old = document.querySelector('main .govuk-error-summary')
  if (old) old.replaceWith(summary)
  else before.before(summary)
  if (!document.title.startsWith('Error: ')) document.title = 'Error: ' + document.title
  new ErrorSummary(summary) // GOV.UK's own: it focuses the summary, and its link the field
  if (document.activeElement !== summary) summary.focus()
}
