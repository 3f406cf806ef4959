"""The premises register: look-ups, search, nearby, and keeping current risk up to date."""

from __future__ import annotations

import json
import re
import uuid

from sqlite_utils import Database

from fieldapp import audit, geo
from fieldapp.checklists.model import LEVELLED_CONCERNS
from fieldapp.queries import NotFoundError, one, one_or_missing, query, transaction
from fieldapp.queries import audit as audit_q
from fieldapp.queries.sites import flag_column
from fieldapp.sitefilter import FlagRules
from fieldapp.timeutil import now_iso
from fieldapp.visibility import STAFF, Viewer, project

# Candidates a phone's fix can be compared against: generous, then ordered exactly.
NEAR_RADIUS_M = 5_000
DUPLICATE_RADIUS_M = 50
SIMILAR_NAME_RADIUS_M = 500


def get(db: Database, premises_id: int) -> dict:
    """One premises by id, or NotFoundError."""
    return one_or_missing(
        db, "SELECT * FROM premises WHERE id = ?", [premises_id], f"No premises {premises_id}"
    )


def get_with_flag(db: Database, premises_id: int, rules: FlagRules, viewer: Viewer = STAFF) -> dict:
    """One premises with ``flagged_now`` worked out by the deployment's flag rule, projected
    to what ``viewer`` may see; NotFoundError for a partner when it is not flagged (partners
    see flagged sites only, wherever they look)."""
    flag_sql, params = flag_column(rules)
    row = one_or_missing(
        db,
        f"SELECT *, {flag_sql} FROM premises WHERE id = ?",  # noqa: S608
        [*params, premises_id],
        f"No premises {premises_id}",
    )
    row["red_flags"] = json.loads(row["red_flags"])
    row["top_indicators"] = json.loads(row["top_indicators"])
    if viewer.flagged_only and not row["flagged_now"]:
        raise NotFoundError(f"No premises {premises_id}")
    return project(row, viewer)


