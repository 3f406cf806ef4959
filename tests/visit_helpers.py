"""Building premises and visit form posts for tests."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image

from fieldapp.checklists import load_checklists
from fieldapp.queries import connect
from fieldapp.queries import premises as premises_q


def evaluate_within(page, function: str, arg=None, seconds: float = 30):
    """``page.evaluate(function, arg)``, failing after ``seconds`` instead of waiting for ever.

    Playwright's ``evaluate`` has no timeout of its own: an outbox whose IndexedDB or fetch
    never answers would hold the test (and the whole run) until CI gave up on it.
    """
    ms = int(seconds * 1000)
    what = json.dumps(" ".join(function.split())[:80])
    return page.evaluate(
        f"""(arg) => Promise.race([
          Promise.resolve(({function})(arg)),
          new Promise((resolve, reject) => setTimeout(
            () => reject(new Error(`no answer from the page in {ms} ms: ${{{what}}}`)), {ms}))
        ])""",
        arg,
    )


# Leicester Clock Tower: a fixed point the tests measure distances from.
CLOCK_TOWER = (52.634420, -1.131530)


def add_premises(app, name="Testford Hand Car Wash", sector="hand_car_wash", at=CLOCK_TOWER):
    """Put a premises on the register directly and return its id."""
    db = connect(app.config["DATABASE"])
    with app.test_request_context():
        premises_id = premises_q.create(
            db,
            name=name,
            sector=sector,
            address="1 Test Street, Leicester",
            postcode="LE1 5AA",
            latitude=at[0] if at else None,
            longitude=at[1] if at else None,
            location_source="gps",
        )
    db.conn.close()
    return premises_id


def offset(point, north_m=0.0, east_m=0.0):
    """A point ``north_m`` metres north and ``east_m`` east of ``point`` (small distances)."""
    lat, lon = point
    return (lat + north_m / 111_195, lon + east_m / (111_195 * 0.6079))  # cos(52.63 degrees)


SHIPPED = Path(__file__).resolve().parent.parent / "checklists"
# Every yes/no question of both shipped checklists, answered "no": a thorough visit that
# found nothing, so a test names only the signs it is about. (Questions of the other sector
# are ignored by the form, as a real phone never sends them.)
ALL_NO = {
    f"q-{indicator.id}": "no"
    for checklist in load_checklists(SHIPPED).values()
    for indicator in checklist.indicators
    if indicator.answer_type == "yes_no"
}


def visit_form(thorough: bool = True, **overrides) -> dict:
    """A complete, valid car wash visit form as a phone would post it.

    ``thorough`` answers every other yes/no question "no", so the visit can be judged;
    pass False for a visit where only the given questions were answered.
    """
    lat, lon = offset(CLOCK_TOWER, north_m=20)
    form = {
        **(ALL_NO if thorough else {}),
        "visit_id": str(uuid.uuid4()),
        "visited_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "location_method": "gps",
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "accuracy_m": "12",
        "fix_at": datetime.now(UTC).isoformat(),
        "q-cash_only": "yes",
        "q-no_ppe": "yes",
        "q-no_receipt": "no",
        "q-price_basic_wash": "6.00",
        "q-workers_per_car": "3",
        "q-minutes_per_car": "15",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def jpeg_bytes(with_gps: bool = True, size=(64, 48)) -> bytes:
    """A small real JPEG, optionally carrying a GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    if with_gps:
        exif[0x8825] = {1: "N", 2: (52.0, 37.0, 4.0), 3: "W", 4: (1.0, 7.0, 53.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()
