"""A server killed in the middle of an import: nothing was imported, and the import can be
run again.

As bench/faults.py does for visits, this runs the real app under gunicorn on a loopback
port with its own instance folder and kills it (SIGKILL, master and workers) while the
import request is in flight, once the import's transaction is known to be open: the
claimed file is there and the database's write lock is taken. After a restart on the same
instance the register has exactly the premises it had before and passes SQLite's integrity
check; the report says the import did not finish, and importing again adds every row.

A file of 15,000 rows with their own latitude and longitude (so no address lookups) takes
a few seconds to import, which leaves the test plenty of time to land the kill inside the
transaction, even on a busy two-core machine: no hook slows the import down.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from bench._server import PASSWORD, ROOT, free_port, prepare_instance, wait_until_up
from tests.conftest import parse
from tests.test_import import form_choices

pytestmark = pytest.mark.slow

ROWS = 15_000
PREMISES_BEFORE = 50
# Long enough for the import itself on a slow machine: gunicorn's own 30 s would kill a
# worker that took longer, and the test is about our kill, not its.
WORKER_TIMEOUT_S = 300
NOT_FINISHED = "This import did not finish; nothing was imported."


class Server:
    """gunicorn in its own process group, so SIGKILL takes the master and every worker."""

    def __init__(self, instance: Path):
        self.instance, self.port = instance, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                # Two workers: one imports while the other answers the pages.
                "--workers",
                "2",
                "--timeout",
                str(WORKER_TIMEOUT_S),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "critical",
                "fieldapp:create_app()",
            ],
            cwd=ROOT,
            env={**os.environ, "FIELDAPP_INSTANCE_PATH": str(self.instance)},
            start_new_session=True,
        )
        wait_until_up(self.url, seconds=60)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


@pytest.fixture
def server():
    instance = prepare_instance(premises=PREMISES_BEFORE)
    running = Server(instance)
    running.start()
    yield running
    running.kill()
    shutil.rmtree(instance, ignore_errors=True)


def csv_file() -> bytes:
    lines = ["name,sector,address,postcode,latitude,longitude"]
    lines += [
        f"Crash Test Wash {i},car wash,{i} Crash Road,LE1 1AA,{52.6 + i / 1_000_000:.6f},-1.13"
        for i in range(ROWS)
    ]
    return ("\n".join(lines) + "\n").encode()


def form_token(page: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert match, "page has no form token"
    return match.group(1)


def signed_in(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/sign-in", timeout=30).text
    response = session.post(
        f"{url}/sign-in",
        data={
            "csrf_token": form_token(page),
            "username": "bench.coordinator",
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text
    return session


def database(instance: Path) -> sqlite3.Connection:
    return sqlite3.connect(instance / "fieldapp.db", timeout=30)


def premises_count(instance: Path) -> int:
    with database(instance) as db:
        return db.execute("SELECT count(*) FROM premises").fetchone()[0]


def integrity(instance: Path) -> str:
    with database(instance) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def writing(instance: Path) -> bool:
    """Whether someone holds the database's write lock (a transaction is open)."""
    db = sqlite3.connect(instance / "fieldapp.db", timeout=0, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error), error
        return True
    else:
        db.execute("ROLLBACK")
        return False
    finally:
        db.close()


class Press:
    """The import button, pressed in a thread so the test can act while it is in flight."""

    def __init__(self, session: requests.Session, url: str, token: str):
        self.outcome: requests.Response | Exception | None = None
        self.returned = threading.Event()
        self.thread = threading.Thread(target=self._send, args=(session, url, token))
        self.thread.start()

    def _send(self, session, url, token) -> None:
        try:
            self.outcome = session.post(
                url, data={"csrf_token": token}, allow_redirects=False, timeout=WORKER_TIMEOUT_S
            )
        except requests.RequestException as error:
            self.outcome = error
        self.returned.set()


def wait_for_the_transaction(instance: Path, claimed: Path, pressed: Press) -> None:
    """Return once the import has its file and its transaction open; fail if it ended."""
    deadline = time.monotonic() + 120
    while not (claimed.exists() and writing(instance)):
        assert not pressed.returned.is_set(), f"the import ended first: {pressed.outcome!r}"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)


def confirm_mapping(session: requests.Session, columns_url: str) -> str:
    """Accept the proposed columns and sectors, as a person pressing Continue would; return
    the URL of the report."""
    for step in (columns_url, columns_url.replace("/columns", "/values")):
        page = parse(session.get(step, timeout=120).text)
        sent = session.post(step, data=form_choices(page), allow_redirects=False, timeout=120)
        assert sent.status_code == 302, sent.text
    return columns_url.removesuffix("/columns")


def test_a_server_killed_mid_import_imports_nothing_and_the_import_runs_again(server):
    instance, url = server.instance, server.url
    session = signed_in(url)
    token = form_token(session.get(f"{url}/", timeout=30).text)
    uploaded = session.post(
        f"{url}/imports",
        data={"csrf_token": token},
        files={"file": ("council register.csv", csv_file(), "text/csv")},
        allow_redirects=False,
        timeout=120,
    )
    assert uploaded.status_code == 302, uploaded.text
    report_url = confirm_mapping(session, url + uploaded.headers["Location"])
    upload_token = report_url.rsplit("/", 1)[1]
    kept = instance / "imports" / f"{upload_token}.csv"
    claimed = kept.with_suffix(".importing")
    assert f"Import {ROWS} good rows" in session.get(report_url, timeout=120).text
    assert premises_count(instance) == PREMISES_BEFORE

    pressed = Press(session, f"{report_url}/import", token)
    wait_for_the_transaction(instance, claimed, pressed)
    # Meanwhile the other worker says the import is running, and offers no second one.
    looking = requests.Session()
    looking.cookies.update(session.cookies)
    running = looking.get(report_url, timeout=30)
    assert running.url == f"{report_url}/done" and "still being imported" in running.text
    assert f"/imports/{upload_token}/import" not in running.text
    assert claimed.exists() and writing(instance) and not pressed.returned.is_set()
    server.kill()
    pressed.thread.join(timeout=30)
    assert isinstance(pressed.outcome, requests.ConnectionError), pressed.outcome

    # Dead: the transaction never committed, and the upload is stuck as claimed.
    assert premises_count(instance) == PREMISES_BEFORE
    assert integrity(instance) == "ok"
    assert claimed.exists() and not kept.exists()

    server.start()
    page = session.get(report_url, timeout=120)
    assert page.status_code == 200 and page.url == report_url
    assert NOT_FINISHED in page.text
    assert kept.exists() and not claimed.exists()
    assert premises_count(instance) == PREMISES_BEFORE

    again = session.post(
        f"{report_url}/import",
        data={"csrf_token": form_token(page.text)},
        allow_redirects=False,
        timeout=WORKER_TIMEOUT_S,
    )
    assert again.status_code == 302 and again.headers["Location"].endswith("/done")
    done = session.get(f"{report_url}/done", timeout=30).text
    assert "Import complete" in done and f"{ROWS} added, 0 updated" in done
    assert premises_count(instance) == PREMISES_BEFORE + ROWS
    assert integrity(instance) == "ok"
    assert sorted(p.name for p in (instance / "imports").iterdir()) == [f"{upload_token}.json"]
