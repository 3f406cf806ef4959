// The price checks worked out on the phone: a line-for-line port of fieldapp/prices.py,
// with fieldapp.checklists.format_pence, WageRates.period_on and fieldapp.timeutil.uk_date.
// tests/test_assessment_parity.py proves the two agree; change them together.
import { get, plural, whole } from './like-python.js'

// --- Money and dates ------------------------------------------------------------------------

// fieldapp.checklists.format_pence: 650 -> "£6.50", 123456 -> "£1,234.56".
export function formatPence (pence) {
  const pounds = String(Math.floor(pence / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `£${pounds}.${String(pence % 100).padStart(2, '0')}`
}

export function labourCostPence (workers, minutes, hourlyRatePence) {
  return Math.floor((2 * workers * minutes * hourlyRatePence + 60) / 120)
}

const UK_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit'
})

// fieldapp.timeutil.uk_date: the UK date (YYYY-MM-DD) of a visit time. Text without a zone
// is UTC, as the server reads it.
export function ukDate (isoInstant) {
  let text = String(isoInstant).trim().replace(' ', 'T')
  if (text.includes('T') && !/(Z|[+-]\d\d:?\d\d)$/i.test(text)) text += 'Z'
  const when = new Date(text)
  if (Number.isNaN(when.getTime())) throw new Error(`not a time: ${isoInstant}`)
  const parts = Object.fromEntries(UK_DAY.formatToParts(when).map((p) => [p.type, p.value]))
  return `${parts.year}-${parts.month}-${parts.day}`
}

// WageRates.period_on: the rates in force on a YYYY-MM-DD date.
export function periodOn (wageRates, visitDate, shared) {
  const inForce = wageRates.filter((period) => period.start <= visitDate)
  if (!inForce.length) {
    const first = wageRates.length ? wageRates[0].start : 'none'
    throw new Error(`no wage rate is recorded for ${visitDate}: the earliest in ` +
      `${shared.wage_rates_file} is from ${first}.`)
  }
  return inForce[inForce.length - 1]
}

// --- Price checks (fieldapp/prices.py) -------------------------------------------------------

export function priceCheck (computed, answers, visitDate, wageRates, references, shared) {
  if (computed.rule === shared.median_rule) return medianCheck(computed, answers, references)
  return labourCheck(computed, answers, visitDate, wageRates, shared)
}

function labourCheck (computed, answers, visitDate, wageRates, shared) {
  const price = get(answers, computed.price)
  const workers = get(answers, computed.workers)
  const minutes = get(answers, computed.minutes)
  const measured = whole(workers) && whole(minutes)
  if (!whole(price) || !(measured || computed.fallback_minutes)) {
    return [null, 'Price check not made: record the price, the number of workers and the minutes ' +
      'taken to compare the price with the wages.']
  }
  let period
  try {
    period = periodOn(wageRates, visitDate, shared)
  } catch (error) {
    return [null, `Price check not made: ${error.message}`]
  }
  const rate = period.national_living_wage
  const rateWords = `${formatPence(rate)}/h (National Living Wage, ${period.nlw_band})`
  let cost, worked, weight, weaker
  if (measured) {
    cost = labourCostPence(workers, minutes, rate)
    worked = `${plural(workers, 'worker')} x ${minutes} min at ${rateWords}`
    weight = computed.weight
    weaker = ''
  } else {
    cost = labourCostPence(1, computed.fallback_minutes, rate)
    worked = `${computed.fallback_minutes} labour-minutes at ${rateWords}`
    weight = computed.fallback_weight
    weaker = ' The workers or the minutes were not recorded, so this is a weaker sign.'
  }
  const triggered = price < cost
  const explanation = `${worked} = ${formatPence(cost)} ${triggered ? '>' : '<='} ${formatPence(price)} charged`
  const verdict = triggered
    ? 'the price is below the wages alone, so it counts as a sign.'
    : 'the price covers the wages.'
  const result = {
    indicator_id: computed.id,
    rule: measured ? computed.rule : `${computed.rule}_fallback`,
    price_pence: price,
    compared_pence: cost,
    triggered,
    points: triggered ? weight : 0,
    explanation
  }
  return [result, `Price check: ${explanation}: ${verdict}${weaker}`]
}

function medianCheck (computed, answers, references) {
  const price = get(answers, computed.price)
  if (!whole(price)) {
    return [null, 'Price comparison not made: record the price to compare it with other visits.']
  }
  const reference = get(references, computed.price)
  const visits = reference ? reference.visits : 0
  if (!reference || visits < computed.min_visits) {
    return [null, `Price comparison not made: it needs the price at ${computed.min_visits} or more ` +
      `other visits recorded in the app, and there ${visits === 1 ? 'is' : 'are'} ${visits} so far.`]
  }
  // Below ``below_percent`` of the median, compared in whole numbers (no rounding).
  const triggered = 100 * price < computed.below_percent * reference.median_pence
  const threshold = Math.floor((computed.below_percent * reference.median_pence) / 100)
  const explanation = `${formatPence(price)} charged; the median at ${plural(visits, 'other visit')} ` +
    `recorded in the app is ${formatPence(reference.median_pence)}, and ` +
    `${computed.below_percent}% of it is ${formatPence(threshold)}`
  const verdict = triggered
    ? 'the price is well below what others charge, so it counts as a sign.'
    : 'the price is not far below what others charge.'
  const result = {
    indicator_id: computed.id,
    rule: computed.rule,
    price_pence: price,
    compared_pence: reference.median_pence,
    triggered,
    points: triggered ? computed.weight : 0,
    explanation
  }
  return [result, `Price comparison: ${explanation}: ${verdict}`]
}
