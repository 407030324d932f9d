"""Store connection form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.orders.models import PLATFORM_LABELS


class StoreForm(FlaskForm):
    platform = SelectField(_l("Platform"), choices=[(p.value, label) for p, label in PLATFORM_LABELS.items()])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the store a name.")), Length(max=120)])
    domain = StringField(_l("Shop domain"), validators=[DataRequired(message=_l("Enter the shop's domain.")),
                                                        Length(max=200)], render_kw={"placeholder": "myshop.example.com"})
    timezone = StringField(_l("Time zone"), default="Europe/Paris")
    webhook_secret = PasswordField(_l("Webhook secret"), validators=[Optional()])
    api_url = StringField(_l("API URL (optional)"), validators=[Optional(), Length(max=300)])
    api_token = PasswordField(_l("API token (optional)"), validators=[Optional()])
