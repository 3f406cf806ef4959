"""The service worker as served: named after the files a phone keeps, never held by a cache."""

import json
import re
import shutil
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from fieldapp.checklists import SECTORS
from fieldapp.config import ROOT
from fieldapp.web.offline.worker import (
    PAGE_URLS,
    SHELL_URLS,
    SOURCE,
    shell_version,
    static_path,
)
from tests.conftest import make_app
from tests.visit_helpers import add_premises

STATIC = ROOT / "static"
WORKER_URL = "/static/" + SOURCE


@pytest.fixture
def static_copy(tmp_path) -> Path:
    """A copy of the static folder a test may change."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    return folder


def served_version(app) -> str:
    body = app.test_client().get("/sw.js").get_data(as_text=True)
    match = re.search(r'^const VERSION = "([0-9a-f]{12})"$', body, re.MULTILINE)
    assert match, body[:300]
    return match.group(1)


def append_to(folder: Path, url: str, extra: bytes = b"\n") -> None:
    path = static_path(folder, url)
    path.write_bytes(path.read_bytes() + extra)


def test_sw_js_carries_the_version_of_the_real_files_and_the_list_it_keeps(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert f'const VERSION = "{shell_version(STATIC)}"\n' in body
    listed = re.search(r"^const SHELL_URLS = (\[.*?\])$", body, re.MULTILINE | re.DOTALL)
    assert json.loads(listed.group(1)) == list(SHELL_URLS)
    pages = re.search(r"^const PAGE_URLS = (\[.*?\])$", body, re.MULTILINE | re.DOTALL)
    assert json.loads(pages.group(1)) == list(PAGE_URLS)
    # The worker's own source follows, as written.
    assert body.endswith((STATIC / SOURCE).read_text(encoding="utf-8"))


def test_sw_js_is_checked_with_the_server_every_time(client):
    first = client.get("/sw.js")
    assert first.headers["Cache-Control"] == "no-cache"
    again = client.get("/sw.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Cache-Control"] == "no-cache"


def test_a_copy_of_the_static_folder_has_the_same_version(tmp_path, static_copy):
    app = make_app(tmp_path, STATIC_FOLDER=str(static_copy))
    assert served_version(app) == shell_version(STATIC)


@pytest.mark.parametrize("url", [WORKER_URL, *SHELL_URLS])
def test_changing_any_kept_file_changes_the_version(static_copy, url):
    before = shell_version(static_copy)
    append_to(static_copy, url)
    assert shell_version(static_copy) != before


def test_moving_a_byte_from_one_kept_file_to_the_next_changes_the_version(static_copy):
    before = shell_version(static_copy)
    first, second = (static_path(static_copy, url) for url in SHELL_URLS[:2])
    data = first.read_bytes()
    first.write_bytes(data[:-1])
    second.write_bytes(data[-1:] + second.read_bytes())
    assert shell_version(static_copy) != before


def test_the_version_stays_while_no_kept_file_changes(static_copy):
    before = shell_version(static_copy)
    # Files the phone does not keep, a new file, and a file touched but not changed.
    append_to(static_copy, "/static/js/risk-map.js", b"// changed\n")
    append_to(static_copy, "/static/operations.css", b"/* changed */\n")
    (static_copy / "js" / "new.js").write_text("export const x = 1\n")
    kept = static_path(static_copy, "/static/js/assessment.js")
    kept.write_bytes(kept.read_bytes())
    assert shell_version(static_copy) == before


def test_a_release_is_seen_when_the_app_starts_not_before(tmp_path, static_copy):
    running = make_app(tmp_path / "running", STATIC_FOLDER=str(static_copy))
    version = served_version(running)
    append_to(static_copy, "/static/js/outbox.js", b"// next release\n")
    # Worked out once when the app started: the running app still sends the same worker.
    assert served_version(running) == version
    restarted = make_app(tmp_path / "restarted", STATIC_FOLDER=str(static_copy))
    assert served_version(restarted) == shell_version(static_copy) != version


def test_static_files_are_served_from_the_static_folder_setting(tmp_path, static_copy):
    append_to(static_copy, "/static/app.js", b"// only in the copy\n")
    app = make_app(tmp_path, STATIC_FOLDER=str(static_copy))
    response = app.test_client().get("/static/app.js")
    assert response.get_data().endswith(b"// only in the copy\n")
    response.close()


def test_an_app_missing_a_kept_file_refuses_to_start(tmp_path, static_copy):
    static_path(static_copy, "/static/js/assessment.js").unlink()
    with pytest.raises(FileNotFoundError, match="keeps /static/js/assessment.js"):
        make_app(tmp_path, STATIC_FOLDER=str(static_copy))


# A kept page must find every script and stylesheet it loads in the shell, or it breaks
# without a signal (and a change to that file would not reach the phone with the release).
IMPORT = re.compile(r"""^\s*import\s[^'"]*['"]([^'"]+)['"]""", re.MULTILINE)


def static_urls(page) -> set[str]:
    found = {el["src"] for el in page.select("script[src]")}
    found |= {el["href"] for el in page.select('link[rel="stylesheet"]')}
    config = page.select_one("#app-config")
    found |= {v for v in json.loads(config.string).values() if str(v).startswith("/static/")}
    return {urlsplit(url).path for url in found if url.startswith("/static/")}


def test_every_script_and_stylesheet_a_kept_page_loads_is_kept(app, as_role):
    premises_id = add_premises(app, "Shell Car Wash")
    page = as_role("inspector")
    needed: set[str] = set()
    pages = ["/", "/premises/", f"/premises/{premises_id}/visits/new", "/outbox", "/offline"]
    for url in [*pages, *(u for u in PAGE_URLS if not u.startswith("/api/"))]:
        needed |= static_urls(page.get(url))
    for url in [WORKER_URL, *SHELL_URLS]:
        if url.endswith(".js"):
            source = static_path(STATIC, url).read_text(encoding="utf-8")
            needed |= {urljoin(url, target) for target in IMPORT.findall(source)}
    assert needed - set(SHELL_URLS) == set()


# The indicator guide is kept from the moment the worker is installed, so an officer has it
# at the roadside without having opened it while they had a signal.
GUIDE_PAGES = ["/guide", *(f"/guide/{sector}" for sector in SECTORS)]


def test_the_guide_pages_are_kept_for_use_offline():
    assert set(GUIDE_PAGES) <= set(PAGE_URLS)
    # Practice sends answers to the server, so it is never kept.
    assert not [url for url in PAGE_URLS if url.startswith("/guide/practice")]


def test_the_worker_fetches_and_refreshes_the_pages_it_is_sent():
    source = (STATIC / SOURCE).read_text(encoding="utf-8")
    assert "PAGE_URLS.map((url) => cachePage(pages, url))" in source  # at install
    assert "PAGE_URLS.includes(url.pathname)" in source  # kept fresh when opened


@pytest.mark.parametrize("role", ["inspector", "coordinator"])
def test_every_kept_page_opens_for_field_officers(as_role, role):
    page = as_role(role)
    for url in PAGE_URLS:
        response = page.client.get(url)
        assert response.status_code == 200, url


def test_changing_the_kept_pages_changes_the_version():
    assert shell_version(STATIC, pages=(*PAGE_URLS, "/guide/tattoo_parlour")) != shell_version(
        STATIC
    )
    assert shell_version(STATIC, pages=PAGE_URLS) == shell_version(STATIC)
