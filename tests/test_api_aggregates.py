"""The aggregate feed (/api/v1/aggregates) over small councils built by hand, so every
count is known by construction: its figures, disclosure control (no small count anywhere,
nothing worked out from the totals it publishes), its OpenAPI schema, token scopes both
ways, bad and hostile input, and the export log.

The period is April to June 2025 (all in BST; each visit is at 10:00 UTC, the same UK day).
Two councils: in ``build_big`` every count is 0 or at least 5, so the feed shows every one
and each can be checked; in ``build`` most are small, to test the hiding.
"""

from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fieldapp.queries import connect
from fieldapp.reports import suppression
from fieldapp.web.api import aggregates as feed
from fieldapp.web.api.openapi import openapi_document
from tests.conftest import AuthActions, csrf_token, make_app, parse
from tests.report_world import add_premises, add_referral, add_visit
from tests.test_report_areas import LA1, LA2, W1, W2, W3, add_postcode

API = "/api/v1/aggregates"
QUARTER = "from=2025-04-01&to=2025-06-30"
BELOW = 5
NAMES = ("Alpha Wash", "Bravo Wash", "Echo Nails", "Delta Wash", "Foxtrot Wash")
POSTCODES = ("LE1 5AA", "LE15AA", "LE1 5AB", "LE15AB", "LE2 5AA", "LE25AA", "LE3 9ZZ", "LE39ZZ")
HCW, NB = "hand_car_wash", "nail_bar"


def visits(db, premises_id, day, band, n, **more):
    return [add_visit(db, premises_id, f"{day}T10:00:00+00:00", band, **more) for _ in range(n)]


def premises(db, name, sector, postcode):
    pid = add_premises(db, name, sector, "2024-01-10T09:00:00+00:00")
    db.execute("UPDATE premises SET postcode = ? WHERE id = ?", [postcode, pid])
    return pid


def places(db) -> tuple[int, ...]:
    """Alpha Wash (LE1 5AA: ward W1 in LA1), Bravo Wash (LE1 5AB: W2 in LA1), Echo Nails
    (LE2 5AA: W3 in LA2), Delta Wash (LE3 9ZZ, not in the directory: district LE3) and
    Foxtrot Wash (LE1 5AA), visited only before the period."""
    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )
    add_postcode(db, "LE15AA", W1, LA1)
    add_postcode(db, "LE15AB", W2, LA1)
    add_postcode(db, "LE25AA", W3, LA2)
    return (
        premises(db, "Alpha Wash", HCW, "LE1 5AA"),
        premises(db, "Bravo Wash", HCW, "LE1 5AB"),
        premises(db, "Echo Nails", NB, "LE2 5AA"),
        premises(db, "Delta Wash", HCW, "LE3 9ZZ"),
        premises(db, "Foxtrot Wash", HCW, "LE1 5AA"),
    )


def build_big(db) -> None:
    """Every count 0 or at least 5 (EXPECTED says each)."""
    alpha, bravo, echo, delta, foxtrot = places(db)
    for visit in visits(db, alpha, "2025-04-03", "high", 5, victims=1):
        add_referral(db, visit, "nrm", "2025-04-03T11:00:00+00:00", adults=1)
    visits(db, alpha, "2025-04-04", "medium", 5)
    visits(db, alpha, "2025-04-05", "low", 5)
    visits(db, alpha, "2025-05-05", "low", 6)
    visits(db, bravo, "2025-06-06", None, 5)
    visits(db, echo, "2025-04-07", "low", 5)
    visits(db, echo, "2025-06-08", "medium", 7, red_flags=("living_on_site",))
    visits(db, delta, "2025-05-09", "high", 5, red_flags=("id_retained",))
    visits(db, foxtrot, "2025-03-01", "high", 1, victims=2)
    db.conn.commit()


