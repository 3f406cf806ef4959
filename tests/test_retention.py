"""The retention schedule (checklists/retention.toml): its checks and what it would remove."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlite_utils import Database

from fieldapp.checklists import RECORD_TYPES, ChecklistError, load_retention
from fieldapp.migrations import migrate
from fieldapp.queries import retention as retention_q

SHIPPED = Path(__file__).resolve().parent.parent / "checklists"
NOW = "2026-06-01T12:00:00+00:00"


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    path = tmp_path / "retention.toml"
    shutil.copy(SHIPPED / "retention.toml", path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_retention(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_shipped_schedule_covers_every_record_type_with_a_basis():
    schedule = load_retention(SHIPPED / "retention.toml")
    assert list(schedule) == list(RECORD_TYPES)
    assert schedule["visits"].months == 72 and schedule["visits"].period == "6 years"
    assert schedule["sessions"].period == "1 year"
    assert all(rule.basis and rule.after for rule in schedule.values())


def test_an_unknown_record_type_is_named_with_its_file(schedule_file):
    schedule_file.write_text(
        schedule_file.read_text() + '\n[vists]\nyears = 6\nafter = "x"\nbasis = "y"\n'
    )
    found = problems(schedule_file)
    assert len(found) == 1
    assert found[0].startswith(f'{schedule_file}: vists: unknown record type "vists"')


def test_a_missing_record_type_is_named(schedule_file):
    text = schedule_file.read_text()
    start = text.index("[photos]")
    schedule_file.write_text(text[:start] + text[text.index("[referrals]") :])
    assert problems(schedule_file) == [
        f"{schedule_file}: photos: is missing: add a [photos] table with years (or months), "
        "after and basis."
    ]


def test_a_negative_or_zero_period_is_refused(schedule_file):
    text = schedule_file.read_text()
    text = text.replace("[visits]\nyears = 6", "[visits]\nyears = -6", 1)
    text = text.replace("[sessions]\nmonths = 12", "[sessions]\nmonths = 0", 1)
    schedule_file.write_text(text)
    found = problems(schedule_file)
    assert len(found) == 2
    assert found[0].startswith(f"{schedule_file}: visits.years: -6 is not a period")
    assert found[1].startswith(f"{schedule_file}: sessions.months: 0 is not a period")


def test_a_period_needs_one_unit_and_a_basis(schedule_file):
    text = schedule_file.read_text().replace("[audit]\nyears = 6", "[audit]\nyears = 6\nmonths = 3")
    text = text.replace(
        '[imports]\nyears = 2\nafter = "the load"\nbasis', "[imports]\nyears = 2\nbasis"
    )
    schedule_file.write_text(text)
    found = problems(schedule_file)
    assert any(p.startswith(f"{schedule_file}: imports.after: ") for p in found)
    assert any(p.startswith(f"{schedule_file}: audit: give the period as one of") for p in found)


def _world() -> Database:
    db = Database(memory=True)
    migrate(db)
    db["users"].insert(
        {
            "id": 1,
            "username": "o",
            "display_name": "O",
            "role": "inspector",
            "password_hash": "x",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    db["premises"].insert(
        {
            "id": 1,
            "uuid": "p1",
            "name": "Shine",
            "sector": "hand_car_wash",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    db["checklist_versions"].insert(
        {"hash": "h", "checklist_id": "c", "version": 1, "content": "{}", "first_used_at": NOW}
    )
    for visit_id, when in (
        ("seven", "2019-05-01T10:00:00+00:00"),
        ("five", "2021-05-01T10:00:00+00:00"),
    ):
        db["visits"].insert(
            {
                "id": visit_id,
                "premises_id": 1,
                "inspector_id": 1,
                "root_id": visit_id,
                "visited_at": when,
                "submitted_at": when,
                "checklist_hash": "h",
                "checklist_id": "c",
                "checklist_version": 1,
                "location_method": "none",
                "score_total": 0,
                "score_maximum": 0,
                "result": "{}",
                "content_hash": "x",
            }
        )
        db["answers"].insert_all(
            {"visit_id": visit_id, "question_id": q, "value": "yes"} for q in ("a", "b")
        )
    db["sessions"].insert_all(
        [
            {
                "id": "old",
                "user_id": 1,
                "created_at": "2025-01-01T09:00:00+00:00",
                "last_seen_at": "2025-01-02T09:00:00+00:00",
            },
            {
                "id": "new",
                "user_id": 1,
                "created_at": "2026-05-01T09:00:00+00:00",
                "last_seen_at": "2026-05-30T09:00:00+00:00",
            },
        ]
    )
    return db


def test_the_report_counts_a_visit_past_six_years_and_not_one_inside_them():
    rows = retention_q.due(_world(), NOW, {"visits": 72, "sessions": 12})
    assert rows == [
        {"record_type": "visits", "table": "visits", "years": 7, "count": 1},
        {"record_type": "visits", "table": "answers", "years": 7, "count": 2},
        {"record_type": "sessions", "table": "sessions", "years": 1, "count": 1},
    ]


def test_a_longer_period_counts_nothing_and_types_left_out_are_not_counted():
    assert retention_q.due(_world(), NOW, {"visits": 96}) == []


def test_the_report_command_prints_the_counts_and_removes_nothing(app, runner, db):
    result = runner.invoke(args=["retention", "report", "--now", "2040-01-01T00:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "nothing has been removed" in result.output
    assert "visits (visits, their answers and price checks): kept 6 years after the visit." in (
        result.output
    )
    assert "sessions (sign-in sessions and sign-in attempts): kept 1 year" in result.output


# Applying the schedule: what goes, what stays, and the tombstone each removal leaves.

APPLY_NOW = "2026-06-01T12:00:00+00:00"
OLD, RECENT = "2025-05-01T10:00:00+00:00", "2026-05-01T10:00:00+00:00"


def _removable_world(db) -> None:
    user = db.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
    for n, when in enumerate((OLD, RECENT)):
        db.execute(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [f"s{n}", user, when, when, when],
        )
        db.execute(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, 0)",
            [f"user{n}", "192.0.2.1", when],
        )
        db.execute(
            "INSERT INTO geocode_cache (query, fetched_at) VALUES (?, ?)",
            [f"{n} jan kowalski's house, leicester", when],
        )
    # Three postcode loads: the old ones go except the newest of their kind, whatever its age.
    for n, when in enumerate(("2023-01-01T00:00:00+00:00", "2023-06-01T00:00:00+00:00")):
        db.execute(
            "INSERT INTO place_loads (kind, file_name, rows_loaded, rows_skipped, held, loaded_at) "
            "VALUES ('onspd', ?, 1, 0, 1, ?)",
            [f"ONSPD_{n}.csv", when],
        )
    db.execute(
        "INSERT INTO place_loads (kind, file_name, rows_loaded, rows_skipped, held, loaded_at) "
        "VALUES ('uprn', 'uprn.csv', 1, 0, 1, '2023-01-01T00:00:00+00:00')"
    )
    db.conn.commit()


def test_apply_removes_what_is_past_its_period_and_leaves_tombstones(app, runner, db):
    _removable_world(db)
    result = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "sessions: 1 removed from sessions" in result.output
    assert "sessions: 1 removed from login_attempts" in result.output
    assert "geocode_cache: 1 removed from geocode_cache" in result.output
    assert "imports: 1 removed from place_loads" in result.output
    assert "not removed yet" not in result.output  # every record type is removed now
    assert "audit: not removed yet" not in result.output and "sealed id ranges" in result.output
    assert [r[0] for r in db.execute("SELECT id FROM sessions")] == ["s1"]
    assert [r[0] for r in db.execute("SELECT username FROM login_attempts")] == ["user1"]
    assert [r[0] for r in db.execute("SELECT file_name FROM place_loads ORDER BY id")] == [
        "ONSPD_1.csv",
        "uprn.csv",
    ]
    tombstones = db.execute(
        "SELECT record_type, table_name, record_id, counted_from, rule FROM tombstones ORDER BY id"
    ).fetchall()
    assert len(tombstones) == 4
    assert (
        "sessions",
        "sessions",
        "s0",
        OLD,
        "sessions: kept 1 year after the session was last used, or the sign-in attempt",
    ) in tombstones
    geocode = next(t for t in tombstones if t[0] == "geocode_cache")
    assert geocode[2].startswith("sha256:") and "kowalski" not in str(tombstones).lower()
    audit_row = db.execute("SELECT detail FROM audit WHERE action = 'retention.apply'").fetchone()[
        0
    ]
    assert '"sessions.sessions": 1' in audit_row
    # Again: nothing more is due, nothing more goes.
    again = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes"])
    assert "sessions: 0 removed from sessions" in again.output
    assert db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 4


def test_tombstones_cannot_be_rewritten_and_apply_asks_first(app, runner, db):
    _removable_world(db)
    refused = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW], input="n\n")
    assert refused.exit_code != 0 and "Nothing removed" in refused.output
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
    runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes"])
    for statement in ("UPDATE tombstones SET rule = 'x'", "DELETE FROM tombstones"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(statement)
    bad = runner.invoke(args=["retention", "apply", "--yes", "--batch", "0"])
    assert bad.exit_code != 0 and "--batch" in bad.output


# Records other records hang on: referrals, photos, visits, operations, training, premises.
# Six years before RECORDS_NOW (12:00 UTC, 1pm BST, on 15 June 2030) is 12:00 UTC on
# 15 June 2024: a second before it is past the period, a second after it is inside.

RECORDS_NOW = "2030-06-15T12:00:00+00:00"
PAST, INSIDE = "2024-06-15T11:59:59+00:00", "2024-06-15T12:00:01+00:00"
LONG_AGO = "2020-01-10T09:00:00+00:00"
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script> \x1b[31m\x07"
NAMES = ("Alpha <b>Wash</b>", "Bravo Wash", "Charlie Wash", "Delta Wash", "Echo Wash")


def _photo(db, upload_dir: Path, visit_id: str, photo_id: str, taken: str) -> list[Path]:
    db.execute(
        "INSERT INTO photos (id, visit_id, content_type, size_bytes, sha256, stripped_sha256, "
        "created_at) VALUES (?, ?, 'image/jpeg', 3, 'a', 'b', ?)",
        [photo_id, visit_id, taken],
    )
    folder = upload_dir / "visits" / visit_id
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / f"{photo_id}.jpg", folder / f"{photo_id}.stripped.jpg"]
    for path in files:
        path.write_bytes(b"jpg")
    return files


def _records_world(app, db) -> dict:
    """Five premises and what hangs on them, with hostile text in every free-text field."""
    from tests.report_world import add_operation, add_premises, add_referral, add_visit

    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', ?)",
        [LONG_AGO],
    )
    a, b, c, d, e = (add_premises(db, name, "hand_car_wash", LONG_AGO) for name in NAMES)
    db.execute("UPDATE premises SET address = ?, postcode = 'LE1 5AA'", [f"1 High St {HOSTILE}"])
    ids = {"a": a, "b": b, "c": c, "d": d, "e": e}
    # Alpha: a visit just past the period (amended, with answers, a price check and a photo)
    # and one just inside it, with a photo of its own.
    ids["old"] = add_visit(db, a, PAST, "high", red_flags=("id_retained",), victims=2)
    ids["old2"] = add_visit(
        db, a, PAST, "high", red_flags=("id_retained",), victims=3, amends=ids["old"]
    )
    ids["inside"] = add_visit(db, a, INSIDE, "medium", victims=1)
    for visit in (ids["old"], ids["old2"]):
        db.execute(
            "INSERT INTO answers (visit_id, question_id, value, note) VALUES (?, 'q', 'yes', ?)",
            [visit, HOSTILE],
        )
    db.execute(
        "INSERT INTO price_observations VALUES (?, 'hand_car_wash', 'price', 500)", [ids["old2"]]
    )
    upload = Path(app.config["UPLOAD_DIR"])
    ids["old_files"] = _photo(db, upload, ids["old2"], "p-old", PAST)
    ids["kept_files"] = _photo(db, upload, ids["inside"], "p-kept", INSIDE)
    # Bravo: an old visit held by a younger referral.
    ids["held"] = add_visit(db, b, "2023-01-01T10:00:00+00:00", "low")
    ids["young_referral"] = add_referral(
        db, ids["held"], "nrm", "2024-07-01T10:00:00+00:00", adults=1, kinds=("labour",)
    )
    # Charlie: an old visit, its old referral (corrected, with a step) and an old operation.
    ids["gone"] = add_visit(db, c, "2022-01-01T10:00:00+00:00", "high", victims=1)
    first = add_referral(
        db, ids["gone"], "nrm", "2022-02-01T10:00:00+00:00", adults=1, kinds=("labour",)
    )
    ids["old_referrals"] = [
        first,
        add_referral(
            db,
            ids["gone"],
            "duty_to_notify",
            "2022-03-01T10:00:00+00:00",
            adults=2,
            kinds=("sexual",),
            corrects=first,
        ),
    ]
    db.execute(
        "INSERT INTO referral_steps (referral_id, step, done, recorded_by, recorded_at) "
        "VALUES (?, 'told_police', 1, 1, '2022-03-05T10:00:00+00:00')",
        [ids["old_referrals"][1]],
    )
    ids["old_op"] = add_operation(db, "2022-05-01", ("glaa",), {c: {"victims": 1}})
    # Echo: in an operation still kept. Delta: nothing at all.
    ids["new_op"] = add_operation(db, "2025-01-01", ("police",), {e: {}})
    db.execute("UPDATE operation_outcomes SET note = ?", [HOSTILE])
    for when in (PAST, INSIDE):
        training = db.execute(
            "INSERT INTO training (user_id, course, trained_on, recorded_by, recorded_at) "
            "VALUES (1, ?, ?, 1, ?)",
            [f"Course {HOSTILE}", when[:10], when],
        ).lastrowid
        ids.setdefault("training", []).append(training)
    db.execute(
        "INSERT INTO training_withdrawals VALUES (?, ?, 1, ?)", [ids["training"][0], HOSTILE, PAST]
    )
    db.conn.commit()
    return ids


def _apply_records(runner, *extra: str):
    result = runner.invoke(
        args=["retention", "apply", "--now", RECORDS_NOW, "--yes", "--batch", "1", *extra]
    )
    assert result.exit_code == 0, result.output
    return result


def _ids(db, sql: str) -> set:
    return {row[0] for row in db.execute(sql)}


def test_apply_removes_records_past_their_period_and_holds_back_what_is_referred_to(
    app, runner, db
):
    ids = _records_world(app, db)
    report = runner.invoke(args=["retention", "report", "--now", RECORDS_NOW])
    # As things stand both old visits have a referral; only Bravo's is young enough to stay.
    assert "visits: 2 past their period held back as things stand (a referral still kept " in (
        report.output
    )
    result = _apply_records(runner)
    # The visit a second past six years goes, every revision; the one a second inside stays.
    assert _ids(db, "SELECT id FROM visits") == {ids["inside"], ids["held"]}
    assert _ids(db, "SELECT visit_id FROM answers") == set()
    assert _ids(db, "SELECT visit_id FROM price_observations") == set()
    assert _ids(db, "SELECT id FROM photos") == {"p-kept"}
    # The old referral and its correction and step go; the younger one holds its visit.
    assert _ids(db, "SELECT id FROM referrals") == {ids["young_referral"]}
    assert _ids(db, "SELECT count(*) FROM referral_steps") == {0}
    assert "visits: 1 past their period held back (a referral still kept refers to it)" in (
        result.output
    )
    # The old operation goes with its site, partner and outcome; the newer one stays.
    assert _ids(db, "SELECT id FROM operations") == {ids["new_op"]}
    assert _ids(db, "SELECT operation_id FROM operation_sites") == {ids["new_op"]}
    assert _ids(db, "SELECT operation_id FROM operation_partners") == {ids["new_op"]}
    # Premises: Charlie (all it had went) and Delta (nothing) go; Alpha (a visit inside the
    # period), Bravo (the held visit and referral) and Echo (an operation) stay.
    assert _ids(db, "SELECT id FROM premises") == {ids["a"], ids["b"], ids["e"]}
    assert "premises: 2 past their period held back (a visit of it is still kept)" in (
        result.output
    )
    assert "premises: 1 past their period held back (an operation still kept includes it)" in (
        result.output
    )
    assert _ids(db, "SELECT id FROM training") == {ids["training"][1]}
    assert _ids(db, "SELECT training_id FROM training_withdrawals") == set()
    for line in (
        "visits: 3 removed from visits",
        "visits: 2 removed from answers",
        "photos: 1 removed from photos",
        "referrals: 2 removed from referrals",
        "referrals: 1 removed from referral_steps",
        "operations: 1 removed from operation_outcomes",
        "premises: 2 removed from premises",
        "training: 1 removed from training_withdrawals",
        "2 photo files deleted",
    ):
        assert line in result.output, line
    # A tombstone for each main row gone, none for a child row.
    tombstones = db.execute(
        "SELECT record_type, table_name, record_id, counted_from FROM tombstones"
    ).fetchall()
    assert sorted((t, n) for t, n, _, _ in tombstones) == sorted(
        [("visits", "visits")] * 3
        + [("photos", "photos")]
        + [("referrals", "referrals")] * 2
        + [("operations", "operations"), ("training", "training")]
        + [("premises", "premises")] * 2
    )
    assert ("visits", "visits", ids["old"], PAST) in tombstones
    assert ("premises", "premises", str(ids["d"]), LONG_AGO) in tombstones
    detail = db.execute("SELECT detail FROM audit WHERE action = 'retention.apply'").fetchone()[0]
    assert '"visits.visits": 3' in detail and '"premises.premises": 2' in detail


def test_photo_files_go_only_with_their_rows_and_kept_ones_are_untouched(app, runner, db):
    ids = _records_world(app, db)
    _apply_records(runner)
    assert not any(path.exists() for path in ids["old_files"])
    assert not ids["old_files"][0].parent.exists()  # the visit's emptied folder too
    assert [path.read_bytes() for path in ids["kept_files"]] == [b"jpg", b"jpg"]


def test_a_photo_past_a_shorter_photos_period_goes_alone(app, db, tmp_path):
    from fieldapp import retention

    ids = _records_world(app, db)
    path = tmp_path / "retention.toml"
    path.write_text(
        (SHIPPED / "retention.toml")
        .read_text()
        .replace("[photos]\nyears = 6", "[photos]\nyears = 3", 1)
    )
    schedule = {t: r for t, r in load_retention(path).items() if t == "photos"}
    with app.app_context():
        applied = retention.apply(db, schedule, RECORDS_NOW, 1, Path(app.config["UPLOAD_DIR"]))
    assert applied.removed[("photos", "photos")] == 2 and applied.files == 4
    assert _ids(db, "SELECT id FROM photos") == set()
    assert ids["inside"] in _ids(db, "SELECT id FROM visits")  # its visit stays
    assert not any(p.exists() for p in ids["old_files"] + ids["kept_files"])


def test_report_totals_after_removal_equal_a_fresh_count(app, runner, db):
    from tests.test_report_areas import direct_totals, kept_totals
    from tests.test_reports import counted_afresh, totals

    _records_world(app, db)
    before = sum(r[0] for r in db.execute("SELECT sum(visits) FROM report_visit_days"))
    _apply_records(runner)
    after = sum(r[0] for r in db.execute("SELECT sum(visits) FROM report_visit_days"))
    assert (before, after) == (4, 2)  # current visits: Alpha's two, Bravo's, Charlie's
    referrals = db.execute("SELECT sum(referrals) FROM report_referral_days").fetchone()[0]
    assert referrals == 1
    db.conn.execute("BEGIN")
    assert totals(db) == counted_afresh(db)
    db.conn.rollback()
    assert kept_totals(db) == direct_totals(db)


def test_tombstones_and_output_carry_no_content(app, runner, db):
    _records_world(app, db)
    result = _apply_records(runner)
    stored = " ".join(str(value) for row in db.execute("SELECT * FROM tombstones") for value in row)
    for text in (
        *NAMES,
        "High St",
        "Wash",
        "Course",
        "calc",
        "<script>",
        "\x1b",
        "\x07",
        "=cmd",
        "labour",
        "told_police",
    ):
        assert text not in stored, text
        assert text not in result.output, text


def test_a_bare_delete_is_still_refused_and_a_second_run_removes_nothing(app, runner, db):
    ids = _records_world(app, db)
    _apply_records(runner)
    for statement, refused in (
        ("DELETE FROM referrals", "referrals cannot be deleted"),
        ("DELETE FROM training", "training records are append-only"),
    ):
        with pytest.raises(Exception, match=refused):
            db.execute(statement)
    db.execute(
        "INSERT INTO training_withdrawals VALUES (?, 'wrong person', 1, ?)",
        [ids["training"][1], INSIDE],
    )
    db.conn.commit()
    with pytest.raises(Exception, match="training withdrawals are append-only"):
        db.execute("DELETE FROM training_withdrawals")
    db.conn.rollback()
    count = db.execute("SELECT count(*) FROM tombstones").fetchone()[0]
    again = _apply_records(runner)
    assert "visits: 0 removed from visits" in again.output
    assert "premises: 0 removed from premises" in again.output
    assert db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == count
    assert _ids(db, "SELECT id FROM referrals") == {ids["young_referral"]}


def test_a_failed_batch_removes_nothing_of_its_record(app, db):
    from fieldapp import retention

    ids = _records_world(app, db)
    db.execute(
        "CREATE TEMP TRIGGER boom BEFORE DELETE ON visits WHEN OLD.id = ? "
        "BEGIN SELECT RAISE(ABORT, 'the disk failed'); END".replace("?", f"'{ids['old']}'")
    )
    # Without a photos rule of their own, photos go only with their visits.
    schedule = {
        t: r for t, r in load_retention(SHIPPED / "retention.toml").items() if t != "photos"
    }
    with app.app_context(), pytest.raises(Exception, match="the disk failed"):
        retention.apply(db, schedule, RECORDS_NOW, 1, Path(app.config["UPLOAD_DIR"]))
    # The referrals before it went; of the failed visit, nothing: rows, tombstones, files.
    assert _ids(db, "SELECT id FROM visits") >= {ids["old"], ids["old2"]}
    assert len(_ids(db, "SELECT visit_id FROM answers")) == 2
    assert _ids(db, "SELECT id FROM photos") >= {"p-old"}
    stones = _ids(db, "SELECT record_id FROM tombstones WHERE record_type IN ('visits', 'photos')")
    assert not stones & {ids["old"], ids["old2"], "p-old"}
    assert all(path.exists() for path in ids["old_files"])
