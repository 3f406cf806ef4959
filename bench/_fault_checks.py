"""The fault benchmark's verdict, from the stored database and upload folder alone.

Each visit the clients sent is compared, value by value, with what was stored; the photo
files are reconciled with their rows; each premises' current risk is recomputed from the
visit the clients know to be its latest; and the file and the audit chain are checked.
Everything here reads what the server left after being killed, never what it replied.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bench._server import car_wash_checklist
from fieldapp import audit, photos
from fieldapp.queries import connect


@dataclass
class Sent:
    """One visit as a client sent it: the form, and the SHA-256 of each photo attached."""

    premises_id: int
    fields: dict
    photo_hashes: list[str] = field(default_factory=list)


@dataclass
class Findings:
    """What the stored data showed, each a list of problems (visit ids or file names)."""

    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unsent: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    orphaned: list[str] = field(default_factory=list)
    risk_wrong: list[int] = field(default_factory=list)
    leftovers: int = 0  # pending files of attempts killed before their commit
    integrity: str = ""
    audit_intact: bool = False
    stored_photos: int = 0


def expected_answers(fields: dict) -> dict[str, tuple[str, str | None]]:
    """question id -> (value as stored, note): prices are kept in pence."""
    types = {
        item.id: item.answer_type
        for item in [*car_wash_checklist().indicators, *car_wash_checklist().follow_ups]
    }
    out = {}
    for key, value in fields.items():
        if key.startswith("q-"):
            question = key[2:]
            if types[question] == "money":
                pounds, pence = value.split(".")
                value = str(int(pounds) * 100 + int(pence))
            out[question] = (value, fields.get(f"note-{question}"))
    return out


def _differences(sent: Sent, visit: dict, answers: dict, hashes: list[str]) -> list[str]:
    """Each way the stored visit differs from what was sent (empty when it is the same)."""
    wanted = {
        "premises_id": sent.premises_id,
        "visited_at": sent.fields["visited_at"],
        "notes": sent.fields["notes"],
        "latitude": float(sent.fields["latitude"]),
    }
    found = [f"{k} {visit[k]!r} != {v!r}" for k, v in wanted.items() if visit[k] != v]
    if answers != expected_answers(sent.fields):
        found.append("answers or their notes differ")
    if sorted(hashes) != sorted(sent.photo_hashes):
        found.append(f"photos {len(hashes)} stored, {len(sent.photo_hashes)} sent or hash differs")
    return found


def check_visits(db, sent: dict[str, Sent], findings: Findings) -> None:
    """Lost, duplicated, never-sent and altered visits."""
    ids = Counter(row[0] for row in db.execute("SELECT id FROM visits"))
    findings.duplicated = [v for v, n in ids.items() if n > 1]
    findings.unsent = [v for v in ids if v not in sent]
    answers: dict[str, dict] = {}
    for visit_id, question, value, note in db.execute(
        "SELECT visit_id, question_id, value, note FROM answers"
    ):
        stored = answers.setdefault(visit_id, {})
        if question in stored:
            findings.duplicated.append(f"{visit_id} answer {question}")
        stored[question] = (value, note)
    hashes: dict[str, list[str]] = {}
    for visit_id, sha256 in db.execute("SELECT visit_id, sha256 FROM photos"):
        hashes.setdefault(visit_id, []).append(sha256)
    names = ("premises_id", "visited_at", "notes", "latitude")
    visits = {
        row[0]: dict(zip(names, row[1:], strict=True))
        for row in db.execute("SELECT id, premises_id, visited_at, notes, latitude FROM visits")
    }
    for visit_id, one in sent.items():
        if visit_id not in visits:
            findings.lost.append(visit_id)
            continue
        problems = _differences(
            one, visits[visit_id], answers.get(visit_id, {}), hashes.get(visit_id, [])
        )
        if problems:
            findings.altered.append(f"{visit_id}: {'; '.join(problems)}")


def check_photo_files(db, upload_dir: Path, findings: Findings) -> None:
    """Every photo row has both its files, final and holding the bytes hashed; every file
    has a row. Pending files of no row are what killed attempts leave (the sweep's job)."""
    rows = {
        row[0]: row[1:]
        for row in db.execute("SELECT id, visit_id, sha256, content_type FROM photos")
    }
    findings.stored_photos = len(rows)
    extensions = {content_type: extension for content_type, extension in photos.ACCEPTED.values()}
    for photo_id, (visit_id, sha256, content_type) in rows.items():
        folder = upload_dir / "visits" / visit_id
        original = folder / photos.original_name(photo_id, extensions[content_type])
        stripped = folder / photos.stripped_name(photo_id, extensions[content_type])
        if not original.is_file() or not stripped.is_file():
            findings.orphaned.append(f"row {photo_id} has no final file")
        elif hashlib.sha256(original.read_bytes()).hexdigest() != sha256:
            findings.orphaned.append(f"file {original.name} does not hold the bytes hashed")
    for path in sorted((upload_dir / "visits").glob("*/*")):
        photo_id = path.name.split(".", 1)[0]
        if photo_id in rows and path.name.endswith(photos.PENDING):
            findings.orphaned.append(f"{path.name}: committed but left pending")
        elif photo_id not in rows and path.name.endswith((photos.PENDING, ".part")):
            findings.leftovers += 1
        elif photo_id not in rows:
            findings.orphaned.append(f"{path.name}: a final file with no row")


def latest_sent(sent: dict[str, Sent]) -> dict[int, str]:
    """premises id -> the visit the clients sent with the latest visit time (times are
    distinct, so there is one), whatever order the server received them in."""
    latest: dict[int, str] = {}
    for visit_id, one in sent.items():
        best = latest.get(one.premises_id)
        if best is None or one.fields["visited_at"] > sent[best].fields["visited_at"]:
            latest[one.premises_id] = visit_id
    return latest


def check_risk(db, sent: dict[str, Sent], findings: Findings) -> None:
    """Each premises' current risk is its latest visit's band, score and red flag count, as
    recording.store keeps it (every visit sent is judged: all questions are answered)."""
    visits = {
        row[0]: tuple(row[1:])
        for row in db.execute(
            "SELECT id, band, score_percentage, red_flag_count FROM visits "
            "WHERE outcome = 'assessed'"
        )
    }
    premises = {
        row[0]: tuple(row[1:])
        for row in db.execute("SELECT id, risk_band, risk_score, red_flag_count FROM premises")
    }
    latest = latest_sent(sent)
    for premises_id, current in premises.items():
        visit_id = latest.get(premises_id)
        expected = visits.get(visit_id, (None, None, 0)) if visit_id else (None, None, 0)
        if current != expected:
            findings.risk_wrong.append(premises_id)


def check(database: Path, upload_dir: Path, sent: dict[str, Sent]) -> Findings:
    """Every check, on the database and upload folder the killed server left."""
    findings = Findings()
    db = connect(str(database))
    try:
        check_visits(db, sent, findings)
        check_photo_files(db, upload_dir, findings)
        check_risk(db, sent, findings)
        findings.integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
        findings.audit_intact = audit.verify(db).intact
    finally:
        db.conn.close()
    return findings


def fired(log: Path) -> dict[str, int]:
    """How many times each fault point killed its worker."""
    if not log.is_file():
        return {}
    return dict(Counter(log.read_text().split()))
