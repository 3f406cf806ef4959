"""The upload form. The later steps' buttons are bare forms carrying the CSRF token."""

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSubmitInput
from wtforms import SubmitField

from fieldapp.web.forms import StripWhitespaceForm


class UploadForm(StripWhitespaceForm):
    """Choose the CSV file to check."""

    file = FileField(
        "Upload a CSV file",
        widget=GovFileInput(),
        description="A CSV file of up to 5 MB and 20,000 rows. In Excel, choose File, "
        "Save as, then 'CSV UTF-8'.",
        validators=[FileRequired(message="Select a CSV file")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())
