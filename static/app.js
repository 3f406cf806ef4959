// Starts GOV.UK Frontend's components (error summary focus, buttons, checkboxes, the menu,
// and so on): every one initAll would start, except Radios, whose conditional reveals are
// done by ./js/radios.js without the aria-expanded ARIA does not allow on a radio.
import {
  Accordion,
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  ExitThisPage,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  ServiceNavigation,
  SkipLink,
  Tabs,
  createAll,
  isSupported
} from './govuk/govuk-frontend.min.js'
import { initRadios } from './js/radios.js'

if (isSupported()) {
  for (const Component of [
    Accordion, Button, CharacterCount, Checkboxes, ErrorSummary, ExitThisPage, FileUpload,
    NotificationBanner, PasswordInput, ServiceNavigation, SkipLink, Tabs
  ]) {
    createAll(Component)
  }
  initRadios()
}
