"""The service worker as the phone receives it: the files it keeps, under a version of them.

The phone keeps the files in ``SHELL_URLS`` in a cache named after a hash of their bytes and
of the worker's own source (``static/js/sw.js``), worked out once when the app starts. The
server writes the version and the list above the worker's source when it sends ``/sw.js``,
so a release that changes any kept file changes the bytes of ``/sw.js``: the phone's browser
then installs the new worker at its next update check, and that worker keeps the new files
and drops the old copy. Nothing here needs Flask.

``PAGE_URLS`` are the pages the worker fetches as soon as it is installed (for the officer
signed in on the phone) and keeps up to date whenever they are opened with a signal: the
indicator guide among them, so it is there at the roadside without having been opened.
They are part of the version too, so a release that changes the list reaches phones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from fieldapp.checklists import SECTORS

# The app shell: what a kept page needs to run with no signal. One list, here: the worker
# is sent it, and the version is a hash of exactly these files.
SHELL_URLS = (
    "/static/govuk/fieldapp.min.css",
    "/static/app.css",
    "/static/govuk/govuk-frontend.min.js",
    "/static/app.js",
    "/static/js/radios.js",
    "/static/js/visit.js",
    "/static/js/location.js",
    "/static/js/outbox.js",
    "/static/js/offline.js",
    "/static/js/assessment.js",
    "/static/js/prices.js",
    "/static/js/like-python.js",
    "/static/js/provisional.js",
    "/static/js/form-error.js",
    "/static/js/result.js",
    "/static/js/find.js",
    "/static/js/outbox-page.js",
    "/static/js/offline-page.js",
    "/static/js/kept-pages.js",
    "/static/favicon.svg",
    "/static/favicon.ico",
    "/static/leaflet/leaflet.js",
    "/static/leaflet/leaflet.css",
    "/static/guide-print.css",
)

# Pages kept as soon as the worker is installed, and refreshed whenever they are opened with
# a signal. Visit forms are kept too, but per premises, as officers find them (find.js).
PAGE_URLS = (
    "/offline",
    "/api/checklists.json",
    "/outbox",
    "/guide",
    *(f"/guide/{sector}" for sector in SECTORS),
)

# The worker's source, inside the static folder.
SOURCE = "js/sw.js"
STATIC_PREFIX = "/static/"


@dataclass(frozen=True)
class Worker:
    """The worker to send: its version (also its ETag) and the bytes of ``/sw.js``."""

    version: str
    script: bytes


def static_path(static_folder: Path, url: str) -> Path:
    """The file behind a ``/static/...`` address."""
    if not url.startswith(STATIC_PREFIX):
        raise ValueError(f"the service worker keeps only static files, not {url}")
    return static_folder / url.removeprefix(STATIC_PREFIX)


def shell_version(
    static_folder: Path, urls: tuple[str, ...] = SHELL_URLS, pages: tuple[str, ...] = PAGE_URLS
) -> str:
    """The first 12 hex digits of a SHA-256 over the kept pages' addresses, the worker's
    source and every kept file.

    Each file goes in with its address and length, so moving bytes from one file to the
    next, or renaming one, changes the version too.
    """
    digest = hashlib.sha256()
    digest.update(json.dumps(list(pages)).encode() + b"\0")
    for url in (STATIC_PREFIX + SOURCE, *urls):
        path = static_path(static_folder, url)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"The service worker keeps {url}, but there is no file {path}. Put the file "
                f"back, or take it out of SHELL_URLS in {__name__}."
            ) from None
        digest.update(f"{url}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:12]


def build(static_folder: Path) -> Worker:
    """The worker for the files in ``static_folder`` as they are now."""
    static_folder = Path(static_folder)
    version = shell_version(static_folder)
    header = (
        "// Written by the server (fieldapp/web/offline/worker.py): the version of the kept\n"
        "// files, their list, and the pages kept from the start.\n"
        f"const VERSION = {json.dumps(version)}\n"
        f"const SHELL_URLS = {json.dumps(list(SHELL_URLS), indent=2)}\n"
        f"const PAGE_URLS = {json.dumps(list(PAGE_URLS), indent=2)}\n\n"
    )
    source = (static_folder / SOURCE).read_bytes()
    return Worker(version=version, script=header.encode() + source)
