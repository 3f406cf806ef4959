"""Sign-in form."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from fieldapp.accounts import MAX_PASSWORD_LENGTH
from fieldapp.web.forms import StripWhitespaceForm


class SignInForm(StripWhitespaceForm):
    """Username, password, and whether this phone keeps the session after the browser
    closes."""

    username = StringField(
        "Username",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter your username"),
            Length(max=200, message="Username must be 200 characters or fewer"),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired(message="Enter your password"),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer",
            ),
        ],
    )
    stay_signed_in = BooleanField(
        "Stay signed in on this phone",
        widget=GovCheckboxInput(),
        description="Only on a phone that is yours. Otherwise you are signed out when the "
        "browser closes.",
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())
