"""The add-a-premises form."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, HiddenField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from fieldapp.checklists import SECTORS
from fieldapp.web.forms import StripWhitespaceForm

# Loose on purpose: officers type what is on the sign; the geocoder does the rest.
POSTCODE = r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$"


class PremisesForm(StripWhitespaceForm):
    """Name, sector, address and where it is."""

    name = StringField(
        "Business name",
        widget=GovTextInput(),
        description="As shown on the sign. If there is no sign, describe it, for example "
        "'Hand car wash behind the Crown pub'",
        validators=[DataRequired(message="Enter the business name"), Length(max=200)],
    )
    sector = RadioField(
        "What kind of business is it?",
        widget=GovRadioInput(),
        choices=list(SECTORS.items()),
        validators=[InputRequired(message="Select hand car wash or nail bar")],
    )
    address = StringField(
        "Street address",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the street address"), Length(max=300)],
    )
    postcode = StringField(
        "Postcode (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Regexp(POSTCODE, message="Enter a real postcode, like LE3 0AB, or leave it blank"),
        ],
    )
    latitude = HiddenField()
    longitude = HiddenField()
    location_source = HiddenField()
    premises_uuid = HiddenField()
    confirm_new = BooleanField("This is a different business: add it anyway")
    submit = SubmitField("Add premises", widget=GovSubmitInput())

    def coordinates(self) -> tuple[float | None, float | None]:
        """The location sent by the page (phone fix or map pin), if usable."""
        try:
            lat, lon = float(self.latitude.data), float(self.longitude.data)
        except (TypeError, ValueError):
            return None, None
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        return None, None