# (month or "all", sector) -> (visits, high, medium, low, not judged, red-flag visits,
# potential victims, NRM referrals), worked out from build_big by hand.
EXPECTED = {
    ("2025-04", HCW): (15, 5, 5, 5, 0, 0, 5, 5),
    ("2025-04", NB): (5, 0, 0, 5, 0, 0, 0, 0),
    ("2025-04", "total"): (20, 5, 5, 10, 0, 0, 5, 5),
    ("2025-05", HCW): (11, 5, 0, 6, 0, 5, 0, 0),
    ("2025-05", NB): (0, 0, 0, 0, 0, 0, 0, 0),
    ("2025-05", "total"): (11, 5, 0, 6, 0, 5, 0, 0),
    ("2025-06", HCW): (5, 0, 0, 0, 5, 0, 0, 0),
    ("2025-06", NB): (7, 0, 7, 0, 0, 7, 0, 0),
    ("2025-06", "total"): (12, 0, 7, 0, 5, 7, 0, 0),
    ("all", HCW): (31, 10, 5, 11, 5, 5, 5, 5),
    ("all", NB): (12, 0, 7, 5, 0, 7, 0, 0),
    ("all", "total"): (43, 10, 12, 16, 5, 12, 5, 5),
}
# area -> (visits, high-concern visits, potential victims), with its wards.
EXPECTED_AREAS = {
    (LA1, "directory"): ((26, 5, 5), {W1: (21, 5, 5), W2: (5, 0, 0)}),
    (LA2, "directory"): ((12, 0, 0), {W3: (12, 0, 0)}),
    ("LE3", "postcode_district"): ((5, 5, 0), {"LE3": (5, 5, 0)}),
}


def build(db) -> None:
    """Mostly small counts: in April Alpha Wash 5 high-concern visits (each finding 1
    potential victim, one making an NRM referral) and 2 medium; in May Bravo Wash 6 low and
    1 that could not inspect; Echo Nails 6 low in April and 5 medium in June; Delta Wash 3
    high in June, each with a modern slavery red flag."""
    alpha, bravo, echo, delta, foxtrot = places(db)
    first = visits(db, alpha, "2025-04-03", "high", 5, victims=1)[0]
    visits(db, alpha, "2025-04-04", "medium", 2)
    add_referral(db, first, "nrm", "2025-04-03T11:00:00+00:00", adults=1)
    visits(db, bravo, "2025-05-05", "low", 6)
    visits(db, bravo, "2025-05-06", None, 1)
    visits(db, echo, "2025-04-07", "low", 6)
    visits(db, echo, "2025-06-08", "medium", 5)
    visits(db, delta, "2025-06-09", "high", 3, red_flags=("id_retained",))
    visits(db, foxtrot, "2025-03-01", "high", 1, victims=2)
    db.conn.commit()


@pytest.fixture
def council(app):
    db = connect(app.config["DATABASE"])
    build(db)
    db.conn.close()
    return app


@pytest.fixture
def big(app):
    db = connect(app.config["DATABASE"])
    build_big(db)
    db.conn.close()
    return app


