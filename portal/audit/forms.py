"""The log page's filters (a GET form: it changes nothing, so it has no CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from portal.audit import actions as action_names
from portal.audit import queries
from portal.audit.queries import AuditFilters


DAY_FORMAT = _l("Enter a day as YYYY-MM-DD.")


def _plausible_day(form, field):
    if field.data and not 1970 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a day between 1970 and 2999."))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    person = SelectField(_l("Person"), validators=[Optional()], validate_choice=False)
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=False)
    since = DateField(_l("From"), validators=[Optional(), _plausible_day], invalid_value_message=DAY_FORMAT)
    until = DateField(_l("To"), validators=[Optional(), _plausible_day], invalid_value_message=DAY_FORMAT)
    q = StringField(_l("Text"), validators=[Optional(), Length(max=100)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.person.choices = [SelectChoice("", _l("Everyone"))] + [SelectChoice(e, e) for e in queries.people()]
        self.action.choices = [SelectChoice("", _l("All actions"))] + [
            SelectChoice(a, action_names.label(a)) for a in queries.actions()]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("Choose a day on or after the first day."))

    def filters(self) -> AuditFilters:
        """The filters as the query takes them (call after validate)."""
        return AuditFilters(person=_clean(self.person.data), action=_clean(self.action.data),
                            since=self.since.data, until=self.until.data, text=_clean(self.q.data))


def _clean(value) -> str | None:
    """A text filter without NUL characters (no stored value has one; PostgreSQL refuses them)."""
    return (value or "").replace("\x00", "").strip() or None
