"""The visit report's PDF: the report page rendered by WeasyPrint, offline.

The PDF is made on the server, not by a browser's "Save as PDF", so the council holds the
exact bytes it gave out: their SHA-256 goes in the export log and the file can be exhibited
and checked later. WeasyPrint would fetch any address a page names, so it is given a
fetcher that answers only from disk, for this app's static files and this visit's photo
thumbnails, and refuses everything else: a note or a premises name that somehow carried a
link could never make the server reach out to another host, or read another file.

No Flask here: the web layer says which paths are which files.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageOps

# Big enough to see what a photo shows on A4, small enough that ten photos add ~0.2 MB.
THUMBNAIL_PX = 360
THUMBNAIL_QUALITY = 72

# WeasyPrint warns about every screen-only rule in GOV.UK Frontend's stylesheet (media
# queries by width, vendor prefixes): some hundred lines a PDF that say nothing is wrong.
# Errors, such as a refused file, are still logged.
logging.getLogger("weasyprint").setLevel(logging.ERROR)


class RefusedURL(ValueError):
    """WeasyPrint asked for something that is not one of the files it may have."""


def thumbnail(path: Path) -> bytes:
    """A small JPEG of the photo at ``path`` (the copy without metadata, already upright)."""
    with Image.open(path) as image:
        small = ImageOps.exif_transpose(image)
        small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
        out = io.BytesIO()
        small.convert("RGB").save(out, "JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    return out.getvalue()


def local_fetcher(
    origin: str,
    static_path: str,
    static_dir: Path,
    extra: Mapping[str, Callable[[], bytes]],
):
    """A WeasyPrint URL fetcher that serves ``static_dir`` under ``static_path`` and the
    paths in ``extra`` (path -> a function making the bytes), all on ``origin`` only."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = static_dir.resolve()
    prefix = static_path.rstrip("/") + "/"

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != origin.rstrip("/"):
                raise RefusedURL(f"not this app's: {url[:200]}")
            if parts.path in extra:
                return URLFetcherResponse(url, extra[parts.path](), {"Content-Type": "image/jpeg"})
            if parts.path.startswith(prefix):
                path = (root / parts.path.removeprefix(prefix)).resolve()
                if path.is_relative_to(root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
            raise RefusedURL(f"not a file the report may use: {url[:200]}")

    return LocalFetcher()


def render_pdf(html: str, base_url: str, fetcher) -> bytes:
    """The PDF of ``html``, every resource it names taken from ``fetcher``."""
    from weasyprint import HTML

    # Imported here: WeasyPrint loads Pango when first imported, which no other page needs.
    return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def sha256(data: bytes) -> str:
    """The file's SHA-256, as the export log holds it."""
    return hashlib.sha256(data).hexdigest()