def make_token(app, scope="aggregates", agency="glaa", name="Regional partnership"):
    admin = app.test_client()
    AuthActions(admin).login("admin")
    form = admin.get("/admin/tokens").get_data(as_text=True)
    response = admin.post(
        "/admin/tokens",
        data={"csrf_token": csrf_token(form), "agency": agency, "name": name, "scope": scope},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    page = parse(response.get_data(as_text=True))
    return page.select_one("#new-token-value").text.strip()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def get(app, query=QUARTER, token=None):
    token = token or make_token(app)
    return app.test_client().get(f"{API}?{query}" if query else API, headers=bearer(token))


@pytest.fixture
def answer(council):
    response = get(council)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def month(doc, key):
    return next(m for m in doc["months"] if m["month"] == key)["sectors"]


def area(doc, key):
    return next(a for a in doc["areas"] if a["area"] == key)


def shown(c):
    assert c["suppressed"] is None, c
    return c["value"]


# -- The figures, known by construction --------------------------------------------------


def figures(f) -> tuple:
    levels = tuple(
        shown(f["visits_by_concern"][level]) for level in ("high", "medium", "low", "not_judged")
    )
    return (
        shown(f["visits"]),
        *levels,
        shown(f["red_flag_visits"]),
        shown(f["potential_victims"]),
        shown(f["referrals_by_route"]["nrm"]),
    )


def test_every_count_is_the_records_counted(big):
    doc = get(big).get_json()
    assert doc["period"]["from"] == "2025-04-01" and doc["period"]["to"] == "2025-06-30"
    assert [m["month"] for m in doc["months"]] == ["2025-04", "2025-05", "2025-06"]
    found = {(m["month"], s): figures(f) for m in doc["months"] for s, f in m["sectors"].items()}
    found.update({("all", s): figures(f) for s, f in doc["whole_period"].items()})
    assert found == EXPECTED
    # Every other route is there, at zero, named as the council's safeguarding names it.
    assert {"nrm", "duty_to_notify", "child"} <= set(doc["referral_routes"])
    for f in doc["whole_period"].values():
        assert all(shown(c) == 0 for r, c in f["referrals_by_route"].items() if r != "nrm")
    assert doc["council"] and doc["generated_at"]


def test_every_area_is_the_records_counted(big):
    doc = get(big).get_json()
    names = ("visits", "high_concern_visits", "potential_victims")
    found = {
        (a["area"], a["found_by"]): (
            tuple(shown(a[n]) for n in names),
            {w["area"]: tuple(shown(w[n]) for n in names) for w in a["wards"]},
        )
        for a in doc["areas"]
    }
    assert found == EXPECTED_AREAS
    # Most high-concern visits first.
    assert [a["area"] for a in doc["areas"]] == [LA1, "LE3", LA2]


def test_a_count_of_exactly_the_threshold_is_shown(big):
    doc = get(big).get_json()
    april = doc["months"][0]["sectors"]
    assert april["hand_car_wash"]["visits_by_concern"]["high"] == {
        "value": BELOW,
        "suppressed": None,
    }
    assert doc["whole_period"]["total"]["potential_victims"] == {"value": BELOW, "suppressed": None}
    assert all(c["suppressed"] is None for c in cells(doc))


def test_a_small_count_is_hidden_and_one_beside_it_too_so_the_total_does_not_give_it_away(
    council,
):
    doc = get(council).get_json()
    june = month(doc, "2025-06")
    # 3 visits to Delta Wash: fewer than 5, and June's total (8) less the nail bars' (5)
    # would give it away, so one of the others in that sum is hidden too.
    assert june[HCW]["visits"] == {"value": None, "suppressed": "primary"}
    others = (june[NB]["visits"], june["total"]["visits"])
    assert [c["suppressed"] for c in others].count("secondary") >= 1
    # Delta Wash's area too: its 3 visits are its district's, and the areas add up to the
    # whole period's 28 visits.
    assert area(doc, "LE3")["visits"] == {"value": None, "suppressed": "primary"}
    # The one NRM referral: primary; the total of NRM referrals is the same 1.
    assert month(doc, "2025-04")[HCW]["referrals_by_route"]["nrm"]["suppressed"] == "primary"
    assert doc["whole_period"]["total"]["referrals_by_route"]["nrm"]["suppressed"] == "primary"
    # Potential victims: 5 in April, all at Alpha Wash: nothing small near them, all shown.
    assert shown(month(doc, "2025-04")[HCW]["potential_victims"]) == BELOW
    assert shown(doc["whole_period"]["total"]["potential_victims"]) == BELOW


# -- Disclosure control, checked from the published document alone -----------------------


def cells(node):
    """Every count cell in the document."""
    if isinstance(node, dict):
        if set(node) == {"value", "suppressed"}:
            yield node
            return
        for child in node.values():
            yield from cells(child)
    elif isinstance(node, list):
        for child in node:
            yield from cells(child)


def numbers(node):
    if isinstance(node, bool):
        return
    if isinstance(node, int):
        yield node
    elif isinstance(node, dict):
        for child in node.values():
            yield from numbers(child)
    elif isinstance(node, list):
        for child in node:
            yield from numbers(child)


def published_sums(doc):
    """The sums the document says hold, as (total, parts) of cells, rebuilt from the
    document's structure alone: sectors to total, months to the whole period, concern
    levels to visits, areas to the whole period's total, wards to their authority."""
    rows = [m["sectors"] for m in doc["months"]] + [doc["whole_period"]]
    sums = []

    def flat(figures):
        found = {"visits": figures["visits"], **figures["visits_by_concern"]}
        found.update({k: figures[k] for k in ("red_flag_visits", "potential_victims")})
        found.update({f"ref:{r}": c for r, c in figures["referrals_by_route"].items()})
        return found

    for row in rows:
        by = {s: flat(f) for s, f in row.items()}
        for measure in by["total"]:
            sums.append((by["total"][measure], [by[HCW][measure], by[NB][measure]]))
        for f in by.values():
            sums.append(
                (f["visits"], [f[level] for level in ("high", "medium", "low", "not_judged")])
            )
    whole = {s: flat(f) for s, f in doc["whole_period"].items()}
    for sector, measures in whole.items():
        for measure, total in measures.items():
            sums.append((total, [flat(m["sectors"][sector])[measure] for m in doc["months"]]))
    names = {
        "visits": "visits",
        "high_concern_visits": "high",
        "potential_victims": "potential_victims",
    }
    for name, measure in names.items():
        sums.append((whole["total"][measure], [a[name] for a in doc["areas"]]))
        for a in doc["areas"]:
            sums.append((a[name], [w[name] for w in a["wards"]]))
    return sums


def test_no_count_anywhere_is_between_1_and_below_the_threshold(answer):
    doc = answer.get_json()
    assert doc["suppression"]["threshold"] == BELOW
    assert all(n == 0 or n >= BELOW for n in numbers(doc)), sorted(set(numbers(doc)))
    found = list(cells(doc))
    assert found and all(
        (c["value"] is None) == (c["suppressed"] in ("primary", "secondary")) for c in found
    )


def test_no_hidden_count_can_be_worked_out_from_the_published_sums(answer):
    doc = answer.get_json()
    sums = published_sums(doc)
    # Shown sums add up (the figures agree with each other) ...
    for total, parts in sums:
        if total["value"] is not None and all(p["value"] is not None for p in parts):
            assert total["value"] == sum(p["value"] for p in parts)
    # ... no sum has exactly one hidden count (it would be the difference) ...
    for total, parts in sums:
        assert sum(c["value"] is None for c in (total, *parts)) != 1
    # ... and no combination of the sums solves for one (the solver, on the document's own
    # cells, with the hidden values filled in from the exact counts being irrelevant).
    ids = {}
    for c in cells(doc):
        ids.setdefault(id(c), len(ids))
    values = {ids[id(c)]: c["value"] or 0 for c in cells(doc)}
    hidden = {ids[id(c)]: c["suppressed"] for c in cells(doc) if c["suppressed"]}
    keyed = [(ids[id(t)], [ids[id(p)] for p in parts]) for t, parts in sums]
    assert suppression.worked_out(values, keyed, hidden) == []


def test_nothing_names_a_premises_or_its_postcode(answer):
    body = answer.get_data(as_text=True)
    for word in (*NAMES, *POSTCODES, "00000000-0000-4000"):
        assert word.lower() not in body.lower(), word
    assert "LE1 " not in body and "LE2 " not in body


def validator() -> Draft202012Validator:
    resource = Resource.from_contents(openapi_document(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:fieldapp", resource)
    schema = {"$ref": "urn:fieldapp#/components/schemas/Aggregates"}
    return Draft202012Validator(schema, registry=registry)


def test_an_answer_with_everything_shown_validates_too(big):
    validator().validate(get(big).get_json())


def test_the_answer_validates_against_the_openapi_schema(answer, council):
    doc = openapi_document()
    validator().validate(answer.get_json())
    # A count that is neither a number nor hidden, or an unknown marker, is not valid.
    bad = answer.get_json()
    bad["whole_period"]["total"]["visits"] = {"value": 3, "suppressed": "rounded"}
    assert list(validator().iter_errors(bad))
    spec = doc["paths"]["/api/v1/aggregates"]["get"]
    assert set(spec["responses"]) == {"200", "400", "401", "403", "429"}
    assert {p["name"] for p in spec["parameters"]} == set(feed.PARAMETERS)
    assert answer.headers["Cache-Control"] == "no-store"


def test_each_read_is_in_the_export_log_with_the_sha256_of_what_was_sent(answer, council):
    db = connect(council.config["DATABASE"])
    [logged] = list(db.query("SELECT * FROM export_log"))
    audit = list(db.query("SELECT * FROM audit WHERE action = 'export.sent'"))
    db.conn.close()
    assert logged["format"] == "aggregates" and logged["token_id"]
    assert logged["sha256"] == hashlib.sha256(answer.get_data()).hexdigest()
    assert logged["byte_count"] == len(answer.get_data())
    assert "1 April 2025 to 30 June 2025" in logged["filter"]
    assert len(audit) == 1


def test_the_default_period_is_this_financial_year(council):
    doc = get(council, query="").get_json()
    assert doc["period"]["from"].endswith("-04-01") and doc["period"]["to"].endswith("-03-31")
    assert len(doc["months"]) == 12


def test_presets_are_accepted(council):
    token = make_token(council)
    for name in feed.PRESETS:
        response = get(council, f"period={name}", token)
        assert response.status_code == 200, (name, response.get_json())


def test_a_bigger_threshold_is_respected(tmp_path):
    app = make_app(tmp_path, REPORT_SUPPRESS_BELOW=10)
    db = connect(app.config["DATABASE"])
    build(db)
    db.conn.close()
    doc = get(app).get_json()
    assert doc["suppression"]["threshold"] == 10
    assert all(c["value"] in (None, 0) or c["value"] >= 10 for c in cells(doc))
    assert shown(doc["whole_period"]["total"]["visits"]) == 28


# -- Tokens: scopes, none, and the admin page ---------------------------------------------


def test_a_flagged_sites_token_cannot_read_the_aggregates(council):
    response = get(council, token=make_token(council, scope="flagged_sites"))
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["status"] == 403 and problem["scope"] == "flagged_sites"
    assert "flagged sites" in problem["error"] and "aggregate figures" in problem["error"]


def test_an_aggregates_token_cannot_read_flagged_sites(council):
    token = make_token(council)
    response = council.test_client().get("/api/v1/flagged-sites", headers=bearer(token))
    assert response.status_code == 403
    problem = response.get_json()
    assert problem["scope"] == "aggregates" and "aggregate figures" in problem["error"]


def test_a_token_made_without_choosing_reads_flagged_sites_as_before(council):
    admin = council.test_client()
    AuthActions(admin).login("admin")
    form = admin.get("/admin/tokens").get_data(as_text=True)
    page = admin.post(
        "/admin/tokens", data={"csrf_token": csrf_token(form), "agency": "glaa", "name": "Old"}
    )
    token = parse(page.get_data(as_text=True)).select_one("#new-token-value").text.strip()
    assert get(council, token=token).status_code == 403
    ok = council.test_client().get("/api/v1/flagged-sites", headers=bearer(token))
    assert ok.status_code == 200


def test_the_token_page_offers_the_choice_and_lists_what_each_token_reads(council):
    make_token(council, name="East partnership")
    admin = council.test_client()
    AuthActions(admin).login("admin")
    page = parse(admin.get("/admin/tokens").get_data(as_text=True))
    radios = page.select("input[name=scope]")
    assert [r["value"] for r in radios] == ["flagged_sites", "aggregates"]
    assert page.select_one("input[name=scope][checked]")["value"] == "flagged_sites"
    assert len(page.select("#scope-hint, .govuk-radios__hint")) >= 2
    [row] = page.select("#token-table tbody tr")
    assert "Aggregate figures" in row.select_one("[data-label=Reads]").text
    form = admin.get("/admin/tokens").get_data(as_text=True)
    wrong = admin.post(
        "/admin/tokens",
        data={"csrf_token": csrf_token(form), "agency": "glaa", "name": "X", "scope": "all"},
    )
    assert wrong.status_code == 400 and "Select what the token reads" in wrong.get_data(
        as_text=True
    )


def test_no_token_is_401(council):
    response = council.test_client().get(f"{API}?{QUARTER}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.get_json()["status"] == 401


# -- Bad and hostile input ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("from=2025-04-01", "to"),
        ("to=2025-06-30", "from"),
        ("from=1-4-2025&to=2025-06-30", "from"),
        ("from=2025-02-30&to=2025-06-30", "from"),
        ("from=2025-04-01&to=2025-13-01", "to"),
        ("from=2025-06-01&to=2025-04-30", "to"),
        ("from=2020-04-01&to=2025-03-31", "to"),  # 60 months
        ("from=1999-12-31&to=2000-01-31", "from"),
        ("period=next_year", "period"),
        ("period=custom", "period"),
        ("period=this_fy&from=2025-04-01&to=2025-06-30", "period"),
        ("period=this_fy&period=last_fy", "period"),
        ("form=2025-04-01", "form"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(council, query, parameter):
    response = get(council, query)
    assert response.status_code == 400, response.get_data(as_text=True)
    problem = response.get_json()
    assert problem["parameter"] == parameter and problem["status"] == 400
    assert problem["error"]


def test_36_months_is_the_most(council):
    token = make_token(council)
    assert get(council, "from=2023-04-01&to=2026-03-31", token).status_code == 200
    too_long = get(council, "from=2023-04-01&to=2026-04-30", token)
    assert too_long.status_code == 400 and too_long.get_json()["parameter"] == "to"
    assert "36" in too_long.get_json()["error"]


HOSTILE = [
    str(2**63),
    "9" * 400,
    "99999-01-01",
    "-2025-04-01",
    "2025-04-01\x00",
    "2025-04-01\n",
    " 2025-04-01",
    "２０２５-04-01",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "\u202e2025-04-01",
    "x" * 5000,
    "",
    "null",
]


def test_hostile_values_are_400_never_500(council):
    token = make_token(council)
    client = council.test_client()
    for value in HOSTILE:
        for name in ("from", "to", "period"):
            other = {"from": "to=2025-06-30", "to": "from=2025-04-01", "period": ""}[name]
            response = client.get(
                API, query_string=f"{name}={quote(value, safe='')}&{other}", headers=bearer(token)
            )
            assert response.status_code == 400, (name, value, response.status_code)
            assert response.get_json()["parameter"] in ("from", "to", "period")
            assert "<script>" not in response.get_data(as_text=True)
    odd = client.get(API, query_string="%3Cb%3E%00=1", headers=bearer(token))
    assert odd.status_code == 400 and odd.get_json()["parameter"]


def test_one_month_is_answered_and_a_period_of_part_months_is_refused(big):
    token = make_token(big)
    doc = get(big, "from=2025-05-01&to=2025-05-31", token).get_json()
    assert [(m["from"], m["to"]) for m in doc["months"]] == [("2025-05-01", "2025-05-31")]
    assert date.fromisoformat(doc["period"]["from"]) == date(2025, 5, 1)
    # Alpha Wash's 6 on 5 May and Delta Wash's 5 on 9 May.
    assert shown(doc["whole_period"]["total"]["visits"]) == 11
    # Two answers a day apart would give one day's counts by difference.
    for query, parameter in (
        ("from=2025-04-02&to=2025-06-30", "from"),
        ("from=2025-04-01&to=2025-06-29", "to"),
    ):
        refused = get(big, query, token)
        assert refused.status_code == 400 and refused.get_json()["parameter"] == parameter


def test_the_export_log_page_names_a_read_of_the_feed(answer, council):
    admin = council.test_client()
    AuthActions(admin).login("admin")
    page = parse(admin.get("/admin/exports").get_data(as_text=True))
    [row] = page.select("tr[data-export-id]")
    assert "Aggregate figures, 3 months" in row.text
    assert "Regional partnership" in row.text


def test_a_year_of_mostly_small_counts_is_suppressed_quickly_and_safely():
    """A council whose counts are nearly all small, a year by month: the hardest table
    there is for secondary suppression. Once 76 seconds; it must stay well inside a
    request's time."""
    import random
    import time

    from fieldapp.reports import aggregates

    rows = [f"2025-{n:02d}" for n in range(1, 13)]
    pick = random.Random(7).choice
    values = {}
    for row in rows:
        for sector in (HCW, NB):
            levels = {level: pick([0, 1, 2, 3, 4, 6]) for level in aggregates.LEVELS}
            values.update({(row, sector, level): n for level, n in levels.items()})
            values[(row, sector, "visits")] = sum(levels.values())
    for row in rows:
        for m in aggregates.VISIT_MEASURES:
            values[(row, "total", m)] = values[(row, HCW, m)] + values[(row, NB, m)]
    for column in (HCW, NB, "total"):
        for m in aggregates.VISIT_MEASURES:
            values[("all", column, m)] = sum(values[(row, column, m)] for row in rows)
    sums = [s for s in aggregates.month_sums(rows, []) if s[0] in values]
    started = time.perf_counter()
    hidden = aggregates.hide(values, sums, BELOW)
    assert time.perf_counter() - started < 5
    assert all(key in hidden for key, n in values.items() if 0 < n < BELOW)
    assert suppression.worked_out(values, sums, hidden) == []
