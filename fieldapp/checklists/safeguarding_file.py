"""The deployment's safeguarding routes and contacts (``safeguarding.toml``), checked.

Pure: no Flask. ``read_safeguarding`` checks the file's shape (every problem at once), fills
in the defaults (``enabled`` true, no contacts, no next steps) and marks each contact whose
number or address is a placeholder. ``placeholder_problems`` says which enabled routes would
show such a contact: whether those stop the app is the app's setting
(``SAFEGUARDING_PLACEHOLDERS_ALLOWED``), not this module's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fieldapp.checklists.files import read_toml
from fieldapp.checklists.model import LEVELLED_CONCERNS, ChecklistError, Problem

# Ids are stored (referrals, ticked next steps) and written by hand, so kept plain.
ID = re.compile(r"[a-z0-9_]+")
ROUTE_KEYS = (
    "id",
    "enabled",
    "concern",
    "level",
    "referral",
    "title",
    "when",
    "steps",
    "contacts",
    "next_steps",
)
CONTACT_KEYS = ("id", "enabled", "name", "number", "url")
STEP_KEYS = ("id", "text")
LEVELS = ("medium", "high")

# Ofcom's numbers for TV and radio drama, never given to a real line (the digits each range
# starts with, dialled from the UK): 0113-0161 496 0xxx, 020 7946 0xxx, 028 9649 6xxx,
# 029 2018 0xxx, 01632 960xxx, 07700 900xxx, 08081 570xxx, 0909 879 0xxx, 03069 990xxx.
DRAMA_PREFIXES = (
    *(f"0{area}4960" for area in ("113", "114", "115", "116", "117", "118", "121", "131")),
    *(f"0{area}4960" for area in ("141", "151", "161")),
    "02079460",
    "02896496",
    "02920180",
    "01632960",
    "07700900",
    "08081570",
    "09098790",
    "03069990",
)
# Words a template leaves for the council to fill in.
PLACEHOLDER_WORDS = re.compile(
    r"tb[cd]|todo|xxx|replace|placeholder|change\s*me|fill\s*in|n/a|dummy|fake", re.IGNORECASE
)
DIALABLE = re.compile(r"\+?[0-9 ]+")
# Reserved for examples and tests (RFC 2606 and RFC 6761).
EXAMPLE_HOST = re.compile(
    r"(?:[^/]*\.)?(?:example\.(?:com|net|org)|[^/]*\.(?:example|test|invalid|localhost))",
    re.IGNORECASE,
)


def national_digits(number: str) -> str:
    """The digits of a UK number as dialled from the UK: ``+44 (0)1632 960000`` is 01632960000."""
    digits = re.sub(r"\D", "", number.replace("(0)", ""))
    for international in ("0044", "44"):
        if number.lstrip().startswith(("+", "00")) and digits.startswith(international):
            return "0" + digits.removeprefix(international)
    return digits


def is_placeholder_number(number: str) -> bool:
    """Whether ``number`` is one a template leaves for the council to replace."""
    if not re.search(r"\d", number) or PLACEHOLDER_WORDS.search(number):
        return True
    return national_digits(number).startswith(DRAMA_PREFIXES)


def is_placeholder_url(url: str) -> bool:
    """Whether ``url`` is empty, or at an address reserved for examples."""
    host = url.removeprefix("https://").split("/", 1)[0].split(":", 1)[0]
    return not host or bool(EXAMPLE_HOST.fullmatch(host) or PLACEHOLDER_WORDS.search(url))


def read_safeguarding(path: Path) -> dict:
    """Read and check ``safeguarding.toml``, raising ChecklistError with every problem."""
    data, problems = read_toml(Path(path))
    if data is None:
        raise ChecklistError(problems)
    file = str(path)
    contacts = _table_list(data, "contact", file, problems)
    routes = _table_list(data, "route", file, problems)
    for key in data:
        if key not in ("route", "contact"):
            problems.append(Problem(file, key, "is not known: use [[route]] or [[contact]]."))
    contact_ids = _ids(contacts, "contact", file, problems)
    for index, contact in enumerate(contacts):
        problems.extend(_contact_problems(file, _where("contact", index, contact), contact))
    _ids(routes, "route", file, problems)
    for index, route in enumerate(routes):
        where = _where("route", index, route)
        problems.extend(_route_problems(file, where, route, contact_ids))
    if problems:
        raise ChecklistError(problems)
    return {
        "route": [_route_with_defaults(route) for route in routes],
        "contact": [_contact_with_defaults(contact) for contact in contacts],
    }


def placeholder_problems(path: Path, safeguarding: dict) -> list[Problem]:
    """Each enabled route that shows an enabled contact whose number or address is a
    placeholder, named by route, contact and the field to change."""
    contacts = {c["id"]: c for c in safeguarding["contact"] if c["enabled"]}
    problems = []
    for route in safeguarding["route"]:
        if not route["enabled"]:
            continue
        for contact_id in route["contacts"]:
            contact = contacts.get(contact_id)
            if not contact or not contact["placeholder"]:
                continue
            field = "number" if "number" in contact else "url"
            what = "your council's number" if field == "number" else "the real address"
            problems.append(
                Problem(
                    str(path),
                    f"contact.{contact_id}.{field}",
                    f"route '{route['id']}' shows contact '{contact_id}', whose {field} "
                    f"'{contact[field]}' is a placeholder: put in {what}, or set "
                    "enabled = false on the contact or the route.",
                )
            )
    return problems


def _where(kind: str, index: int, item: dict) -> str:
    """``route.nrm`` for a route whose id can be read, else ``route[3]``."""
    value = item.get("id")
    return (
        f"{kind}.{value}" if isinstance(value, str) and ID.fullmatch(value) else f"{kind}[{index}]"
    )


def _table_list(data: dict, key: str, file: str, problems: list[Problem]) -> list[dict]:
    found = data.get(key, [])
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        problems.append(Problem(file, key, f"write each one as a [[{key}]] table."))
        return []
    return found


def _ids(items: list[dict], kind: str, file: str, problems: list[Problem]) -> set[str]:
    """Check each item's id is plain and used once; return the ids."""
    seen: set[str] = set()
    for index, item in enumerate(items):
        problems.extend(_id_problems(file, f"{kind}[{index}].id", item.get("id"), seen))
    return seen


