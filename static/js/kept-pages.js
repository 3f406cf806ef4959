// The name of the cache the service worker keeps pages in (visit forms, the checklists, the
// outbox and offline pages), in one place for the worker (sw.js) and the pages that read
// it (offline-page.js). The name outlives a release and changes only when every kept page
// must be fetched again: v2 when the visit form gained "Could you inspect?", v3 when it
// gained the guide to speaking to workers and the link to the indicator guide.
export const PAGES_PREFIX = 'fieldapp-pages-'
export const PAGES = PAGES_PREFIX + 'v3'
