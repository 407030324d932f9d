"""Mailbox settings form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class MailboxForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Give the mailbox a name.")), Length(max=80)])
    address = StringField(_l("Support address"), validators=[DataRequired(message=_l("Enter the support address."))],
                          render_kw={"placeholder": "support@myshop.example", "autocomplete": "off"})
    from_name = StringField(_l("Sender name on replies"), validators=[Optional(), Length(max=120)])
    group_id = SelectField(_l("New tickets go to"), coerce=int, choices=[], validate_choice=False)
    imap_host = StringField(_l("IMAP server (optional)"), validators=[Optional(), Length(max=200)],
                            render_kw={"placeholder": "imap.myshop.example"})
    imap_port = IntegerField(_l("Port"), validators=[Optional(), NumberRange(1, 65535, message=_l(
        "A port is a number from 1 to 65535."))])
    imap_security = SelectField(_l("Security"), choices=[("ssl", _l("TLS (port 993)")), ("starttls", _l("STARTTLS")),
                                                         ("none", _l("None (local test server only)"))])
    imap_username = StringField(_l("User name"), validators=[Optional(), Length(max=200)],
                                render_kw={"autocomplete": "off"})
    imap_password = PasswordField(_l("Password"), validators=[Optional()],
                                  render_kw={"autocomplete": "new-password"})
    imap_folder = StringField(_l("Folder"), default="INBOX", validators=[Optional(), Length(max=200)])
    processed_action = SelectField(_l("Fetched mail"), choices=[("flag", _l("Mark as read and flag it")),
                                                                ("move", _l("Move it to a folder"))])
    processed_folder = StringField(_l("Folder for fetched mail"), default="Processed",
                                   validators=[Optional(), Length(max=200)])
    enabled = BooleanField(_l("Fetch and accept mail for this mailbox"), default=True)
