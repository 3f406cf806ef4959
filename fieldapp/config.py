"""Configuration defaults and the rules for overriding them.

Order of precedence (later wins): the defaults below, then ``instance/config.py``, then
``FIELDAPP_*`` environment variables. Tests pass a mapping instead of the instance file.
"""

from __future__ import annotations

import copy
import fcntl
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# In the repository, checklists/ and static/ sit at the top, beside the package.
ROOT = PACKAGE.parent


def shipped(name: str) -> Path:
    """The shipped copy of the top-level folder ``name`` (checklists or static).

    An installed wheel carries it inside the package, under ``fieldapp/_data/`` (see
    setup.py); a source checkout has it at the repository's top level.
    """
    packaged = PACKAGE / "_data" / name
    return packaged if packaged.is_dir() else ROOT / name


# The folders the app reads unless CHECKLIST_DIR and STATIC_FOLDER say otherwise. Code run
# outside an app (bench scripts, `python -m fieldapp.commands.checklists`) starts from these.
SHIPPED_CHECKLISTS = shipped("checklists")
SHIPPED_STATIC = shipped("static")

# Used only by the Flask debug server and tests; production refuses to start with it.
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused outside debug and tests
# Keys the audit trail's HMAC chain; the same rule applies.
DEV_AUDIT_KEY = "dev-only-audit-key"


# Settings that do not depend on the instance folder. defaults() hands out a deep copy, so one
# app changing a list (FLAG_BANDS, COMPRESS_MIMETYPES...) never changes another's.
DEFAULTS: dict = {
    "SECRET_KEY": DEV_SECRET_KEY,
    # Chains the audit trail (HMAC-SHA256). Kept in instance/config.py, never in the
    # database, so whoever has only the database file cannot rewrite the trail unseen.
    "AUDIT_KEY": DEV_AUDIT_KEY,
    # Record who viewed a visit, photo, premises, briefing pack or the audit log (DPA 2018
    # s62 "consultation"). Off only to measure what it costs (bench.read_audit).
    "READ_AUDIT": True,
    "CHECKLIST_DIR": str(SHIPPED_CHECKLISTS),
    # The shipped safeguarding.toml carries made-up numbers for the council's own contacts
    # (modern slavery lead, children's services, adult social care). The app refuses to start
    # while an enabled route shows one, so no officer is ever shown a number that rings
    # nowhere. Only the demo (scripts/run) and the tests set this, to start with them.
    "SAFEGUARDING_PLACEHOLDERS_ALLOWED": False,
    # CSS, JavaScript and icons, served under /static/. The service worker's version is a
    # hash of the files here that phones keep, worked out when the app starts.
    "STATIC_FOLDER": str(SHIPPED_STATIC),
    "SERVICE_NAME": "Fieldapp",
    "COUNCIL_NAME": "Demo District Council",
    # Sessions: an officer's shift, not a week. HttpOnly and SameSite always; Secure is
    # added per request when the request arrived over HTTPS (see sessions.py).
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=10),
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_NAME": "fieldapp_session",
    # A checklist can take longer than an hour on site; the token lives as long as the
    # session so a slow visit is not refused on submit.
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 40 * 1024 * 1024,
    # Sign-in throttling (fieldapp.accounts.sign_in_wait): after this many failures within
    # the window (four times as many for an address), each further failure doubles the
    # wait before the next attempt, 1 s, 2 s, 4 s... up to the most. Never a lock.
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_MAX_DELAY_SECONDS": 60,
    # An address an account signed in from within this many days is the owner's own: only
    # its own failures slow that account down there.
    "LOGIN_KNOWN_ADDRESS_DAYS": 30,
    # Set when running behind a reverse proxy that terminates HTTPS (number of proxies).
    # With it set, a sane X-Request-Id from the proxy becomes the request's id.
    "PROXY_FIX": 0,
    # Logging: one JSON line per request on the "fieldapp.access" logger (method, path,
    # query with secret-bearing values redacted, status, ms, user id, request id; never
    # form data or headers). Errors with tracebacks go to "fieldapp.errors" regardless.
    "ACCESS_LOG": True,
    "LOG_LEVEL": "INFO",
    # Strict-Transport-Security is sent on HTTPS requests; set this to send it on every
    # response (a proxy terminating HTTPS that the app cannot see through, see PROXY_FIX).
    "HSTS_ALWAYS": False,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # /healthz says "degraded" when the disk holding the database or the photos has less
    # free space than this (megabytes): time to make room before writes start failing.
    "STORAGE_WARN_FREE_MB": 500,
    # Megabytes kept back on the database's disk (a file beside it) and given up when the
    # disk fills, so that people can still sign in; 0 keeps none (see fieldapp/storage.py).
    "STORAGE_RESERVE_MB": 8,
    # A premises is flagged when its current band is one of these, or a red flag was
    # recorded within this many months, unless a coordinator unflagged it by hand.
    "FLAG_BANDS": ["high"],
    "FLAG_RED_FLAG_MONTHS": 12,
    # First responder training is in date for this many months from the day it was done
    # (to the same day of the month); after that the officer shows as overdue.
    "TRAINING_REFRESH_MONTHS": 12,
    # Report figures for sharing outside the coordinators show counts from 1 to one less than
    # this as "fewer than 5", and hide a second count where a total would give one away.
    "REPORT_SUPPRESS_BELOW": 5,
    # Whether partner agencies' users may open Reports: only ever the versions for sharing
    # (small numbers hidden, no records), never exact counts. Off unless the council says.
    "REPORTS_FOR_PARTNERS": False,
    # Compress CSS, JavaScript and data, not HTML pages: pages carry form tokens next to
    # text people typed, which compression can leak over HTTPS (the BREACH attack).
    "COMPRESS_MIMETYPES": [
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/geo+json",
        "image/svg+xml",
    ],
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Browsers keep CSS and JavaScript for an hour, so a phone on a weak signal fetches
    # them once per shift, and a new release reaches everyone the same day.
    "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    # Photos: checked on the phone before upload too, so the officer hears early.
    "PHOTO_MAX_BYTES": 10 * 1024 * 1024,
    "PHOTO_MAX_COUNT": 10,
    # Width x height; more is refused from the file's header, before decoding (see photos.py).
    "PHOTO_MAX_PIXELS": 50_000_000,
    # Premises imports: uploaded files wait in IMPORT_DIR (see INSTANCE_PATHS) between "check"
    # and "import"; addresses are looked up this many at a time (and for at most this long)
    # per request.
    "IMPORT_LOOKUP_BATCH": 10,
    "IMPORT_LOOKUP_SECONDS": 10,
    # Address lookup (Nominatim). Empty URL = off: nothing leaves the server unless set.
    # The public server needs a real user agent with contact details and 1 request/s.
    "GEOCODER_URL": "",
    "GEOCODER_USER_AGENT": "",
    "GEOCODER_MIN_DELAY_SECONDS": 1.0,
    "GEOCODER_TIMEOUT_SECONDS": 5.0,
    "GEOCODER_COUNTRY_CODES": "gb",
    # API tokens: an admin picks how many days a token lasts, up to the maximum (the
    # default is offered); each token may make this many requests a minute.
    "API_TOKEN_DAYS": 90,
    "API_TOKEN_MAX_DAYS": 365,
    "API_RATE_LIMIT_PER_MINUTE": 60,
    # Map tiles are the one thing browsers fetch from elsewhere. Empty URL = no tiles
    # (markers on a blank background), for networks that block tile servers.
    "TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "TILE_ATTRIBUTION": "&copy; OpenStreetMap contributors",
    "TILE_MAX_ZOOM": 19,
}

