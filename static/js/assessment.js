// The assessment worked out on the phone, for when there is no signal: a line-for-line port
// of fieldapp/assessment.py (model 2), scoring.check_answers and safeguarding.routes_for over
// the same data, /api/checklists.json (the price checks are in prices.js).
// tests/test_assessment_parity.py runs one corpus of cases through both and fails on any
// difference in the whole result, so change the two together. Whole-number arithmetic
// throughout, as in the Python.
//
// `shared` is the payload's `assessment` block: the concern labels, level words and other
// constants whose one home is the Python.

import { get, plural, pyRepr, rstrip, whole } from './like-python.js'
import { periodOn, priceCheck, ukDate } from './prices.js'

export { formatPence, labourCostPence, ukDate } from './prices.js'

const questions = (items) => items.map((item) => item.question).join('; ')

// fieldapp.scoring.percent_one_decimal, printed as Python's f"{value:g}" prints it.
export function percentOneDecimal (total, maximum) {
  return Math.floor((2000 * total + maximum) / (2 * maximum)) / 10
}

// --- The answers the checklist can hold (fieldapp.scoring.check_answers) ---------------------

function itemsById (checklist) {
  const items = new Map()
  const all = [...checklist.sections.flatMap((s) => s.indicators), ...checklist.follow_ups]
  for (const item of all) if (!items.has(item.id)) items.set(item.id, { item })
  for (const item of checklist.computed) if (!items.has(item.id)) items.set(item.id, { item, computed: true })
  return items
}

export function checkAnswers (checklist, answers, shared) {
  const items = itemsById(checklist)
  for (const [itemId, answer] of Object.entries(answers)) {
    const found = items.get(itemId)
    if (!found || found.computed) {
      throw new Error(`"${itemId}" is not a question in ${checklist.id} version ${checklist.version}.`)
    }
    if (answer === null || answer === 'not_seen') continue
    if (found.item.answer_type === 'yes_no') {
      if (!shared.yes_no_answers.includes(answer)) {
        throw new Error(`"${itemId}" needs yes, no or not_seen, not ${pyRepr(answer)}.`)
      }
    } else if (!whole(answer) || answer < 0) {
      throw new Error(`"${itemId}" needs a whole number of 0 or more, not ${pyRepr(answer)}.`)
    }
  }
}

// --- The assessment (fieldapp/assessment.py) -------------------------------------------------

function newConcern (id) {
  return { id, possible: 0, checked: 0, points: 0, maximum: 0, level: 'low', present: [], unchecked: [], reasons: [] }
}

function answered (checklist, answers, concerns, shared) {
  const signs = []
  const vulnerability = []
  const notChecked = []
  const measurements = new Set(shared.measurement_types)
  for (const indicator of checklist.sections.flatMap((s) => s.indicators)) {
    if (measurements.has(indicator.answer_type)) continue
    const answer = get(answers, indicator.id)
    if (indicator.concern === 'vulnerability') {
      if (answer === 'yes') vulnerability.push({ id: indicator.id, question: indicator.question })
      else if (answer !== 'no') notChecked.push(indicator.id)
      continue
    }
    const concern = concerns[indicator.concern]
    concern.possible += 1
    concern.maximum += indicator.weight
    if (answer !== 'yes' && answer !== 'no') {
      notChecked.push(indicator.id)
      concern.unchecked.push(indicator.question)
      continue
    }
    concern.checked += 1
    const sign = {
      id: indicator.id,
      question: indicator.question,
      category: indicator.category,
      concern: indicator.concern,
      element: indicator.element,
      strength: indicator.strength,
      red_flag: indicator.red_flag,
      weight: indicator.weight,
      answer,
      points: answer === 'yes' ? indicator.weight : 0
    }
    signs.push(sign)
    if (answer === 'yes') {
      concern.points += indicator.weight
      concern.present.push(sign)
    }
  }
  return [signs, vulnerability, notChecked]
}

function prices (checklist, answers, visitDate, wageRates, references, concerns, notChecked, signs, shared) {
  const made = []
  const notes = []
  for (const computed of checklist.computed) {
    const concern = concerns[computed.concern]
    concern.possible += 1
    concern.maximum += computed.weight
    const [result, note] = priceCheck(computed, answers, visitDate, wageRates, references, shared)
    notes.push(note)
    if (result === null) {
      notChecked.push(computed.id)
      concern.unchecked.push(computed.question)
      continue
    }
    concern.checked += 1
    made.push(result)
    // A check that was made is a sign like any question answered (as in the Python).
    const sign = {
      id: computed.id,
      question: computed.question,
      category: computed.category,
      concern: computed.concern,
      element: '',
      strength: '',
      red_flag: false,
      weight: computed.weight,
      answer: result.triggered ? 'yes' : 'no',
      points: result.points
    }
    signs.push(sign)
    if (result.triggered) {
      concern.points += result.points
      concern.present.push(sign)
    }
  }
  return [made, notes]
}

