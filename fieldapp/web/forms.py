"""Form base classes, shared validators, and the cleaning every submitted form goes through."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.wrappers import Request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField

from fieldapp.text import clean

# Fields where a new line is part of what was typed (text areas). Any other field gets its
# new lines and tabs turned into spaces: the safe side for a field added later.
MULTILINE_FIELDS = frozenset({"notes", "note", "briefing"})
MULTILINE_PREFIXES = ("note-",)  # a visit's note on one question: note-<question id>


def kept_as_typed(name: str) -> bool:
    """Credentials are never changed. A password is compared, not shown, and a changed one
    would not match what its owner types next time; a username is checked against the
    characters usernames may hold, so a control character in one is refused with a message
    rather than quietly dropped."""
    return "password" in name.lower() or name == "username"


def _multiline(name: str) -> bool:
    return name in MULTILINE_FIELDS or name.startswith(MULTILINE_PREFIXES)


class CleanFormRequest(Request):
    """A request whose form values have no control or direction characters (fieldapp.text).

    Done here, where the form is parsed, so that no view or form can read a value before it
    is clean, and a field added later cannot be missed. Query strings are not cleaned:
    they filter and search, and are never stored.
    """

    def _load_form_data(self) -> None:
        already = "form" in self.__dict__
        super()._load_form_data()
        if already:
            return
        form = self.__dict__["form"]
        self.__dict__["form"] = self.parameter_storage_class(
            [
                (name, value if kept_as_typed(name) else clean(value, multiline=_multiline(name)))
                for name, value in form.items(multi=True)
            ]
        )


def init_app(app: Flask) -> None:
    """Make every request clean its form values as they are read."""
    app.request_class = CleanFormRequest


class StripWhitespaceForm(FlaskForm):
    """A form that trims leading and trailing spaces from every text field.

    Officers type on phones, where autocomplete adds trailing spaces that would otherwise
    make "LE1 1AA " a different postcode from "LE1 1AA".
    """

    class Meta:
        def bind_field(self, form, unbound_field, options):  # noqa: D102 - WTForms hook
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                filters = [_strip, *filters]
            return unbound_field.bind(form=form, filters=filters, **options)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


DATE_AS_NUMBERS = "Enter the date as day, month and year in numbers, for example 27 3 2026"


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month, year) whose error tells the user what to type.

    ``invalid_message`` replaces the error for a date that is not a real one, so a form
    with more than one date can say which ("Date of the training must be a real date...").
    """

    def __init__(self, label=None, validators=None, *, invalid_message=DATE_AS_NUMBERS, **kwargs):
        super().__init__(label, validators, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        parts = [v.strip() for v in valuelist]
        if len(parts) != 3:
            # Only a hand-made request sends other than day, month and year (or none at
            # all); the widget redraws exactly three boxes from raw_data.
            self.raw_data = (parts + ["", "", ""])[:3]
        if not any(parts):
            self.data = None
            return
        try:
            if len(parts) != 3:
                raise ValueError
            day, month, year = (int(p) for p in parts)
            self.data = date(year, month, day)
        except (ValueError, OverflowError):
            self.data = None
            raise ValueError(self.invalid_message) from None
