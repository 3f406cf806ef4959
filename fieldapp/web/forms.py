"""Form base classes and shared validators."""

from __future__ import annotations

from flask_wtf import FlaskForm


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
