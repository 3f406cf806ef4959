"""Forms for managing users, their training, API tokens and checking an exported file."""

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from fieldapp import accounts, training
from fieldapp.accounts import MIN_PASSWORD_LENGTH
from fieldapp.exports.tokens import FLAGGED_SITES, SCOPES
from fieldapp.permissions import ROLE_LABELS
from fieldapp.web.checklists import partner_agencies
from fieldapp.web.forms import DayMonthYearField, StripWhitespaceForm

PASSWORD_RULES = (
    f"At least {MIN_PASSWORD_LENGTH} characters, not a common password, and not containing "
    "their username, their name or the service's name. Three random words work well."
)


def _check_password(password: str, username: str, display_name: str) -> None:
    """Raise the policy's message as a field error (fieldapp.passwords)."""
    try:
        accounts.check_password_rules(password, username=username, display_name=display_name)
    except accounts.UserError as error:
        raise ValidationError(error.message) from None


ROLE_HINTS = {
    "inspector": "Carries out visits and records checklists",
    "coordinator": "Sees the risk map, flags sites, plans operations and exports",
    "partner": "Works for a partner agency; sees only what that agency may receive",
    "admin": "Manages accounts and reads the audit log",
}


def _agency_choices() -> list[tuple[str, str]]:
    return [("", "Not a partner user")] + [
        (a["id"], a["name"]) for a in partner_agencies().values()
    ]


class _UserFields(StripWhitespaceForm):
    display_name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[DataRequired(message="Enter the person's full name"), Length(max=200)],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=list(ROLE_LABELS.items()),
        validators=[InputRequired(message="Select a role")],
    )
    agency = SelectField(
        "Agency",
        widget=GovSelect(),
        description="Only for partner users",
        validators=[Optional()],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency.choices = _agency_choices()

    def validate_agency(self, field):
        """A partner user must belong to an agency."""
        if self.role.data == "partner" and not field.data:
            raise ValueError("Select the agency this partner user belongs to")


class NewUserForm(_UserFields):
    """Create an account."""

    username = StringField(
        "Username",
        widget=GovTextInput(),
        description="Letters, numbers, dots, hyphens and underscores. For example, j.smith",
        validators=[
            InputRequired(message="Enter a username"),
            Length(max=64, message="Username must be 64 characters or fewer"),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message="Username can only contain letters, numbers, dots, hyphens and underscores",
            ),
        ],
    )
    password = PasswordField(
        "Temporary password",
        widget=GovPasswordInput(),
        description=f"{PASSWORD_RULES} Give it to the person in person or by phone, not by email.",
        validators=[InputRequired(message="Enter a temporary password")],
    )
    submit = SubmitField("Create user", widget=GovSubmitInput())

    field_order = ("display_name", "username", "role", "agency", "password")

    def validate_password(self, field):
        """The password policy, against the name and username typed in this form."""
        _check_password(field.data, self.username.data or "", self.display_name.data or "")


