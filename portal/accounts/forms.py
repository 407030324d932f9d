"""Account forms. They only check presence and confirmation; the services validate the rest."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired

from portal.accounts.models import ROLE_LABELS, STAFF_ROLES, Role


def _email(label=_l("Email")):
    return EmailField(label, validators=[DataRequired(message=_l("Enter your email address."))],
                      render_kw={"autocomplete": "email", "spellcheck": "false"})


def _password(label, autocomplete, message=_l("Enter a password.")):
    return PasswordField(label, validators=[InputRequired(message=message)],
                         render_kw={"autocomplete": autocomplete})


def _confirm(of):
    return PasswordField(_l("Confirm the password"), render_kw={"autocomplete": "new-password"},
                         validators=[InputRequired(message=_l("Type the password again.")),
                                     EqualTo(of, message=_l("The two passwords do not match."))])


class LoginForm(FlaskForm):
    email = _email()
    password = _password(_l("Password"), "current-password", _l("Enter your password."))
    remember = BooleanField(_l("Remember me on this device"))


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), render_kw={"autocomplete": "name"})
    email = _email()
    password = _password(_l("Password"), "new-password")
    confirm = _confirm("password")
    accept = BooleanField(_l("I accept the terms of use and the privacy policy"),
                          validators=[DataRequired(message=_l("Please accept the terms to create an account."))])


class ForgotPasswordForm(FlaskForm):
    email = _email()


class ResetPasswordForm(FlaskForm):
    password = _password(_l("New password"), "new-password")
    confirm = _confirm("password")


class AcceptInviteForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[DataRequired(message=_l("Enter your name."))],
                       render_kw={"autocomplete": "name"})
    password = _password(_l("Password"), "new-password")
    confirm = _confirm("password")


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Language"), choices=[SelectChoice("auto", _l("Automatic (from your browser)")),
                                                  SelectChoice("en", "English"), SelectChoice("fr", "Français")])
    submit = SubmitField(_l("Save"))


class PasswordForm(FlaskForm):
    current_password = _password(_l("Current password"), "current-password", _l("Enter your current password."))
    new_password = _password(_l("New password"), "new-password", _l("Enter a new password."))
    confirm = _confirm("new_password")
    submit = SubmitField(_l("Change password"))


class EmailForm(FlaskForm):
    new_email = _email(_l("New email address"))
    password = _password(_l("Current password"), "current-password", _l("Enter your current password."))
    submit = SubmitField(_l("Send a confirmation link"))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter an email address."))],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in STAFF_ROLES])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in Role])


def _one_time_code(label=_l("6-digit code from your app")):
    return StringField(label, validators=[InputRequired(message=_l("Enter the 6-digit code from your app."))],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false",
                                  "autocapitalize": "off", "maxlength": "9", "size": "9"})


class TwoFactorCodeForm(FlaskForm):
    """The second step of a login, or the confirmation of a new setup."""
    code = _one_time_code()


class RecoveryCodeForm(FlaskForm):
    recovery_code = StringField(_l("Recovery code"),
                                validators=[InputRequired(message=_l("Enter one of your recovery codes."))],
                                render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"})


class SecretConfirmForm(FlaskForm):
    """A sensitive change confirmed with the password (turning two-factor login off, new recovery codes)."""
    password = _password(_l("Current password"), "current-password", _l("Enter your current password."))


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class SecurityPolicyForm(FlaskForm):
    require_staff_two_factor = BooleanField(_l("Require two-factor login for every staff member"))


class CheckboxList(SelectMultipleField):
    """Several choices as a list of checkboxes."""
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class StaffRoleForm(FlaskForm):
    """A custom staff role: its name and the permissions it holds (checked by portal.accounts.roles)."""
    name = StringField(_l("Name"), validators=[InputRequired(message=_l("Give the role a name."))])
    permissions = CheckboxList(_l("Permissions"), validate_choice=False)


class MemberAccessForm(FlaskForm):
    """A team member's custom role and the stores they see."""
    staff_role = SelectField(_l("Custom role"), validate_choice=False)
    stores = CheckboxList(_l("Stores they see (none checked: every store)"), coerce=int, validate_choice=False)