def search(db: Database, text: str, limit: int = 25) -> list[dict]:
    """Premises whose name, street or postcode match ``text``, best match first."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return []
    # Each word as a prefix, all required: "narb le3" finds "Narborough Road, LE3 0AB".
    match = " ".join(f'"{w}"*' for w in words)
    return query(
        db,
        "SELECT premises.* FROM premises JOIN premises_fts "
        "ON premises.rowid = premises_fts.rowid WHERE premises_fts MATCH ? "
        "ORDER BY premises_fts.rank LIMIT ?",
        [match, limit],
    )


def near(
    db: Database, latitude: float, longitude: float, radius_m: float = NEAR_RADIUS_M, limit=25
) -> list[dict]:
    """Premises within ``radius_m``, nearest first, each with ``distance_m``.

    The bounding box uses the (latitude, longitude) index so only nearby rows are read;
    the exact geodesic distance is then worked out for those few.
    """
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(latitude, longitude, radius_m)
    rows = query(
        db,
        "SELECT * FROM premises WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
        [min_lat, max_lat, min_lon, max_lon],
    )
    ordered = geo.order_by_distance((latitude, longitude), rows)
    return [row for row in ordered if row["distance_m"] <= radius_m][:limit]


def _normalise_name(name: str) -> str:
    words = re.findall(r"[a-z0-9]+", name.lower())
    generic = {"hand", "car", "wash", "valet", "valeting", "nail", "nails", "bar", "the", "and"}
    return " ".join(w for w in words if w not in generic)


def likely_duplicates(
    db: Database,
    *,
    name: str,
    sector: str,
    latitude: float | None,
    longitude: float | None,
    postcode: str = "",
) -> list[dict]:
    """Existing premises that are probably this one.

    Same sector within 50 m, or a similar name within 500 m, or the same name at the same
    postcode (for when there is no location yet).
    """
    found: dict[int, dict] = {}
    if latitude is not None and longitude is not None:
        wanted = _normalise_name(name)
        for row in near(db, latitude, longitude, SIMILAR_NAME_RADIUS_M, limit=50):
            same_sector_close = row["sector"] == sector and row["distance_m"] <= DUPLICATE_RADIUS_M
            similar_name = wanted and _similar(wanted, _normalise_name(row["name"]))
            if same_sector_close or similar_name:
                found[row["id"]] = row
    if postcode.strip():
        for row in query(
            db,
            "SELECT * FROM premises WHERE replace(upper(postcode), ' ', '') = ?",
            [postcode.replace(" ", "").upper()],
        ):
            if _similar(_normalise_name(name), _normalise_name(row["name"])):
                found.setdefault(row["id"], row)
    return list(found.values())


def _similar(a: str, b: str) -> bool:
    """Names share a distinctive word, or one contains the other."""
    if not a or not b:
        return False
    return a in b or b in a or bool(set(a.split()) & set(b.split()))


def create(
    db: Database,
    *,
    name: str,
    sector: str,
    address: str,
    postcode: str,
    latitude: float | None,
    longitude: float | None,
    location_source: str | None,
    local_authority: str = "",
    external_ref: str | None = None,
    created_by: int | None = None,
    premises_uuid: str | None = None,
) -> int:
    """Add a premises to the register and audit it; return its id."""
    now = now_iso()
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO premises (uuid, name, sector, address, postcode, local_authority, "
            "external_ref, latitude, longitude, location_source, created_at, created_by, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                premises_uuid or str(uuid.uuid4()),
                name,
                sector,
                address,
                postcode.upper(),
                local_authority,
                external_ref,
                latitude,
                longitude,
                location_source,
                now,
                created_by,
                now,
            ],
        )
        premises_id = cursor.lastrowid
        audit.record(
            "premises.create",
            "premises",
            premises_id,
            db=db,
            name=name,
            sector=sector,
            location_source=location_source,
        )
    return premises_id


def _risk_summary(result: dict) -> tuple[str, str, str, str]:
    """Red flags, their categories (",CTL,WEL,"), the top three signs and each concern's
    level, as stored on the premises.

    Every red flag is kept, with its concern, for the partners whose work it is (a hazard
    for fire and HSE); only modern slavery ones count towards flagging the site (the
    visit's red_flag_count, see fieldapp.assessment.counted_red_flags).
    """
    red_flags = [
        {
            "id": c["id"],
            "question": c["question"],
            "category": c["category"],
            "concern": c.get("concern", "slavery"),
        }
        for c in result["red_flags"]
    ]
    if result.get("model") == 2:
        order = {concern: rank for rank, concern in enumerate(LEVELLED_CONCERNS)}
        scored = sorted(
            (c for c in result["contributions"] if c["answer"] == "yes"),
            key=lambda c: (order[c["concern"]], c["strength"] != "strong", -c["weight"], c["id"]),
        )
        concerns = {c["id"]: c["level"] for c in result["concerns"]}
    else:
        scored = sorted(
            (c for c in result["contributions"] if c["points"]),
            key=lambda c: (-c["points"], c["id"]),
        )
        concerns = {}
    top = [{"id": c["id"], "question": c["question"], "points": c["points"]} for c in scored[:3]]
    categories = sorted({flag["category"] for flag in red_flags})
    return (
        json.dumps(red_flags),
        "".join(f",{c}" for c in categories) + ("," if categories else ""),
        json.dumps(top),
        json.dumps(concerns),
    )


def apply_latest_visit(db: Database, premises_id: int, visit: dict, result: dict) -> bool:
    """Make a just-written visit the premises' current risk, if it is now the latest.

    The quick path for the usual case (a new visit, newest of its premises): no need to
    read the visits back. Returns False, changing nothing, when a later visit is already
    recorded (an outbox sending a visit days late): then use :func:`refresh_risk`.
    """
    red_flags, categories, top, concerns = _risk_summary(result)
    cursor = db.execute(
        "UPDATE premises SET risk_band = ?, risk_score = ?, red_flag_count = ?, "
        "last_visit_at = ?, red_flags = ?, red_flag_categories = ?, top_indicators = ?, "
        "concerns = ?, last_visit_mismatch = ?, last_red_flag_at = CASE WHEN ? > 0 THEN "
        "max(coalesce(last_red_flag_at, ''), ?) ELSE last_red_flag_at END, updated_at = ? "
        "WHERE id = ? AND (last_visit_at IS NULL OR last_visit_at <= ?)",
        [
            visit["band"],
            visit["score_percentage"],
            visit["red_flag_count"],
            visit["visited_at"],
            red_flags,
            categories,
            top,
            concerns,
            visit["location_mismatch"],
            visit["red_flag_count"],
            visit["visited_at"],
            now_iso(),
            premises_id,
            visit["visited_at"],
        ],
    )
    return cursor.rowcount == 1


def refresh_risk(db: Database, premises_id: int) -> bool:
    """Recompute a premises' current risk from its judged visits (newest revisions only).

    A visit that could not judge the risk (closed, refused entry, too little checked) is
    left out, so it never replaces the current risk or clears a red flag. Stored in indexed
    columns so the map, list and exports read it rather than recompute it. Called inside
    the transaction that wrote the visit. Returns whether anything changed.
    """
    latest = one(
        db,
        "SELECT * FROM current_visits WHERE premises_id = ? AND outcome = 'assessed' "
        "ORDER BY visited_at DESC, submitted_at DESC LIMIT 1",
        [premises_id],
    )
    last_red_flag = db.execute(
        "SELECT max(visited_at) FROM current_visits WHERE premises_id = ? "
        "AND outcome = 'assessed' AND red_flag_count > 0",
        [premises_id],
    ).fetchone()[0]
    red_flags, categories, top, concerns = (
        _risk_summary(json.loads(latest["result"])) if latest else ("[]", "", "[]", "{}")
    )
    values = [
        latest["band"] if latest else None,
        latest["score_percentage"] if latest else None,
        latest["red_flag_count"] if latest else 0,
        latest["visited_at"] if latest else None,
        red_flags,
        categories,
        top,
        concerns,
        latest["location_mismatch"] if latest else 0,
        last_red_flag,
    ]
    # Written only when something differs, so re-assessing every premises twice changes
    # nothing the second time and can say how many changed.
    cursor = db.execute(
        "UPDATE premises SET risk_band = ?, risk_score = ?, red_flag_count = ?, "
        "last_visit_at = ?, red_flags = ?, red_flag_categories = ?, top_indicators = ?, "
        "concerns = ?, last_visit_mismatch = ?, last_red_flag_at = ?, updated_at = ? "
        "WHERE id = ? AND NOT (risk_band IS ? AND risk_score IS ? AND red_flag_count IS ? "
        "AND last_visit_at IS ? AND red_flags IS ? AND red_flag_categories IS ? "
        "AND top_indicators IS ? AND concerns IS ? AND last_visit_mismatch IS ? "
        "AND last_red_flag_at IS ?)",
        [*values, now_iso(), premises_id, *values],
    )
    return cursor.rowcount == 1


def set_flag(db: Database, premises_id: int, *, action: str, reason: str, user_id: int) -> None:
    """A coordinator flags or unflags a premises by hand, or goes back to the rule."""
    override = {"flag": "flag", "unflag": "unflag", "clear": None}[action]
    with transaction(db):
        db.execute(
            "UPDATE premises SET flag_override = ?, flag_reason = ?, flag_changed_at = ?, "
            "flag_changed_by = ? WHERE id = ?",
            [override, reason, now_iso(), user_id, premises_id],
        )
        audit.record(f"premises.{action}", "premises", premises_id, db=db, reason=reason)


def flag_history(db: Database, premises_id: int) -> list[dict]:
    """Manual flag changes for a premises, newest first (from the audit trail)."""
    return audit_q.for_record(
        db, "premises", premises_id, ("premises.flag", "premises.unflag", "premises.clear")
    )


def demo_rows(db: Database) -> list[dict]:
    """The premises the demo loader made, in the order it made them."""
    return query(db, "SELECT * FROM premises WHERE location_source = 'demo' ORDER BY id")


def reassess_all(db: Database, rules: FlagRules, *, batch: int = 500, progress=None) -> dict:
    """Recompute every premises' current risk from its stored visits; say what changed.

    Each visit keeps the result it was recorded with (its own checklist version's rules);
    what is recomputed is which visit is current, which is where the rule that a visit
    that could not judge the risk never counts comes in. Idempotent: a second run changes
    nothing. ``progress(n)`` is called after each batch with the number done in it.
    """
    flag_sql, flag_params = flag_column(rules)
    select = f"SELECT id, risk_band, {flag_sql} FROM premises ORDER BY id"  # noqa: S608
    before = {row[0]: (row[1], row[2]) for row in db.execute(select, flag_params).fetchall()}
    ids = list(before)
    for start in range(0, len(ids), batch):
        with transaction(db):
            for premises_id in ids[start : start + batch]:
                refresh_risk(db, premises_id)
        if progress:
            progress(len(ids[start : start + batch]))
    after = {row[0]: (row[1], row[2]) for row in db.execute(select, flag_params).fetchall()}
    changes: dict[str, int] = {"premises": len(ids), "level": 0, "flag_on": 0, "flag_off": 0}
    moves: dict[str, int] = {}
    for premises_id, (band, flagged) in before.items():
        new_band, new_flagged = after[premises_id]
        if band != new_band:
            changes["level"] += 1
            key = f"{band or 'none'} -> {new_band or 'none'}"
            moves[key] = moves.get(key, 0) + 1
        if flagged != new_flagged:
            changes["flag_on" if new_flagged else "flag_off"] += 1
    return {**changes, "moves": dict(sorted(moves.items()))}


def count(db: Database) -> int:
    """How many premises are on the register."""
    return db.execute("SELECT count(*) FROM premises").fetchone()[0]


def place(db: Database, premises_id: int, latitude: float, longitude: float, source: str) -> bool:
    """Give a premises a map position if it has none or only its postcode's centre; True if
    it was placed. Any grid reference described the old point, so it goes."""
    cursor = db.conn.execute(
        "UPDATE premises SET latitude = ?, longitude = ?, location_source = ?, easting = NULL, "
        "northing = NULL, updated_at = ? WHERE id = ? "
        "AND (latitude IS NULL OR location_source = 'postcode')",
        [latitude, longitude, source, now_iso(), premises_id],
    )
    return cursor.rowcount == 1


def move(
    db: Database,
    premises: dict,
    latitude: float,
    longitude: float,
    source: str,
    uprn: str | None = None,
) -> None:
    """Put a premises where someone says it is (and keep the UPRN that placed it, if it had
    none), on the audit trail with the position it replaced."""
    with transaction(db):
        db.conn.execute(
            "UPDATE premises SET latitude = ?, longitude = ?, location_source = ?, "
            "easting = NULL, northing = NULL, uprn = coalesce(uprn, ?), updated_at = ? "
            "WHERE id = ?",
            [latitude, longitude, source, uprn, now_iso(), premises["id"]],
        )
        audit.record(
            "premises.place",
            "premises",
            premises["id"],
            db=db,
            location_source=source,
            was=[premises["latitude"], premises["longitude"], premises["location_source"]],
        )
