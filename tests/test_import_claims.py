"""Taking an upload to import it, and putting back one whose import did not finish.

The rules on their own (fieldapp.web.imports.claims, no app), then on the import pages.
A claim "whose process died" is taken by a real child process, killed with SIGKILL: the
lock must go with the process, which is the whole point.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from fieldapp import imports
from fieldapp.queries import connect
from fieldapp.timeutil import now_iso, utcnow
from fieldapp.web.imports import claims
from tests.conftest import csrf_token, make_app
from tests.test_import import (
    GOOD,
    kept_files,
    premises_rows,
    press,
    report,
    signed_in,
    uploaded,
    with_register,
)

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "t" * 24

# A child that takes the upload, says so, and then waits to be killed.
TAKER = """
import sys
from pathlib import Path
from fieldapp.web.imports import claims
from tests.conftest import csrf_token, make_app
claim = claims.take(claims.Files(*map(Path, sys.argv[1:4])))
print("taken" if claim else "not taken", flush=True)
sys.stdin.read()
"""


def waiting_upload(folder: Path, token: str = TOKEN, uploaded_at: str | None = None):
    """An upload's two files as the upload page leaves them."""
    files = claims.Files.in_folder(folder, token)
    files.kept.write_bytes(GOOD)
    files.meta.write_text(
        json.dumps({"user_id": 2, "filename": "f.csv", "uploaded_at": uploaded_at or now_iso()})
    )
    return files


def meta_of(files) -> dict:
    return json.loads(files.meta.read_text())


