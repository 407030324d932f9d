"""Settings forms for a WhatsApp number, a Facebook page and an Instagram account."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.channels.meta.graph import DEFAULT_BASE

_SECRET = {"autocomplete": "new-password", "spellcheck": "false"}


class MetaAccountForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the channel a name.")), Length(max=80)])
    app_secret = PasswordField(_l("App secret"), validators=[Optional()], render_kw=_SECRET)
    access_token = PasswordField(_l("Access token"), validators=[Optional()], render_kw=_SECRET)
    verify_token = PasswordField(_l("Verify token"), validators=[Optional()], render_kw=_SECRET)
    graph_url = StringField(_l("Graph API address"), default=DEFAULT_BASE, validators=[Optional(), Length(max=300)],
                            render_kw={"spellcheck": "false"})
    group_id = SelectField(_l("New conversations go to"), coerce=int, choices=[], validate_choice=False)
    enabled = BooleanField(_l("Accept messages and send replies on this channel"), default=True)


class WhatsAppForm(MetaAccountForm):
    address = StringField(_l("Phone number id"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    display_phone = StringField(_l("Display phone number (optional)"), validators=[Optional()],
                                render_kw={"placeholder": "+33 6 12 34 56 78", "autocomplete": "off"})
    business_account_id = StringField(_l("WhatsApp Business account id (optional)"), validators=[Optional()],
                                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    templates = TextAreaField(_l("Approved message templates"), validators=[Optional()],
                              render_kw={"rows": 5, "spellcheck": "false",
                                         "placeholder": "order_update|en_US|Hello, about your order: {{1}}"})


class MessengerForm(MetaAccountForm):
    address = StringField(_l("Facebook page id"), render_kw={"inputmode": "numeric", "autocomplete": "off"})


class InstagramForm(MetaAccountForm):
    address = StringField(_l("Instagram account id"), render_kw={"inputmode": "numeric", "autocomplete": "off"})


FORMS = {"whatsapp": WhatsAppForm, "messenger": MessengerForm, "instagram": InstagramForm}
