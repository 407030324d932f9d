"""Forms for business-hours calendars and SLA policies (the services validate the values)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

DAY_LABELS = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
              _l("Sunday"))


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CalendarForm(FlaskForm):
    name = StringField(_l("Name"))
    timezone = StringField(_l("Time zone"), default="Europe/Paris")
    day0 = StringField(DAY_LABELS[0])
    day1 = StringField(DAY_LABELS[1])
    day2 = StringField(DAY_LABELS[2])
    day3 = StringField(DAY_LABELS[3])
    day4 = StringField(DAY_LABELS[4])
    day5 = StringField(DAY_LABELS[5])
    day6 = StringField(DAY_LABELS[6])
    country = StringField(_l("Public holidays of (country code)"), default="FR")
    subdivision = StringField(_l("Region (optional)"))
    closed_dates = TextAreaField(_l("Other closed days (one date per line, YYYY-MM-DD)"), render_kw={"rows": 4})
    store_id = SelectField(_l("For the store"), choices=[], validate_choice=False)
    group_id = SelectField(_l("For the group"), choices=[], validate_choice=False)
    is_default = BooleanField(_l("Default calendar (tickets of other stores and groups)"))


class PolicyForm(FlaskForm):
    name = StringField(_l("Name"))
    first = StringField(_l("First response within"))
    next_ = StringField(_l("Next response within"))
    resolution = StringField(_l("Resolution within"))
    calendar_id = SelectField(_l("Counted in the hours of"), choices=[], validate_choice=False)
    pause_when_waiting = BooleanField(_l("Stop the resolution clock while pending or on hold"), default=True)
    priorities = CheckboxList(_l("Priorities (none ticked: all)"), choices=[], validate_choice=False)
    channels = CheckboxList(_l("Channels (none ticked: all)"), choices=[], validate_choice=False)
    store_ids = CheckboxList(_l("Stores (none ticked: all)"), choices=[], validate_choice=False)
    group_ids = CheckboxList(_l("Groups (none ticked: all)"), choices=[], validate_choice=False)
    warn_before = StringField(_l("Warn this long before a target"), default="1h")
    warn_actions = CheckboxList(_l("When a target is near"), choices=[], validate_choice=False)
    breach_actions = CheckboxList(_l("When a target is missed"), choices=[], validate_choice=False)
    breach_tag = StringField(_l("Tag to add when missed"))
    enabled = BooleanField(_l("On"), default=True)