function slaveryLevel (checklist, concern) {
  const present = concern.present
  const elements = [...new Set(present.map((s) => s.element))]
  const strong = present.filter((s) => s.strength === 'strong')
  const both = elements.length === 2
  const reasons = concern.reasons
  for (const flag of present.filter((s) => s.red_flag)) {
    reasons.push(`Red flag: ${flag.question} Answered yes: strong evidence on its own.`)
  }
  if (both && strong.length) {
    reasons.push('Signs of both involuntariness and coercion, at least one of them strong.')
  } else if (both && present.length >= checklist.slavery_high_signs) {
    reasons.push(`Signs of both involuntariness and coercion, ${present.length} in all.`)
  } else if (both) {
    reasons.push('Signs of both involuntariness and coercion, both of medium strength.')
  } else if (present.length) {
    const element = elements[0]
    const other = element === 'involuntariness' ? 'coercion' : 'involuntariness'
    const what = `${plural(present.length, 'sign')} of ${element}`
    reasons.push(`${what} and none of ${other}: ${questions(present)}`)
  }
  if (present.some((s) => s.red_flag) ||
      (both && (strong.length || present.length >= checklist.slavery_high_signs))) {
    concern.level = 'high'
  } else if (both || strong.length || present.length >= 2) {
    concern.level = 'medium'
  } else {
    concern.level = 'low'
  }
}

function bandedLevel (checklist, concern) {
  if (!concern.possible) return
  const flags = concern.present.filter((s) => s.red_flag)
  for (const flag of flags) concern.reasons.push(`Immediate risk: ${flag.question} Answered yes.`)
  if (concern.present.length) {
    const percentage = percentOneDecimal(concern.points, concern.maximum)
    concern.reasons.push(
      `${concern.points} of a possible ${concern.maximum} points (${percentage}%) ` +
      `from ${plural(concern.present.length, 'sign')}: ${questions(concern.present)}`)
  }
  if (flags.length) {
    concern.level = 'high'
    return
  }
  const bands = get(checklist.concern_bands, concern.id) || []
  for (const [index, band] of bands.entries()) {
    const top = index === bands.length - 1
    const lowEnough = top || 100 * concern.points < band.to * concern.maximum
    if (band.from * concern.maximum <= 100 * concern.points && lowEnough) {
      concern.level = band.name
      return
    }
  }
}

function combinations (checklist, answers, concerns, shared) {
  const rank = { [shared.not_judged]: 0, low: 1, medium: 2, high: 3 }
  const fired = []
  for (const rule of checklist.combinations) {
    if (rule.all_of.every((i) => get(answers, i) === 'yes') &&
        rule.any_of.some((i) => get(answers, i) === 'yes')) {
      const concern = concerns[rule.concern]
      concern.reasons.push(rule.reason)
      if (rank[rule.level] > rank[concern.level]) concern.level = rule.level
      fired.push({ id: rule.id, concern: rule.concern, level: rule.level, reason: rule.reason })
    }
  }
  return fired
}

function coverage (checklist, concern, shared) {
  const enough = 100 * concern.checked >= checklist.min_checked_percent * concern.possible
  if (concern.level === 'low' && !enough) {
    concern.level = shared.not_judged
    concern.reasons.push(
      `${concern.checked} of ${concern.possible} questions answered yes or no, and at ` +
      `least ${checklist.min_checked_percent}% are needed.`)
  } else if (concern.level === 'low' && !concern.present.length) {
    concern.reasons.push(
      `No signs found; ${concern.checked} of ${concern.possible} questions checked.`)
  }
}

function overall (slavery, labour) {
  if (slavery === 'high') return 'high'
  if (slavery === 'medium' || labour === 'medium' || labour === 'high') return 'medium'
  if (slavery === 'low' || labour === 'low') return 'low'
  return null
}

function concernDict (concern, shared) {
  const banded = shared.banded_concerns.includes(concern.id)
  return {
    id: concern.id,
    label: shared.concerns[concern.id],
    level: concern.level,
    checked: concern.checked,
    possible: concern.possible,
    points: banded ? concern.points : null,
    maximum: banded ? concern.maximum : null,
    present: concern.present.map((s) => s.id),
    reasons: [...concern.reasons],
    not_checked: [...concern.unchecked]
  }
}

function wageContext (visitDate, wageRates, shared) {
  let period
  try {
    period = periodOn(wageRates, visitDate, shared)
  } catch (error) {
    return null
  }
  return {
    national_living_wage: period.national_living_wage,
    age_band: period.nlw_band,
    accommodation_offset_per_day: period.accommodation_offset_per_day
  }
}

function summary (level, concerns, shared) {
  if (level === null) return shared.not_judged_summary
  const slavery = concerns.find((c) => c.id === 'slavery')
  if (level === 'high') return 'High concern: the signs point to modern slavery or forced labour.'
  if (slavery.level === 'medium') return 'Medium concern: signs of exploitation that need following up.'
  if (level === 'medium') return 'Medium concern: signs of labour non-compliance (wages, contracts or hours).'
  return 'Low concern: few or no signs of exploitation were found.'
}

