"""The form that creates a personal access token (the service checks the values)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length

# Resource -> its name on the settings page; a scope is "<resource>:read" or "<resource>:write".
RESOURCE_LABELS = {
    "tickets": _l("Tickets"), "customers": _l("Customers"), "orders": _l("Orders"),
    "help_center": _l("Help center"), "community": _l("Community"), "macros": _l("Macros"),
    "groups": _l("Groups"), "users": _l("Users"),
}
EXPIRY_CHOICES = [("", _l("Never")), ("30", _l("In 30 days")), ("90", _l("In 90 days")),
                  ("365", _l("In a year"))]


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the token a name.")), Length(max=80)],
                       render_kw={"autocomplete": "off"})
    expires = SelectField(_l("Expires"), choices=EXPIRY_CHOICES, default="")
    scopes = SelectMultipleField(_l("Scopes"), choices=[], validate_choice=False)


class RevokeForm(FlaskForm):
    """A CSRF-protected button."""
