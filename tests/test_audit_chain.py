"""The tamper-evident audit trail: each row hashes its content and the previous row's hash."""

from __future__ import annotations

import threading

import pytest

from fieldapp import audit
from fieldapp.queries import connect


def audit_rows(db):
    return list(db.query("SELECT * FROM audit ORDER BY id"))


def add_rows(app, n=5):
    """Audit rows written the usual ways: inside a caller's transaction and on their own."""
    db = connect(app.config["DATABASE"])
    with app.app_context():
        for i in range(n):
            with db.atomic():
                db.execute("SELECT 1")
                audit.record("test.inside", "things", i, db=db, step=i, text='ünïcødé, "quoted"')
            audit.record("test.alone", "things", i, db=db)
    db.conn.close()


def tamper(db, sql, params=()):
    """What an attacker with the database file could do: drop the guards, then edit."""
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    db.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    db.execute(sql, params)
    db.conn.commit()


def test_each_row_links_to_the_one_before(app, db):
    add_rows(app)
    rows = audit_rows(db)
    assert len(rows) > 10
    assert rows[0]["prev_hash"] == audit.GENESIS
    for before, row in zip(rows, rows[1:], strict=False):
        assert row["prev_hash"] == before["row_hash"]
        assert row["row_hash"] == audit.row_hash(*(row[k] for k in audit.HASHED), row["prev_hash"])


def test_verify_passes_on_an_untouched_trail(app, runner, db):
    add_rows(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"audit trail intact: {len(audit_rows(db))} rows" in result.output
    assert audit_rows(db)[-1]["row_hash"] in result.output


def test_verify_catches_an_edited_row_and_names_the_first_broken_link(app, runner, db):
    add_rows(app)
    victim = audit_rows(db)[4]["id"]
    tamper(db, "UPDATE audit SET detail = ? WHERE id = ?", ['{"step": 99}', victim])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at row {victim}: its content does not match")


def test_verify_catches_a_row_rewritten_with_a_fresh_hash(app, runner, db):
    add_rows(app)
    row = audit_rows(db)[4]
    forged = audit.row_hash(*(row[k] for k in audit.HASHED[:-2]), "{}", row["ip"], row["prev_hash"])
    tamper(db, "UPDATE audit SET detail = '{}', row_hash = ? WHERE id = ?", [forged, row["id"]])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    # The edited row now checks out on its own; the next row's link gives it away.
    assert result.output.startswith(f"broken at row {row['id'] + 1}: its link to row {row['id']}")


def test_verify_catches_a_removed_row(app, runner, db):
    add_rows(app)
    rows = audit_rows(db)
    tamper(db, "DELETE FROM audit WHERE id = ?", [rows[3]["id"]])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at row {rows[4]['id']}" in result.output


def test_rows_from_before_the_chain_are_reported_not_failed():
    rows = [(1, "2025-01-01", None, "x", "legacy", None, None, None, None, None, None)]
    rows.append((2, "2025-01-02", None, "x", "legacy", None, None, None, None, None, None))
    prev = audit.GENESIS
    for i in (3, 4):
        content = ("2026-01-01", 1, "ada", "a", "t", str(i), None, "127.0.0.1")
        digest = audit.row_hash(*content, prev)
        rows.append((i, *content, prev, digest))
        prev = digest
    check = audit.check_chain(rows)
    assert check.intact and check.checked == 2 and check.before_chain == 2
    assert "2 older rows from before the chain" in check.message()
    # An unhashed row after the chain has started is a break, not "before the chain".
    rows.append((5, "2026-01-02", None, "x", "sneaked", None, None, None, None, None, None))
    check = audit.check_chain(rows)
    assert not check.intact and check.broken_at == 5


def test_concurrent_writers_never_chain_to_the_same_row(app, db):
    """Writers on separate connections, in and out of their own transactions."""
    errors = []

    def writer(n):
        conn = connect(app.config["DATABASE"])
        try:
            for i in range(25):
                if i % 2:
                    with conn.atomic():
                        conn.execute("UPDATE users SET updated_at = updated_at WHERE id = 1")
                        audit.record("test.race", "things", f"{n}-{i}", db=conn)
                else:
                    audit.record("test.race", "things", f"{n}-{i}", db=conn)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            conn.conn.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = audit_rows(db)
    assert len([r for r in rows if r["action"] == "test.race"]) == 100
    assert len({r["prev_hash"] for r in rows}) == len(rows)  # no two rows share a parent
    assert audit.verify(db).intact


@pytest.mark.parametrize("count", [0, 1])
def test_an_empty_or_tiny_trail_verifies(tmp_path, count):
    db = connect(str(tmp_path / "t.db"))
    from fieldapp.migrations import migrate

    migrate(db)
    for i in range(count):
        audit.record("test.one", None, i, db=db)
    check = audit.verify(db)
    assert check.intact and check.checked == count
    db.conn.close()
