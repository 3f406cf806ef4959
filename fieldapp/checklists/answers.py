"""What an officer typed, turned into a stored answer (or a message saying what to fix)."""

from __future__ import annotations

import re

from fieldapp.checklists.model import YES_NO_ANSWERS, FollowUp, Indicator
from fieldapp.checklists.wages import MAX_PENCE

MAX_COUNT = 999
MAX_MINUTES = 24 * 60
# More figures than any real answer has: refused before Python turns them into a number,
# which for thousands of figures fails with a message no officer should read.
MAX_FIGURES = 12

_MONEY = re.compile(r"£?\s*([0-9]+)(?:\.([0-9]+))?\Z", re.ASCII)
_WHOLE = re.compile(r"[0-9]+\Z", re.ASCII)


def parse_answer(question: Indicator | FollowUp, raw: str) -> str | int:
    """Turn what an officer typed into a stored answer, or raise ValueError saying what to fix.

    yes_no gives "yes", "no" or "not_seen"; money gives pence ("£6.50" -> 650); count and minutes
    give whole numbers.
    """
    text = (raw or "").strip()
    name = f'"{question.question}"'
    if question.answer_type == "yes_no":
        answer = text.lower()
        if answer not in YES_NO_ANSWERS:
            raise ValueError(f"{name}: choose yes, no or not seen.")
        return answer
    if question.answer_type == "money":
        return _parse_money(name, text)
    if question.answer_type in ("count", "minutes"):
        highest = MAX_MINUTES if question.answer_type == "minutes" else MAX_COUNT
        unit = "minutes" if question.answer_type == "minutes" else "a whole number"
        if text.startswith("-"):
            raise ValueError(f"{name}: cannot be negative. Enter {unit} from 0 to {highest}.")
        if not _WHOLE.match(text):
            raise ValueError(f"{name}: enter {unit} from 0 to {highest}, in figures, like 3.")
        if len(text.lstrip("0")) > MAX_FIGURES:
            raise ValueError(f"{name}: that is too many. Enter {unit} from 0 to {highest}.")
        if int(text) > highest:
            raise ValueError(f"{name}: {int(text)} is too many. Enter {unit} from 0 to {highest}.")
        return int(text)
    raise ValueError(f"{name}: unknown answer type {question.answer_type!r}.")


def _parse_money(name: str, text: str) -> int:
    if text.lstrip("£ ").startswith("-"):
        raise ValueError(f"{name}: a price cannot be negative. Enter pounds and pence, like 6.50.")
    found = _MONEY.match(text)
    if not found:
        raise ValueError(f"{name}: enter pounds and pence in figures, like 6.50.")
    pounds, pence = found.group(1), found.group(2)
    if len(pounds.lstrip("0")) > MAX_FIGURES:
        raise ValueError(f"{name}: that amount is too high. Check the amount.")
    if pence is not None and len(pence) > 2:
        raise ValueError(f"{name}: use at most 2 figures after the point, like 6.50.")
    total = int(pounds) * 100 + int((pence or "0").ljust(2, "0"))
    if total > MAX_PENCE:
        raise ValueError(f"{name}: {format_pence(total)} is too high. Check the amount.")
    return total


def format_pence(pence: int) -> str:
    """Pence as pounds for people: 650 -> "£6.50", 123456 -> "£1,234.56"."""
    return f"£{pence // 100:,}.{pence % 100:02d}"
