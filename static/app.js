// Starts GOV.UK Frontend's components (error summary focus, conditional reveals, and so on).
import { initAll } from './govuk/govuk-frontend.min.js'

initAll()
