"""What an officer records about a safeguarding referral, checked: never who it was about.

A referral says its route, a reference, when it was made, how many people it concerns
(adults and children), the kinds of exploitation, for an adult's NRM referral that their
informed consent was recorded, and which agencies were told. The reference box is where a
name or a date of birth is most likely to be typed by mistake, so text that looks like a
name, a date, a phone number or an email address is refused with the reason.

Pure: no Flask, no database. The web layer passes the form and the routes in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from fieldapp.text import clean

EXPLOITATION: dict[str, str] = {
    "labour": "Labour exploitation",
    "criminal": "Criminal exploitation, such as forced cannabis cultivation or county lines",
    "sexual": "Sexual exploitation",
    "domestic_servitude": "Domestic servitude",
    "other": "Other, or not known yet",
}
MAX_PEOPLE = 500
MAX_REASON = 300
# A phone's clock and the server's can differ by a little: "now" on the phone is not future.
CLOCK_SKEW = timedelta(minutes=5)

REFERENCE_CHARACTERS = re.compile(r"^[A-Za-z0-9 /_.-]{1,40}$")
_EMAIL = re.compile(r"@|\bat\b.*\bdot\b", re.IGNORECASE)
_PHONE = re.compile(r"^\+?(44|0)\d{9,10}$")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_DATES = (
    re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](\d{2}|\d{4})\b"),  # 01/02/1990, 1.2.90
    re.compile(r"\b(19|20)\d{2}[/.\-](0?[1-9]|1[0-2])[/.\-](0?[1-9]|[12]\d|3[01])\b"),  # ISO
    re.compile(rf"\b\d{{1,2}}\s*({_MONTHS})[a-z]*\s*\d{{2,4}}\b", re.IGNORECASE),  # 1 Feb 1990
    re.compile(r"\b[0-3]\d[01]\d(19|20)\d{2}\b"),  # 01021990
)
# Two Title Case words of three letters or more in a row: how people's names are written.
_NAME = re.compile(r"\b[A-Z][a-z]{2,}\s+[A-Z][a-z]{2,}\b")


def check_reference(raw: str) -> tuple[str | None, str | None]:
    """A referral reference, cleaned, or the reason it cannot be stored.

    Empty is allowed (a reference often comes later). Anything kept must look like a
    reference: letters, digits and / _ . - only, with a digit in it, and nothing that
    reads as a person's name, a date (of birth), a phone number or an email address.
    """
    text = " ".join(clean(raw).split())
    if not text:
        return None, None
    why = _personal(text)
    if why:
        return None, (
            f"The reference looks like {why}. Enter only the referral's reference number, "
            "such as NRM/2026/01234 or your council's case number: never anything that "
            "identifies the person"
        )
    if not REFERENCE_CHARACTERS.match(text):
        return None, (
            "Enter only the referral's reference number: letters, numbers, spaces, / and -, "
            "up to 40 characters"
        )
    if not re.search(r"\d", text):
        return None, (
            "The reference has no numbers in it, so it looks like a name or a description. "
            "Enter only the referral's reference number, such as NRM/2026/01234"
        )
    return text, None


def _personal(text: str) -> str | None:
    """What personal detail ``text`` looks like, if any."""
    if _EMAIL.search(text):
        return "an email address"
    if _PHONE.match(re.sub(r"[\s()\-]", "", text)):
        return "a phone number"
    if any(pattern.search(text) for pattern in _DATES):
        return "a date, such as a date of birth"
    if _NAME.search(text):
        return "a person's name"
    return None


@dataclass
class Referral:
    """A checked referral, ready to store (times are UTC ISO-8601)."""

    route: str
    reference: str | None
    made_at: str
    adults: int | None = None
    children: int | None = None
    exploitation: list[str] = field(default_factory=list)
    consent_recorded: bool | None = None
    agencies_told: list[str] = field(default_factory=list)
    correction_reason: str | None = None


@dataclass(frozen=True)
class Context:
    """What a referral is checked against: the referral routes by id, the agencies by id,
    the visit's time, now, and the time zone a typed time is in (UK)."""

    routes: Mapping[str, dict]
    agencies: Mapping[str, dict]
    visited_at: datetime
    now: datetime
    zone: tzinfo


