"""Shared fixtures: an app on a temporary database, signed-in clients, a live server."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections import Counter
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from jinja2 import BytecodeCache
from werkzeug.serving import make_server

from fieldapp import accounts, create_app
from fieldapp.migrations import migrate
from fieldapp.queries import connect
from fieldapp.queries import users as users_q

PASSWORD = "correct horse battery"

# The shipped safeguarding.toml has made-up numbers for the council's own contacts, which stop
# a real deployment starting. Every app the tests make starts with them, including those
# built from an instance folder alone and the gunicorns started as subprocesses (they inherit
# the environment). A test of the refusal removes it (monkeypatch.delenv).
os.environ["FIELDAPP_SAFEGUARDING_PLACEHOLDERS_ALLOWED"] = "true"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Cheap Argon2 settings for tests: the real ones cost ~50 ms a hash, by design."""
    from argon2 import PasswordHasher

    real = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    accounts._hasher = real


@pytest.fixture(autouse=True, scope="session")
def _reference_read_once_per_content():
    """Parse a checklist folder once per test process while its files stay the same.

    Every test builds an app, and reading and validating the checklists was a third of
    that. The result is kept against the bytes of every file in the folder, so a test
    that writes a new checklist, lock, wage rate or scenario gets it read afresh; a folder that
    fails to load is never kept.
    """
    from fieldapp.web import checklists

    real = checklists.load_folder
    kept: dict[tuple, object] = {}

    def load(directory):
        folder = Path(directory).resolve()
        # The practice scenarios are in a folder of their own: every file below counts.
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        key = (str(folder), tuple((str(p.relative_to(folder)), p.read_bytes()) for p in files))
        if key not in kept:
            kept[key] = real(directory)
        return kept[key]

    checklists.load_folder = load
    yield
    checklists.load_folder = real


USERS = {
    "inspector": ("ivy.inspector", "Ivy Inspector", None),
    "coordinator": ("cole.coordinator", "Cole Coordinator", None),
    "partner": ("pat.partner", "Pat Partner", "glaa"),
    "admin": ("ada.admin", "Ada Admin", None),
}


class _MemoryBytecodeCache(BytecodeCache):
    """Compiled templates shared between the apps tests create.

    Keeps the code objects themselves (with the source checksum they were compiled
    from), so a new app does not even unmarshal them.
    """

    def __init__(self):
        self.store = {}

    def load_bytecode(self, bucket):
        checksum, code = self.store.get(bucket.key, (None, None))
        if code is not None and checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.store[bucket.key] = (bucket.checksum, bucket.code)


_TEMPLATE_CACHE = _MemoryBytecodeCache()


def _add_users(app, db) -> None:
    """The four test accounts, one per role (skipping any already there)."""
    with app.test_request_context():
        for role, (username, name, agency) in USERS.items():
            if users_q.find_by_username(db, username):
                continue  # a second app on the same database
            accounts.create(
                db,
                username=username,
                display_name=name,
                role=role,
                password=PASSWORD,
                agency=agency,
            )


# A migrated database holding the four users, built once per test process (so once per
# xdist worker) and copied for each test: migrating and adding users every time cost more
# than most tests themselves.
_TEMPLATE_DB: Path | None = None


@pytest.fixture(autouse=True, scope="session")
def _template_database(_fast_password_hashing, tmp_path_factory):
    global _TEMPLATE_DB
    folder = tmp_path_factory.mktemp("template")
    app = _build_app(folder, {})
    db = connect(app.config["DATABASE"])
    migrate(db)
    _add_users(app, db)
    # Fold the write-ahead log into the main file, so a plain copy of that file is the
    # whole database.
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    _TEMPLATE_DB = Path(app.config["DATABASE"])
    assert not Path(f"{_TEMPLATE_DB}-wal").exists(), "the template's WAL was not folded in"
    yield _TEMPLATE_DB
    _TEMPLATE_DB = None


def copy_template_database(path) -> None:
    """Put a fresh copy of the migrated database with the test users at ``path``."""
    assert _TEMPLATE_DB is not None, "the template database fixture has not run"
    shutil.copyfile(_TEMPLATE_DB, path)


