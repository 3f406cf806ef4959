"""The password policy (NCSC's password guidance): long enough, not a common password,
and not built from the person's username, their name or the service's name.

Pure: no database, no Flask. ``problem()`` returns what is wrong in words to show beside
the password field, or None. The deny list is data shipped in the package,
``fieldapp/common_passwords.txt``, with its source in its header.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

MIN_LENGTH = 12
MAX_LENGTH = 256
# Names shorter than this are too likely to turn up inside ordinary words to refuse.
SHORTEST_NAME_CHECKED = 3
# A listed word with only digits and symbols after it ("sunshine2026!") is still that word.
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\d\W_]+$")


@cache
def common_passwords() -> frozenset[str]:
    """The deny list, lower-case."""
    text = resources.files("fieldapp").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _forms(password: str) -> set[str]:
    """The forms of a password looked up in the deny list."""
    plain = password.lower()
    squeezed = "".join(plain.split())
    forms = {plain, squeezed}
    stem = _TRAILING_DIGITS_AND_SYMBOLS.sub("", squeezed)
    if len(stem) >= 4:
        forms.add(stem)
    return forms


def _name_parts(display_name: str) -> list[str]:
    parts = re.split(r"[\s.,'’_-]+", display_name.lower())
    return [p for p in parts if len(p) >= SHORTEST_NAME_CHECKED]


def problem(
    password: str,
    *,
    username: str = "",
    display_name: str = "",
    service_names: tuple[str, ...] = ("fieldapp",),
) -> str | None:
    """What is wrong with ``password`` for this person, or None if it may be used."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if any(unicodedata.category(ch) == "Cc" for ch in password):
        return (
            "Password must not contain control characters, such as a tab, a line break "
            "or a NUL. Type it again without them"
        )
    lowered = "".join(password.lower().split())
    if _forms(password) & common_passwords():
        return (
            "Password is too common: it is on a list of passwords that attackers try "
            "first. Choose another, for example three random words"
        )
    user = "".join(username.lower().split())
    if len(user) >= SHORTEST_NAME_CHECKED and user in lowered:
        return "Password must not contain the username. Choose another"
    if any(part in lowered for part in _name_parts(display_name)):
        return "Password must not contain the person's name. Choose another"
    for service in service_names:
        name = "".join(service.lower().split())
        if len(name) >= SHORTEST_NAME_CHECKED and name in lowered:
            return f"Password must not contain the name of the service ({service}). Choose another"
    return None
