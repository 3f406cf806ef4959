"""Practice scenarios: checked against the current checklist when loaded, assessed with the
visit's own rules, and never recorded anywhere."""

from __future__ import annotations

import dataclasses
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from fieldapp.checklists import (
    SECTORS,
    ChecklistError,
    Section,
    load_checklists,
    load_folder,
    load_scenarios,
)
from fieldapp.queries import connect
from tests.conftest import csrf_token, parse
from tests.factories import record_visit
from tests.visit_helpers import SHIPPED, add_premises, visit_form

CURRENT = {c.sector: c for c in load_checklists(SHIPPED).values()}
SCENARIOS = load_scenarios(SHIPPED / "scenarios", CURRENT)
ROUTES = tomllib.loads((SHIPPED / "safeguarding.toml").read_text())["route"]
# checklists/README.md, "Routes per concern": the first-responder routes (999, child, NRM,
# Duty to Notify) answer modern slavery concern; an immediate hazard gets "tell the
# enforcing authority now".
FIRST_RESPONDER = [r["id"] for r in ROUTES if r["concern"] == "slavery"]
IMMEDIATE_HAZARD = [r["id"] for r in ROUTES if r["concern"] == "safety" and r["level"] == "high"]


def as_form(scenario) -> dict[str, str]:
    """A scenario's worked answers as the practice form posts them."""
    checklist = CURRENT[scenario.sector]
    form = {}
    for question_id, answer in scenario.answers:
        money = checklist.find(question_id).answer_type == "money"
        form[f"q-{question_id}"] = f"{answer / 100:.2f}" if money else str(answer)
    return form


def practise(client, scenario_id: str, data: dict, token: bool = True):
    url = f"/guide/practice/{scenario_id}"
    if token:
        data = {"csrf_token": csrf_token(client.get(url).get_data(as_text=True)), **data}
    return client.post(url, data=data)


# --- The shipped scenarios ----------------------------------------------------------------------


def test_each_sector_has_four_to_six_scenarios_covering_the_cases():
    per_sector = Counter(s.sector for s in SCENARIOS.values())
    assert set(per_sector) == set(SECTORS)
    assert all(4 <= n <= 6 for n in per_sector.values()), per_sector
    for sector in SECTORS:
        for case in ("nothing_wrong", "hazard", "wages", "slavery", "child", "too_little"):
            name = f"{'car_wash' if sector == 'hand_car_wash' else sector}_{case}"
            assert SCENARIOS[name].sector == sector
            assert SCENARIOS[name].story and SCENARIOS[name].lesson


def test_the_practice_list_shows_every_scenario(as_role):
    page = as_role("inspector").get("/guide/practice")
    links = {a["href"] for a in page.select("main a[href^='/guide/practice/']")}
    assert links == {f"/guide/practice/{scenario_id}" for scenario_id in SCENARIOS}


# --- Checked when loaded ------------------------------------------------------------------------


def copy_shipped(tmp_path) -> Path:
    folder = tmp_path / "checklists"
    shutil.copytree(SHIPPED, folder)
    return folder


def scenario_problems(folder: Path, text: str, name: str = "mine.toml") -> list[str]:
    (folder / "scenarios" / name).write_text(text, encoding="utf-8")
    with pytest.raises(ChecklistError) as caught:
        load_folder(folder)
    return [str(p) for p in caught.value.problems]


SCENARIO = """
title = "A test"
sector = "hand_car_wash"
story = "What the officer sees."
[answers]
"""


@pytest.mark.parametrize(
    ("answers", "where", "message"),
    [
        (
            'no_such_question = "yes"',
            "answers.no_such_question",
            "is not a question on the current",
        ),
        ('cash_only = "maybe"', "answers.cash_only", "choose yes, no or not seen"),
        ("cash_only = true", "answers.cash_only", "true is not an answer"),
        ('price_basic_wash = "lots"', "answers.price_basic_wash", "pounds and pence"),
        ("workers_per_car = 5000", "answers.workers_per_car", "too many"),
        ('price_low = "yes"', "answers.price_low", "worked out by the app"),
        (
            'child = "no"\nchild_count = 2',
            "answers.child_count",
            'only when "child" is answered yes',
        ),
    ],
)
def test_a_scenario_answer_the_checklist_cannot_take_is_refused(tmp_path, answers, where, message):
    folder = copy_shipped(tmp_path)
    [problem] = scenario_problems(folder, SCENARIO + answers)
    assert problem.startswith(f"{folder / 'scenarios' / 'mine.toml'}: {where}: "), problem
    assert message in problem


