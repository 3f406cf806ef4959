"""Shared by the benchmarks: a real gunicorn serving a throwaway instance on loopback."""

from __future__ import annotations

import functools
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

from fieldapp import accounts, create_app
from fieldapp.checklists import load_folder
from fieldapp.config import DEFAULTS
from fieldapp.migrations import migrate
from fieldapp.queries import connect
from fieldapp.queries import premises as premises_q

ROOT = Path(__file__).resolve().parent.parent

PASSWORD = "a quiet loopback passphrase"
# Every client of a benchmark, wrk included, says the same: sessions are tied to the browser
# that signed in (Flask-Login's strong session protection), so a cookie sent by another
# client is refused and the figures would be for the sign-in redirect.
USER_AGENT = "fieldapp-bench"
# Debian's chromium, headless, with nothing reaching out to the internet.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_instance(premises: int = 50) -> Path:
    """A new instance folder with the schema, one user per role and some premises."""
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    (folder / "config.py").write_text(
        "SECRET_KEY = 'benchmark-only'\nTILE_URL = ''\nSAFEGUARDING_PLACEHOLDERS_ALLOWED = True\n"
    )
    app = create_app(instance_path=str(folder))
    db = connect(app.config["DATABASE"])
    migrate(db)
    with app.test_request_context():
        for role in ("inspector", "coordinator", "partner", "admin"):
            accounts.create(
                db,
                username=f"bench.{role}",
                display_name=f"Bench {role}",
                role=role,
                password=PASSWORD,
                agency="glaa" if role == "partner" else None,
            )
        for i in range(premises):
            premises_q.create(
                db,
                name=f"Bench Car Wash {i}",
                sector="hand_car_wash",
                address=f"{i} Bench Road",
                postcode="LE1 1AA",
                latitude=52.63 + i / 10_000,
                longitude=-1.13,
                location_source="gps",
            )
    db.conn.close()
    return folder


class Gunicorn:
    """gunicorn running the app from an instance folder, stopped on exit."""

    def __init__(self, instance: Path, workers: int = 4, extra: list[str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "FIELDAPP_INSTANCE_PATH": str(instance)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                *(extra or []),
                "fieldapp:create_app()",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(self.url)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A signed-in client: cookies, the CSRF token, and no following of redirects."""

    def __init__(self, base: str, role: str = "inspector"):
        self.base, self.role = base, role
        self.sign_in()

    def sign_in(self) -> None:
        """Sign in afresh (a new cookie jar) and keep the CSRF token."""
        role = self.role
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )
        page = self.get("/sign-in")[1]
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.post("/sign-in", {"username": f"bench.{role}", "password": PASSWORD})
        assert status == 302, status
        page = self.get("/")[1]
        self.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str):
        return self._open(
            urllib.request.Request(self.base + path, headers={"User-Agent": USER_AGENT})
        )

    def post(self, path: str, fields: dict):
        data = urllib.parse.urlencode({"csrf_token": self.token, **fields}, doseq=True).encode()
        return self._open(
            urllib.request.Request(self.base + path, data=data, headers={"User-Agent": USER_AGENT})
        )


def wait_until_up(url: str, seconds: float = 30) -> None:
    """Return once the app at ``url`` answers its health check; raise after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing answered at {url} within {seconds:g} s")


def visit_fields(
    premises_id: int, rng: random.Random | None = None, visited_at: str | None = None
) -> dict:
    """A visit form for ``premises_id``: the same answers every time, or with ``rng`` each
    visit its own (see :func:`varied_answers`) and ``visited_at`` as given."""
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    fields = {
        "visit_id": str(uuid.uuid4()),
        "visited_at": now,
        "location_method": "gps",
        "latitude": f"{52.63 + premises_id / 10_000:.6f}",
        "longitude": "-1.130100",
        "accuracy_m": "12",
        "fix_at": now,
        "q-price_basic_wash": "6.00",
        "q-workers_per_car": "3",
        "q-minutes_per_car": "15",
        "notes": "Benchmark visit",
    }
    for i, question in enumerate(
        [
            "cash_only",
            "no_receipt",
            "pay_manager",
            "overstaffed",
            "long_hours",
            "language",
            "no_contract",
            "rtw_missing",
            "fearful",
            "transported",
            "no_welfare",
            "no_ppe",
            "acid_chemicals",
            "no_first_aid",
            "no_el_insurance",
            "site_hazard",
            "runoff",
            "chemical_waste",
            "no_planning",
            "no_rates",
            "no_trader_info",
            "other_crime",
        ]
    ):
        fields[f"q-{question}"] = ("yes", "no", "not_seen")[i % 3]
    if rng is not None:
        fields = {k: v for k, v in fields.items() if not k.startswith("q-")}
        fields.update(varied_answers(rng))
        fields["notes"] = f"Benchmark visit {rng.getrandbits(32):08x}"
    if visited_at is not None:
        fields["visited_at"] = visited_at
    return fields


@functools.cache
def car_wash_checklist():
    """The shipped hand car wash checklist, read once."""
    return load_folder(Path(DEFAULTS["CHECKLIST_DIR"])).by_sector["hand_car_wash"]


def varied_answers(rng: random.Random) -> dict:
    """Every question of the car wash checklist answered by ``rng``: yes or no (mostly no),
    a price, counts and minutes, follow-ups of questions answered yes, and notes on some."""
    checklist = car_wash_checklist()
    fields = {}
    for item in checklist.indicators:
        if item.answer_type == "yes_no":
            fields[f"q-{item.id}"] = "yes" if rng.random() < 0.25 else "no"
        elif item.answer_type == "money":
            fields[f"q-{item.id}"] = f"{rng.randint(300, 1500) / 100:.2f}"
        else:
            fields[f"q-{item.id}"] = str(rng.randint(1, 30))
        if rng.random() < 0.15:
            fields[f"note-{item.id}"] = f"Note on {item.id} {rng.getrandbits(24):06x}"
    for item in checklist.follow_ups:
        if fields.get(f"q-{item.parent}") == "yes":
            fields[f"q-{item.id}"] = str(rng.randint(1, 12))
    return fields


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]
