"""``flask checklists check`` / ``lock``, and the same commands without the app."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from fieldapp.checklists import LOCK_FILE
from fieldapp.commands import checklists as checklists_cli

SHIPPED = Path(__file__).resolve().parent.parent / "checklists"
MINIMAL = (Path(__file__).parent / "checklist_fixtures" / "minimal.toml").read_text()


@pytest.fixture
def shipped_copy(tmp_path) -> Path:
    """A copy of the shipped checklists folder as it is, placeholders and all."""
    directory = tmp_path / "shipped"
    shutil.copytree(SHIPPED, directory)
    return directory


@pytest.fixture
def checklist_dir(tmp_path) -> Path:
    """A copy of the shipped checklists folder, with the council's own numbers put in, that a
    test may change."""
    directory = tmp_path / "checklists"
    shutil.copytree(SHIPPED, directory)
    put_in_own_numbers(directory)
    return directory


# The council's own numbers in the shipped safeguarding.toml are made up (Ofcom's drama
# range): a real deployment must put its own in. These are numbers outside that range.
OWN_NUMBERS = {f"01632 96000{i}": f"0116 454 100{i}" for i in range(5)}


def put_in_own_numbers(directory: Path) -> None:
    path = directory / "safeguarding.toml"
    text = path.read_text()
    for placeholder, number in OWN_NUMBERS.items():
        text = text.replace(f'"{placeholder}"', f'"{number}"')
    path.write_text(text)


def invoke_flask(directory: Path, *args: str, placeholders_allowed: bool = False):
    """Run ``flask checklists ...`` on a bare app, so these tests need nothing else."""
    app = Flask("checklists_cli_test")
    app.config["CHECKLIST_DIR"] = str(directory)
    app.config["SAFEGUARDING_PLACEHOLDERS_ALLOWED"] = placeholders_allowed
    app.cli.add_command(checklists_cli.group)
    return app.test_cli_runner().invoke(args=["checklists", *args])


def invoke_standalone(directory: Path, *args: str, placeholders_allowed: bool = False):
    flag = ["--placeholders-allowed"] if placeholders_allowed and args[0] == "check" else []
    return CliRunner().invoke(checklists_cli.main, ["--dir", str(directory), *args, *flag])


def test_the_standalone_check_finds_the_shipped_folder_by_itself():
    # What an officer runs when the app will not start: no --dir, from the project folder.
    # The shipped folder's council numbers are placeholders: a demo's check allows them.
    result = subprocess.run(
        [sys.executable, "-m", "fieldapp.commands.checklists", "check", "--placeholders-allowed"],
        cwd=SHIPPED.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "OK: hand_car_wash" in result.stdout and "OK: nail_bar" in result.stdout


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_reports_ok_for_the_shipped_files(checklist_dir, invoke):
    result = invoke(checklist_dir, "check")
    assert result.exit_code == 0, result.output
    assert "OK: hand_car_wash v2 (33 indicators, 3 measurements" in result.output
    assert "OK: nail_bar v2 (29 indicators" in result.output
    assert "OK: wage rates (8 periods, the latest from 2026-04-01)" in result.output
    assert "OK: guidance (9 pieces of advice" in result.output
    assert "and 12 practice scenarios" in result.output
    assert "OK: safeguarding (10 routes, 12 contacts)" in result.output
    assert "placeholder" not in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_lists_each_route_showing_a_placeholder_number_and_fails(shipped_copy, invoke):
    result = invoke(shipped_copy, "check")
    assert result.exit_code == 1
    path = shipped_copy / "safeguarding.toml"
    assert (
        f"{path}: contact.childrens_services_out_of_hours.number: route 'child' shows contact "
        "'childrens_services_out_of_hours', whose number '01632 960002' is a placeholder: put "
        "in your council's number, or set enabled = false on the contact or the route."
    ) in result.output
    # The lead shown by each of the five first-responder routes, children's services twice,
    # adult social care twice.
    assert result.output.count("is a placeholder") == 9
    for route in ("police_999", "child", "nrm", "duty_to_notify", "adult_safeguarding"):
        assert f"route '{route}' shows contact 'spoc'" in result.output
    assert "9 problems found" in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_a_demo_check_notes_each_placeholder_and_passes(shipped_copy, invoke):
    result = invoke(shipped_copy, "check", placeholders_allowed=True)
    assert result.exit_code == 0, result.output
    assert "OK: safeguarding (10 routes, 12 contacts)" in result.output
    notes = [line for line in result.output.splitlines() if line.startswith("Placeholder")]
    assert len(notes) == 9
    assert notes[0].startswith(
        "Placeholder, allowed by SAFEGUARDING_PLACEHOLDERS_ALLOWED: "
        f"{shipped_copy / 'safeguarding.toml'}: contact.spoc.number: route 'police_999'"
    )


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_skips_what_is_switched_off_and_says_so(shipped_copy, invoke):
    text = (shipped_copy / "safeguarding.toml").read_text()
    for placeholder, number in OWN_NUMBERS.items():
        if placeholder != "01632 960002":  # children's services out of hours, left as it was
            text = text.replace(f'"{placeholder}"', f'"{number}"')
    text = text.replace(
        'id = "childrens_services_out_of_hours"\n',
        'id = "childrens_services_out_of_hours"\nenabled = false\n',
    )
    text = text.replace('id = "trading"\n', 'id = "trading"\nenabled = false\n')
    (shipped_copy / "safeguarding.toml").write_text(text)
    result = invoke(shipped_copy, "check")
    assert result.exit_code == 0, result.output
    assert (
        "OK: safeguarding (10 routes, 12 contacts; switched off: trading, "
        "childrens_services_out_of_hours)"
    ) in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_reports_mistakes_in_the_safeguarding_routes(checklist_dir, invoke):
    path = checklist_dir / "safeguarding.toml"
    text = path.read_text().replace('id = "dtn_submitted"', 'id = "dtn submitted"')
    path.write_text(text.replace('level = "high"', 'level = "urgent"', 1))
    result = invoke(checklist_dir, "check")
    assert result.exit_code == 1
    assert f"{path}: route.duty_to_notify.next_steps[0].id: is 'dtn submitted'" in result.output
    assert f"{path}: route.hazard_now.level: use medium or high." in result.output
    assert "2 problems found" in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_reports_a_scenario_that_names_a_question_the_checklist_lacks(checklist_dir, invoke):
    scenario = checklist_dir / "scenarios" / "nail_bar_hazard.toml"
    scenario.write_text(scenario.read_text().replace("no_gloves =", "no_glove ="))
    result = invoke(checklist_dir, "check")
    assert result.exit_code == 1
    assert 'nail_bar_hazard.toml: answers.no_glove: "no_glove" is not a question' in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_lists_every_problem_and_fails(checklist_dir, invoke):
    car_wash = checklist_dir / "hand_car_wash.toml"
    text = car_wash.read_text().replace("weight = 2", "weight = 6", 1)
    car_wash.write_text(text.replace('parent = "child"', 'parent = "kid"'))
    result = invoke(checklist_dir, "check")
    assert result.exit_code == 1
    assert "hand_car_wash.toml: sections.arrival.indicators.cash_only.weight: is 6" in result.output
    assert 'hand_car_wash.toml: follow_ups.child_count.parent: names "kid"' in result.output
    assert "2 problems found" in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_lock_releases_a_bumped_version_once(checklist_dir, invoke):
    nail_bar = checklist_dir / "nail_bar.toml"
    nail_bar.write_text(nail_bar.read_text().replace("version = 2", "version = 3"))
    assert invoke(checklist_dir, "check").exit_code == 1  # not released yet

    result = invoke(checklist_dir, "lock")
    assert result.exit_code == 0, result.output
    assert "Locked nail_bar v3" in result.output
    assert invoke(checklist_dir, "check").exit_code == 0

    again = invoke(checklist_dir, "lock")
    assert "Nothing to lock" in again.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_lock_refuses_an_edit_without_a_version_bump(checklist_dir, invoke):
    lock_before = (checklist_dir / LOCK_FILE).read_text()
    nail_bar = checklist_dir / "nail_bar.toml"
    nail_bar.write_text(nail_bar.read_text().replace("weight = 3", "weight = 4", 1))
    result = invoke(checklist_dir, "lock")
    assert result.exit_code == 1
    assert "content changed without a version bump: bump `version` in nail_bar.toml" in (
        result.output
    )
    assert "Nothing was written" in result.output
    assert (checklist_dir / LOCK_FILE).read_text() == lock_before


def test_check_on_a_new_folder_then_lock(tmp_path):
    (tmp_path / "mini.toml").write_text(MINIMAL)
    shutil.copy(SHIPPED / "wage_rates.toml", tmp_path)
    assert "not released yet" in invoke_standalone(tmp_path, "check").output
    assert "Locked mini v1" in invoke_standalone(tmp_path, "lock").output
    assert (tmp_path / LOCK_FILE).exists()


# --- Through the real app factory ----------------------------------------------------------------


@pytest.fixture
def factory_runner(tmp_path, checklist_dir):
    """``flask`` commands on the real app, skipped until the factory exists."""
    fieldapp = pytest.importorskip("fieldapp")
    if not hasattr(fieldapp, "create_app"):
        pytest.skip("fieldapp.create_app is not written yet")
    app = fieldapp.create_app(
        test_config={
            "TESTING": True,
            "SECRET_KEY": "test",
            "DATABASE": str(tmp_path / "t.db"),
            "CHECKLIST_DIR": str(checklist_dir),
        },
        instance_path=str(tmp_path / "instance"),
    )
    return app.test_cli_runner()


def test_app_registers_checklists_check(factory_runner):
    result = factory_runner.invoke(args=["checklists", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: hand_car_wash v2" in result.output


def test_app_registers_checklists_lock(factory_runner):
    result = factory_runner.invoke(args=["checklists", "lock"])
    assert result.exit_code == 0, result.output
    assert "Nothing to lock" in result.output


@pytest.mark.parametrize("invoke", [invoke_flask, invoke_standalone])
def test_check_reports_a_broken_retention_schedule(checklist_dir, invoke):
    path = checklist_dir / "retention.toml"
    path.write_text(path.read_text().replace("[visits]\nyears = 6", "[visits]\nyears = -1", 1))
    result = invoke(checklist_dir, "check")
    assert result.exit_code == 1
    assert f"{path}: visits.years: -1 is not a period" in result.output
