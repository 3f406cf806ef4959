"""bench/faults.py's checks catch what they claim to: each kind of damage, planted by hand."""

from __future__ import annotations

import hashlib
import io
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bench._fault_checks import Sent, check
from bench._server import visit_fields
from tests.conftest import csrf_token
from tests.visit_helpers import add_premises, jpeg_bytes


@pytest.fixture
def stored(app, client, as_role):
    """One bench-made visit with a photo, stored through the app, and what was sent."""
    as_role("inspector")
    premises_id = add_premises(app)
    at = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0).isoformat()
    fields = visit_fields(premises_id, random.Random(7), at)
    photo = jpeg_bytes()
    url = f"/premises/{premises_id}/visits/new"
    token = csrf_token(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, **fields, "photos": [(io.BytesIO(photo), "a.jpg")]}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    sent = {fields["visit_id"]: Sent(premises_id, fields, [hashlib.sha256(photo).hexdigest()])}
    return Path(app.config["DATABASE"]), Path(app.config["UPLOAD_DIR"]), sent


def test_an_undamaged_store_passes_every_check(stored):
    found = check(*stored)
    assert found.stored_photos == 1
    assert (found.lost, found.unsent, found.duplicated, found.altered) == ([], [], [], [])
    assert (found.orphaned, found.risk_wrong) == ([], [])
    assert found.integrity == "ok" and found.audit_intact


def test_each_kind_of_damage_is_found(stored, db):
    database, uploads, sent = stored
    visit_id = next(iter(sent))
    # Stored answers cannot be changed (triggers), so the sent copy differs instead: the
    # comparison is the same either way round.
    changed = {**sent[visit_id].fields, "notes": "Not what was stored"}
    question = next(k for k in changed if k.startswith("q-") and changed[k] in ("yes", "no"))
    changed[question] = "no" if changed[question] == "yes" else "yes"
    db.execute("UPDATE premises SET red_flag_count = red_flag_count + 1")
    db.conn.commit()
    (next((uploads / "visits" / visit_id).glob("*.stripped.jpg"))).unlink()
    (uploads / "visits" / visit_id / "stray.jpg").write_bytes(b"x")
    sent = {visit_id: Sent(1, changed, sent[visit_id].photo_hashes), "0" * 8: Sent(1, changed)}
    found = check(database, uploads, sent)
    assert found.lost == ["0" * 8]
    [altered] = found.altered
    assert altered.startswith(f"{visit_id}: notes 'Benchmark visit ")
    assert "answers or their notes differ" in altered
    assert sorted(found.orphaned)[0].endswith("has no final file")
    assert any("stray.jpg: a final file with no row" in line for line in found.orphaned)
    assert found.risk_wrong == [1]
