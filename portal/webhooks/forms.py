"""The subscription form: a name, the receiving URL, the events, and whether internal notes go too."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

EVENT_LABELS = {
    "ticket.created": _l("A ticket is created"),
    "ticket.updated": _l("A ticket's status, priority, assignee, group, tags or order changes"),
    "ticket.solved": _l("A ticket is solved"),
    "message.created": _l("A message is added (a reply; internal notes only if ticked below)"),
    "csat.received": _l("A customer answers the satisfaction survey"),
    "order.linked": _l("An order is linked to a ticket"),
}


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Give the webhook a name.")),
        Length(max=80, message=_l("The name is too long (at most 80 characters)."))])
    url = StringField(_l("URL"), validators=[DataRequired(message=_l("Enter the URL that receives the events."))],
                      render_kw={"placeholder": "https://shop.example/hooks/comptoir", "inputmode": "url"})
    events = CheckboxList(_l("Events"), choices=list(EVENT_LABELS.items()),
                          validate_choice=False,  # the service names unknown events on the field
                          validators=[DataRequired(message=_l("Choose at least one event from the list."))])
    include_notes = BooleanField(_l("Send internal notes too (message.created)"))

    def values(self) -> dict:
        return {"name": self.name.data, "url": self.url.data, "events": self.events.data or [],
                "include_notes": self.include_notes.data}