# Files and folders inside the instance folder, by setting.
INSTANCE_PATHS = {
    "DATABASE": "fieldapp.db",
    "UPLOAD_DIR": "uploads",
    "IMPORT_DIR": "imports",
}


def defaults(instance_path: str) -> dict:
    """Return the default settings for an app whose instance folder is ``instance_path``."""
    settings = copy.deepcopy(DEFAULTS)
    for key, name in INSTANCE_PATHS.items():
        settings[key] = os.path.join(instance_path, name)
    return settings


_AUDIT_KEY_LINE = re.compile(r"^AUDIT_KEY\s*=", re.MULTILINE)


def write_instance_config(path: Path) -> bool:
    """Create ``instance/config.py`` with a random secret key and audit key if it does not
    exist, and add an audit key to one written before there was one.

    Returns True when the file was created. Uses O_EXCL so two workers starting at once
    cannot both write it, and a lock so they cannot both add an audit key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _add_audit_key(path)
        return False
    with os.fdopen(fd, "w") as fh:
        fh.write(
            "# Settings for this installation. Generated on first run; keep it out of version\n"
            "# control. See README.md for every key.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n"
            f"{_audit_key_line()}"
        )
    return True


def _audit_key_line() -> str:
    return (
        "# Keys the audit trail's chain: keep a copy apart from the database's backups.\n"
        f"AUDIT_KEY = {secrets.token_hex(32)!r}\n"
    )


def _add_audit_key(path: Path) -> None:
    """Append a random AUDIT_KEY to an existing config file that has none."""
    with open(path, "a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # released when the file closes
        fh.seek(0)
        text = fh.read()
        if _AUDIT_KEY_LINE.search(text):
            return
        fh.write(("" if not text or text.endswith("\n") else "\n") + _audit_key_line())
