"""Hostile input never breaks the service: no 500 and no traceback from any form field,
query parameter or id in an address, for every role that can reach the route.

The targets come from the app's own url_map and access rules, and the field names from
the forms on each page as the role sees it, so a new route or field is fuzzed without
anyone listing it here. Each (route, method, role) gets a few examples (hypothesis,
derandomised so a failure repeats); POSTs carry a real form token so they reach the view.
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp import accounts, demo, training
from fieldapp.permissions import rule_for
from fieldapp.queries import connect
from fieldapp.sitefilter import SiteFilter
from fieldapp.timeutil import uk_today
from fieldapp.web import checklists as web_checklists
from tests.conftest import AuthActions, _build_app, make_app
from tests.factories import plan_operation

# A deeper run: FUZZ_EXAMPLES=100 scripts/test tests/test_fuzz.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
BIG = 2**63

HOSTILE = [
    str(BIG),
    str(BIG - 1),
    str(-BIG - 1),
    "-1",
    "0",
    "9" * 400,
    "1e309",
    "nan",
    "-inf",
    "1.5",
    "",
    "   ",
    "\x00",
    "a\x00b",
    "abc\u202edcba",
    "\u200f\u2066x\u2069",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "x" * 5000,
    "[]",
    "{}",
    "null",
    "true",
    "../../etc/passwd",
    "%00",
    "2026-02-30",
    "31 2 2026",
    "-1,-1,-1,-1",
    "Zoë Ødegård-Łukasz",
]
hostile = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
value = st.one_of(hostile, st.lists(hostile, max_size=3))

# Query parameters the list pages, filters and API know, beyond any form on the page.
QUERY_PARAMS = sorted(
    {f for f in SiteFilter.__dataclass_fields__ if f != "errors"}
    | {"page", "heat", "take", "site", "format", "agency", "lat", "lon", "accuracy"}
    | {"name", "from", "to", "next", "period"}
)
# Routes fuzzing would disturb the fuzzing itself with (signing the client out), or that
# serve files.
SKIP = {"static", "auth.logout"}


def _targets() -> list[tuple[str, str, str]]:
    """(endpoint, method, role) for every route and each role its rule lets in."""
    app = make_app_for_rules()
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP:
            continue
        allowed = rule_for(rule.endpoint, app)
        roles = ["anonymous"] if allowed == "public" else sorted(allowed or ())
        for method in sorted(rule.methods & {"GET", "POST"}):
            found += [(rule.endpoint, method, role) for role in roles]
    return sorted(found)


def make_app_for_rules():
    """An app only to read its routes and rules from (no database is opened)."""
    return _build_app(Path(tempfile.mkdtemp(prefix="fuzz-rules-")), {})


class World:
    """One seeded app, a signed-in client per role, and a real id for each kind of record."""

    def __init__(self, tmp_path):
        self.app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False, ACCESS_LOG=False)
        db = connect(self.app.config["DATABASE"])
        with self.app.app_context():
            demo.load(
                db,
                seed=7,
                instance_path=self.app.instance_path,
                reference=web_checklists.current(),
                premises=8,
            )
        with self.app.test_request_context():
            target = accounts.create(
                db,
                username="fuzz.target",
                display_name="Fuzz Target",
                role="inspector",
                password=secrets.token_urlsafe(18),
            )
            course = training.COURSES[0]
            trained = training.record(
                db, target, course=course, trained_on=uk_today(), recorded_by=None
            )
        self.clients = {"anonymous": self.app.test_client()}
        for role in ("inspector", "coordinator", "partner", "admin"):
            client = self.app.test_client()
            assert AuthActions(client).login(role).status_code == 302
            self.clients[role] = client
        premises = db.execute("SELECT id FROM premises ORDER BY id LIMIT 1").fetchone()[0]
        visit = db.execute("SELECT id FROM visits ORDER BY visited_at LIMIT 1").fetchone()[0]
        self.ids = {
            "premises_id": premises,
            "visit_id": visit,
            "user_id": target if isinstance(target, int) else target["id"],
            "operation_id": self._plan_operation(),
            "token_id": 1,
            "referral_id": 1,
            "scenario_id": "car_wash_slavery",
            "sector": "hand_car_wash",
            "training_id": trained,
            "photo_id": "no-such-photo",
            "token": "no-such-import",
            "fmt": "csv",
        }
        db.conn.close()

    def _plan_operation(self) -> int:
        return plan_operation(self.clients["coordinator"], "Fuzz")

    def url(self, endpoint: str) -> str:
        rule = next(r for r in self.app.url_map.iter_rules() if r.endpoint == endpoint)
        with self.app.test_request_context():
            return url_for(endpoint, **{a: self.ids[a] for a in rule.arguments})


@pytest.fixture(scope="module")
def world(tmp_path_factory, _template_database):
    return World(tmp_path_factory.mktemp("fuzz"))


def _forms(html: str, page_url: str) -> dict[str, dict[str, list[str]]]:
    """Each form on a page: its action path (the page itself if none) and its fields with
    the values the page gives them, so a fuzzed field sits among otherwise real ones."""
    found: dict[str, dict[str, list[str]]] = {}
    for form in BeautifulSoup(html, "html.parser").select("form"):
        action = urlsplit(form.get("action") or page_url).path
        method = (form.get("method") or "get").upper()
        fields = found.setdefault(f"{method} {action}", {})
        for el in form.select("input[name], select[name], textarea[name]"):
            name = el["name"]
            if el.name == "select":
                option = el.select_one("option[selected]") or el.select_one("option")
                current = option.get("value", option.text) if option else ""
            elif el.name == "textarea":
                current = el.text
            elif el.get("type") in ("checkbox", "radio") and not el.has_attr("checked"):
                fields.setdefault(name, [])
                continue
            else:
                current = el.get("value", "")
            fields.setdefault(name, []).append(current)
    return found


def _fields_for(world: World, endpoint: str, method: str, role: str, url: str) -> dict:
    """The fields a request to ``url`` can carry, and their starting values."""
    client = world.clients[role]
    pages = {url}
    rule = next(r for r in world.app.url_map.iter_rules() if r.endpoint == endpoint)
    if method == "POST":
        # A POST-only route's form lives on the page of the record it belongs to.
        pages |= {world.url(e) for e in _parents(world, rule.rule) if e}
    collected: dict = {}
    for page in pages:
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.content_type:
            continue
        for key, fields in _forms(response.get_data(as_text=True), page).items():
            if key == f"{method} {urlsplit(url).path}":
                collected.update(fields)
    if method == "GET":
        collected.update({name: [] for name in QUERY_PARAMS if name not in collected})
    collected.pop("csrf_token", None)
    return collected


def _parents(world: World, rule: str) -> list[str]:
    """GET endpoints whose address is a prefix of ``rule`` (where its form is shown)."""
    out = []
    for other in world.app.url_map.iter_rules():
        shown = "GET" in other.methods and other.rule != "/" and other.endpoint not in SKIP
        if shown and rule.startswith(other.rule.rstrip("/")):
            out.append(other.endpoint)
    return out


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def _assert_no_server_error(response, what, errors: _Errors):
    # A download (a ZIP, a PDF) is not text, and a traceback would be a page, not the file.
    binary = response.mimetype in ("application/zip", "application/octet-stream", "application/pdf")
    body = "" if binary else response.get_data(as_text=True)
    detail = "\n".join(logging.Formatter().format(r) for r in errors.records)
    assert response.status_code < 500, f"{what} -> {response.status_code}\n{detail}"
    assert "Traceback (most recent call last)" not in body, what


@pytest.mark.parametrize(("endpoint", "method", "role"), _targets())
def test_no_hostile_input_gives_a_server_error(world, endpoint, method, role):
    url = world.url(endpoint)
    fields = _fields_for(world, endpoint, method, role, url)
    names = sorted(fields) or ["x"]
    client = world.clients[role]
    errors = _Errors()
    logging.getLogger("fieldapp.errors").addHandler(errors)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=EXAMPLES <= 6,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.dictionaries(st.sampled_from(names), value, min_size=1, max_size=4))
    def run(changes):
        data = {k: v for k, v in fields.items() if v}
        data.update(changes)
        if method == "GET":
            response = client.get(url, query_string=data)
        else:
            session = client.get("/api/session").get_json() or {}
            data["csrf_token"] = session.get("csrf_token", "")
            response = client.post(url, data=data)
        _assert_no_server_error(response, f"{method} {url} as {role} with {changes!r}", errors)

    try:
        run()
    finally:
        logging.getLogger("fieldapp.errors").removeHandler(errors)


HOSTILE_IDS = [str(BIG), str(BIG - 1), "-1", "9" * 100, "0x10", "1.0"]


@pytest.mark.parametrize("hostile_id", HOSTILE_IDS)
def test_an_id_no_record_can_have_is_a_404(world, hostile_id):
    """Every route with an id in its address, with an id SQLite cannot hold or no record has."""
    for rule in world.app.url_map.iter_rules():
        ints = [a for a, c in rule._converters.items() if type(c).__name__ == "IdConverter"]
        if not ints or rule.endpoint in SKIP:
            continue
        allowed = rule_for(rule.endpoint, world.app)
        role = sorted(allowed)[0] if allowed != "public" else "anonymous"
        path = world.url(rule.endpoint)
        for name in ints:
            path = path.replace(f"/{world.ids[name]}", f"/{hostile_id}", 1)
        client = world.clients[role]
        if "GET" in rule.methods:
            response = client.get(path)
        else:
            token = client.get("/api/session").get_json()["csrf_token"]
            response = client.post(path, data={"csrf_token": token})
        # Beyond SQLite's range, negative or not a number: no route matches. In range: the
        # record does not exist (some POSTs answer that with a redirect and a message).
        expected = {404} if hostile_id != str(BIG - 1) else {303, 404}
        assert response.status_code in expected, (rule.rule, path, response.status_code)


@pytest.mark.parametrize("page", [str(BIG), str(BIG // 50), "-1", "0", "abc", "9" * 50])
@pytest.mark.parametrize(
    ("role", "url"),
    [("coordinator", "/sites"), ("admin", "/admin/audit"), ("admin", "/admin/exports")],
)
def test_a_page_number_out_of_range_is_a_clear_400(world, role, url, page):
    response = world.clients[role].get(url, query_string={"page": page})
    assert response.status_code == 400, (url, page, response.status_code)
    assert "page" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("hostile", ["%00", "x" * 3000, "%E2%80%AE", "..%2F..%2Fetc"])
def test_text_ids_in_addresses_never_break(world, hostile):
    for path in (f"/visits/{hostile}", f"/visits/photos/{hostile}", f"/imports/{hostile}"):
        response = world.clients["coordinator"].get(path)
        assert response.status_code < 500, (path, response.status_code)
