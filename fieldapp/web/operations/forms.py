"""Forms for planning an operation and recording what it found."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from fieldapp.operations import ENFORCEMENT_ACTIONS
from fieldapp.web.checklists import partner_agencies
from fieldapp.web.forms import DayMonthYearField, StripWhitespaceForm

NO_IDENTITIES = (
    "Do not write names or anything else that could identify a worker or potential victim."
)
START_MODES = [
    ("site", "At one of the sites"),
    ("address", "At an address"),
    ("map", "At a point on the map"),
    ("none", "No start point: begin at whichever end of the route is best"),
]
FLAG_ACTIONS = [
    ("leave", "Leave the flag as it is"),
    ("flag", "Flag this site"),
    ("unflag", "Unflag this site"),
    ("clear", "Go back to the automatic rule"),
]
MAX_COUNT = 999


class CountField(IntegerField):
    """A whole number from 0 to 999, blank meaning 0, with plain-English errors."""

    def __init__(self, label=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("default", 0)
        super().__init__(label, [], **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = valuelist[0].strip()
        if raw == "":
            self.data = 0
            return
        if not raw.isdigit():
            self.data = None
            raise ValueError(f"{self.label.text}: enter a whole number, like 0 or 3")
        self.data = int(raw)

    def pre_validate(self, form):
        if self.data is not None and self.data > MAX_COUNT:
            raise ValidationError(f"{self.label.text}: enter a number up to {MAX_COUNT}")


def _given(field) -> bool:
    """Whether a count was filled in, not left blank (which counts as 0)."""
    return bool(field.raw_data and field.raw_data[0].strip())


def _agency_choices() -> list[tuple[str, str]]:
    return [(a["id"], a["name"]) for a in partner_agencies().values()]


class StartModeField(RadioField):
    """Where the route starts; "At an address" only while address lookup is switched on."""

    def pre_validate(self, form):
        if self.data == "address" and not form.address_lookup:
            raise ValidationError(
                "Address lookup is not switched on: start at one of the sites or on the map"
            )
        super().pre_validate(form)


class OperationForm(StripWhitespaceForm):
    """Name, date, lead and partner agencies, briefing notes and where the route starts."""

    name = StringField(
        "Name of the operation",
        widget=GovTextInput(),
        validators=[
            # DataRequired, not InputRequired: spaces alone are stripped to nothing.
            DataRequired(message="Enter a name for the operation"),
            Length(max=120, message="Name of the operation must be 120 characters or fewer"),
        ],
    )
    operation_date = DayMonthYearField(
        "Date of the operation",
        description="For example, 27 3 2026",
        validators=[InputRequired(message="Enter the date of the operation")],
    )
    lead_agency = SelectField(
        "Lead agency",
        widget=GovSelect(),
        validators=[InputRequired(message="Choose the lead agency")],
    )
    partners = SelectMultipleField(
        "Partner agencies taking part",
        description="Partner users from these agencies, and from the lead agency, can read the "
        "briefing pack.",
        widget=GovCheckboxesInput(),
        validators=[Optional()],
    )
    briefing = TextAreaField(
        "Briefing notes",
        description="Meeting point, radio channel, roles. " + NO_IDENTITIES,
        widget=GovCharacterCount(),
        validators=[Length(max=4000, message="Briefing notes must be 4,000 characters or fewer")],
    )
    start_mode = StartModeField(
        "Where does the route start?",
        widget=GovRadioInput(),
        choices=START_MODES,
        default="none",
        validators=[InputRequired(message="Choose where the route starts")],
    )
    start_site = SelectField("Site to start at", widget=GovSelect(), validate_choice=False)
    start_address = StringField(
        "Start address",
        description="For example, the police station car park, with its postcode.",
        widget=GovTextInput(),
        validators=[Length(max=300, message="Start address must be 300 characters or fewer")],
    )
    start_latitude = StringField("Latitude", widget=GovTextInput())
    start_longitude = StringField("Longitude", widget=GovTextInput())
    submit = SubmitField("Save the operation", widget=GovSubmitInput())

    def __init__(self, *args, lead_choices=None, site_choices=None, address_lookup=True, **kwargs):
        super().__init__(*args, **kwargs)
        # Without a geocoder an address can never be found, so it is not offered.
        self.address_lookup = address_lookup
        if not address_lookup:
            self.start_mode.choices = [c for c in START_MODES if c[0] != "address"]
        self.lead_agency.choices = [("", "Choose the lead agency"), *(lead_choices or [])]
        self.partners.choices = _agency_choices()
        self.start_site.choices = [("", "Choose a site"), *(site_choices or [])]

    def validate_start_site(self, field):
        if self.start_mode.data == "site":
            valid = {str(value) for value, _ in field.choices if value}
            if str(field.data or "") not in valid:
                raise ValidationError("Choose the site the route starts at")

    def validate_start_address(self, field):
        if self.start_mode.data == "address" and self.address_lookup and not field.data:
            raise ValidationError("Enter the start address, or choose another way to start")

    def validate_start_latitude(self, field):
        if self.start_mode.data == "map":
            _coordinate(field.data, -90, 90, "Latitude", "52.6344")

    def validate_start_longitude(self, field):
        if self.start_mode.data == "map":
            _coordinate(field.data, -180, 180, "Longitude", "-1.1315")

    def coordinates(self) -> tuple[float, float]:
        """The map point (only after validation with start_mode == "map")."""
        return float(self.start_latitude.data), float(self.start_longitude.data)


def _coordinate(raw: str | None, low: float, high: float, name: str, example: str) -> None:
    try:
        value = float(raw or "")
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError(
            f"{name}: choose the start on the map, or type a number like {example}"
        )


class OutcomeForm(StripWhitespaceForm):
    """What happened at one site: counts and action types only, never who."""

    visited = RadioField(
        "Was the site visited?",
        widget=GovRadioInput(),
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired(message="Say whether the site was visited")],
    )
    not_visited_reason = StringField(
        "Why was it not visited?",
        description="For example: closed, no one there, the team ran out of time.",
        widget=GovTextInput(),
        validators=[Length(max=200, message="The reason must be 200 characters or fewer")],
    )
    workers_spoken_to = CountField("Workers spoken to")
    potential_victims = CountField(
        "Potential victims identified",
        description="People officers had reasonable grounds to think may be victims of "
        "modern slavery or labour exploitation.",
    )
    referrals_nrm = CountField(
        "National Referral Mechanism (NRM) referrals",
        description="Adults who consented, and every child.",
    )
    referrals_duty_to_notify = CountField(
        "Duty to Notify referrals",
        description="Adults who did not consent: anonymous notifications to the Home Office.",
    )
    referrals_childrens_services = CountField("Referrals to children's services")
    enforcement_actions = SelectMultipleField(
        "Enforcement action taken",
        description="Tick all that apply.",
        widget=GovCheckboxesInput(),
        choices=list(ENFORCEMENT_ACTIONS.items()),
        validators=[Optional()],
    )
    note = TextAreaField(
        "Short note",
        description="What was found and what happens next. " + NO_IDENTITIES,
        widget=GovCharacterCount(),
        validators=[Length(max=500, message="The note must be 500 characters or fewer")],
    )
    flag_action = RadioField(
        "Change this site's flag on the risk map?",
        widget=GovRadioInput(),
        choices=FLAG_ACTIONS,
        default="leave",
        validators=[InputRequired(message="Choose what to do with the site's flag")],
    )
    flag_reason = StringField(
        "Reason for changing the flag",
        widget=GovTextInput(),
        validators=[Length(max=300, message="The reason must be 300 characters or fewer")],
    )
    submit = SubmitField("Save the outcome", widget=GovSubmitInput())

    def validate_not_visited_reason(self, field):
        if self.visited.data == "no" and not field.data:
            raise ValidationError("Say why the site was not visited")

    def validate_potential_victims(self, field):
        if self.visited.data == "no" and (field.data or self.workers_spoken_to.data):
            raise ValidationError(
                "The site was not visited, so workers spoken to and potential victims must be 0"
            )
        workers = self.workers_spoken_to
        both = _given(field) and _given(workers) and None not in (field.data, workers.data)
        if both and field.data > workers.data:
            raise ValidationError(
                f"Potential victims identified ({field.data}) cannot be more than workers "
                f"spoken to ({workers.data})"
            )

    def validate_referrals_nrm(self, field):
        victims = self.potential_victims.data or 0
        nrm, dtn = field.data or 0, self.referrals_duty_to_notify.data or 0
        if nrm + dtn > victims:
            raise ValidationError(
                f"NRM and Duty to Notify referrals ({nrm + dtn}) cannot be more than the "
                f"potential victims identified ({victims}): each victim gets one or the other"
            )

    def validate_referrals_childrens_services(self, field):
        if (field.data or 0) > (self.potential_victims.data or 0):
            raise ValidationError(
                "Referrals to children's services cannot be more than the potential victims "
                "identified"
            )

    def validate_enforcement_actions(self, field):
        if self.visited.data == "no" and field.data:
            raise ValidationError("The site was not visited, so untick the enforcement actions")

    def validate_flag_reason(self, field):
        if self.flag_action.data not in (None, "leave") and not field.data:
            raise ValidationError("Give a reason for changing the flag")

    def values(self) -> dict:
        """The outcome as the query module takes it."""
        return {
            "visited": self.visited.data == "yes",
            "not_visited_reason": self.not_visited_reason.data or "",
            "workers_spoken_to": self.workers_spoken_to.data or 0,
            "potential_victims": self.potential_victims.data or 0,
            "referrals_nrm": self.referrals_nrm.data or 0,
            "referrals_duty_to_notify": self.referrals_duty_to_notify.data or 0,
            "referrals_childrens_services": self.referrals_childrens_services.data or 0,
            "enforcement_actions": list(self.enforcement_actions.data or []),
            "note": self.note.data or "",
        }
