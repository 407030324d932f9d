"""Forms: log a call on a ticket, open a ticket from a call, connect a phone system's call events."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

DIRECTION_CHOICES = [("inbound", _l("Inbound (the customer called)")), ("outbound", _l("Outbound (we called)"))]
NUMBER_REQUIRED = _l("Enter the phone number.")
NUMBER_ATTRS = {"placeholder": "+33612345678", "autocomplete": "off", "inputmode": "tel"}


class CallLogForm(FlaskForm):
    """On the ticket page: its fields are prefixed "call-" so their ids never meet the composer's."""
    number = StringField(_l("Phone number"), validators=[DataRequired(message=NUMBER_REQUIRED), Length(max=40)],
                         render_kw=NUMBER_ATTRS)
    direction = SelectField(_l("Direction"), choices=DIRECTION_CHOICES, default="inbound")
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=12)],
                           render_kw={"placeholder": "4:05", "inputmode": "numeric", "autocomplete": "off"})
    recording_url = StringField(_l("Recording link (optional)"), validators=[Optional(), Length(max=2000)],
                                render_kw={"placeholder": "https://", "inputmode": "url"})
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=50_000)], render_kw={"rows": 3})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "call")
        super().__init__(*args, **kwargs)


class CallTicketForm(FlaskForm):
    number = StringField(_l("Caller's phone number"), validators=[DataRequired(message=NUMBER_REQUIRED),
                                                                  Length(max=40)], render_kw=NUMBER_ATTRS)
    name = StringField(_l("Caller's name (optional)"), validators=[Optional(), Length(max=120)],
                       render_kw={"autocomplete": "off"})
    direction = SelectField(_l("Direction"), choices=DIRECTION_CHOICES, default="inbound")
    duration = StringField(_l("Duration"), validators=[Optional(), Length(max=12)],
                           render_kw={"placeholder": "4:05", "inputmode": "numeric", "autocomplete": "off"})
    subject = StringField(_l("Subject (optional)"), validators=[Optional(), Length(max=200)])
    notes = TextAreaField(_l("What the call was about"), validators=[Optional(), Length(max=50_000)],
                          render_kw={"rows": 6})


class PhoneAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the phone line a name.")), Length(max=80)],
                       render_kw={"placeholder": _l("Support line")})
    webhook_token = PasswordField(_l("Webhook token"), validators=[Optional(), Length(min=8, max=200, message=_l(
        "A webhook token has 8 to 200 characters."))], render_kw={"autocomplete": "new-password"})
    group_id = SelectField(_l("New tickets go to"), coerce=int, choices=[], validate_choice=False)
    enabled = BooleanField(_l("Accept call events"), default=True)
