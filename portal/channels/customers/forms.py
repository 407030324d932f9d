"""Forms of the customer page: add an identity, confirm a merge."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length


class IdentityForm(FlaskForm):
    kind = SelectField(_l("Type"), choices=[], validate_choice=False)
    value = StringField(_l("Address, number or id"), validators=[
        DataRequired(message=_l("Enter an email address, a phone number or an id.")), Length(max=254)],
        render_kw={"autocomplete": "off"})


class MergeForm(FlaskForm):
    other = HiddenField(validators=[DataRequired()])
    keep = RadioField(_l("Which record is kept?"), choices=[("this", "this"), ("other", "other")], default="this",
                      validators=[DataRequired(message=_l("Choose the record to keep."))])
