"""Photo evidence: checked by content, hashed, and kept with a metadata-free copy.

The original is kept byte for byte (its SHA-256 is the evidence). Anyone outside the
council only ever gets the stripped copy: re-encoded pixels with no EXIF, so no GPS
position, camera serial or timestamp leaves with it.

A photo's files are first written under a temporary name (``.pending``) and made final
only once the visit holding them is committed (:func:`finalise`); a form shown again with
errors keeps them pending, as "staged" photos. :func:`sweep` clears what a failure or a
crash left behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

# What phones' cameras produce once the browser has handed the file over.
ACCEPTED = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# 50 megapixels takes a 48-megapixel phone photo and refuses anything that would need more
# than ~150 MB to decode. PIL's own guard is set to the same number (it warns above it and
# refuses outright at twice it, before decoding), so no caller can decode a bigger image.
MAX_PIXELS = 50_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

PENDING = ".pending"  # written, waiting for its visit's commit (or a staged form's resend)
SWEEP_AGE_SECONDS = 3600


class PhotoError(ValueError):
    """A file that is not an acceptable photo; the message says what to do."""


@dataclass(frozen=True)
class Photo:
    """A checked photo, written to disk under its id."""

    id: str
    content_type: str
    extension: str
    size_bytes: int
    sha256: str
    stripped_sha256: str
    width: int
    height: int


def precheck(data: bytes, filename: str, max_bytes: int) -> None:
    """Refuse an empty or oversized file without decoding anything."""
    label = filename or "The photo"
    if len(data) == 0:
        raise PhotoError(f"{label} is empty. Take the photo again.")
    if len(data) > max_bytes:
        raise PhotoError(f"{label} is too large. Each photo must be {_size(max_bytes)} or smaller.")


def too_many(count: int, max_count: int) -> str | None:
    """The message for more photos than one visit may hold, or None."""
    if count > max_count:
        return (
            f"You attached {count} photos. Attach {max_count} photos or fewer: "
            "choose the ones that show what you found"
        )
    return None


def decode(data: bytes, label: str, max_pixels: int = MAX_PIXELS) -> tuple[str, Image.Image]:
    """The image's format and decoded pixels; the size is read from the header first."""
    too_big = f"{label} has too many pixels. Take it at a lower resolution (at most "
    too_big += f"{max_pixels // 1_000_000} megapixels)."
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            if probe.width * probe.height > max_pixels:
                raise PhotoError(too_big)
            probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(too_big) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise PhotoError(f"{label} is not a photo. Choose a JPEG, PNG or WebP image.") from None
    return kind, image


def check_and_store(
    data: bytes, filename: str, directory: Path, max_bytes: int, max_pixels: int = MAX_PIXELS
) -> Photo:
    """Check that ``data`` is a photo we accept, then write the original and a stripped copy.

    Raises PhotoError naming the file and the fix. Nothing is written unless it passes, and
    what is written is pending until :func:`finalise`.
    """
    label = filename or "The photo"
    precheck(data, label, max_bytes)
    kind, image = decode(data, label, max_pixels)
    if kind not in ACCEPTED:
        raise PhotoError(f"{label} is a {kind} image. Choose a JPEG, PNG or WebP image.")
    content_type, extension = ACCEPTED[kind]

    # Turn the pixels the right way up first: the orientation tag goes with the metadata.
    upright = ImageOps.exif_transpose(image)
    out = io.BytesIO()
    if kind == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=88)
    else:
        upright.save(out, kind)
    stripped = out.getvalue()

    photo = Photo(
        id=str(uuid.uuid4()),
        content_type=content_type,
        extension=extension,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stripped_sha256=hashlib.sha256(stripped).hexdigest(),
        width=upright.width,
        height=upright.height,
    )
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / (original_name(photo.id, extension) + PENDING), data)
    _write(directory / (stripped_name(photo.id, extension) + PENDING), stripped)
    return photo


def _size(n: int) -> str:
    return f"{n // 1_048_576} MB" if n >= 1_048_576 else f"{max(n // 1024, 1)} KB"


def original_name(photo_id: str, extension: str) -> str:
    """File name of the original."""
    return f"{photo_id}.{extension}"


def stripped_name(photo_id: str, extension: str) -> str:
    """File name of the copy without metadata."""
    return f"{photo_id}.stripped.{extension}"


