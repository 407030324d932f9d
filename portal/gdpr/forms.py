"""Forms of the privacy page (customers) and the personal data page (managers); all carry a CSRF token."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, InputRequired, Length


class ExportForm(FlaskForm):
    """The customer's own data: nothing to fill in, the token is the point."""


class ErasureRequestForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[InputRequired(message=_l("Enter your password."))],
                             render_kw={"autocomplete": "current-password"})


class StaffExportForm(FlaskForm):
    email = EmailField(_l("Customer's email address"), validators=[
        InputRequired(message=_l("Enter an email address.")), Length(max=254),
        Email(message=_l("Enter a valid email address."))])


class StaffEraseForm(StaffExportForm):
    confirm = BooleanField(_l("I understand this cannot be undone."),
                           validators=[DataRequired(message=_l("Tick the box to confirm."))])
