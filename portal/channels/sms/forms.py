"""The Twilio number settings form (the service checks the values and names the field that is wrong)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import Length, Optional

from portal.channels.sms.twilio import API_BASE


class SmsAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=80)], render_kw={"placeholder": _l("SMS support")})
    number = StringField(_l("Twilio phone number"), validators=[Length(max=40)],
                         render_kw={"placeholder": "+33612345678", "autocomplete": "off", "inputmode": "tel"})
    account_sid = StringField(_l("Account SID"), validators=[Length(max=64)],
                              render_kw={"placeholder": "AC…", "autocomplete": "off", "spellcheck": "false"})
    auth_token = PasswordField(_l("Auth Token"), validators=[Optional(), Length(max=64)],
                               render_kw={"autocomplete": "new-password"})
    messaging_service_sid = StringField(_l("Messaging Service SID (optional)"), validators=[Length(max=64)],
                                        render_kw={"placeholder": "MG…", "autocomplete": "off",
                                                   "spellcheck": "false"})
    group_id = SelectField(_l("New tickets go to"), coerce=int, choices=[], validate_choice=False)
    enabled = BooleanField(_l("Accept messages for this number"), default=True)
    api_base = StringField(_l("Twilio API address"), default=API_BASE, validators=[Length(max=200)],
                           render_kw={"autocomplete": "off", "spellcheck": "false"})
