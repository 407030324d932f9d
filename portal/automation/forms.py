"""The rule form: name, when it runs, conditions and actions as fixed rows (empty rows are ignored).

Fields carry no validators of their own: rules.clean_rule checks everything, for the page and the CLI alike,
and names the row of each problem.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.automation import rules

ROWS = 6


class ConditionRow(Form):
    field = SelectField(_l("Field"), choices=[], validate_choice=False)
    op = SelectField(_l("Operator"), choices=[], validate_choice=False)
    value = StringField(_l("Value"))


class ActionRow(Form):
    type = SelectField(_l("Action"), choices=[], validate_choice=False)
    value = TextAreaField(_l("Value"), render_kw={"rows": 1})


class RuleForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": 120, "autocomplete": "off"})
    kind = RadioField(_l("Runs"), choices=[("trigger", _l("When something happens to a ticket")),
                                           ("timed", _l("After some time (checked every few minutes)"))],
                      default="trigger", validate_choice=False)
    events = SelectMultipleField(_l("Events"), choices=list(rules.EVENTS.items()), validate_choice=False,
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    since = SelectField(_l("Counted"), choices=list(rules.SINCE.items()), validate_choice=False)
    hours = StringField(_l("Hours"), render_kw={"inputmode": "numeric", "size": 5})
    match = RadioField(_l("Conditions to meet"), choices=[("all", _l("All of them")), ("any", _l("Any of them"))],
                       default="all", validate_choice=False)
    conditions = FieldList(FormField(ConditionRow), min_entries=ROWS)
    actions = FieldList(FormField(ActionRow), min_entries=ROWS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # row.form: a FormField's own attributes (type, name...) hide the sub-form's fields of the same name
        for row in self.conditions:
            row.form.field.choices = [("", _l("Field…"))] + [(key, f.label) for key, f in rules.FIELDS.items()]
            row.form.op.choices = [("", _l("Operator…"))] + list(rules.OPERATORS.items())
        for row in self.actions:
            row.form.type.choices = [("", _l("Action…"))] + [(key, label) for key, (label, _k) in rules.ACTIONS.items()]

    def values(self) -> dict:
        """What rule_services.save_rule takes."""
        return {"name": self.name.data, "kind": self.kind.data, "events": self.events.data or [],
                "since": self.since.data, "hours": self.hours.data, "match": self.match.data,
                "conditions": [dict(row.data) for row in self.conditions],
                "actions": [dict(row.data) for row in self.actions]}


def form_data(rule) -> dict:
    """A saved rule as the form's data, values written as a person types them; two spare rows at least."""
    if rule is None:
        return {}
    conditions = [{"field": c.get("field"), "op": c.get("op"),
                   "value": rules.value_text(rules.FIELDS[c["field"]].values if c.get("field") in rules.FIELDS
                                             else "none", c.get("value"))} for c in rule.conditions or []]
    actions = [{"type": a.get("type"), "value": rules.value_text(rules.ACTIONS.get(a.get("type"), ("", "none"))[1],
                                                                 a.get("value"))} for a in rule.actions or []]
    blank_c, blank_a = {"field": "", "op": "", "value": ""}, {"type": "", "value": ""}
    return {"name": rule.name, "kind": rule.kind, "events": list(rule.events or []),
            "since": (rule.timing or {}).get("since", "created"), "hours": str((rule.timing or {}).get("hours", "")),
            "match": rule.match, "conditions": conditions + [blank_c] * max(ROWS - len(conditions), 2),
            "actions": actions + [blank_a] * max(ROWS - len(actions), 2)}