def test_a_scenario_for_a_question_that_no_longer_exists_names_the_file_and_question():
    checklist = CURRENT["hand_car_wash"]
    # The next version of the checklist, without the first-aid question.
    sections = tuple(
        Section(s.id, s.title, tuple(i for i in s.indicators if i.id != "no_first_aid"))
        for s in checklist.sections
    )
    next_version = dataclasses.replace(checklist, version=3, sections=sections)
    with pytest.raises(ChecklistError) as caught:
        load_scenarios(SHIPPED / "scenarios", {**CURRENT, "hand_car_wash": next_version})
    problems = [str(p) for p in caught.value.problems]
    car_wash_files = sorted(p.name for p in (SHIPPED / "scenarios").glob("car_wash_*.toml"))
    naming = [p for p in problems if "answers.no_first_aid" in p]
    # Every car wash scenario that answered it, and nothing else.
    assert len(naming) == len(problems) >= 1
    assert all("the current hand_car_wash checklist (version 3)" in p for p in naming)
    assert {Path(p.split(":")[0]).name for p in naming} <= set(car_wash_files)


def test_a_scenario_with_missing_fields_or_a_bad_name_is_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    problems = scenario_problems(folder, 'sector = "nail_bar"\n[answers]\n', name="Bad-Name.toml")
    assert any('"title" is missing' in p for p in problems)
    assert any('"story" is missing' in p for p in problems)
    assert any("is not a valid scenario file name" in p for p in problems)


# --- Practising ---------------------------------------------------------------------------------


def test_a_scenario_page_shows_the_story_and_the_questions_without_notes(as_role):
    scenario = SCENARIOS["car_wash_hazard"]
    page = as_role("inspector").get("/guide/practice/car_wash_hazard")
    assert scenario.story[0] in page.get_text(" ")
    checklist = CURRENT["hand_car_wash"]
    for indicator in checklist.indicators:
        assert page.select_one(f'[name="q-{indicator.id}"]') is not None
    assert not page.select('[name^="note-"]')
    assert not page.select('[name="latitude"], [name="photos"]')
    assert page.select_one('form input[name="csrf_token"]')


def test_clear_modern_slavery_shows_the_nrm_and_999_routes(client, as_role):
    as_role("inspector")
    response = practise(client, "car_wash_slavery", as_form(SCENARIOS["car_wash_slavery"]))
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    for route in FIRST_RESPONDER:
        assert page.select_one(f"#route-{route}") is not None, route
    assert "High concern" in page.select_one(".app-result").get_text()
    worked = page.select_one(".app-worked").get_text(" ")
    for route in ROUTES:
        if route["id"] in FIRST_RESPONDER:
            assert route["title"] in worked
    assert "Your answers are the worked answers." in worked


@pytest.mark.parametrize("scenario_id", ["car_wash_hazard", "nail_bar_hazard"])
def test_a_hazard_alone_shows_no_first_responder_route(client, as_role, scenario_id):
    as_role("inspector")
    response = practise(client, scenario_id, as_form(SCENARIOS[scenario_id]))
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    for route in FIRST_RESPONDER:
        assert page.select_one(f"#route-{route}") is None, route
    for route in IMMEDIATE_HAZARD:
        assert page.select_one(f"#route-{route}") is not None
    worked = page.select_one(".app-worked").get_text(" ")
    assert not any(r["title"] in worked for r in ROUTES if r["id"] in FIRST_RESPONDER)