def _names(photo_id: str, extension: str) -> tuple[str, str]:
    return original_name(photo_id, extension), stripped_name(photo_id, extension)


def finalise(directory: Path, photos: Iterable[Photo]) -> None:
    """Give committed photos their final names (call only after the commit)."""
    for photo in photos:
        for name in _names(photo.id, photo.extension):
            with contextlib.suppress(FileNotFoundError):  # a re-send already finalised it
                os.replace(directory / (name + PENDING), directory / name)


def finalise_rows(directory: Path, rows: Iterable[dict]) -> None:
    """:func:`finalise` for photos read back from the database (id and content type)."""
    extensions = {content_type: extension for content_type, extension in ACCEPTED.values()}
    for row in rows:
        for name in _names(row["id"], extensions[row["content_type"]]):
            with contextlib.suppress(FileNotFoundError):  # already final, as usual
                os.replace(directory / (name + PENDING), directory / name)


def remove(directory: Path, photo: Photo) -> None:
    """Delete a photo's files, pending or final (used when its visit was not written)."""
    for name in _names(photo.id, photo.extension):
        for path in (directory / name, directory / (name + PENDING)):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)


def remove_rows(directory: Path, rows: Iterable[dict]) -> int:
    """Delete the files, pending or final, of photos read back from the database (id,
    visit_id and content type) whose rows are gone, under ``directory`` (the visits
    folder); then each visit's folder if that left it empty. How many files went."""
    extensions = {content_type: extension for content_type, extension in ACCEPTED.values()}
    removed = 0
    for row in rows:
        folder = directory / row["visit_id"]
        for name in _names(row["id"], extensions.get(row["content_type"], "bin")):
            for path in (folder / name, folder / (name + PENDING)):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path)
                    removed += 1
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if now empty
    return removed


def pending_path(directory: Path, staged: str) -> Path:
    """Where a staged photo (named ``<id>.<ext>`` in the form) waits."""
    return directory / (staged + PENDING)


def remove_staged(directory: Path, staged: str) -> None:
    """Delete a staged photo's pending files once it has been read again or refused."""
    photo_id, extension = staged.rsplit(".", 1)
    for name in _names(photo_id, extension):
        (directory / (name + PENDING)).unlink(missing_ok=True)


def _write(path: Path, data: bytes) -> None:
    # Write then rename, so a crash never leaves half a file under the name.
    tmp = path.with_suffix(path.suffix + ".part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        # A full disk fails the write part way: leave no part file behind (the sweep
        # would find it, but the officer is told nothing was stored, so nothing is).
        tmp.unlink(missing_ok=True)
        raise


@dataclass
class SweepReport:
    """What a sweep did, by file path."""

    removed: list[str] = field(default_factory=list)
    finalised: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in plain English, one line a file and a summary."""
        out = [f"removed {p}" for p in self.removed]
        out += [f"finalised {p} (its visit was committed)" for p in self.finalised]
        out.append(f"{len(self.removed)} removed, {len(self.finalised)} finalised")
        return out


def sweep(
    visits_dir: Path,
    is_stored: Callable[[str], bool],
    max_age_seconds: int = SWEEP_AGE_SECONDS,
    now: float | None = None,
) -> SweepReport:
    """Clear files older than ``max_age_seconds`` that no committed photo owns.

    ``is_stored(photo_id)`` says whether the database holds that photo. A pending file of a
    stored photo (a crash between commit and :func:`finalise`) is given its final name;
    other pending and half-written files, and final files of no stored photo, are removed.
    """
    report = SweepReport()
    cutoff = (time.time() if now is None else now) - max_age_seconds
    if not visits_dir.is_dir():
        return report
    for folder in sorted(p for p in visits_dir.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            with contextlib.suppress(FileNotFoundError):  # another sweep got there first
                if path.is_file() and path.stat().st_mtime < cutoff:
                    _sweep_file(path, is_stored, report)
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if now empty
    return report


def _sweep_file(path: Path, is_stored: Callable[[str], bool], report: SweepReport) -> None:
    name = path.name
    photo_id = name.split(".", 1)[0]
    if name.endswith(PENDING) and is_stored(photo_id):
        os.replace(path, path.with_name(name.removesuffix(PENDING)))
        report.finalised.append(str(path))
    elif name.endswith((PENDING, ".part")) or not is_stored(photo_id):
        path.unlink()
        report.removed.append(str(path))
