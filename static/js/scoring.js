// The risk score worked out on the phone, for when there is no signal. A line-for-line copy
// of fieldapp/scoring.py over the same checklist data, so the provisional figure shown
// offline is the figure the server stores (tests/test_browser_offline.py checks every
// demo visit). Whole-number arithmetic throughout, as in the Python.

const MEASUREMENT_TYPES = new Set(['count', 'money', 'minutes'])

export function labourCostPence (workers, minutes, hourlyRatePence) {
  return Math.floor((2 * workers * minutes * hourlyRatePence + 60) / 120)
}

export function percentOneDecimal (total, maximum) {
  return Math.floor((2000 * total + maximum) / (2 * maximum)) / 10
}

function formatPence (pence) {
  return '£' + Math.floor(pence / 100).toLocaleString('en-GB') + '.' + String(pence % 100).padStart(2, '0')
}

function plural (count, noun) {
  return count === 1 ? `${count} ${noun}` : `${count} ${noun}s`
}

function rateOn (wageRates, isoDate) {
  let rate = null
  for (const period of wageRates) {
    if (period.start <= isoDate) rate = period.age_21_and_over
  }
  return rate
}

function band (checklist, total, maximum, redFlags) {
  if (redFlags.length) return 'high'
  if (!maximum) return null
  const bands = checklist.bands
  for (let i = 0; i < bands.length; i++) {
    const top = i === bands.length - 1
    if (bands[i].from * maximum <= 100 * total && (top || 100 * total < bands[i].to * maximum)) {
      return bands[i].name
    }
  }
  return bands[bands.length - 1].name
}

// answers: question id -> "yes" | "no" | "not_seen" | whole number (money in pence).
export function score (checklist, answers, visitDateIso, wageRates) {
  const contributions = []
  const notChecked = []
  for (const section of checklist.sections) {
    for (const indicator of section.indicators) {
      if (MEASUREMENT_TYPES.has(indicator.answer_type)) continue
      const answer = answers[indicator.id]
      if (answer === 'yes' || answer === 'no') {
        contributions.push({
          id: indicator.id,
          question: indicator.question,
          category: indicator.category,
          weight: indicator.weight,
          answer,
          red_flag: indicator.red_flag,
          points: answer === 'yes' ? indicator.weight : 0
        })
      } else {
        notChecked.push(indicator.id)
      }
    }
  }
  const notes = []
  for (const computed of checklist.computed) {
    const price = answers[computed.price]
    const workers = answers[computed.workers]
    const minutes = answers[computed.minutes]
    if (![price, workers, minutes].every(Number.isInteger)) {
      notes.push('Price check not made: record the price, the number of workers and the minutes taken to compare the price with the wages.')
      notChecked.push(computed.id)
      continue
    }
    const rate = rateOn(wageRates, visitDateIso)
    if (rate === null) {
      notChecked.push(computed.id)
      continue
    }
    const cost = labourCostPence(workers, minutes, rate)
    const triggered = price < cost
    const explanation = `${plural(workers, 'worker')} x ${minutes} min at ${formatPence(rate)}/h = ${formatPence(cost)} ${triggered ? '>' : '<='} ${formatPence(price)} charged`
    notes.push(`Price check: ${explanation}: ${triggered ? 'the price is below the wages alone, so it counts as an indicator.' : 'the price covers the wages.'}`)
    contributions.push({
      id: computed.id,
      question: computed.question,
      category: computed.category,
      weight: computed.weight,
      answer: triggered ? 'yes' : 'no',
      red_flag: computed.red_flag,
      points: triggered ? computed.weight : 0
    })
  }
  const total = contributions.reduce((sum, c) => sum + c.points, 0)
  const maximum = contributions.reduce((sum, c) => sum + c.weight, 0)
  const redFlags = contributions.filter((c) => c.red_flag && c.answer === 'yes')
  const resultBand = band(checklist, total, maximum, redFlags)
  const percentage = maximum ? percentOneDecimal(total, maximum) : null
  const summary = maximum
    ? `Score ${total} out of a possible ${maximum} (${percentage}%) from ${plural(contributions.length, 'indicator')} checked: ${resultBand} risk${redFlags.length ? ' because of a red flag' : ''}.`
    : 'No indicators could be checked, so there is no score.'
  notes.unshift(summary)
  const result = {
    total,
    maximum,
    percentage,
    band: resultBand,
    red_flags: redFlags,
    contributions,
    not_checked: notChecked,
    explanation: notes
  }
  return result
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
