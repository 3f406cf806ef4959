"""The visit report for the case file: the page, the PDF made from it, its log entry, and
who may have it.

The visit is made through the app as an officer makes one: recorded, referred, then
corrected with a photo, so the report has answers, notes, a photo, a referral and an
amendment to show. The PDF's text is read back with poppler's pdftotext.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fieldapp import accounts, visitreport
from fieldapp.queries import connect
from tests.conftest import PASSWORD, AuthActions, csrf_token, make_app, parse
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, jpeg_bytes, visit_form

HOSTILE_NAME = '<svg onload=x> =HYPERLINK("http://evil.example") Wash'
HOSTILE_NOTE = "Paid <b>cash</b> =1+1 <img src=http://evil.example/x.png>"
REASON = "The wash price was misread as £6; it is £5"
MARKING = "OFFICIAL-SENSITIVE"


def signed_in(app, role: str, username: str | None = None):
    client = app.test_client()
    assert AuthActions(client).login(role, username=username).status_code == 302
    return client


@pytest.fixture
def world(tmp_path):
    """A visit by the test inspector, referred, then corrected with a photo."""
    app = make_app(tmp_path)
    officer = signed_in(app, "inspector")
    premises_id = add_premises(app, name=HOSTILE_NAME)
    first = visit_form(**{"q-debt_bondage": "yes", "notes": "First look"})
    assert post_visit(officer, premises_id, first).status_code == 303
    url = f"/visits/{first['visit_id']}"
    token = csrf_token(officer.get(url).get_data(as_text=True))
    referral = {"route": "nrm", "adults": "2", "exploitation": "labour", "consent_recorded": "yes"}
    sent = officer.post(f"{url}/referrals", data={"csrf_token": token, **referral})
    assert sent.status_code == 303
    photo = jpeg_bytes(size=(800, 600))
    corrected = visit_form(
        **{
            "q-debt_bondage": "yes",
            "q-price_basic_wash": "5.00",
            "note-cash_only": HOSTILE_NOTE,
            "notes": "Second line of notes\n</style><script>alert(1)</script>",
            "amendment_reason": REASON,
        }
    )
    amended = post_visit(
        officer,
        premises_id,
        corrected,
        files=[(io.BytesIO(photo), "front.jpg")],
        url=f"{url}/amend",
    )
    assert amended.status_code == 303, amended.get_data(as_text=True)[-2000:]
    return {
        "app": app,
        "officer": officer,
        "visit_id": corrected["visit_id"],
        "first_id": first["visit_id"],
        "photo_sha256": hashlib.sha256(photo).hexdigest(),
    }


def pdf_pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page of a PDF, by pdftotext."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed (scripts/test installs it)")
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


def log_rows(app) -> list[dict]:
    db = connect(app.config["DATABASE"])
    rows = list(db.query("SELECT * FROM export_log ORDER BY id"))
    db.conn.close()
    return rows


def test_the_page_holds_the_whole_visit_and_is_linked_from_it(world):
    officer, visit_id = world["officer"], world["visit_id"]
    result = parse(officer.get(f"/visits/{visit_id}").get_data(as_text=True))
    links = {a["href"] for a in result.select("#report-links a")}
    assert links == {f"/visits/{visit_id}/report", f"/visits/{visit_id}/report.pdf"}

    response = officer.get(f"/visits/{visit_id}/report")
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    text = " ".join(page.get_text(" ").split())
    assert page.select_one("#report-marking").text == MARKING
    assert "1 Test Street, Leicester LE1 5AA" in text
    assert "Ivy Inspector" in page.select_one("#report-officer").text
    location = " ".join(page.select_one("#report-location").text.split())
    assert "Phone location (GPS)" in location and "accurate to 12 m" in location
    assert "20 m from the premises' recorded location" in location
    assert HOSTILE_NOTE in text and "£5.00" in text
    assert "High concern" in page.select_one("#report-assessment").text
    assert "money they must work off" in page.select_one("#report-red-flags").text
    assert "2 adults, 0 children" in text and "Labour exploitation" in text
    assert REASON in page.select_one("#report-versions").text
    assert world["photo_sha256"] in page.select_one("#report-photos").text
    thumbnail = page.select_one("#report-photos img")["src"]
    image = officer.get(thumbnail)
    assert image.status_code == 200 and image.mimetype == "image/jpeg"
    assert len(image.data) < 40_000 and b"TestCam" not in image.data  # small, no EXIF
    # Hostile text is text: no element came from a premises name or a note.
    assert page.find("svg") is None and page.find("b") is None
    assert not [s for s in page.find_all("script") if "alert" in s.text]
    assert page.find("img", src="http://evil.example/x.png") is None
    assert HOSTILE_NAME in page.select_one("h1").text


def test_the_pdf_holds_the_visit_on_marked_numbered_pages_and_is_logged(world, tmp_path):
    officer, visit_id, app = world["officer"], world["visit_id"], world["app"]
    response = officer.get(f"/visits/{visit_id}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    data = response.data
    assert data.startswith(b"%PDF-")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="visit-report-{visit_id[:8]}-')
    assert disposition.endswith(f'-{MARKING}.pdf"')
    assert response.headers["X-Handling-Marking"] == MARKING
    digest = hashlib.sha256(data).hexdigest()
    assert response.headers["Repr-Digest"] == (
        f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"
    )

    pages = pdf_pages(data, tmp_path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert page.count(MARKING) >= 2, f"page {number} lacks its top and bottom marking"
        assert f"Page {number} of {len(pages)}" in page
    text = " ".join(" ".join(pages).split())
    squeezed = "".join(text.split())
    for expected in (
        HOSTILE_NAME,
        "1 Test Street, Leicester",
        "LE1 5AA",
        "Ivy Inspector",
        "accurate to 12 m",
        HOSTILE_NOTE,
        "</style><script>alert(1)</script>",
        "High concern",
        "money they must work off",
        "2 adults, 0 children",
        REASON,
        "£5.00",
    ):
        assert "".join(expected.split()) in squeezed, expected
    assert world["photo_sha256"] in squeezed
    assert len(data) < 400_000  # thumbnails, not the photos themselves

    (row,) = log_rows(app)
    assert row["sha256"] == digest and row["byte_count"] == len(data)
    assert row["format"] == "visit_pdf" and row["agency"] is None and row["row_count"] == 1
    assert row["filter"] == f"Visit report of visit {visit_id}"
    db = connect(app.config["DATABASE"])
    audit = db.execute(
        "SELECT username, detail FROM audit WHERE action = 'export.sent' ORDER BY id DESC"
    ).fetchone()
    db.conn.close()
    assert audit[0] == "ivy.inspector"
    assert json.loads(audit[1]) | {"sha256": digest, "why": "case_work"} == json.loads(audit[1])

    # Back on the page, the officer sees the hash of the file they downloaded.
    page = parse(officer.get(f"/visits/{visit_id}/report").get_data(as_text=True))
    shown = page.select_one("#report-pdfs").get_text(" ")
    assert digest in shown and "Ivy Inspector" in shown


def test_the_pdf_pages_render_as_images(world, tmp_path):
    """pdftoppm draws every page (the pages were looked at by eye when this was written)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("poppler's pdftoppm is not installed (scripts/test installs it)")
    data = world["officer"].get(f"/visits/{world['visit_id']}/report.pdf").data
    (tmp_path / "report.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(pdf_pages(data, tmp_path))
    assert all(image.stat().st_size > 5_000 for image in images)


def test_a_hostile_marking_cannot_break_out_of_the_page_style(tmp_path):
    marking = 'SECRET"; } body { display: none } </style><script>x()</script>'
    app = make_app(tmp_path, EXPORT_MARKING=marking)
    officer = signed_in(app, "inspector")
    form = visit_form()
    assert post_visit(officer, add_premises(app), form).status_code == 303
    html = officer.get(f"/visits/{form['visit_id']}/report").get_data(as_text=True)
    assert "<script>x()</script>" not in html
    pages = pdf_pages(officer.get(f"/visits/{form['visit_id']}/report.pdf").data, tmp_path)
    assert all("SECRET" in page and "Page" in page for page in pages)


@pytest.fixture
def other_inspector(world):
    app = world["app"]
    db = connect(app.config["DATABASE"])
    with app.test_request_context():
        accounts.create(
            db, username="otto.other", display_name="Otto Other", role="inspector",
            password=PASSWORD,
        )  # fmt: skip
    db.conn.close()
    return signed_in(app, "inspector", username="otto.other")


@pytest.mark.parametrize("path", ["/report", "/report.pdf"])
def test_another_inspector_partners_and_admins_do_not_get_it(world, other_inspector, path):
    app, visit_id = world["app"], world["visit_id"]
    url = f"/visits/{visit_id}{path}"
    refused = other_inspector.get(url)
    assert refused.status_code == 403
    assert "Only the officer who recorded this visit, or a coordinator" in refused.get_data(
        as_text=True
    )
    assert HOSTILE_NOTE not in refused.get_data(as_text=True)
    for role in ("partner", "admin"):
        assert signed_in(app, role).get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # signed out: to the sign-in page
    assert log_rows(app) == []
    # Nor is it offered to another inspector on the visit's page.
    page = parse(other_inspector.get(f"/visits/{visit_id}").get_data(as_text=True))
    assert page.select_one("#report-links") is None


def test_a_coordinator_gets_it_and_an_earlier_version_says_so(world):
    coordinator = signed_in(world["app"], "coordinator")
    assert coordinator.get(f"/visits/{world['visit_id']}/report").status_code == 200
    earlier = coordinator.get(f"/visits/{world['first_id']}/report.pdf")
    assert earlier.status_code == 200
    (row,) = log_rows(world["app"])
    assert row["filter"] == f"Visit report of visit {world['first_id']}"
    page = coordinator.get(f"/visits/{world['first_id']}/report").get_data(as_text=True)
    assert "This report is of version 1 of the visit. Version 2 is the latest." in page


@pytest.mark.parametrize(
    "url",
    [
        "/visits/no-such-visit/report",
        "/visits/no-such-visit/report.pdf",
        "/visits/%27%3Cscript%3E/report.pdf",
        "/visits/%00/report",
        "/visits/photos/no-such-photo/thumbnail",
        "/visits/" + "9" * 5000 + "/report.pdf",
    ],
)
def test_hostile_ids_are_not_found(world, url):
    assert world["officer"].get(url).status_code == 404


def test_the_pdf_renderer_reads_only_the_apps_own_files(tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("p { color: red }")
    (tmp_path / "secret.txt").write_text("not for the PDF")
    fetch = visitreport.local_fetcher(
        "http://localhost/", "/static", static, {"/visits/photos/p1/thumbnail": lambda: b"jpeg"}
    )
    assert fetch("http://localhost/static/app.css").read() == b"p { color: red }"
    assert fetch("http://localhost/visits/photos/p1/thumbnail").read() == b"jpeg"
    for url in (
        "http://evil.example/static/app.css",
        "https://localhost/static/app.css",
        "file:///etc/passwd",
        f"file://{static}/app.css",
        "http://localhost/static/../secret.txt",
        "http://localhost/static/%2e%2e/secret.txt",
        "http://localhost/visits/photos/p2/thumbnail",
        "http://localhost/static/missing.css",
        "data:text/css,p{}",
    ):
        with pytest.raises(visitreport.RefusedURL):
            fetch(url)