@contextmanager
def taken_by_another_process(files):
    """The upload taken by a child process; SIGKILLed when the block ends."""
    child = subprocess.Popen(
        [sys.executable, "-c", TAKER, *map(str, files)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline().strip() == "taken"
        yield child
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)


@contextmanager
def locked(path: Path):
    """Hold ``path``'s lock, as an import in another worker does."""
    fd = os.open(path, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        os.close(fd)


# -- The rules -------------------------------------------------------------------------------


def test_taking_an_upload_renames_it_and_notes_when_its_import_started(tmp_path):
    files = waiting_upload(tmp_path)
    claim = claims.take(files)
    assert claim is not None and claim.path == files.claimed
    assert not files.kept.exists() and files.claimed.read_bytes() == GOOD
    assert "started_at" in meta_of(files)
    assert claims.settle(files).state is claims.RUNNING  # its lock is held
    claim.finish()
    assert not files.claimed.exists()


def test_of_many_presses_at_once_only_one_takes_the_upload(tmp_path):
    files = waiting_upload(tmp_path)
    start = threading.Barrier(8)
    taken = []

    def press():
        start.wait()
        taken.append(claims.take(files))

    threads = [threading.Thread(target=press) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [c for c in taken if c is not None]
    assert len(winners) == 1
    winners[0].finish()
    assert claims.take(files) is None  # nothing is waiting any more


def test_a_failed_import_gives_the_upload_back(tmp_path):
    files = waiting_upload(tmp_path)
    claim = claims.take(files)
    started = claim.meta["started_at"]
    claim.give_back()
    assert files.kept.read_bytes() == GOOD and not files.claimed.exists()
    settled = claims.settle(files)
    assert settled.state is claims.READY
    assert settled.meta["interrupted"]["started_at"] == started  # the report says so
    assert claims.take(files) is not None  # and it can be taken again at once
    assert "interrupted" not in meta_of(files)  # the details are of this try now


def test_an_import_whose_process_died_is_put_back_and_noted(tmp_path):
    files = waiting_upload(tmp_path)
    with taken_by_another_process(files):
        running = claims.settle(files)
        assert running.state is claims.RUNNING
        started = running.meta["started_at"]
        assert files.claimed.exists() and not files.kept.exists()  # nothing moved
    # The child is gone, and its lock with it.
    recovered = claims.settle(files)
    assert recovered.state is claims.READY
    assert recovered.meta["interrupted"]["started_at"] == started
    assert "started_at" not in recovered.meta
    assert meta_of(files) == recovered.meta
    assert files.kept.read_bytes() == GOOD and not files.claimed.exists()
    assert claims.take(files) is not None


def test_a_held_lock_is_reported_as_running_and_nothing_moves(tmp_path):
    files = waiting_upload(tmp_path)
    os.rename(files.kept, files.claimed)
    before = meta_of(files)
    with locked(files.claimed):
        assert claims.settle(files) == claims.Settled(claims.RUNNING, before)
        assert claims.take(files) is None
        assert files.claimed.exists() and meta_of(files) == before
    assert claims.settle(files).state is claims.READY


def test_a_lock_on_the_waiting_file_stops_a_second_take(tmp_path):
    files = waiting_upload(tmp_path)
    with locked(files.kept):  # another press, between its lock and its rename
        assert claims.take(files) is None
    assert files.kept.exists()


def test_an_import_stopped_after_writing_its_result_is_tidied_not_undone(tmp_path):
    files = waiting_upload(tmp_path)
    os.rename(files.kept, files.claimed)
    files.meta.write_text(json.dumps({**meta_of(files), "result": {"created_count": 4}}))
    settled = claims.settle(files)
    assert settled.state is claims.FINISHED and "interrupted" not in settled.meta
    assert not files.claimed.exists() and not files.kept.exists()


def test_details_without_a_file_are_gone(tmp_path):
    files = waiting_upload(tmp_path)
    files.kept.unlink()
    assert claims.settle(files).state is claims.GONE
    assert claims.take(files) is None
    files.meta.unlink()
    assert claims.settle(files) == claims.Settled(claims.GONE, {})


# -- The sweep -------------------------------------------------------------------------------


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_the_sweep_removes_old_uploads_and_what_unfinished_imports_left(tmp_path):
    day_ago = utcnow() - timedelta(days=1)
    old = (utcnow() - timedelta(days=2)).isoformat()
    fresh = waiting_upload(tmp_path, "fresh" * 4)
    stale = waiting_upload(tmp_path, "stale" * 4, uploaded_at=old)
    os.rename(stale.kept, stale.claimed)  # its import died two days ago
    orphan = claims.Files.in_folder(tmp_path, "orphan" * 4)  # an .importing with no details
    orphan.claimed.write_bytes(GOOD)
    _age(orphan.claimed, 2)
    cut_short = claims.Files.in_folder(tmp_path, "short" * 4)  # being uploaded right now
    cut_short.kept.write_bytes(GOOD)
    broken = waiting_upload(tmp_path, "broken" * 4)
    broken.meta.write_text("{not json")

    removed = claims.sweep(tmp_path, day_ago)

    assert sorted(removed) == sorted(["stale" * 4, "orphan" * 4, "broken" * 4])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [fresh.kept.name, fresh.meta.name, cut_short.kept.name]
    )


def test_the_sweep_leaves_an_old_upload_an_import_is_using(tmp_path):
    files = waiting_upload(tmp_path, uploaded_at=(utcnow() - timedelta(days=2)).isoformat())
    os.rename(files.kept, files.claimed)
    with locked(files.claimed):
        assert claims.sweep(tmp_path, utcnow() - timedelta(days=1)) == []
        assert files.claimed.exists() and files.meta.exists()
    assert claims.sweep(tmp_path, utcnow() - timedelta(days=1)) == [TOKEN]
    assert list(tmp_path.iterdir()) == []


# -- On the pages ----------------------------------------------------------------------------


@pytest.fixture
def app(tmp_path):
    return with_register(make_app(tmp_path))


def files_of(app, url) -> claims.Files:
    return claims.Files.in_folder(Path(app.instance_path) / "imports", url.rsplit("/", 1)[1])


def banner(page):
    return page.select_one("#interrupted")


def test_the_report_says_an_import_that_did_not_finish_imported_nothing(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    files = files_of(app, url)
    with taken_by_another_process(files):
        pass  # the worker is killed mid-import
    page = report(client, url)
    assert "nothing was imported" in banner(page).text
    assert "This import did not finish; nothing was imported." in banner(page).text
    assert "It was started on " in banner(page).text
    assert banner(page)["role"] == "region"
    assert page.select_one("#import-button").text.strip() == "Import 4 good rows"
    assert kept_files(app) == [files.kept.name, files.meta.name]
    assert premises_rows(app) == []

    press(client, url, "import")
    assert len(premises_rows(app)) == 4
    assert "Import complete" in report(client, f"{url}/done").text


@pytest.mark.parametrize("way_back", ["done page", "import button"])
def test_the_done_page_and_the_button_also_put_an_unfinished_import_back(app, way_back):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    token = csrf_token(client.get(url).get_data(as_text=True))
    with taken_by_another_process(files_of(app, url)):
        pass
    if way_back == "import button":
        pressed = client.post(f"{url}/import", data={"csrf_token": token})
        assert pressed.headers["Location"] == f"{url}/done"
    assert client.get(f"{url}/done").headers["Location"] == url
    assert banner(report(client, url)) is not None
    assert premises_rows(app) == []


def test_while_an_import_runs_elsewhere_the_pages_say_so_and_import_nothing_more(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    token = csrf_token(client.get(url).get_data(as_text=True))
    with taken_by_another_process(files_of(app, url)):
        response = client.get(url)
        assert response.headers["Location"] == f"{url}/done"
        page = report(client, f"{url}/done")
        assert page.h1.text == "Import in progress"
        assert "still being imported (it was started on " in page.select_one("#still-running").text
        assert "Refresh this page in a minute" in page.text
        assert not page.select("form[action$='/import']")
        pressed = client.post(f"{url}/import", data={"csrf_token": token})
        assert pressed.headers["Location"] == f"{url}/done"
        assert premises_rows(app) == []
    assert banner(report(client, url)) is not None  # the child died without finishing


def test_an_upload_sweeps_away_an_abandoned_import_older_than_a_day(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    files = files_of(app, url)
    with taken_by_another_process(files):
        pass
    meta = meta_of(files)
    meta["uploaded_at"] = (utcnow() - timedelta(hours=25)).isoformat()
    files.meta.write_text(json.dumps(meta))
    new = uploaded(client, GOOD).rsplit("/", 1)[1]
    assert kept_files(app) == [f"{new}.csv", f"{new}.json"]


def test_an_import_that_committed_before_its_server_died_is_reported_as_done(app):
    """The server stopped between the import's commit and writing its result: the audit
    trail holds the import's summary, so the page says what was imported, not "nothing"."""
    client = signed_in(app)
    url = uploaded(client, GOOD)
    files = files_of(app, url)
    token = url.rsplit("/", 1)[1]
    db = connect(app.config["DATABASE"])
    with app.test_request_context():
        imports.run_import(
            db,
            imports.parse(files.kept.read_bytes()),
            source="premises.csv",
            upload=token,
        )
    db.conn.close()
    with taken_by_another_process(files):
        pass  # the worker is killed after the commit, before the result was written
    assert client.get(url).headers["Location"] == f"{url}/done"
    done = report(client, f"{url}/done")
    assert "Import complete" in done.text
    assert "4 added, 0 updated" in done.text
    assert not files.claimed.exists() and not files.kept.exists()
    assert len(premises_rows(app)) == 4  # and pressing nothing imports nothing twice