function explanation (level, concerns, vulnerability, priceNotes, notChecked, shared) {
  const lines = [summary(level, concerns, shared)]
  for (const concern of concerns) {
    const reasons = concern.reasons.join(' ')
    lines.push(rstrip(`${shared.concerns[concern.id]}: ${shared.level_words[concern.level]}. ${reasons}`))
  }
  lines.push(...priceNotes)
  if (vulnerability.length) {
    lines.push('Vulnerability noted, which is not a concern on its own: ' + questions(vulnerability))
  }
  if (notChecked.length) lines.push(`${plural(notChecked.length, 'question')} not seen or not answered.`)
  return lines
}

// fieldapp.assessment.assess: answers are question id -> "yes" | "no" | "not_seen" | whole
// number (money in pence); visitDate is the visit's UK date as YYYY-MM-DD; references is
// question id -> {median_pence, visits}. Throws an Error where the Python raises ValueError.
export function assess (checklist, answers, visitDate, wageRates, references, shared) {
  checkAnswers(checklist, answers, shared)
  const concerns = {}
  for (const id of ['slavery', ...shared.banded_concerns]) concerns[id] = newConcern(id)
  const [signs, vulnerability, notChecked] = answered(checklist, answers, concerns, shared)
  const [priceChecks, priceNotes] = prices(
    checklist, answers, visitDate, wageRates, references || {}, concerns, notChecked, signs, shared)
  slaveryLevel(checklist, concerns.slavery)
  for (const id of shared.banded_concerns) bandedLevel(checklist, concerns[id])
  const fired = combinations(checklist, answers, concerns, shared)
  for (const concern of Object.values(concerns)) coverage(checklist, concern, shared)
  const level = overall(concerns.slavery.level, concerns.labour.level)
  const kept = Object.values(concerns).filter((c) => c.possible)
  return {
    model: 2,
    checklist_id: checklist.id,
    checklist_version: checklist.version,
    checklist_hash: checklist.hash,
    visit_date: visitDate,
    level,
    band: level,
    judged: level !== null,
    concerns: kept.map((c) => concernDict(c, shared)),
    contributions: signs,
    red_flags: signs.filter((s) => s.red_flag && s.answer === 'yes'),
    vulnerability,
    combinations: fired,
    price_checks: priceChecks,
    wage_context: wageContext(visitDate, wageRates, shared),
    not_checked: notChecked,
    total: signs.filter((s) => s.answer === 'yes').length,
    maximum: signs.length + notChecked.length,
    percentage: null,
    explanation: explanation(level, kept, vulnerability, priceNotes, notChecked, shared)
  }
}

// fieldapp.assessment.evaluate, for the checklists the phone has: model 1 is the server's.
export function evaluate (checklist, answers, visitDate, wageRates, references, shared) {
  if (checklist.model !== 2) {
    throw new Error(`${checklist.id} version ${checklist.version} is model ${checklist.model}: only the server scores it.`)
  }
  return assess(checklist, answers, visitDate, wageRates, references, shared)
}

// A visit's result from what the phone downloads (/api/checklists.json), by its time.
export function evaluateVisit (reference, sector, answers, visitedAt) {
  return evaluate(reference.checklists[sector], answers, ukDate(visitedAt), reference.wage_rates,
    get(reference.references, sector) || {}, reference.assessment)
}

const RANK = { medium: 2, high: 3 }

// fieldapp.safeguarding.routes_for: the concerns that need action, each with its routes.
export function routesFor (result, safeguarding, shared) {
  // A route the deployment switched off (enabled = false) is never shown.
  const routes = (safeguarding.route || []).filter((r) => r.enabled !== false)
  if (result.model !== 2) {
    if (!(result.red_flags || []).length) return []
    const slavery = routes.filter((r) => (r.concern || 'slavery') === 'slavery')
    return [{ concern: 'slavery', level: 'high', routes: slavery }]
  }
  const levels = Object.fromEntries(result.concerns.map((c) => [c.id, c.level]))
  const found = []
  for (const concern of shared.levelled_concerns) {
    const rank = get(RANK, get(levels, concern) || '') || 0
    const chosen = routes.filter((r) => r.concern === concern && rank >= RANK[r.level])
    if (chosen.length) found.push({ concern, level: levels[concern], routes: chosen })
  }
  return found
}

// Turn what the form holds into answers the way the server parses them.
export function answersFromFields (checklist, fields) {
  const answers = {}
  const items = []
  for (const section of checklist.sections) items.push(...section.indicators)
  items.push(...checklist.follow_ups)
  for (const item of items) {
    const raw = (fields['q-' + item.id] || '').trim()
    if (!raw) continue
    if (item.parent && fields['q-' + item.parent] !== 'yes') continue
    if (item.answer_type === 'yes_no') {
      answers[item.id] = raw
    } else if (item.answer_type === 'money') {
      const match = raw.replace(/^£\s*/, '').match(/^(\d+)(?:\.(\d{1,2}))?$/)
      if (match) answers[item.id] = Number(match[1]) * 100 + Number((match[2] || '0').padEnd(2, '0'))
    } else if (/^\d+$/.test(raw)) {
      answers[item.id] = Number(raw)
    }
  }
  return answers
}