def parse(
    form: Mapping, context: Context, *, correcting: bool = False
) -> tuple[Referral | None, dict[str, str]]:
    """A :class:`Referral` from the form, or None and the errors by field name."""
    errors: dict[str, str] = {}
    route_id = str(form.get("route") or "")
    route = context.routes.get(route_id)
    if route is None:
        errors["route"] = "Select the referral you made"
    reference, problem = check_reference(str(form.get("reference") or ""))
    if problem:
        errors["reference"] = problem
    made_at = _when(str(form.get("made_at") or ""), context, errors)
    adults = _count(form, "adults", "adults", errors)
    children = _count(form, "children", "children (anyone who may be under 18)", errors)
    exploitation = [v for v in _list(form, "exploitation") if v in EXPLOITATION]
    agencies = [v for v in _list(form, "agencies_told") if v in context.agencies]
    consent = {"yes": True, "no": False}.get(str(form.get("consent_recorded") or ""))
    if route is not None and route.get("concern") == "slavery":
        _check_people(route_id, adults, children, exploitation, consent, errors)
    reason = " ".join(clean(str(form.get("correction_reason") or "")).split())
    if correcting and not reason:
        errors["correction_reason"] = "Say what was wrong with the referral as recorded"
    elif len(reason) > MAX_REASON:
        errors["correction_reason"] = f"Keep the reason to {MAX_REASON} characters or fewer"
    if errors:
        return None, errors
    return Referral(
        route=route_id,
        reference=reference,
        made_at=made_at,
        adults=adults,
        children=children,
        exploitation=exploitation,
        consent_recorded=consent if route_id == "nrm" and adults else None,
        agencies_told=agencies,
        correction_reason=reason or None,
    ), {}


def _check_people(route_id, adults, children, exploitation, consent, errors) -> None:
    """A modern slavery referral counts the people it concerns, by age, and names the kinds
    of exploitation; an adult's NRM referral needs their consent; a child's never does."""
    if "adults" in errors or "children" in errors:
        return
    if not (adults or children):
        errors["adults"] = "Enter how many adults or children the referral concerns"
    elif route_id == "child" and not children:
        errors["children"] = "A child safeguarding referral concerns at least one child"
    elif route_id == "duty_to_notify" and children:
        errors["children"] = (
            "Duty to Notify is for adults who do not consent. A child is referred to the NRM "
            "without consent, after a child safeguarding referral: record those instead"
        )
    elif route_id == "nrm" and adults and consent is not True:
        errors["consent_recorded"] = (
            "An adult's NRM referral needs their informed consent. If they did not agree, "
            "record a Duty to Notify referral instead"
        )
    if not exploitation:
        errors["exploitation"] = "Select the kinds of exploitation (or other, or not known yet)"


def _when(raw: str, context: Context, errors: dict[str, str]) -> str:
    """The time a referral was made as UTC ISO-8601: typed in UK time (blank is now); never
    in the future, never before the visit."""
    if not raw.strip():
        return context.now.astimezone(UTC).replace(microsecond=0).isoformat()
    try:
        made = datetime.fromisoformat(raw.strip())
    except ValueError:
        errors["made_at"] = "Enter the time the referral was made, like 14:30 on today's date"
        return ""
    made = made if made.tzinfo else made.replace(tzinfo=context.zone)
    if made > context.now + CLOCK_SKEW:
        errors["made_at"] = "The time the referral was made cannot be in the future"
    elif made < context.visited_at - timedelta(hours=1):
        errors["made_at"] = "The referral cannot have been made before the visit"
    return made.astimezone(UTC).replace(microsecond=0).isoformat()


def _count(form: Mapping, name: str, words: str, errors: dict[str, str]) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not raw.isascii():
        errors[name] = f"Enter the number of {words} as a whole number, like 2"
        return None
    value = int(raw)
    if value > MAX_PEOPLE:
        errors[name] = f"Enter a number of {words} from 0 to {MAX_PEOPLE}"
        return None
    return value


def _list(form: Mapping, name: str) -> list[str]:
    """Every value of a multi-valued field (checkboxes), from a MultiDict or a dict."""
    if hasattr(form, "getlist"):
        return [str(v) for v in form.getlist(name)]
    value = form.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