def test_your_answers_are_shown_beside_the_worked_ones(client, as_role):
    as_role("coordinator")
    # The officer missed the passports and the man answering for the workers.
    form = as_form(SCENARIOS["car_wash_slavery"])
    form.update({"q-id_retained": "no", "q-spoken_for": "not_seen"})
    page = parse(practise(client, "car_wash_slavery", form).get_data(as_text=True))
    rows = {r["data-question"]: r for r in page.select(".app-worked tr[data-question]")}
    assert set(rows) == {"id_retained", "spoken_for"}
    missed = page.select('[data-differences="missed"] tr[data-question]')
    assert {r["data-question"] for r in missed} == {"id_retained", "spoken_for"}
    cells = [td.get_text(strip=True) for td in rows["id_retained"].select("td")[1:]]
    assert cells == ["No", "Yes"]


def test_too_little_checked_reads_as_no_judgement(client, as_role):
    as_role("inspector")
    form = as_form(SCENARIOS["nail_bar_too_little"])
    page = parse(practise(client, "nail_bar_too_little", form).get_data(as_text=True))
    assert "Not enough checked" in page.select_one(".app-result").get_text()
    assert "say why you could not inspect" in page.select_one(".app-result").get_text()
    assert not page.select("[id^=route-]")


def all_rows(app) -> dict[str, list]:
    """Every row of every table, to show that nothing at all was written."""
    db = connect(app.config["DATABASE"])
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    # The names come from sqlite_master itself.
    rows = {t: db.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}  # noqa: S608
    db.conn.close()
    return rows


def test_practice_records_nothing(app, client, as_role):
    premises_id = add_premises(app, "Real Car Wash")
    record_visit(app, premises_id, visit_form())
    as_role("inspector")
    client.get("/guide/practice/car_wash_slavery")
    before = all_rows(app)
    assert len(before["visits"]) == 1
    for scenario_id in ("car_wash_slavery", "car_wash_too_little", "nail_bar_child"):
        response = practise(client, scenario_id, as_form(SCENARIOS[scenario_id]))
        assert response.status_code == 200
    bad = practise(client, "car_wash_hazard", {"q-cash_only": "<b>yes</b>"})
    assert bad.status_code == 400
    after = all_rows(app)
    assert after["visits"] == before["visits"]
    assert after == before


def test_practice_needs_the_form_token(client, as_role):
    as_role("inspector")
    response = practise(client, "car_wash_hazard", {"q-cash_only": "yes"}, token=False)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This form has expired" in body and "How your answers come out" not in body


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q-cash_only", "<script>alert(1)</script>", "choose yes, no or not seen"),
        ("q-workers_per_car", "9" * 5000, "that is too many"),
        ("q-workers_per_car", "1000", "1000 is too many"),
        ("q-minutes_per_car", "-5", "cannot be negative"),
        ("q-price_basic_wash", "9" * 5000, "too high"),
        ("q-price_basic_wash", "<img src=x onerror=alert(1)>", "pounds and pence"),
        ("q-made_up_question", "yes", 'not on the Hand car wash inspection checklist ("made_up'),
        ("q-" + "x" * 500, "yes", '("' + "x" * 40 + '")'),
    ],
)
def test_bad_or_hostile_answers_get_a_clear_message(client, as_role, field, value, message):
    as_role("inspector")
    response = practise(client, "car_wash_hazard", {field: value})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    page = parse(body)
    summary = page.select_one(".govuk-error-summary").get_text(" ")
    assert message in " ".join(summary.split())
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body
    assert page.select_one("form[method=post]") is not None  # to try again


def test_a_follow_up_without_its_question_is_ignored(client, as_role):
    as_role("inspector")
    form = {**as_form(SCENARIOS["car_wash_nothing_wrong"]), "q-child_count": "4"}
    response = practise(client, "car_wash_nothing_wrong", form)
    assert response.status_code == 200
    assert "Low concern" in parse(response.get_data(as_text=True)).select_one(".app-result").text


def test_an_unknown_scenario_is_not_found(client, as_role):
    as_role("inspector").get("/guide/practice/no_such_scenario", expected=404)
