"""Ticket forms: contact, portal request, replies, staff composer and fields, macros, bulk actions."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, EmailField, HiddenField, IntegerField, MultipleFileField, SelectField, StringField, TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from portal.tickets.models import PRIORITY_LABELS, STATUS_LABELS, Status

TOPIC_LABELS = {
    "order": _l("My order"), "shipping": _l("Shipping and delivery"), "returns": _l("Returns and exchanges"),
    "payment": _l("Payment and refunds"), "product": _l("A product"), "account": _l("My account"),
    "other": _l("Something else"), "where_is_my_order": _l("Where is my order?"),
    "return_exchange": _l("Return or exchange"), "damaged_wrong": _l("Damaged or wrong item"),
    "cancel": _l("Cancel my order"),
}


def _topics():
    return [("", _l("Choose a topic"))] + list(TOPIC_LABELS.items())


def _subject():
    return StringField(_l("Subject"), validators=[DataRequired(message=_l("Tell us what it is about.")),
                                                  Length(max=200)],
                       render_kw={"autocomplete": "off", "data-suggest-subject": "1"})


def _body(label=_l("Message")):
    return TextAreaField(label, validators=[DataRequired(message=_l("Write your message."))],
                         render_kw={"rows": 8})


def _files():
    return MultipleFileField(_l("Attachments (optional)"))


class ContactForm(FlaskForm):
    email = EmailField(_l("Your email"), validators=[DataRequired(message=_l("Enter your email address.")),
                                                     Email(message=_l("Enter a valid email address."),
                                                           check_deliverability=False)],
                       render_kw={"autocomplete": "email"})
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)], render_kw={"autocomplete": "name"})
    topic = SelectField(_l("Topic"), choices=_topics, validators=[Optional()])
    subject = _subject()
    body = _body()
    attachments = _files()
    website = StringField(_l("Leave this field empty"))  # honeypot, hidden from people


class PortalRequestForm(FlaskForm):
    topic = SelectField(_l("Topic"), choices=_topics, validators=[Optional()])
    subject = _subject()
    body = _body()
    attachments = _files()


class ReplyForm(FlaskForm):
    body = _body(_l("Your reply"))
    attachments = _files()


class ComposerForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[DataRequired(message=_l("Write a message."))],
                         render_kw={"rows": 8})
    kind = SelectField(_l("Type"), choices=[("public", _l("Public reply")), ("note", _l("Internal note"))])
    status = SelectField(_l("Then set status"), choices=[], validate_choice=False)
    attachments = _files()
    cc = StringField(_l("Cc"), render_kw={"autocomplete": "off"})
    macro_id = HiddenField()
    version = IntegerField(widget=HiddenField.widget)
    confirm = HiddenField()
    # A channel's approved message template (WhatsApp outside its 24-hour window); choices from the channel.
    template = SelectField(_l("Message template"), choices=[], validate_choice=False)

    def __init__(self, *args, ticket=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Keep status"))] + [
            (s.value, STATUS_LABELS[s]) for s in (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)]

    @property
    def cc_sent(self) -> bool:
        """The Cc field came with the form: a client that never showed it leaves the ticket's CCs alone."""
        return bool(self.cc.raw_data)


class TicketFieldsForm(FlaskForm):
    # Own ids: this form shares the ticket page with the composer, whose fields are also named status, version
    # and confirm; with the same ids the "Status" label pointed at the composer's "Then set status" select.
    status = SelectField(_l("Status"), choices=[], id="ticket-status")
    priority = SelectField(_l("Priority"), choices=[(p.value, label) for p, label in PRIORITY_LABELS.items()])
    assignee = SelectField(_l("Assignee"), choices=[])
    group = SelectField(_l("Group"), choices=[])
    tags = StringField(_l("Tags"), render_kw={"placeholder": _l("comma, separated")})
    version = IntegerField(widget=HiddenField.widget, id="ticket-version")
    confirm = HiddenField(id="ticket-confirm")

    def fill_choices(self, agents, groups):
        self.status.choices = [(s.value, label) for s, label in STATUS_LABELS.items()]
        self.assignee.choices = [("", _l("Unassigned"))] + [(str(a.id), a.display_name) for a in agents]
        self.group.choices = [("", _l("No group"))] + [(str(g.id), g.name) for g in groups]


class MergeForm(FlaskForm):
    target = StringField(_l("Merge into ticket number"), validators=[DataRequired(message=_l("Enter a ticket number."))])


class MacroForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(message=_l("Give the macro a title.")), Length(max=120)])
    body = TextAreaField(_l("Reply text"), render_kw={"rows": 8})
    shared = BooleanField(_l("Shared with the whole team"))
    set_status = SelectField(_l("Set status"), choices=[], validate_choice=False)
    set_priority = SelectField(_l("Set priority"), choices=[], validate_choice=False)
    set_group_id = SelectField(_l("Set group"), choices=[], validate_choice=False)
    add_tags = StringField(_l("Add tags"))

    def fill_choices(self, groups):
        self.set_status.choices = [("", _l("Do not change"))] + [
            (s.value, STATUS_LABELS[s]) for s in (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)]
        self.set_priority.choices = [("", _l("Do not change"))] + [(p.value, l) for p, l in PRIORITY_LABELS.items()]
        self.set_group_id.choices = [("", _l("Do not change"))] + [(str(g.id), g.name) for g in groups]


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=80)])


class SignatureForm(FlaskForm):
    # No Length here: agents.set_signature checks it for the page and the CLI alike (the page adds maxlength).
    signature = TextAreaField(_l("Signature"), render_kw={"rows": 6})