def _build_app(tmp_path, overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "AUDIT_KEY": "test-audit-key",
        "DATABASE": str(tmp_path / "test.db"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        # Tests touch only loopback: no map tiles from the internet.
        "TILE_URL": "",
        # No storage reserve beside every test's database (tests/test_storage_full.py
        # sets one on a small disk of its own).
        "STORAGE_RESERVE_MB": 0,
        **overrides,
    }
    app = create_app(config, instance_path=str(tmp_path / "instance"))
    # Each test builds a new app; sharing compiled templates saves most of a second a test.
    app.jinja_env.bytecode_cache = _TEMPLATE_CACHE
    return app


def make_app(tmp_path, **overrides):
    """An app whose instance folder, database and uploads live under ``tmp_path``.

    A new database starts as a copy of the migrated template with the four users; an
    existing one (a second app on the same database) is migrated and given any missing
    users, as before.
    """
    app = _build_app(tmp_path, overrides)
    path = Path(app.config["DATABASE"])
    if not path.exists() and _TEMPLATE_DB is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        copy_template_database(path)
        return app
    db = connect(app.config["DATABASE"])
    migrate(db)
    _add_users(app, db)
    db.conn.close()
    return app


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def query_db(tmp_path):
    """A migrated database with the test users and no app, for tests of queries alone."""
    path = tmp_path / "query.db"
    copy_template_database(path)
    conn = connect(str(path))
    yield conn
    conn.conn.close()


@pytest.fixture
def db(app):
    """A connection to the test app's database, for checking what was written."""
    conn = connect(app.config["DATABASE"])
    yield conn
    conn.conn.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(html: str) -> str:
    """The CSRF token from a page's form."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def parse(html: str) -> BeautifulSoup:
    """Parse a page and fail if two elements share an id (it breaks labels and links)."""
    soup = BeautifulSoup(html, "html.parser")
    ids = Counter(el["id"] for el in soup.select("[id]"))
    duplicates = [i for i, n in ids.items() if n > 1]
    assert not duplicates, f"duplicate ids on page: {duplicates}"
    return soup


class AuthActions:
    """Sign in and out through the real form, CSRF token and all."""

    def __init__(self, client):
        self.client = client

    def login(self, role: str = "inspector", password: str = PASSWORD, username=None, **extra):
        page = self.client.get("/sign-in")
        return self.client.post(
            "/sign-in",
            data={
                "username": username or USERS[role][0],
                "password": password,
                "csrf_token": csrf_token(page.get_data(as_text=True)),
                **extra,
            },
        )

    def logout(self):
        page = self.client.get("/")
        return self.client.post(
            "/sign-out", data={"csrf_token": csrf_token(page.get_data(as_text=True))}
        )


@pytest.fixture
def auth(client):
    return AuthActions(client)


class PageClient:
    """A signed-in client that asserts status codes and returns parsed pages."""

    def __init__(self, client):
        self.client = client

    def get(self, url: str, expected: int = 200) -> BeautifulSoup:
        response = self.client.get(url)
        assert response.status_code == expected, (url, response.status_code)
        return parse(response.get_data(as_text=True))

    def post(self, url: str, data: dict, expected: int = 302, form_url: str | None = None):
        page = self.client.get(form_url or url)
        data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **data}
        response = self.client.post(url, data=data)
        assert response.status_code == expected, (url, response.status_code)
        return response


@pytest.fixture
def as_role(client, auth):
    """Sign in as a role and get a PageClient: ``page = as_role("admin").get("/")``."""

    def sign_in(role: str) -> PageClient:
        response = auth.login(role)
        assert response.status_code == 302, response.get_data(as_text=True)
        return PageClient(client)

    return sign_in


# -- Browser tests ---------------------------------------------------------------------------


class LiveServer:
    """The app served by a real WSGI server on a free loopback port, in a thread."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def restart(self, app=None):
        """Start again on the same port, as a server coming back after a crash, or (given
        a new ``app``) after a release."""
        self.stop()
        if app is not None:
            self.app = app
        again = LiveServer(self.app, self.port).start()
        self.server, self.thread = again.server, again.thread


@pytest.fixture
def live_server(app):
    server = LiveServer(app).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's chromium; Playwright's own browser download is not available here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Phone size first: the officer's screen."""
    return {
        **browser_context_args,
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    }


def phone_page(browser, browser_context_args, north_m: float = 20, accuracy: float = 9):
    """A phone standing ``north_m`` metres north of the Clock Tower, location allowed."""
    from tests.visit_helpers import CLOCK_TOWER, offset

    lat, lon = offset(CLOCK_TOWER, north_m=north_m)
    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": lat, "longitude": lon, "accuracy": accuracy},
        permissions=["geolocation"],
    )
    return context.new_page()


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "slow: runs a real server or a big file, so takes seconds (in the suite)"
    )


def pytest_collection_modifyitems(config, items):
    """Under xdist, hand out the browser and slow test files first.

    They take longest for their number of tests, and xdist otherwise sends the files with
    the most tests first, leaving a browser file or two to run alone at the end. Every
    worker sorts the same way, so their collections still match; ``-n 0`` keeps the
    usual order.
    """
    if hasattr(config, "workerinput"):
        items.sort(
            key=lambda item: (
                item.get_closest_marker("browser") is None
                and item.get_closest_marker("slow") is None
            )
        )
