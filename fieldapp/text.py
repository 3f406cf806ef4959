"""Cleaning text people type or import: no control or direction-changing characters (pure).

A right-to-left override (U+202E) makes "Evil\u202eWash" display as something else on a
screen, in an export or in a partner's system; a NUL or other control character breaks
the tools a partner opens a CSV in. Letters, accents and every script are kept: only
characters that are not text are removed.

Every text input goes through :func:`clean`: forms through the request itself (see
fieldapp.web.forms), premises lists through the import's cell reader. Passwords and
usernames never do: they are checked as typed (see ``kept_as_typed`` there).
"""

from __future__ import annotations

import re

# Direction controls: embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069),
# the left-to-right and right-to-left marks (U+200E, U+200F) and the Arabic letter mark
# (U+061C, a mark of the same kind).
_BIDI = "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
# C0 controls except tab, line feed and carriage return (handled below), DEL, C1 controls.
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_REMOVED = re.compile(f"[{_CONTROLS}{_BIDI}]")
_LINE_BREAKS = re.compile(r"\r\n?")
_SINGLE_LINE_SPACES = re.compile(r"[\t\n\r]")


def clean(value: str, *, multiline: bool = False) -> str:
    """``value`` without control or direction characters.

    In ``multiline`` text (notes), new lines and tabs stay (a carriage return becomes a
    new line); anywhere else they become spaces, so words either side stay apart.
    """
    value = _REMOVED.sub("", value)
    if multiline:
        return _LINE_BREAKS.sub("\n", value)
    return _SINGLE_LINE_SPACES.sub(" ", value)
