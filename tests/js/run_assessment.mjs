// Runs every case of tests/test_assessment_parity.py's corpus through the phone's
// assessment and prints the results as JSON, one per case, in order.
// Usage: node tests/js/run_assessment.mjs CORPUS.json [ASSESSMENT_MODULE]
// (the module is static/js/assessment.js unless another copy is named).
import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

const [corpusPath, modulePath] = process.argv.slice(2)
const { evaluateVisit, routesFor } = await import(
  modulePath ? pathToFileURL(modulePath).href : '../../static/js/assessment.js')

const { payload, cases } = JSON.parse(readFileSync(corpusPath, 'utf8'))
const results = cases.map((c) => {
  // What the phone downloads, as it would be for this case's checklist and prices.
  const reference = { ...payload, references: { [c.checklist]: c.references } }
  try {
    const result = evaluateVisit(reference, c.checklist, c.answers, c.visited_at)
    const routes = routesFor(result, payload.safeguarding, payload.assessment).map(
      (action) => ({ concern: action.concern, level: action.level, routes: action.routes.map((r) => r.id) }))
    return { result, routes }
  } catch (error) {
    return { error: error.message }
  }
})
process.stdout.write(JSON.stringify(results))
