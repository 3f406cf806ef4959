"""The phone's assessment (static/js/assessment.js) gives the server's whole result.

One corpus of cases (every demo visit, demo-style answers over seven years of wage rates,
and hand-written edge cases) goes through fieldapp.assessment.evaluate and, in one Node
process, through the JavaScript. The results (every key, in order, and the routes each
concern calls for) are compared field by field; a difference names the case and the path
of the first field that differs.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest

from fieldapp import demo, recording
from fieldapp.assessment import evaluate
from fieldapp.checklists import Checklist, load_folder
from fieldapp.prices import Reference
from fieldapp.safeguarding import routes_for
from fieldapp.timeutil import uk_date
from fieldapp.web.checklists import for_phone

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "js" / "run_assessment.mjs"
MODULE = ROOT / "static" / "js" / "assessment.js"
WHEN = "2026-06-15T10:00:00Z"  # a summer visit under the 2026 rates


@cache
def folder():
    return load_folder(ROOT / "checklists")


def exact_bands(sector: str, weights: dict[str, int]) -> dict:
    """A copy of a sector's checklist with weights changed so the bands' boundaries fall on
    whole points (the shipped weights give, say, 19 labour points, and 20% of 19 is 3.8)."""
    data = json.loads(json.dumps(folder().by_sector[sector].to_dict()))
    data["id"] = f"{sector}_exact_bands"
    for item in [*(i for s in data["sections"] for i in s["indicators"]), *data["computed"]]:
        item["weight"] = weights.get(item["id"], item["weight"])
        if item["id"] == "no_trader_info":
            # Trailing space, as Python counts it (a byte order mark is not), so each
            # explanation line is trimmed the same way on both sides.
            item["question"] += "\ufeff \u3000\t"
    return data


@cache
def checklists() -> dict[str, Checklist]:
    """Every checklist the corpus uses, by the name a case gives."""
    found = dict(folder().by_sector)
    # Maximums: labour 20 and safety 25 (20% and 40% whole), environment 8, trading 8 or 12.
    found["hand_car_wash~exact"] = Checklist.from_dict(
        exact_bands("hand_car_wash", {"price_low": 5, "site_hazard": 5, "chemical_waste": 3})
    )
    found["nail_bar~exact"] = Checklist.from_dict(
        exact_bands(
            "nail_bar", {"price_below_median": 6, "chemical_storage": 2, "no_trader_info": 4}
        )
    )
    return found


def case(name, checklist, answers, visited_at=WHEN, references=None) -> dict:
    return {
        "name": name,
        "checklist": checklist,
        "answers": answers,
        "visited_at": visited_at,
        "references": references or {},
    }


def yes_no(checklist: Checklist, concern: str | None = None) -> list:
    return [
        i
        for i in checklist.indicators
        if i.answer_type == "yes_no" and (concern is None or i.concern == concern)
    ]


# --- The corpus ----------------------------------------------------------------------------


def demo_cases(tmp_path) -> list[dict]:
    """Every visit the demo loader records, with the median prices the demo data gives."""
    from fieldapp.queries import connect
    from fieldapp.queries import visits as visits_q
    from fieldapp.web import checklists as web_checklists
    from tests.conftest import make_app

    app = make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    with app.app_context():
        reference = web_checklists.current()
        demo.load(db, seed=2026, instance_path=app.instance_path, reference=reference)
    cases = []
    rows = db.query(
        "SELECT v.id, v.visited_at, p.sector FROM visits v "
        "JOIN premises p ON p.id = v.premises_id ORDER BY v.visited_at, v.id"
    )
    for row in rows:
        checklist = reference.by_sector[row["sector"]]
        answers = {
            question: stored["value"]
            if checklist.find(question).answer_type == "yes_no"
            else int(stored["value"])
            for question, stored in visits_q.answers(db, row["id"]).items()
        }
        prices = {q: vars(r) for q, r in recording.references_for(db, checklist).items()}
        cases.append(
            case(f"demo visit {row['id']}", row["sector"], answers, row["visited_at"], prices)
        )
    db.conn.close()
    return cases


def demo_style_cases(count: int = 300) -> list[dict]:
    """Answers as the demo makes them, on dates from before the first wage rate to now,
    at any hour (so UK dates differ from UTC ones), some without workers or minutes, and
    with medians resting on different numbers of visits."""
    rng = random.Random(17)
    start = datetime(2019, 1, 1, tzinfo=UTC)
    cases = []
    for number in range(count):
        sector = rng.choice(["hand_car_wash", "nail_bar"])
        checklist = folder().by_sector[sector]
        answers = demo._answers(rng, checklist, rng.choice(["risky", "middling", "fine"]))
        for computed in checklist.computed:
            if computed.workers and rng.random() < 0.3:
                answers.pop(rng.choice([computed.workers, computed.minutes]), None)
        when = start + timedelta(minutes=rng.randrange(8 * 365 * 24 * 60))
        prices = {
            c.price: {
                "median_pence": rng.choice([900, 1500, 1999, 2500]),
                "visits": rng.randint(0, 8),
            }
            for c in checklist.computed
            if c.rule == "price_below_median" and rng.random() < 0.8
        }
        cases.append(case(f"demo-style {number}", sector, answers, when.isoformat(), prices))
    return cases


def whole_checklist_cases() -> list[dict]:
    """Nothing, one answer, all not seen, every question yes, every question no."""
    cases = []
    for sector, checklist in folder().by_sector.items():
        questions = yes_no(checklist)
        everything = [*checklist.indicators, *checklist.follow_ups]
        cases += [
            case(f"{sector}: nothing answered", sector, {}),
            case(f"{sector}: one answer, yes", sector, {"cash_only": "yes"}),
            case(f"{sector}: one answer, no", sector, {"cash_only": "no"}),
            case(f"{sector}: all not seen", sector, {i.id: "not_seen" for i in everything}),
            case(f"{sector}: every question yes", sector, {i.id: "yes" for i in questions}),
            case(f"{sector}: every question no", sector, {i.id: "no" for i in questions}),
            case(f"{sector}: vulnerability alone", sector, {"language": "yes", "child": "yes"}),
        ]
        for flag in (i for i in questions if i.red_flag):
            cases.append(case(f"{sector}: red flag {flag.id} alone", sector, {flag.id: "yes"}))
    return cases


def subset_with_points(questions: list, points: int) -> list | None:
    """The fewest questions whose weights add up to ``points`` (None if none do)."""
    for size in range(len(questions) + 1):
        for chosen in combinations(questions, size):
            if sum(q.weight for q in chosen) == points:
                return list(chosen)
    return None


def band_boundary_cases() -> list[dict]:
    """For each banded concern, the fewest points that reach each band and one fewer; on
    the exact-bands copies these fall exactly on 20%, 40% (or 25%, 50%)."""
    cases = []
    for name, checklist in checklists().items():
        for concern, bands in checklist.concern_bands:
            questions = [q for q in yes_no(checklist, concern) if not q.red_flag]
            if not questions:
                continue
            maximum = sum(q.weight for q in yes_no(checklist, concern)) + sum(
                c.weight for c in checklist.computed if c.concern == concern
            )
            for band in bands[1:]:
                lowest = -(-band.start * maximum // 100)  # ceiling: the first score in it
                for points in (lowest, lowest - 1):
                    chosen = subset_with_points(questions, points)
                    if chosen is None:
                        continue
                    answers = {q.id: "no" for q in questions} | {q.id: "yes" for q in chosen}
                    label = f"{concern} {points} of {maximum} points"
                    cases.append(
                        case(f"{name}: {label}, {band.name} from {band.start}%", name, answers)
                    )
    return cases


def coverage_cases() -> list[dict]:
    """A concern answered no at exactly the share needed to judge it, and one short."""
    cases = []
    for sector, checklist in folder().by_sector.items():
        for concern in ("slavery", "safety", "trading"):
            questions = yes_no(checklist, concern)
            needed = -(-checklist.min_checked_percent * len(questions) // 100)
            for count in (needed, needed - 1):
                answers = {q.id: "no" for q in questions[:count]}
                cases.append(case(f"{sector}: {concern}, {count} answered no", sector, answers))
    return cases


def slavery_cases() -> list[dict]:
    """The ILO rules: one element or both, medium or strong, few signs or many."""
    car_wash = {
        "involuntariness, one medium sign": ["pay_manager"],
        "involuntariness, two medium signs": ["pay_manager", "transported"],
        "involuntariness, one strong sign": ["living_on_site"],
        "coercion, one medium sign": ["intimidating_manager"],
        "both, medium, two signs": ["pay_manager", "intimidating_manager"],
        "both, medium, three signs": ["pay_manager", "transported", "intimidating_manager"],
        "both, one strong": ["living_on_site", "intimidating_manager"],
        "wage non-compliance alone": ["wage_deductions", "no_contract", "long_hours"],
        "hazard alone": ["electrical"],
        "fearful alone": ["fearful"],
    }
    nail_bar = {
        "involuntariness, three medium signs": ["pay_controller", "turnover", "neglect"],
        "both, medium, two signs": ["escorted", "overbearing_manager"],
        "strong involuntariness with coercion": ["living_on_premises", "fearful"],
    }
    return [
        case(f"{sector}: {name}", sector, dict.fromkeys(yes, "yes"))
        for sector, named in (("hand_car_wash", car_wash), ("nail_bar", nail_bar))
        for name, yes in named.items()
    ] + [case("a question ending in spaces", "hand_car_wash~exact", {"no_trader_info": "yes"})]


def combination_cases() -> list[dict]:
    """Each combination rule firing, and not firing either way round."""
    cases = []
    for sector, checklist in folder().by_sector.items():
        for rule in checklist.combinations:
            every = dict.fromkeys(rule.all_of, "yes")
            cases += [
                case(f"{sector}: {rule.id} fires", sector, every | {rule.any_of[-1]: "yes"}),
                case(
                    f"{sector}: {rule.id}, none of the others",
                    sector,
                    every | dict.fromkeys(rule.any_of, "no"),
                ),
                case(
                    f"{sector}: {rule.id}, only the others",
                    sector,
                    dict.fromkeys(rule.all_of, "no") | dict.fromkeys(rule.any_of, "yes"),
                ),
            ]
    return cases


def price_cases() -> list[dict]:
    """Labour cost across the rate change at UK midnight, the labour-minutes fallback from
    2019, the median comparison at and below the visits it needs, and big figures."""

    def wash(price, workers=None, minutes=None):
        found = {"price_basic_wash": price, "workers_per_car": workers, "minutes_per_car": minutes}
        return {k: v for k, v in found.items() if v is not None}

    # £12.50 for one worker's hour: below £12.71 (2026) but not £12.21 (2025).
    hour, nails = wash(1250, 1, 60), "nail_bar"
    table = [
        ("1 April 00:30 BST, below the 2026 rate", hour, "2026-03-31T23:30:00+00:00"),
        ("31 March 23:59 BST, the 2025 rate", hour, "2026-03-31T22:59:00Z"),
        ("1 April 00:30 BST, as BST", hour, "2026-04-01T00:30:00+01:00"),
        ("1 April 00:30 BST, no zone (UTC)", hour, "2026-03-31T23:30:00"),
        ("1 April, a fraction of a second", hour, "2026-03-31T23:30:00.500Z"),
        ("New Year's Eve 23:30 GMT", hour, "2025-12-31T23:30:00Z"),
        ("Clocks go back: 00:30 BST on 25 October", hour, "2026-10-24T23:30:00Z"),
        ("2019 at £6.70, no workers or minutes", wash(670), "2019-06-01T10:00:00Z"),
        ("2019 at £6.00, no workers or minutes", wash(600), "2019-06-01T10:00:00Z"),
        ("2019 at £6.00, workers only", wash(600, 3), "2019-06-01T10:00:00Z"),
        ("before the first wage rate", wash(600, 3, 20), "2019-03-31T10:00:00Z"),
        ("before the first rate, no workers", wash(600), "2019-03-31T10:00:00Z"),
        ("a price of £0.00", wash(0, 2, 15), WHEN),
        ("thousands of pounds", wash(123456, 999, 1440), WHEN),
        ("price not seen", {"price_basic_wash": "not_seen", "workers_per_car": 2}, WHEN),
    ]
    cases = [case(name, "hand_car_wash", answers, when) for name, answers, when in table]
    cases += [
        case("nail bar, no technicians or minutes", nails, {"price_manicure": 800}),
        case(
            "nail bar, below the wages",
            nails,
            {"price_manicure": 500, "technicians_per_client": 2, "minutes_per_treatment": 45},
        ),
    ]
    median = {"median_pence": 2000, "visits": 5}
    for label, price, reference in [
        ("below the median, at min_visits", 1300, median),
        ("below the median, one visit short", 1300, {**median, "visits": 4}),
        ("below the median, one other visit", 1300, {**median, "visits": 1}),
        ("exactly 70% of the median", 1400, median),
        ("a penny under 70% of the median", 1399, median),
        ("an odd median (threshold rounds down)", 1399, {"median_pence": 1999, "visits": 12}),
        ("a median whose 70% ends in a half penny", 1396, {"median_pence": 1995, "visits": 6}),
        ("no median recorded", 1300, None),
    ]:
        prices = {"price_manicure": reference} if reference else {}
        cases.append(case(f"nail bar {label}", "nail_bar", {"price_manicure": price}, WHEN, prices))
    return cases


def refused_cases() -> list[dict]:
    """Answers the checklist cannot hold: the Python raises ValueError, the phone an Error."""
    bad = {
        "an unknown question": {"cash_olny": "yes"},
        "a computed question": {"price_low": "yes"},
        "maybe": {"cash_only": "maybe"},
        "a number for yes or no": {"cash_only": 1},
        "true for yes": {"cash_only": True},
        "a count as text": {"workers_per_car": "3"},
        "a negative count": {"workers_per_car": -1},
        "a fraction of a worker": {"workers_per_car": 2.5},
        "a tiny fraction": {"minutes_per_car": 0.00001},
        "true for a count": {"workers_per_car": True},
        "a list for a price": {"price_basic_wash": ["6", 50, None, False]},
        "a table for a price": {"price_basic_wash": {"pounds": 6}},
        "an apostrophe": {"cash_only": "it's cash"},
        "both quotes": {"cash_only": 'it\'s "cash"'},
        "a new line and a tab": {"cash_only": "yes\n\t"},
        "accents and a zero-width space": {"cash_only": "ça\u200b"},
        "the second answer wrong": {"cash_only": "yes", "no_ppe": "nope"},
        "null is not seen": {"cash_only": None, "workers_per_car": None},
        "a follow-up as text": {"residents_count": "four"},
    }
    return [case(f"refused: {name}", "hand_car_wash", answers) for name, answers in bad.items()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[dict]:
    cases = [
        *demo_cases(tmp_path_factory.mktemp("demo")),
        *demo_style_cases(),
        *whole_checklist_cases(),
        *band_boundary_cases(),
        *coverage_cases(),
        *slavery_cases(),
        *combination_cases(),
        *price_cases(),
        *refused_cases(),
    ]
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "two cases have the same name"
    # Both sides read the very same data: what JSON can carry.
    return json.loads(json.dumps(cases))


# --- Running both sides ----------------------------------------------------------------------


def python_side(cases: list[dict], safeguarding: dict | None = None) -> list[dict]:
    safeguarding = safeguarding or folder().safeguarding
    results = []
    for c in cases:
        references = {q: Reference(**r) for q, r in c["references"].items()}
        try:
            result = evaluate(
                checklists()[c["checklist"]],
                c["answers"],
                uk_date(c["visited_at"]),
                folder().wage_rates,
                references,
            )
        except ValueError as error:
            results.append({"error": str(error)})
            continue
        routes = [
            {**action, "routes": [r["id"] for r in action["routes"]]}
            for action in routes_for(result, safeguarding)
        ]
        results.append(json.loads(json.dumps({"result": result, "routes": routes})))
    return results


def payload(safeguarding: dict | None = None) -> dict:
    data = for_phone(folder())
    data["checklists"] = {name: c.to_dict() for name, c in checklists().items()}
    if safeguarding is not None:
        data["safeguarding"] = safeguarding
    return data


def javascript_side(
    cases: list[dict],
    tmp_path: Path,
    change: tuple[str, str] | None = None,
    safeguarding: dict | None = None,
):
    """The results of one Node process over every case.

    The scripts run from a copy marked as ES modules (Node before 20.19 reads a ``.js``
    file as CommonJS otherwise); ``change`` replaces one piece of text in the copy of
    assessment.js, to show the comparison can fail.
    """
    node = shutil.which("node")
    assert node, "Node is needed for the parity test: install nodejs (apt-get install nodejs)."
    scripts = shutil.copytree(MODULE.parent, tmp_path / "js")
    (scripts / "package.json").write_text('{"type": "module"}\n')
    if change:
        source = (scripts / MODULE.name).read_text(encoding="utf-8")
        assert change[0] in source, change
        (scripts / MODULE.name).write_text(source.replace(*change, 1), encoding="utf-8")
    corpus_file = tmp_path / "corpus.json"
    corpus_file.write_text(json.dumps({"payload": payload(safeguarding), "cases": cases}))
    run = subprocess.run(
        [node, str(RUNNER), str(corpus_file), str(scripts / MODULE.name)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def first_difference(python, javascript, path: str = "") -> str | None:
    """Where two JSON values first differ, and how; None when they are the same."""
    where = path or "the whole result"
    if type(python) is not type(javascript):
        return f"{where}: Python {python!r}, JavaScript {javascript!r}"
    if isinstance(python, dict):
        if list(python) != list(javascript):
            missing = [k for k in python if k not in javascript]
            extra = [k for k in javascript if k not in python]
            return (
                f"{where}: keys differ (missing in JavaScript {missing}, extra {extra}, "
                f"Python order {list(python)}, JavaScript order {list(javascript)})"
            )
        for key in python:
            found = first_difference(python[key], javascript[key], f"{path}.{key}".lstrip("."))
            if found:
                return found
        return None
    if isinstance(python, list):
        for index, (a, b) in enumerate(zip(python, javascript, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(python) != len(javascript):
            return f"{where}: {len(python)} items in Python, {len(javascript)} in JavaScript"
        return None
    if python == javascript:
        return None
    if isinstance(python, str):
        at = next(
            (i for i, (a, b) in enumerate(zip(python, javascript, strict=False)) if a != b),
            min(len(python), len(javascript)),
        )
        return (
            f"{where} differs at character {at}: Python ...{python[max(0, at - 30) : at + 30]!r}, "
            f"JavaScript ...{javascript[max(0, at - 30) : at + 30]!r}"
        )
    return f"{where}: Python {python!r}, JavaScript {javascript!r}"


def differences(cases, python, javascript) -> list[str]:
    assert len(javascript) == len(cases), "the JavaScript did not give one result per case"
    return [
        f"{c['name']}: {found}"
        for c, p, j in zip(cases, python, javascript, strict=True)
        if (found := first_difference(p, j))
    ]


# --- The tests -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def both(corpus, tmp_path_factory):
    return python_side(corpus), javascript_side(corpus, tmp_path_factory.mktemp("node"))


def test_the_phone_gives_the_servers_whole_result_for_every_case(corpus, both):
    python, javascript = both
    found = differences(corpus, python, javascript)
    assert not found, f"{len(found)} of {len(corpus)} cases differ:\n" + "\n".join(found[:10])


def test_the_corpus_reaches_every_rule(corpus, both):
    """A corpus that never fires a rule cannot show the two copies of it agree."""
    python, _ = both
    results = [r["result"] for r in python if "result" in r]
    fired = {(r["checklist_id"], f["id"]) for r in results for f in r["combinations"]}
    every_rule = {(c.id, rule.id) for c in folder().by_sector.values() for rule in c.combinations}
    assert every_rule <= fired
    checks = {(p["rule"], p["triggered"]) for r in results for p in r["price_checks"]}
    rules = {"price_below_labour_cost", "price_below_labour_cost_fallback", "price_below_median"}
    assert checks == {(rule, t) for rule in rules for t in (True, False)}
    levels = {(c["id"], c["level"]) for r in results for c in r["concerns"]}
    assert {c for c, _ in levels} == {"slavery", "labour", "safety", "environment", "trading"}
    assert {lvl for _, lvl in levels} == {"not_judged", "low", "medium", "high"}
    assert {r["level"] for r in results} == {None, "low", "medium", "high"}
    assert {r["visit_date"] for r in results} >= {"2026-04-01", "2026-03-31", "2026-10-25"}
    assert len([r for r in python if "error" in r]) == len(refused_cases()) - 1  # null is fine
    assert len(corpus) > 700


def test_a_visit_just_after_uk_midnight_is_on_the_uk_date(corpus, both):
    python, javascript = both
    index = next(
        i for i, c in enumerate(corpus) if c["name"].startswith("1 April 00:30 BST, below")
    )
    for side in (python[index], javascript[index]):
        assert side["result"]["visit_date"] == "2026-04-01"
        assert side["result"]["price_checks"][0]["triggered"] is True


def test_a_one_character_change_in_the_phones_wording_is_caught(corpus, tmp_path):
    """The comparison can fail: a copy of the module with one letter changed differs."""
    flagged = [c for c in corpus if "red flag" in c["name"]][:5]
    change = ("strong evidence on its own.", "strong evidence on its own!")
    found = differences(flagged, python_side(flagged), javascript_side(flagged, tmp_path, change))
    assert found and "differs at character" in found[0], found
    assert "concerns[0].reasons[0]" in found[0]


def test_the_phone_leaves_out_the_routes_a_deployment_switched_off_as_the_server_does(
    corpus, tmp_path
):
    """Both sides given a file with the adult safeguarding, child and Fair Work Agency
    routes switched off: neither shows them, for version 1 and version 2 results alike."""
    safeguarding = json.loads(json.dumps(folder().safeguarding))
    off = {"adult_safeguarding", "child", "fair_work_agency"}
    for route in safeguarding["route"]:
        route["enabled"] = route["id"] not in off
    cases = [c for c in corpus if "red flag" in c["name"] or c["checklist"] == "hand_car_wash"]
    cases = cases[:150]
    python = python_side(cases, safeguarding)
    javascript = javascript_side(cases, tmp_path, safeguarding=safeguarding)
    assert differences(cases, python, javascript) == []
    shown = {r for p in python for action in p.get("routes", []) for r in action["routes"]}
    assert shown & off == set()
    assert {"nrm", "duty_to_notify", "hazard_now"} <= shown  # the corpus reaches them


def test_the_comparison_names_the_first_field_that_differs():
    python = {"a": [1, {"b": "yes"}], "c": None}
    assert first_difference(python, {"a": [1, {"b": "yes"}], "c": None}) is None
    assert first_difference(python, {"a": [1, {"b": "yep"}], "c": None}).startswith("a[1].b")
    assert "keys differ" in first_difference(python, {"c": None, "a": [1, {"b": "yes"}]})
    assert "2 items in Python, 1" in first_difference(python, {"a": [1], "c": None})
    assert first_difference({"n": 1}, {"n": True}) == "n: Python 1, JavaScript True"


def test_the_phone_downloads_the_servers_words_with_the_checklists(client, auth):
    from fieldapp.assessment import LEVEL_WORDS, NOT_JUDGED_SUMMARY
    from fieldapp.checklists import CONCERNS, LEVELLED_CONCERNS
    from fieldapp.submission import NOT_INSPECTED_REASONS, TOO_LITTLE_MESSAGE

    auth.login("inspector")
    data = client.get("/api/checklists.json").get_json()
    assert data["too_little_message"] == TOO_LITTLE_MESSAGE
    assert data["outcome_reasons"] == NOT_INSPECTED_REASONS
    words = data["assessment"]
    assert words["concerns"] == CONCERNS and words["level_words"] == LEVEL_WORDS
    assert words["levelled_concerns"] == list(LEVELLED_CONCERNS)
    assert words["not_judged_summary"] == NOT_JUDGED_SUMMARY
    assert {c["model"] for c in data["checklists"].values()} == {2}