def _id_problems(file: str, where: str, value: Any, seen: set[str]) -> list[Problem]:
    if not isinstance(value, str) or not ID.fullmatch(value):
        return [Problem(file, where, f"is {value!r}: use lower case letters, digits and _ only.")]
    if value in seen:
        return [Problem(file, where, f"'{value}' is used twice: give each its own id.")]
    seen.add(value)
    return []


def _unknown_keys(file: str, where: str, item: dict, known: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(file, f"{where}.{key}", f"is not known: use one of {', '.join(known)}.")
        for key in item
        if key not in known
    ]


def _text_problems(file: str, where: str, item: dict, keys: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(file, f"{where}.{key}", "write the text the officer reads.")
        for key in keys
        if not isinstance(item.get(key), str) or not item[key].strip()
    ]


def _flag_problems(file: str, where: str, item: dict, keys: tuple[str, ...]) -> list[Problem]:
    return [
        Problem(file, f"{where}.{key}", "use true or false.")
        for key in keys
        if key in item and not isinstance(item[key], bool)
    ]


def _contact_problems(file: str, where: str, contact: dict) -> list[Problem]:
    problems = [
        *_unknown_keys(file, where, contact, CONTACT_KEYS),
        *_text_problems(file, where, contact, ("name",)),
        *_flag_problems(file, where, contact, ("enabled",)),
    ]
    if ("number" in contact) == ("url" in contact):
        problems.append(Problem(file, where, "give either a number or a url (not both)."))
    number, url = contact.get("number"), contact.get("url")
    if "number" in contact and not isinstance(number, str):
        message = 'write it in quotes, like "0800 555 111".'
        problems.append(Problem(file, f"{where}.number", message))
    elif (
        isinstance(number, str)
        and not is_placeholder_number(number)
        and not DIALABLE.fullmatch(number.strip())
    ):
        message = f"is {number!r}: use digits and spaces only."
        problems.append(Problem(file, f"{where}.number", message))
    if "url" in contact and not _is_address(url):
        problems.append(Problem(file, f"{where}.url", f"is {url!r}: give an https:// address."))
    return problems


def _route_problems(file: str, where: str, route: dict, contact_ids: set[str]) -> list[Problem]:
    problems = [
        *_unknown_keys(file, where, route, ROUTE_KEYS),
        *_text_problems(file, where, route, ("title", "when")),
        *_flag_problems(file, where, route, ("enabled", "referral")),
    ]
    if route.get("concern") not in LEVELLED_CONCERNS:
        message = f"use one of {', '.join(LEVELLED_CONCERNS)}."
        problems.append(Problem(file, f"{where}.concern", message))
    if route.get("level") not in LEVELS:
        problems.append(Problem(file, f"{where}.level", "use medium or high."))
    steps = route.get("steps")
    if not isinstance(steps, list) or not steps or not all(_is_text(s) for s in steps):
        problems.append(Problem(file, f"{where}.steps", 'list what to do: ["...", "..."].'))
    problems.extend(_route_contact_problems(file, f"{where}.contacts", route, contact_ids))
    problems.extend(_next_step_problems(file, f"{where}.next_steps", route.get("next_steps", [])))
    return problems


def _route_contact_problems(
    file: str, where: str, route: dict, contact_ids: set[str]
) -> list[Problem]:
    named = route.get("contacts", [])
    if not isinstance(named, list) or not all(isinstance(c, str) for c in named):
        return [Problem(file, where, 'list contact ids: ["spoc", "helpline"].')]
    problems = []
    for position, contact_id in enumerate(named):
        if contact_id not in contact_ids:
            message = f"names '{contact_id}', which no [[contact]] has as its id."
            problems.append(Problem(file, f"{where}[{position}]", message))
        elif contact_id in named[:position]:
            message = f"names '{contact_id}' twice."
            problems.append(Problem(file, f"{where}[{position}]", message))
    return problems


def _next_step_problems(file: str, where: str, steps: Any) -> list[Problem]:
    if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
        return [Problem(file, where, 'list them as { id = "...", text = "..." }.')]
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, step in enumerate(steps):
        at = f"{where}[{position}]"
        problems.extend(_unknown_keys(file, at, step, STEP_KEYS))
        problems.extend(_id_problems(file, f"{at}.id", step.get("id"), seen))
        problems.extend(_text_problems(file, at, step, ("text",)))
    return problems


def _is_address(url: Any) -> bool:
    # An empty address is a placeholder (see is_placeholder_url), not a mistake in the file.
    return isinstance(url, str) and (url == "" or url.startswith("https://"))


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _route_with_defaults(route: dict) -> dict:
    return {"enabled": True, "contacts": [], "next_steps": [], **route}


def _contact_with_defaults(contact: dict) -> dict:
    if "number" in contact:
        placeholder = is_placeholder_number(contact["number"])
    else:
        placeholder = is_placeholder_url(contact["url"])
    return {"enabled": True, **contact, "placeholder": placeholder}
