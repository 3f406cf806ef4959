"""The indicator guide and the guide to speaking to workers: built from the checklist data,
for field officers, linked from the home page and the visit form, checked when loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fieldapp.checklists import (
    SECTORS,
    ChecklistError,
    load_checklists,
    load_folder,
    load_guidance,
)
from tests.visit_helpers import SHIPPED, add_premises

CURRENT = {c.sector: c for c in load_checklists(SHIPPED).values()}
GUIDANCE = load_guidance(SHIPPED / "guidance.toml")
GUIDE_PAGES = ["/guide", *(f"/guide/{sector}" for sector in SECTORS), "/guide/practice"]


def indicator_blocks(page) -> dict:
    return {el["id"].removeprefix("indicator-"): el for el in page.select("[id^=indicator-]")}


def text(element) -> str:
    return " ".join(element.get_text(" ").split())


@pytest.mark.parametrize("sector", SECTORS)
def test_the_guide_lists_every_indicator_of_the_current_checklist(as_role, sector):
    checklist = CURRENT[sector]
    page = as_role("inspector").get(f"/guide/{sector}")
    blocks = indicator_blocks(page)
    expected = [i.id for i in checklist.indicators] + [c.id for c in checklist.computed]
    assert sorted(blocks) == sorted(expected)
    for indicator in checklist.indicators:
        block = blocks[indicator.id]
        assert text(block.h3) == indicator.question
        # Grouped under its concern.
        assert block.find_parent("section")["aria-labelledby"] == f"concern-{indicator.concern}"
        flagged = [t for t in block.select(".govuk-tag--red") if text(t) == "Red flag"]
        assert bool(flagged) == indicator.red_flag, indicator.id
        if indicator.hint:
            assert indicator.hint in text(block)
        for source in indicator.sources:
            assert source in text(block)
        facts = text(block.select_one(".app-indicator__facts"))
        if indicator.is_measurement:
            assert "A measurement: recorded, not scored" in facts
        elif indicator.concern == "slavery":
            assert f"A {indicator.strength} sign of {indicator.element}" in facts
        elif indicator.concern == "vulnerability":
            assert "never raises concern on its own" in facts
        else:
            assert f"(weight {indicator.weight} of 5)" in facts


@pytest.mark.parametrize("sector", SECTORS)
def test_red_flags_are_listed_first_and_each_source_key_is_explained(as_role, sector):
    checklist = CURRENT[sector]
    page = as_role("coordinator").get(f"/guide/{sector}")
    listed = [text(a) for a in page.select(".app-red-flags li a")]
    assert sorted(listed) == sorted(i.question for i in checklist.indicators if i.red_flag)
    for link in page.select('a[href^="#source-"]'):
        key = link["href"].removeprefix("#source-")
        entry = page.select_one(f"#source-{key}")
        assert entry is not None, key
        assert text(entry.dd) == GUIDANCE.source_title(key)
    # A slavery red flag and a hazard say what a yes does, in words.
    blocks = indicator_blocks(page)
    assert "strong evidence of modern slavery on its own" in text(blocks["id_retained"])
    assert "immediate risk" in text(blocks["sleeping_fire_risk"])
    assert "not a sign of modern slavery" in text(blocks["sleeping_fire_risk"])


@pytest.mark.parametrize("sector", SECTORS)
def test_the_guide_shows_how_to_speak_to_workers_with_sources(as_role, sector):
    page = as_role("inspector").get(f"/guide/{sector}")
    section = page.select_one('section[aria-labelledby="speaking-to-workers"]')
    for advice in GUIDANCE.advice:
        item = section.select_one(f"#advice-{advice.id}")
        assert text(item.h3) == advice.heading
        assert advice.text in text(item)
        for source in advice.sources:
            assert source in text(item)
    interpreter = text(section.select_one("#advice-interpreter"))
    assert "professional interpreter" in interpreter
    assert "Never a manager, a co-worker, a customer or a child" in interpreter


def test_the_guide_prints_with_its_own_stylesheet(as_role):
    page = as_role("inspector").get("/guide/hand_car_wash")
    sheet = page.select_one('link[rel="stylesheet"][href$="/static/guide-print.css"]')
    assert sheet["media"] == "print"
    assert page.select("style") == [] and not page.select("[style]")
    printed = (SHIPPED.parent / "static" / "guide-print.css").read_text()
    assert "size: A4" in printed


@pytest.mark.parametrize("url", GUIDE_PAGES)
@pytest.mark.parametrize("role", ["inspector", "coordinator"])
def test_field_officers_can_open_the_guide(as_role, role, url):
    as_role(role).get(url)


@pytest.mark.parametrize("url", [*GUIDE_PAGES, "/guide/practice/car_wash_hazard"])
@pytest.mark.parametrize("role", ["partner", "admin"])
def test_other_roles_are_refused_the_guide(as_role, role, url):
    as_role(role).get(url, expected=403)


@pytest.mark.parametrize("url", [*GUIDE_PAGES, "/guide/practice/car_wash_hazard"])
def test_signed_out_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_an_unknown_sector_is_not_found(as_role):
    as_role("inspector").get("/guide/tattoo_parlour", expected=404)


@pytest.mark.parametrize(
    ("role", "shown"),
    [("inspector", True), ("coordinator", True), ("partner", False), ("admin", False)],
)
def test_the_home_page_links_the_guide_for_field_officers(as_role, role, shown):
    page = as_role(role).get("/")
    assert bool(page.select('main a[href="/guide"]')) == shown


def test_the_visit_form_offers_the_conversation_guide_and_the_whole_guide(app, as_role):
    premises_id = add_premises(app, "Guide Nail Bar", sector="nail_bar")
    page = as_role("inspector").get(f"/premises/{premises_id}/visits/new")
    details = page.select_one("details#conversation-guide")
    assert details is not None and not details.has_attr("open")  # on demand
    assert GUIDANCE.title in text(details.summary)
    for advice in GUIDANCE.advice:
        assert advice.heading in text(details.select_one(f"#advice-{advice.id}"))
    # Near the top: before the first question.
    form = page.select_one("#visit-form")
    assert details.find_next("form") is form
    assert page.select('a[href="/guide/nail_bar"]')


def copy_shipped(tmp_path) -> Path:
    folder = tmp_path / "checklists"
    shutil.copytree(SHIPPED, folder)
    return folder


def problems_loading(folder: Path) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_folder(folder)
    return [str(p) for p in caught.value.problems]


def test_advice_citing_a_key_the_source_key_lacks_is_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    guidance = folder / "guidance.toml"
    guidance.write_text(guidance.read_text().replace('"I2", "P1", "P3"', '"I2", "Q9", "P3"'))
    [problem] = problems_loading(folder)
    assert "guidance.toml: advice.apart.sources" in problem
    assert '"Q9" is not in the source key' in problem


def test_a_checklist_source_missing_from_the_source_key_is_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    guidance = folder / "guidance.toml"
    lines = guidance.read_text().splitlines()
    guidance.write_text("\n".join(line for line in lines if not line.startswith("J1 =")))
    [problem] = problems_loading(folder)
    assert "guidance.toml: sources:" in problem
    assert 'cites "J1" for sleeping_fire_risk' in problem


def test_advice_with_a_missing_field_is_refused(tmp_path):
    folder = copy_shipped(tmp_path)
    guidance = folder / "guidance.toml"
    guidance.write_text(guidance.read_text().replace('heading = "Safety first', 'title = "Safety'))
    problems = problems_loading(folder)
    assert any("advice.safety_first.title" in p and "unknown key" in p for p in problems)
    assert any("advice.safety_first.heading" in p and "is missing" in p for p in problems)


def test_a_missing_guidance_file_stops_the_start(tmp_path):
    folder = copy_shipped(tmp_path)
    (folder / "guidance.toml").unlink()
    [problem] = problems_loading(folder)
    assert "guidance.toml" in problem and "cannot be read" in problem
