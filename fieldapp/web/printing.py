"""Pages laid out for paper: the deployment's own words in a printed page's margins.

A printed page's foot (its ``@page`` margin boxes) can only be written in CSS, so a page
that prints the handling marking there writes a small style block under the request's
CSP nonce, with the words escaped by :func:`css_string`.
"""

from __future__ import annotations

from markupsafe import Markup

_PLAIN = set(" -,.:()/")


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string safe inside a <style> block: anything but letters,
    digits and plain punctuation is written as a CSS hex escape, so neither markup nor a
    quote in a council's name or marking can end the string or the block. Each escape
    ends with a space, which CSS takes as the end of the escape, not as text."""
    escaped = "".join(
        c if (c.isascii() and c.isalnum()) or c in _PLAIN else f"\\{ord(c):06x} " for c in text
    )
    return Markup(f'"{escaped}"')  # noqa: S704 - every other character is escaped above
