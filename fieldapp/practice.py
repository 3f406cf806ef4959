"""Practice mode: an officer's own answers to a scenario, assessed beside the worked answers.

Nothing here is stored: the answers are read from the form, assessed with the same rules
as a visit (fieldapp.assessment) and the same routes (fieldapp.safeguarding), and shown.
There is no visit, no premises and no audit entry, because nothing happened anywhere.

Pure: no Flask and no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from fieldapp.assessment import assess
from fieldapp.checklists import LEVELLED_CONCERNS, Checklist, format_pence, parse_answer
from fieldapp.safeguarding import routes_for

FIELD = "q-"
# The form's own problem, not one question's: where the error summary sends the officer.
FORM_ERROR = "practice-answers"
SHOWN_ID_LENGTH = 40
YES_NO_WORDS = {"yes": "Yes", "no": "No", "not_seen": "Not seen", None: "Not answered"}


def read_answers(checklist: Checklist, form: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """The answers in a submitted practice form, and a message for each one that is wrong.

    Checked as the visit form checks them (fieldapp.checklists.parse_answer), so markup,
    words in a number box or a number too big each get the question's own message. An
    answer to a question the checklist does not have is refused, naming the first one.
    """
    form = form.to_dict() if hasattr(form, "to_dict") else dict(form)
    questions = (*checklist.indicators, *checklist.follow_ups)
    known = {item.id for item in questions}
    answers: dict[str, str | int] = {}
    errors: dict[str, str] = {}
    unknown = [name[len(FIELD) :] for name in form if name.startswith(FIELD)]
    unknown = [question_id for question_id in unknown if question_id not in known]
    if unknown:
        shown = unknown[0][:SHOWN_ID_LENGTH]
        errors[FORM_ERROR] = (
            f"The form sent an answer to a question that is not on the {checklist.title} "
            f'checklist ("{shown}"). Reload the page and answer again.'
        )
    for item in questions:
        raw = form.get(FIELD + item.id)
        if raw is None or not str(raw).strip():
            continue
        parent = getattr(item, "parent", "")
        if parent and answers.get(parent) != "yes":
            continue  # as on a visit: a follow-up counts only when its question is a yes
        try:
            answers[item.id] = parse_answer(item, str(raw))
        except ValueError as error:
            errors[FIELD + item.id] = str(error)
    return answers, errors


def outcome(
    checklist: Checklist,
    answers: Mapping[str, Any],
    day: date,
    wage_rates,
    safeguarding: Mapping[str, Any],
) -> dict[str, Any]:
    """The assessment of ``answers`` and the routes it calls for.

    No median prices from other visits: a practice result must not change as real visits
    are recorded, so the median price check reads as not made.
    """
    result = assess(checklist, answers, day, wage_rates, {})
    return {
        "answers": dict(answers),
        "result": result,
        "actions": routes_for(result, safeguarding),
    }


def compare(checklist: Checklist, mine: dict, worked: dict) -> dict[str, list[dict]]:
    """Where the officer's result and answers differ from the worked ones, for the page.

    The answers that differ come in three lists: signs the worked answers found that the
    officer did not ("missed"), signs the officer recorded that the worked answers do not
    ("extra"), and every other difference, such as no against not seen ("other").
    """
    my_levels = {c["id"]: c["level"] for c in mine["result"]["concerns"]}
    worked_levels = {c["id"]: c["level"] for c in worked["result"]["concerns"]}
    concerns = [
        {"id": concern, "yours": my_levels[concern], "worked": worked_levels[concern]}
        for concern in LEVELLED_CONCERNS
        if concern in worked_levels
    ]
    found: dict[str, list[dict]] = {"missed": [], "extra": [], "other": []}
    for row in answer_differences(checklist, mine, worked):
        if row["worked_answer"] == "yes":
            found["missed"].append(row)
        elif row["your_answer"] == "yes":
            found["extra"].append(row)
        else:
            found["other"].append(row)
    return {"concerns": concerns, **found}


def answer_differences(checklist: Checklist, mine: dict, worked: dict) -> list[dict]:
    """Each question answered differently, with both answers as stored and in words."""
    my_answers, worked_answers = mine["answers"], worked["answers"]
    rows = []
    for item in (*checklist.indicators, *checklist.follow_ups):
        yours, theirs = my_answers.get(item.id), worked_answers.get(item.id)
        if _same(item.answer_type, yours, theirs):
            continue
        rows.append(
            {
                "id": item.id,
                "question": item.question,
                "your_answer": yours,
                "worked_answer": theirs,
                "yours": answer_words(item.answer_type, yours),
                "worked": answer_words(item.answer_type, theirs),
            }
        )
    return rows


def _same(answer_type: str, first, second) -> bool:
    # Not seen and not answered are alike: neither was checked.
    if answer_type == "yes_no":
        return (first or "not_seen") == (second or "not_seen")
    return first == second


def answer_words(answer_type: str, value) -> str:
    """A stored answer as a person reads it."""
    if answer_type == "yes_no":
        return YES_NO_WORDS.get(value, str(value))
    if value is None:
        return "Not answered"
    if answer_type == "money":
        return format_pence(int(value))
    if answer_type == "minutes":
        return f"{value} minutes"
    return str(value)
