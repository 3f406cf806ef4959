"""Photo evidence: checked by content, hashed, and kept with a metadata-free copy.

The original is kept byte for byte (its SHA-256 is the evidence). Anyone outside the
council only ever gets the stripped copy: re-encoded pixels with no EXIF, so no GPS
position, camera serial or timestamp leaves with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

# What phones' cameras produce once the browser has handed the file over.
ACCEPTED = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
MAX_PIXELS = 60_000_000  # a 60-megapixel photo is already larger than any phone takes


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


def check_and_store(data: bytes, filename: str, directory: Path, max_bytes: int) -> Photo:
    """Check that ``data`` is a photo we accept, then write the original and a stripped copy.

    Raises PhotoError naming the file and the fix. Nothing is written unless it passes.
    """
    label = filename or "The photo"
    if len(data) == 0:
        raise PhotoError(f"{label} is empty. Take the photo again.")
    if len(data) > max_bytes:
        raise PhotoError(f"{label} is too large. Each photo must be {_size(max_bytes)} or smaller.")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            kind = probe.format
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise PhotoError(f"{label} has too many pixels. Take it at a lower resolution.")
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise PhotoError(f"{label} is not a photo. Choose a JPEG, PNG or WebP image.") from None
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
    _write(directory / original_name(photo.id, extension), data)
    _write(directory / stripped_name(photo.id, extension), stripped)
    return photo


def _size(n: int) -> str:
    return f"{n // 1_048_576} MB" if n >= 1_048_576 else f"{max(n // 1024, 1)} KB"


def original_name(photo_id: str, extension: str) -> str:
    """File name of the original."""
    return f"{photo_id}.{extension}"


def stripped_name(photo_id: str, extension: str) -> str:
    """File name of the copy without metadata."""
    return f"{photo_id}.stripped.{extension}"


def remove(directory: Path, photo: Photo) -> None:
    """Delete a stored photo's files (used when its visit could not be written)."""
    for name in (
        original_name(photo.id, photo.extension),
        stripped_name(photo.id, photo.extension),
    ):
        with contextlib.suppress(FileNotFoundError):
            os.remove(directory / name)


def _write(path: Path, data: bytes) -> None:
    # Write then rename, so a crash never leaves half a file under the final name.
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
