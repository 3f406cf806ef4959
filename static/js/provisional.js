// The result a phone shows for a visit still in its outbox, worked out by assessment.js and
// drawn as the server's result page draws a model 2 result (templates/visits/result.html
// and _assessment.html): the overall level, what to do for each concern, each concern with
// its reasons, and the price notes. Everything is written as text, never as HTML.

function el (tag, text, className) {
  const node = document.createElement(tag)
  if (text) node.textContent = text
  if (className) node.className = className
  return node
}

function list (items, className) {
  const ul = el('ul', null, className)
  for (const item of items) ul.append(el('li', item))
  return ul
}

const TAGS = {
  high: ['High concern', 'govuk-tag--red'],
  medium: ['Medium concern', 'govuk-tag--yellow'],
  low: ['Low concern', 'govuk-tag--green']
}

export function levelTag (level) {
  const [text, colour] = TAGS[level] || ['Not enough checked', 'govuk-tag--grey']
  return el('strong', text, 'govuk-tag ' + colour)
}

// The contacts a route may show, by id: those the deployment switched off are left out
// (fieldapp.safeguarding.contacts_by_id).
function contactsById (safeguarding) {
  const contacts = new Map()
  for (const contact of safeguarding.contact || []) {
    if (contact.enabled !== false) contacts.set(contact.id, contact)
  }
  return contacts
}

// A route's contacts in its order: a number rings (tel:), an address opens (the Home
// Office's online referral form). As _assessment.html's route_contacts.
function routeContacts (route, contacts) {
  const shown = (route.contacts || []).filter((id) => contacts.has(id))
  if (!shown.length) return []
  const ul = el('ul', null, 'govuk-list app-contacts')
  ul.id = 'contacts-' + route.id
  for (const id of shown) {
    const contact = contacts.get(id)
    const li = el('li')
    if (contact.url) {
      const link = el('a', contact.name, 'govuk-link')
      link.href = contact.url
      li.append(link)
    } else {
      const link = el('a', contact.number, 'govuk-link')
      link.href = 'tel:' + contact.number.replace(/ /g, '')
      li.append(el('span', contact.name, 'app-contacts__name'), ' ', link)
    }
    if (contact.placeholder) li.append(' ', el('strong', 'Demo number', 'govuk-tag govuk-tag--grey'))
    ul.append(li)
  }
  return [ul]
}

// As templates/visits/_next_steps.html, read-only.
function nextSteps (route) {
  if (!(route.next_steps || []).length) return []
  const ul = el('ul', null, 'govuk-list govuk-list--bullet govuk-body-s app-next-steps')
  ul.id = 'next-steps-' + route.id
  for (const step of route.next_steps) {
    const li = el('li', step.text)
    li.dataset.step = step.id
    ul.append(li)
  }
  return [el('h4', 'Next steps', 'govuk-heading-s govuk-!-margin-bottom-1'), ul]
}

function routeBlock (route, contacts) {
  const block = el('div', null, 'app-route')
  block.id = 'route-' + route.id
  block.append(el('h3', route.title, 'govuk-heading-s'))
  const when = el('p', null, 'govuk-body-s govuk-!-margin-bottom-1')
  when.append(el('strong', 'When:'), ' ' + route.when)
  block.append(when, list(route.steps || [], 'govuk-list govuk-list--bullet govuk-body-s'))
  block.append(...routeContacts(route, contacts), ...nextSteps(route))
  return block
}

// One section per concern that needs action: the first-responder routes for modern
// slavery, the enforcing authority or the Fair Work Agency for the others.
function whatToDo (action, result, reference) {
  const contacts = contactsById(reference.safeguarding)
  if (action.concern !== 'slavery') {
    const section = el('section', null, `app-action app-action--${action.concern}`)
    section.append(el('h2', `${reference.assessment.concerns[action.concern]}: what to do`, 'govuk-heading-m'))
    for (const route of action.routes) section.append(routeBlock(route, contacts))
    return section
  }
  const section = el('section', null, 'app-safeguarding')
  section.append(el('h2', action.level === 'high'
    ? 'Signs of modern slavery: follow a safeguarding route now'
    : 'Signs of exploitation: decide whether someone may be a victim', 'govuk-heading-m'))
  const flags = result.red_flags.filter((flag) => flag.concern === 'slavery')
  if (flags.length) {
    section.append(el('p', 'You recorded:', 'govuk-body'))
    section.append(list(flags.map((flag) => flag.question), 'govuk-list govuk-list--bullet'))
  }
  section.append(el('p', 'You are a first responder: the council must notify the Home Office when a person may be a victim. Choose the route that fits.', 'govuk-body'))
  for (const route of action.routes) section.append(routeBlock(route, contacts))
  return section
}

function eachConcern (result) {
  const rows = el('dl', null, 'govuk-summary-list app-concerns')
  for (const concern of result.concerns) {
    const row = el('div', null, 'govuk-summary-list__row')
    row.id = 'provisional-concern-' + concern.id
    const value = el('dd', null, 'govuk-summary-list__value')
    value.append(levelTag(concern.level), list(concern.reasons, 'govuk-list govuk-body-s govuk-!-margin-top-2'))
    row.append(el('dt', concern.label, 'govuk-summary-list__key'), value)
    rows.append(row)
  }
  return rows
}

// The nodes to show for ``result`` (from assessment.js), with the routes ``actions`` gives
// (routesFor), for a visit whose officer chose ``outcomeReason`` ('' or 'inspected' when
// they inspected).
export function provisionalResult (result, actions, reference, outcomeReason) {
  const box = el('div', null, 'app-result app-result--' + (result.level || 'none'))
  box.id = 'provisional-result'
  box.append(el('span', 'Provisional, worked out on this phone', 'govuk-caption-m'))
  const heading = el('h2', null, 'govuk-heading-l')
  heading.append(levelTag(result.level))
  box.append(heading, el('p', result.explanation[0], 'govuk-body govuk-!-font-weight-bold'))
  const reason = Object.hasOwn(reference.outcome_reasons, outcomeReason) && reference.outcome_reasons[outcomeReason]
  if (reason) {
    box.append(el('p', `Could not inspect: ${reason}. This visit does not change the premises' current risk or flag.`, 'govuk-body'))
  }
  box.append(el('p', "The server's result replaces this once the visit is sent.", 'govuk-body-s'))
  const nodes = [box, ...actions.map((action) => whatToDo(action, result, reference))]
  nodes.push(el('h2', 'Each concern', 'govuk-heading-m'), eachConcern(result))
  const notes = result.explanation.filter((line) => line.startsWith('Price'))
  if (notes.length) nodes.push(el('h2', 'Prices and wages', 'govuk-heading-m'), list(notes, 'govuk-list govuk-body-s'))
  return nodes
}
