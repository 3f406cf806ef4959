"""The tamper-evident audit trail: each row keys a hash (HMAC-SHA256) over its content and
the previous row's hash; anchors kept outside the database catch a removed tail or a chain
rewritten by someone who has the key."""

from __future__ import annotations

import threading

import pytest

from fieldapp import audit, create_app
from fieldapp.config import DEV_AUDIT_KEY
from fieldapp.queries import connect

KEY = b"test-audit-key"  # tests/conftest.py


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
        assert row["mac_version"] == audit.KEYED
        content = [row[k] for k in audit.HASHED]
        assert row["row_hash"] == audit.row_mac(KEY, *content, row["prev_hash"])
        # Without the key the hash cannot be made: plain SHA-256 and another key differ.
        assert row["row_hash"] != audit.row_hash(*content, row["prev_hash"])
        assert row["row_hash"] != audit.row_mac(b"another key", *content, row["prev_hash"])


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
    content = [*(row[k] for k in audit.HASHED[:-2]), "{}", row["ip"], row["prev_hash"]]
    forged = audit.row_mac(KEY, *content)
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


def legacy_then_keyed(plain=2, keyed=2):
    """Rows from before any chain, then rows chained with plain SHA-256, then keyed rows."""
    rows = [(1, "2025-01-01", None, "x", "legacy", None, None, None, None, None, None, None)]
    rows.append((2, "2025-01-02", None, "x", "legacy", None, None, None, None, None, None, None))
    prev = audit.GENESIS
    for i in range(3, 3 + plain + keyed):
        content = ("2026-01-01", 1, "ada", "a", "t", str(i), None, "127.0.0.1")
        is_keyed = i >= 3 + plain
        digest = audit.row_mac(KEY, *content, prev) if is_keyed else audit.row_hash(*content, prev)
        rows.append((i, *content, prev, digest, audit.KEYED if is_keyed else None))
        prev = digest
    return rows


def test_rows_from_before_the_chain_and_the_key_are_reported_not_failed():
    check = audit.check_chain(legacy_then_keyed(), KEY)
    assert check.intact and check.checked == 4 and check.keyed == 2 and check.before_chain == 2
    assert "2 older rows from before the chain" in check.message()
    assert "2 chained with plain SHA-256 before the audit key" in check.message()
    # An unhashed row after the chain has started is a break, not "before the chain".
    rows = legacy_then_keyed()
    rows.append((7, "2026-01-02", None, "x", "sneaked", None, None, None, None, None, None, None))
    check = audit.check_chain(rows, KEY)
    assert not check.intact and check.broken_at == 7


def test_an_old_plain_row_rewritten_is_caught_at_the_first_keyed_row():
    rows = legacy_then_keyed(plain=3, keyed=2)
    # Rewrite row 4 and recompute the plain rows after it: the plain part checks out, but
    # the first keyed row's link covers the old head and cannot be remade without the key.
    rewritten, prev = rows[:3], rows[2][-2]
    for row in rows[3:5]:
        row_id, *content, _prev, _digest, version = row
        if row_id == 4:
            content[6] = '{"changed": true}'
        rewritten.append((row_id, *content, prev, audit.row_hash(*content, prev), version))
        prev = rewritten[-1][-2]
    rewritten += rows[5:]
    check = audit.check_chain(rewritten, KEY)
    assert not check.intact and check.broken_at == 6 and "its link to row 5" in check.reason


def test_a_plain_row_after_keyed_rows_is_a_break():
    rows = legacy_then_keyed(plain=1, keyed=2)
    row_id, *content, prev, _digest, _version = rows[-1]
    rows[-1] = (row_id, *content, prev, audit.row_hash(*content, prev), None)
    check = audit.check_chain(rows, KEY)
    assert not check.intact and check.broken_at == row_id
    assert "without the audit key" in check.reason


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


# -- Anchors: the head written down outside the database -------------------------------------


