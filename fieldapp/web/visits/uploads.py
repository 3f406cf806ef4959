"""A visit form's photos: read from the request, staged between attempts, kept or cleared.

Counts and sizes are checked before any photo is decoded, so a request carrying too many
or too large files costs no decoding. Files stay pending (fieldapp.photos) until the visit
is committed; every path that does not commit clears them, except a form shown again with
errors, whose photos wait as "staged" until it is sent again (``flask photos sweep``
clears any left for more than an hour).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, request

from fieldapp import photos as photo_files
from fieldapp import recording
from fieldapp.photos import PhotoError


def folder(visit_id: str) -> Path:
    """Where this visit's photos are written."""
    return recording.photo_dir(current_app.config["UPLOAD_DIR"], visit_id)


def from_request(visit_id: str, errors: dict) -> list:
    """Check and keep every photo sent now or on an earlier attempt of this visit."""
    config = current_app.config
    directory = folder(visit_id)
    staged = _staged_names(directory, errors)
    uploads = [u for u in request.files.getlist("photos") if u and u.filename]
    message = photo_files.too_many(len(staged) + len(uploads), config["PHOTO_MAX_COUNT"])
    if message:
        errors["photos"] = message
        uploads = []  # refused unread: nothing of them is decoded or written
    new, message = _read(uploads, config["PHOTO_MAX_BYTES"])
    if message:
        errors["photos"] = message
    kept = []
    for name in staged:
        data = photo_files.pending_path(directory, name).read_bytes()
        photo_files.remove_staged(directory, name)
        kept += _check(data, name, directory, errors)
    for data, filename in new:
        kept += _check(data, filename, directory, errors)
    return kept


def _staged_names(directory: Path, errors: dict) -> list[str]:
    """Photos staged by an earlier attempt: only names this app wrote, in this visit's folder.

    A staged photo is kept for an hour; one cleared since is an error, never dropped quietly.
    """
    names = dict.fromkeys(request.form.getlist("staged_photo"))  # once each, in order
    names = [name for name in names if recording.PHOTO_NAME.match(name)]
    found = [name for name in names if photo_files.pending_path(directory, name).is_file()]
    if len(found) < len(names):
        errors["photos"] = (
            f"{len(names) - len(found)} of the photos you attached before were kept for an hour "
            "only and have been cleared. Attach them again"
        )
    return found


def _read(uploads: list, max_bytes: int) -> tuple[list[tuple[bytes, str]], str | None]:
    """Every upload's bytes (at most one more than the limit each), or the first size error.

    One file too large refuses the lot before any is decoded.
    """
    read = []
    for upload in uploads:
        data = upload.read(max_bytes + 1)
        try:
            photo_files.precheck(data, upload.filename, max_bytes)
        except PhotoError as error:
            return [], str(error)
        read.append((data, upload.filename))
    return read, None


def _check(data: bytes, filename: str, directory: Path, errors: dict) -> list:
    config = current_app.config
    try:
        return [
            photo_files.check_and_store(
                data, filename, directory, config["PHOTO_MAX_BYTES"], config["PHOTO_MAX_PIXELS"]
            )
        ]
    except PhotoError as error:
        errors["photos"] = str(error)
        return []


def finalise(visit_id: str, photos: list) -> None:
    """Give a committed visit's photos their final names."""
    photo_files.finalise(folder(visit_id), photos)


def finalise_stored(visit_id: str, rows: list[dict]) -> None:
    """Give a committed visit's stored photos (database rows) their final names, where a
    worker killed between the commit and :func:`finalise` left them pending."""
    photo_files.finalise_rows(folder(visit_id), rows)


def discard(visit_id: str, photos: list) -> None:
    """Delete photos whose visit was not written (refused, a re-send, a conflict, a crash)."""
    directory = folder(visit_id)
    for photo in photos:
        photo_files.remove(directory, photo)
