"""The fault points (fieldapp.faults) are off unless a benchmark arms them on purpose."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pytest

from fieldapp import ConfigError, create_app, faults

POINTS = "visit_inserted:1,photos_staged:1,committed:1"


@pytest.fixture(autouse=True)
def disarm():
    yield
    faults.configure({}, "")  # leave nothing armed for the tests that follow


def test_off_by_default(tmp_path):
    create_app({"TESTING": True}, instance_path=str(tmp_path))
    assert faults.armed() == {}


@pytest.mark.parametrize(
    "settings",
    [
        {"FAULT_POINTS": POINTS},
        {"TESTING_FAULTS": 1},
        {"TESTING_FAULTS": 0, "FAULT_POINTS": POINTS},
    ],
)
def test_one_switch_alone_arms_nothing(tmp_path, settings):
    create_app({"TESTING": True, **settings}, instance_path=str(tmp_path))
    assert faults.armed() == {}


def test_both_switches_arm_the_points_named(tmp_path):
    settings = {"TESTING": True, "TESTING_FAULTS": 1, "FAULT_POINTS": "committed:0.25"}
    create_app(settings, instance_path=str(tmp_path))
    assert faults.armed() == {"committed": 0.25}


def test_refused_for_a_live_looking_instance_or_secure_cookies(tmp_path):
    both = {"TESTING_FAULTS": 1, "FAULT_POINTS": POINTS}
    assert "instance folder under" in faults.configure(both, "/srv/fieldapp/instance")
    assert faults.armed() == {}
    with pytest.raises(ConfigError, match="benchmarks only"):
        create_app(
            {"TESTING": True, "SESSION_COOKIE_SECURE": True, **both},
            instance_path=str(tmp_path),
        )
    with pytest.raises(ConfigError, match="Unknown fault point"):
        create_app(
            {"TESTING": True, "TESTING_FAULTS": 1, "FAULT_POINTS": "commited:1"},
            instance_path=str(tmp_path),
        )


def test_an_armed_point_logs_its_name_then_kills_the_process(tmp_path):
    log = tmp_path / "faults.log"
    script = textwrap.dedent(
        f"""
        from fieldapp import faults
        faults.configure(
            {{"TESTING_FAULTS": "1", "FAULT_POINTS": "committed:1", "FAULT_LOG": {str(log)!r}}},
            {str(tmp_path)!r},
        )
        faults.point("visit_inserted")  # not armed: passes
        faults.point("committed")
        print("survived")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert "survived" not in done.stdout
    assert log.read_text() == "committed\n"
