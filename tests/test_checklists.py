"""Checklist loading: the shipped files, every kind of mistake, the version lock, answers."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from fieldapp.checklists import (
    LOCK_FILE,
    WAGE_RATES_FILE,
    Checklist,
    ChecklistError,
    FollowUp,
    Indicator,
    format_pence,
    load_checklists,
    load_wage_rates,
    lock_checklists,
    parse_answer,
    read_lock,
)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "checklists"
MINIMAL = (Path(__file__).parent / "checklist_fixtures" / "minimal.toml").read_text()


def write(directory: Path, text: str, name: str = "mini.toml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_for(directory: Path, **options) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_checklists(directory, **options)
    return [str(problem) for problem in caught.value.problems]


# --- The shipped files ---------------------------------------------------------------------------


def test_shipped_checklists_load_and_match_the_lock():
    checklists = load_checklists(SHIPPED)
    assert set(checklists) == {"hand_car_wash", "nail_bar"}
    for checklist in checklists.values():
        assert checklist.version >= 1
        assert read_lock(SHIPPED / LOCK_FILE)[checklist.id][checklist.version] == checklist.hash


@pytest.mark.parametrize("checklist_id", ["hand_car_wash", "nail_bar"])
def test_shipped_checklist_has_research_indicators_and_a_price_check(checklist_id):
    checklist = load_checklists(SHIPPED)[checklist_id]
    scored = [i for i in checklist.indicators if not i.is_measurement]
    assert 25 <= len(scored) <= 35
    assert all(i.sources for i in scored)
    assert any(i.red_flag for i in scored)
    price = checklist.computed[0]
    assert (price.id, price.category, price.red_flag) == ("price_low", "LAB", False)
    assert checklist.find(price.price).answer_type == "money"
    assert checklist.find(price.workers).answer_type == "count"
    assert checklist.find(price.minutes).answer_type == "minutes"
    child_follow_ups = checklist.follow_ups_for("child")
    assert [f.answer_type for f in child_follow_ups] == ["count"]


def test_shipped_car_wash_sections_follow_the_walk_round():
    checklist = load_checklists(SHIPPED)["hand_car_wash"]
    assert [s.id for s in checklist.sections] == [
        "arrival",
        "workers",
        "control",
        "accommodation",
        "health_safety",
        "environment",
        "trading_planning",
    ]


def test_other_data_files_in_the_folder_are_not_treated_as_checklists(tmp_path):
    write(tmp_path, MINIMAL)
    write(tmp_path, '[[agency]]\nid = "police"\nname = "Police"\n', "agencies.toml")
    assert set(load_checklists(tmp_path, allow_unlocked=True)) == {"mini"}


def test_minimal_fixture_is_valid(tmp_path):
    write(tmp_path, MINIMAL)
    checklist = load_checklists(tmp_path, allow_unlocked=True)["mini"]
    assert [i.id for i in checklist.indicators] == [
        "price",
        "workers",
        "minutes",
        "cash_only",
        "child",
        "no_ppe",
    ]


# --- Mistakes: each reported with the file, the key path and what to do --------------------------

BROKEN = [
    # (what is wrong, text to replace, replacement, key path, part of the message)
    (
        "misspelt key",
        'id = "no_ppe"\n',
        'id = "no_ppe"\n  weigth = 3\n',
        "sections.staff.indicators.no_ppe.weigth",
        'unknown key "weigth": did you mean "weight"?',
    ),
    (
        "unknown top-level key",
        'title = "Mini checklist"\n',
        'title = "Mini checklist"\ncolour = "red"\n',
        "colour",
        'unknown key "colour"',
    ),
    (
        "missing question",
        '  question = "Anyone under 18?"\n',
        "",
        "sections.staff.indicators.child.question",
        '"question" is missing: add it.',
    ),
    (
        "weight too high",
        "weight = 5",
        "weight = 7",
        "sections.staff.indicators.child.weight",
        "is 7: use a whole number from 0 to 5",
    ),
    (
        "weight in quotes",
        "weight = 5",
        'weight = "5"',
        "sections.staff.indicators.child.weight",
        "use a whole number from 0 to 5, without quotes",
    ),
    (
        "weight 0 on a yes/no question",
        "weight = 5",
        "weight = 0",
        "sections.staff.indicators.child.weight",
        "give a yes/no question a weight from 1 to 5",
    ),
    (
        "weight on a measurement",
        'weight = 0\n  red_flag = false\n  answer_type = "money"',
        'weight = 2\n  red_flag = false\n  answer_type = "money"',
        "sections.arrival.indicators.price.weight",
        "is a measurement and scores nothing: set weight = 0",
    ),
    (
        "unknown answer type",
        'answer_type = "money"',
        'answer_type = "pounds"',
        "sections.arrival.indicators.price.answer_type",
        '"pounds" is not allowed: use one of "yes_no", "count", "money", "minutes"',
    ),
    (
        "unknown category",
        'category = "CTL"',
        'category = "XYZ"',
        "sections.staff.indicators.child.category",
        '"XYZ" is not allowed: use one of "LAB", "CTL"',
    ),
    (
        "red flag in quotes",
        "red_flag = true",
        'red_flag = "yes"',
        "sections.staff.indicators.child.red_flag",
        "use true or false",
    ),
    (
        "yes/no question without sources",
        '  sources = ["R7"]\n',
        "",
        "sections.staff.indicators.no_ppe.sources",
        "every yes/no question needs its sources",
    ),
    (
        "badly formed id",
        'id = "cash_only"',
        'id = "Cash Only"',
        "sections.arrival.indicators[3].id",
        '"Cash Only" is not a valid id',
    ),
    (
        "two questions with one id",
        'id = "no_ppe"',
        'id = "cash_only"',
        "sections.staff.indicators.cash_only.id",
        'the id "cash_only" is already used at sections.arrival.indicators.cash_only',
    ),
    (
        "follow-up reusing a question id",
        'id = "child_count"',
        'id = "child"',
        "follow_ups.child.id",
        'the id "child" is already used at sections.staff.indicators.child',
    ),
    (
        "follow-up naming a missing question",
        'parent = "child"',
        'parent = "chlid"',
        "follow_ups.child_count.parent",
        'names "chlid", but no question in this file has that id',
    ),
    (
        "follow-up on a count question",
        'parent = "child"',
        'parent = "workers"',
        "follow_ups.child_count.parent",
        "the parent must be a yes_no question",
    ),
    (
        "bands overlap",
        "medium = { from = 30",
        "medium = { from = 25",
        "bands.medium.from",
        "so they overlap: make medium start at 30",
    ),
    (
        "bands leave a gap",
        "high = { from = 60",
        "high = { from = 65",
        "bands.high.from",
        "scores from 60% up to 65% fall in no band: make high start at 60",
    ),
    (
        "bands stop short of 100",
        "to = 100",
        "to = 90",
        "bands.high.to",
        "the high band must end at 100",
    ),
    (
        "band missing",
        "medium = { from = 30, to = 60 }\n",
        "",
        "bands.medium",
        '"medium" is missing',
    ),
    (
        "computed input names a missing question",
        'workers = "workers"',
        'workers = "staff_count"',
        "computed.price_low.workers",
        'names "staff_count", but no question in this file has that id',
    ),
    (
        "computed input names the wrong kind of question",
        'minutes = "minutes"',
        'minutes = "workers"',
        "computed.price_low.minutes",
        'names "workers", a count question: it must name a minutes question',
    ),
    (
        "computed rule unknown",
        'rule = "price_below_labour_cost"',
        'rule = "price_too_low"',
        "computed.price_low.rule",
        'use one of "price_below_labour_cost"',
    ),
    (
        "version zero",
        "version = 1",
        "version = 0",
        "version",
        "is 0: use a whole number from 1",
    ),
    (
        "unknown sector",
        'sector = "hand_car_wash"',
        'sector = "car_wash"',
        "sector",
        'Did you mean "hand_car_wash"?',
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_checklist_is_reported_precisely(tmp_path, old, new, path, message):
    assert MINIMAL.count(old) == 1, "the fixture edit must be unambiguous"
    file = write(tmp_path, MINIMAL.replace(old, new))
    problems = problems_for(tmp_path, allow_unlocked=True)
    # Exactly one problem: a mistake must not set off a cascade of confusing follow-on messages.
    (problem,) = problems
    assert problem.startswith(f"{file}: {path}: ")
    assert message in problem


def test_toml_syntax_error_names_the_line(tmp_path):
    file = write(tmp_path, MINIMAL.replace('title = "Mini checklist"', 'title = "Mini checklist'))
    (problem,) = problems_for(tmp_path, allow_unlocked=True)
    assert problem.startswith(f"{file}: line 6: TOML syntax error")
    assert "Check the quotes" in problem


def test_every_problem_is_reported_at_once(tmp_path):
    text = MINIMAL.replace("weight = 5", "weight = 9").replace('parent = "child"', 'parent = "x"')
    write(tmp_path, text.replace("medium = { from = 30", "medium = { from = 35"))
    write(tmp_path, "title = [", "other.toml")
    problems = problems_for(tmp_path, allow_unlocked=True)
    assert len(problems) == 4, "\n".join(problems)


def test_two_files_with_one_checklist_id(tmp_path):
    write(tmp_path, MINIMAL, "a.toml")
    second = write(tmp_path, MINIMAL, "b.toml")
    (problem,) = problems_for(tmp_path, allow_unlocked=True)
    assert problem == (
        f'{second}: id: the checklist id "mini" is already used by a.toml: '
        "give each checklist file its own id."
    )


def test_missing_folder_is_reported(tmp_path):
    (problem,) = problems_for(tmp_path / "nowhere")
    assert "folder not found" in problem


# --- The version lock ----------------------------------------------------------------------------


def test_unreleased_version_is_refused_until_locked(tmp_path):
    file = write(tmp_path, MINIMAL)
    (problem,) = problems_for(tmp_path)
    assert problem == (
        f"{file}: version: version 1 of mini is not released yet: "
        "run `flask --app fieldapp checklists lock` to release it."
    )
    assert [c.id for c in lock_checklists(tmp_path)] == ["mini"]
    assert load_checklists(tmp_path)["mini"].version == 1


def test_comments_and_spacing_do_not_change_the_hash(tmp_path):
    write(tmp_path, MINIMAL)
    before = lock_checklists(tmp_path)[0].hash
    write(tmp_path, "# A new comment\n\n" + MINIMAL.replace("  id = ", "    id = "))
    assert load_checklists(tmp_path)["mini"].hash == before


def test_edit_without_version_bump_is_refused(tmp_path):
    write(tmp_path, MINIMAL)
    lock_checklists(tmp_path)
    file = write(tmp_path, MINIMAL.replace("weight = 5", "weight = 4"))
    (problem,) = problems_for(tmp_path)
    assert problem == (
        f"{file}: version: content changed without a version bump: bump `version` in mini.toml "
        "(to 2) and run `flask --app fieldapp checklists lock`."
    )


def test_lock_refuses_an_edit_without_bump_and_writes_nothing(tmp_path):
    write(tmp_path, MINIMAL)
    lock_checklists(tmp_path)
    lock_text = (tmp_path / LOCK_FILE).read_text()
    write(tmp_path, MINIMAL.replace("weight = 5", "weight = 4"))
    with pytest.raises(ChecklistError, match="content changed without a version bump"):
        lock_checklists(tmp_path)
    assert (tmp_path / LOCK_FILE).read_text() == lock_text


def test_bump_and_lock_adds_the_new_version_and_keeps_the_old_entry(tmp_path):
    write(tmp_path, MINIMAL)
    first = lock_checklists(tmp_path)[0].hash
    write(
        tmp_path, MINIMAL.replace("weight = 5", "weight = 4").replace("version = 1", "version = 2")
    )
    (added,) = lock_checklists(tmp_path)
    assert added.version == 2
    assert read_lock(tmp_path / LOCK_FILE) == {"mini": {1: first, 2: added.hash}}
    assert load_checklists(tmp_path)["mini"].version == 2
    assert lock_checklists(tmp_path) == []  # nothing new: the file is not rewritten


def test_going_back_to_an_older_unreleased_version_is_refused(tmp_path):
    write(tmp_path, MINIMAL.replace("version = 1", "version = 3"))
    lock_checklists(tmp_path)
    write(tmp_path, MINIMAL.replace("version = 1", "version = 2"))
    (problem,) = problems_for(tmp_path)
    assert "is 2, but version 3 is already released: use version 4" in problem


def test_lock_file_is_readable_toml(tmp_path):
    write(tmp_path, MINIMAL)
    (checklist,) = lock_checklists(tmp_path)
    text = (tmp_path / LOCK_FILE).read_text()
    assert "do not edit by hand" in text
    assert f'[mini]\n1 = "{checklist.hash}"\n' in text


# --- Snapshots -----------------------------------------------------------------------------------


@pytest.mark.parametrize("checklist_id", ["hand_car_wash", "nail_bar"])
def test_snapshot_round_trips_through_json(checklist_id):
    checklist = load_checklists(SHIPPED)[checklist_id]
    stored = json.dumps(checklist.to_dict())
    restored = Checklist.from_dict(json.loads(stored))
    assert restored == checklist
    assert json.loads(stored)["hash"] == checklist.hash


def test_snapshot_from_an_unknown_format_is_refused():
    data = load_checklists(SHIPPED)["nail_bar"].to_dict()
    with pytest.raises(ValueError, match="format 99 is not supported"):
        Checklist.from_dict({**data, "format": 99})


# --- Wage rates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "age_band", "pence"),
    [
        (date(2019, 4, 1), "nlw", 821),
        (date(2019, 4, 1), "21-nlw", 770),
        (date(2021, 3, 31), "nlw", 872),
        (date(2021, 4, 1), "nlw", 891),
        (date(2023, 6, 1), "21-nlw", 1018),
        (date(2024, 4, 1), "21+", 1144),
        (date(2025, 3, 31), "21+", 1144),
        (date(2025, 4, 1), "21+", 1221),
        (date(2026, 3, 31), "21+", 1221),
        (date(2026, 4, 1), "21+", 1271),
        (date(2026, 4, 1), "18-20", 1085),
        (date(2025, 6, 1), "16-17", 755),
    ],
)
def test_wage_rate_in_force_on_a_date(day, age_band, pence):
    assert load_wage_rates(SHIPPED / WAGE_RATES_FILE).rate_on(day, age_band) == pence


def test_accommodation_offset_age_band_and_the_earliest_date():
    rates = load_wage_rates(SHIPPED / WAGE_RATES_FILE)
    assert rates.period_on(date(2026, 4, 1)).accommodation_offset_per_day == 1110
    assert rates.period_on(date(2019, 4, 1)).accommodation_offset_per_day == 755
    # The National Living Wage's age band moved: 25+, then 23+ from April 2021, 21+ from 2024.
    assert [rates.period_on(date(y, 6, 1)).nlw_band for y in (2020, 2021, 2024)] == [
        "25 and over",
        "23 and over",
        "21 and over",
    ]
    with pytest.raises(ValueError, match="no 21-nlw rate is recorded for 2024-06-01"):
        rates.rate_on(date(2024, 6, 1), "21-nlw")
    with pytest.raises(ValueError, match="no wage rate is recorded for 2019-03-31"):
        rates.rate_on(date(2019, 3, 31))


RATES_BLOCK = (
    "[[rates]]\nfrom = {day}\nnational_living_wage = {adult}\nnational_living_wage_age = 21\n"
    "age_18_to_20 = 1000\nage_16_to_17 = 755\n"
)


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            RATES_BLOCK.format(day="2026-04-01", adult=1271)
            + RATES_BLOCK.format(day="2025-04-01", adult=1221),
            "rates[1].from",
            "2025-04-01 is not after 2026-04-01: keep the [[rates]] blocks in date order",
        ),
        (
            RATES_BLOCK.format(day="2026-04-01", adult=-1271),
            "rates[0].national_living_wage",
            "is -1271",
        ),
        (RATES_BLOCK.format(day='"2026-04-01"', adult=1271), "rates[0].from", "without quotes"),
        (
            RATES_BLOCK.format(day="2026-04-01", adult=12.71),
            "rates[0].national_living_wage",
            "12.71",
        ),
        (
            RATES_BLOCK.format(day="2026-04-01", adult=1271) + "age_22 = 1\n",
            "rates[0].age_22",
            'unknown key "age_22"',
        ),
    ],
    ids=["dates out of order", "negative", "date in quotes", "pounds not pence", "unknown key"],
)
def test_broken_wage_rates_are_reported(tmp_path, text, path, message):
    file = write(tmp_path, text, WAGE_RATES_FILE)
    with pytest.raises(ChecklistError) as caught:
        load_wage_rates(file)
    problems = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"{file}: {path}: ") and message in p for p in problems), problems


# --- Answers from the form -----------------------------------------------------------------------

PRICE = Indicator("price", "Price of the cheapest wash?", "LAB", 0, False, "money")
WORKERS = Indicator("workers", "Workers on one car?", "LAB", 0, False, "count")
MINUTES = Indicator("minutes", "Minutes per car?", "LAB", 0, False, "minutes")
CASH = Indicator("cash_only", "Cash only?", "LAB", 2, False, "yes_no", sources=("C1",))
HOW_MANY = FollowUp("child_count", "child", "How many workers appeared under 18?", "count")


@pytest.mark.parametrize(
    ("question", "raw", "expected"),
    [
        (PRICE, "6", 600),
        (PRICE, "6.50", 650),
        (PRICE, "£6.50", 650),
        (PRICE, " £ 6.5 ", 650),
        (PRICE, "0.99", 99),
        (PRICE, "0", 0),
        (WORKERS, "3", 3),
        (WORKERS, "0", 0),
        (WORKERS, "999", 999),
        (MINUTES, "1440", 1440),
        (HOW_MANY, " 2 ", 2),
        (WORKERS, "0" * 40 + "3", 3),
        (CASH, "yes", "yes"),
        (CASH, "No", "no"),
        (CASH, "not_seen", "not_seen"),
    ],
)
def test_parse_answer_accepts(question, raw, expected):
    assert parse_answer(question, raw) == expected


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (PRICE, "-6", "cannot be negative"),
        (PRICE, "£-6.00", "cannot be negative"),
        (PRICE, "6.505", "at most 2 figures after the point"),
        (PRICE, "six", "enter pounds and pence in figures"),
        (PRICE, "6.5a", "enter pounds and pence in figures"),
        (PRICE, "1,000", "enter pounds and pence in figures"),
        (PRICE, "", "enter pounds and pence in figures"),
        (PRICE, "100001", "too high"),
        (WORKERS, "2.5", "enter a whole number from 0 to 999"),
        (WORKERS, "-1", "cannot be negative"),
        (WORKERS, "1000", "1000 is too many"),
        # Thousands of figures: refused before Python's own limit on turning text into a
        # number, whose message names no question.
        (WORKERS, "9" * 5000, "that is too many"),
        (MINUTES, "1" * 13, "that is too many"),
        (PRICE, "9" * 5000, "that amount is too high"),
        (PRICE, "9" * 5000 + ".50", "that amount is too high"),
        (WORKERS, "three", "in figures"),
        (MINUTES, "1441", "Enter minutes from 0 to 1440"),
        (CASH, "maybe", "choose yes, no or not seen"),
        (CASH, "", "choose yes, no or not seen"),
    ],
)
def test_parse_answer_rejects_with_the_question_named(question, raw, message):
    with pytest.raises(ValueError) as caught:
        parse_answer(question, raw)
    assert str(caught.value).startswith(f'"{question.question}": ')
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("pence", "text"), [(0, "£0.00"), (5, "£0.05"), (953, "£9.53"), (123456, "£1,234.56")]
)
def test_format_pence(pence, text):
    assert format_pence(pence) == text


def test_shipped_folder_copy_helper_keeps_lock(tmp_path):
    """Other tests copy the shipped folder; the copy must load exactly like the original."""
    copy = tmp_path / "checklists"
    shutil.copytree(SHIPPED, copy)
    assert load_checklists(copy) == load_checklists(SHIPPED)


# --- Model 2: concerns, ILO elements, combinations ---------------------------------------------

CAR_WASH_V2 = (SHIPPED / "hand_car_wash.toml").read_text()


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        (
            'concern = "slavery"\n  element = "involuntariness"\n  strength = "medium"',
            'concern = "slavery"\n  strength = "medium"',
            "sections.arrival.indicators.pay_manager.element",
            "a modern slavery sign needs its element",
        ),
        (
            'id = "cash_only"',
            'id = "cash_only"\n  red_flag = true',
            "sections.arrival.indicators.cash_only.red_flag",
            "only a modern slavery sign",
        ),
        (
            'concern = "vulnerability"',
            'concern = "vulnerability"\n  weight = 2',
            "sections.workers.indicators.child.weight",
            "has no weight",
        ),
        (
            'concern = "labour"\n  weight = 2',
            'concern = "labour"',
            "sections.arrival.indicators.cash_only.weight",
            "needs a weight from 1",
        ),
        (
            'concern = "labour"\n  weight = 2',
            'concern = "wages"\n  weight = 2',
            "sections.arrival.indicators.cash_only.concern",
            'use one of "slavery", "labour"',
        ),
        (
            'all = ["fearful"]',
            'all = ["fearfull"]',
            "combinations.fearful_with_control.all[0]",
            '"fearfull" is not a yes/no question in this file',
        ),
        (
            "min_checked_percent = 50",
            "min_checked_percent = 0",
            "assessment.min_checked_percent",
            "",
        ),
    ],
    ids=[
        "slavery sign without its element",
        "red flag on a labour question",
        "weight on a vulnerability",
        "labour question without a weight",
        "unknown concern",
        "combination naming a missing question",
        "coverage of nothing",
    ],
)
def test_model_2_mistakes_are_reported_where_they_are(tmp_path, old, new, path, message):
    assert old in CAR_WASH_V2
    write(tmp_path, CAR_WASH_V2.replace(old, new, 1), "hand_car_wash.toml")
    problems = problems_for(tmp_path, allow_unlocked=True)
    assert any(f": {path}: " in p and message in p for p in problems), problems
