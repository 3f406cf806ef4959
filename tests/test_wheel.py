"""The built wheel is an app that starts: checklists and static files travel inside it.

Builds a wheel from the working tree, installs it into a new virtual environment, and from
a folder outside the repository migrates a database, loads the demo, starts the app and
fetches the sign-in page and its CSS.

Installing every dependency afresh takes about a minute here, so the new environment
borrows them from the one running the tests (a .pth file naming its site-packages, which
sits after the environment's own), and the wheel is installed without them. The test
checks that the fieldapp it runs is the wheel's, not this checkout.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def _working_tree(target: Path) -> Path:
    """Copy the files git would see (committed or not, never ignored ones) to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is left out
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with the wheel installed, and the environment to run it in."""
    work = tmp_path_factory.mktemp("wheel")
    source = _working_tree(work / "source")
    dist = work / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"] + ["-w", str(dist), str(source)],
        check=True,
        cwd=work,
    )
    (wheel,) = dist.glob("fieldapp-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        cwd=work,
    )
    run = work / "run"
    run.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("FIELDAPP_", "FLASK_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        FIELDAPP_INSTANCE_PATH=str(run / "instance"),
        # The demo shows the shipped made-up safeguarding numbers (see README, "Checklists").
        FIELDAPP_SAFEGUARDING_PLACEHOLDERS_ALLOWED="true",
    )
    return python, run, env, Path(own)


def _flask(installed, *args: str) -> subprocess.CompletedProcess:
    python, run, env, _ = installed
    return subprocess.run(
        [python, "-m", "flask", "--app", "fieldapp", *args],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_wheel_carries_its_data_and_is_the_fieldapp_imported(installed):
    python, run, env, site = installed
    found = subprocess.run(
        [
            python,
            "-c",
            "import fieldapp, fieldapp.config as c; print(fieldapp.__file__); "
            "print(c.SHIPPED_CHECKLISTS); print(c.SHIPPED_STATIC)",
        ],
        cwd=run,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert [Path(p) for p in found] == [
        site / "fieldapp" / "__init__.py",
        site / "fieldapp" / "_data" / "checklists",
        site / "fieldapp" / "_data" / "static",
    ]
    shipped = {p.relative_to(ROOT) for p in (ROOT / "checklists").rglob("*") if p.is_file()}
    packaged = site / "fieldapp" / "_data"
    assert shipped <= {p.relative_to(packaged) for p in packaged.rglob("*") if p.is_file()}
    assert (site / "fieldapp" / "imports" / "presets.toml").is_file()


def test_the_installed_app_migrates_loads_the_demo_and_serves_its_pages(installed):
    migrated = _flask(installed, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    demo = _flask(installed, "demo", "load")
    assert demo.returncode == 0, demo.stderr
    assert "demo.coordinator" in demo.stdout + demo.stderr

    python, run, env, _ = installed
    port = _free_port()
    server = subprocess.Popen(
        [python, "-m", "flask", "--app", "fieldapp", "run", "--port", str(port)],
        cwd=run,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, page = _get(base + "/sign-in")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the installed app did not start"
                time.sleep(0.2)
        assert status == 200
        sheets = re.findall(rb'<link[^>]+rel="stylesheet"[^>]+href="/static/([^"?]+)', page)
        assert b"app.css" in sheets
        for name in sheets:
            status, body = _get(f"{base}/static/{name.decode()}")
            assert status == 200
            assert body == (ROOT / "static" / name.decode()).read_bytes()
    finally:
        server.terminate()
        server.wait(timeout=10)