def take_anchor(runner, path):
    result = runner.invoke(args=["audit", "anchor", "--to", str(path)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def rechain_from(db, index, key, detail='{"forged": true}'):
    """Rewrite row ``index`` and recompute every row after it, under ``key`` (None: plain
    SHA-256, as someone without the key would)."""
    rows = audit_rows(db)
    db.execute("DROP TRIGGER IF EXISTS audit_no_update")
    prev = rows[index]["prev_hash"]
    for n, row in enumerate(rows[index:]):
        content = [row[k] for k in audit.HASHED]
        if n == 0:
            content[HASHED_DETAIL] = detail
        digest = audit.row_mac(key, *content, prev) if key else audit.row_hash(*content, prev)
        db.execute(
            "UPDATE audit SET detail = ?, prev_hash = ?, row_hash = ?, mac_version = ? "
            "WHERE id = ?",
            [content[HASHED_DETAIL], prev, digest, audit.KEYED if key else None, row["id"]],
        )
        prev = digest
    db.conn.commit()


HASHED_DETAIL = audit.HASHED.index("detail")


def test_anchor_prints_the_head_and_appends_it_to_the_file(app, runner, db, tmp_path):
    add_rows(app, 2)
    path = tmp_path / "anchors.txt"
    first = take_anchor(runner, path)
    rows = audit_rows(db)
    assert first.startswith("audit anchor at=")
    assert f"rows={len(rows)} hash={rows[-1]['row_hash']}" in first
    add_rows(app, 1)
    second = take_anchor(runner, path)
    assert path.read_text().splitlines() == [first, second]


def test_verify_with_anchors_says_intact_when_nothing_changed(app, runner, tmp_path):
    path = tmp_path / "anchors.txt"
    take_anchor(runner, path)  # of an empty trail
    add_rows(app, 3)
    take_anchor(runner, path)
    add_rows(app, 2)
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("audit trail intact: ")
    assert "2 anchors match" in result.output


def test_a_tail_recomputed_with_plain_sha256_is_caught_without_anchors(app, runner, db):
    add_rows(app, 4)
    victim = audit_rows(db)[3]["id"]
    rechain_from(db, 3, key=None)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert result.output.startswith(f"broken at row {victim}: it is hashed without the audit key")


def test_a_whole_trail_recomputed_with_plain_sha256_is_caught_by_an_anchor(
    app, runner, db, tmp_path
):
    add_rows(app, 4)
    path = tmp_path / "anchors.txt"
    take_anchor(runner, path)
    rechain_from(db, 0, key=None)  # every row "from before the key": consistent on its own
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    assert result.exit_code == 1
    assert "rewritten: anchor on line 1 of anchors.txt" in result.output


def test_a_row_rewritten_with_the_right_key_is_caught_by_an_earlier_anchor(
    app, runner, db, tmp_path
):
    add_rows(app, 4)
    path = tmp_path / "anchors.txt"
    take_anchor(runner, path)
    add_rows(app, 1)
    rechain_from(db, 2, key=KEY)
    # Whoever has the key as well as the database can make the chain consistent again...
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # ...but not the copy of the head kept elsewhere.
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    assert result.exit_code == 1
    assert "rewritten: anchor on line 1 of anchors.txt" in result.output
    assert "no longer has the anchored hash" in result.output


def test_a_removed_tail_is_caught_by_an_anchor(app, runner, db, tmp_path):
    add_rows(app, 4)
    path = tmp_path / "anchors.txt"
    take_anchor(runner, path)
    rows = audit_rows(db)
    tamper(db, "DELETE FROM audit WHERE id > ?", [rows[5]["id"]])
    # What is left is a consistent chain: only the anchor shows rows are missing.
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    assert result.exit_code == 1
    assert "missing: anchor on line 1 of anchors.txt (taken " in result.output
    assert f"{len(rows)} rows): the trail now has only 6 rows" in result.output


def test_an_anchor_file_with_a_line_that_is_not_an_anchor_is_refused(runner, tmp_path):
    path = tmp_path / "anchors.txt"
    path.write_text("# kept on the council's file share\n\nrows=3 hash=abc\n")
    result = runner.invoke(args=["audit", "verify", "--anchor", str(path)])
    assert result.exit_code != 0
    assert "anchors.txt line 3 is not an audit anchor" in result.output


def test_each_export_log_entry_records_the_head_and_verify_checks_it(app, runner, db):
    from fieldapp.queries import exports as exports_q

    add_rows(app, 2)
    rows = audit_rows(db)
    entry = exports_q.log_export(
        db,
        user_id=1,
        token_id=None,
        agency="glaa",
        fmt="csv",
        filter_text="all sites",
        row_count=3,
        byte_count=100,
        sha256="ab" * 32,
    )
    logged = next(db.query("SELECT * FROM export_log WHERE id = ?", [entry]))
    assert (logged["audit_rows"], logged["audit_head"]) == (len(rows), rows[-1]["row_hash"])
    # The disclosure is on the trail itself, named for who received it.
    sent = audit_rows(db)[-1]
    assert (sent["action"], sent["record_id"], sent["user_id"]) == ("export.sent", str(entry), 1)
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    tamper(db, "DELETE FROM audit WHERE id > ?", [rows[2]["id"]])
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"missing: export log entry {entry}" in result.output


# -- The key lives in the instance config, not the database ----------------------------------


def test_first_run_writes_a_random_audit_key_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_AUDIT_KEY", raising=False)
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    first = create_app(instance_path=tmp_path / "a").config["AUDIT_KEY"]
    assert first != DEV_AUDIT_KEY and len(first) == 64
    assert create_app(instance_path=tmp_path / "a").config["AUDIT_KEY"] == first
    assert create_app(instance_path=tmp_path / "b").config["AUDIT_KEY"] != first
    audit.set_key(KEY)  # back to the tests' key


def test_an_older_instance_config_is_given_an_audit_key(tmp_path, monkeypatch):
    monkeypatch.delenv("FIELDAPP_AUDIT_KEY", raising=False)
    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    config = tmp_path / "config.py"
    config.write_text("SECRET_KEY = 'from-file'")  # no newline at the end
    key = create_app(instance_path=tmp_path).config["AUDIT_KEY"]
    assert key != DEV_AUDIT_KEY
    assert config.read_text().startswith("SECRET_KEY = 'from-file'\n# Keys the audit trail")
    assert create_app(instance_path=tmp_path).config["AUDIT_KEY"] == key
    assert config.read_text().count("AUDIT_KEY =") == 1
    audit.set_key(KEY)


def test_refuses_production_start_with_the_development_audit_key(tmp_path, monkeypatch):
    from fieldapp import ConfigError

    monkeypatch.delenv("FIELDAPP_SECRET_KEY", raising=False)
    monkeypatch.delenv("FIELDAPP_AUDIT_KEY", raising=False)
    (tmp_path / "config.py").write_text(f"SECRET_KEY = 'real'\nAUDIT_KEY = {DEV_AUDIT_KEY!r}\n")
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        create_app(instance_path=tmp_path)
    audit.set_key(KEY)