class EditUserForm(_UserFields):
    """Change name, role, agency or whether the account is active."""

    active = BooleanField(
        "Account is active", widget=GovCheckboxInput(), description="Untick to disable sign-in"
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class ResetPasswordForm(StripWhitespaceForm):
    """Set a new password for someone else."""

    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"{PASSWORD_RULES} This signs them out everywhere and clears their "
        "sign-in delays.",
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Reset password", widget=GovSubmitInput())

    def __init__(self, account: dict, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def validate_password(self, field):
        """The password policy, against this account's name and username."""
        _check_password(field.data, self.account["username"], self.account["display_name"])


class TokenForm(StripWhitespaceForm):
    """Make an API token for one agency's system."""

    agency = SelectField(
        "Agency",
        widget=GovSelect(),
        validators=[DataRequired(message="Select the agency the token is for")],
    )
    name = StringField(
        "What the token is for",
        widget=GovTextInput(),
        description="For example, GLAA case system. Shown in the export log.",
        validators=[
            DataRequired(message="Say what the token is for"),
            Length(max=100, message="Keep it to 100 characters or fewer"),
        ],
    )
    # What the token reads: one thing only, so a partnership's figures token can never read
    # flagged sites, and an agency's flagged-sites token does not read figures unasked.
    # Left out, it is flagged sites, what every token read before there was a choice.
    scope = RadioField(
        "What the token reads",
        widget=GovRadioInput(),
        choices=list(SCOPES.items()),
        default=FLAGGED_SITES,
        description="A token reads one of these only.",
        validate_choice=False,
    )
    # Text, not a number field, so a mistyped value gets a plain-English message; the view
    # sets the hint and checks the range, which are settings of the installation.
    days = StringField(
        "How many days the token works for",
        widget=GovTextInput(),
        validators=[Optional(), Regexp(r"^\d{1,5}$", message="Enter a number of days, like 90")],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())

    def validate_scope(self, field):
        if field.data not in SCOPES:
            raise ValidationError("Select what the token reads")


class VerifyForm(StripWhitespaceForm):
    """A file someone has handed back, to check against the export log."""

    file = FileField(
        "Upload the file",
        widget=GovFileInput(),
        description="The export (XLSX, CSV, GeoJSON, GeoPackage or KML) exactly as received.",
        validators=[FileRequired(message="Select the file to check")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


OTHER_COURSE = "other"


class TrainingForm(StripWhitespaceForm):
    """The day an officer did a first responder course, and which course."""

    trained_on = DayMonthYearField(
        "Date of the training",
        description="The day they finished the course. For example, 27 3 2026",
        invalid_message="Date of the training must be a real date, for example 27 3 2026",
        validators=[InputRequired(message="Enter the date of the training")],
    )
    course = RadioField(
        "Course",
        widget=GovRadioInput(),
        choices=[*((c, c) for c in training.COURSES), (OTHER_COURSE, "Another course")],
        validators=[InputRequired(message="Select the course")],
        validate_choice=False,  # validate_course says what is wrong in words
    )
    # Not revealed by the "Another course" radio: GOV.UK's conditional reveal puts
    # aria-expanded on a radio, which ARIA does not allow (govuk-frontend issue 979).
    other_course = StringField(
        "Name of the other course",
        widget=GovTextInput(),
        description="Only if you chose Another course",
        # No Optional(): it would stop validate_other_course running on an empty name.
    )
    submit = SubmitField("Record training", widget=GovSubmitInput())

    def course_name(self) -> str:
        """The course as chosen or typed (checked by fieldapp.training when recorded)."""
        return self.other_course.data if self.course.data == OTHER_COURSE else self.course.data

    def validate_course(self, field):
        """Only a course on the list, or Another course."""
        if field.data not in (*training.COURSES, OTHER_COURSE):
            raise ValidationError("Select the course from the list, or Another course")

    def validate_other_course(self, field):
        """Another course needs its name; a course from the list needs none."""
        if self.course.data != OTHER_COURSE:
            if field.data and self.course.data:
                raise ValidationError(
                    "Select Another course to record the name of the other course, or clear it"
                )
            return
        if not field.data:
            raise ValidationError("Enter the name of the other course")
        if len(field.data) > training.MAX_COURSE_LENGTH:
            raise ValidationError(
                f"Name of the other course must be {training.MAX_COURSE_LENGTH} characters or fewer"
            )


class WithdrawTrainingForm(StripWhitespaceForm):
    """Why a training record is wrong."""

    reason = TextAreaField(
        "Why is this record wrong?",
        widget=GovTextArea(),
        description="For example, recorded for the wrong person, or the wrong date. The "
        "record stays on their page, marked as withdrawn, and no longer counts.",
        validators=[
            DataRequired(message="Enter why the record is wrong"),
            Length(
                max=training.MAX_REASON_LENGTH,
                message=f"Reason must be {training.MAX_REASON_LENGTH} characters or fewer",
            ),
        ],
    )
    submit = SubmitField("Withdraw the record", widget=GovSubmitInput())
