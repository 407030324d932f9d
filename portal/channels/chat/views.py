"""Managers: set up a chat widget (its sites, greeting, group) and copy the tag to paste on the shop."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts
from portal.channels.chat import settings
from portal.channels.chat.forms import ChatForm
from portal.errors import DomainError
from portal.extensions import db
from portal.staff.access import permission_required
from portal.tickets.models import TicketGroup
from portal.tickets.web import put_error_on_form

bp = Blueprint("chat", __name__)
manage_required = permission_required("settings.manage")


def _form(account=None) -> ChatForm:
    data = {}
    if account is not None:
        texts = accounts.setting(account, "greeting", {}) or {}
        data = {"name": account.name, "origins": "\n".join(settings.origins(account)), "enabled": account.enabled,
                "greeting_en": texts.get("en", ""), "greeting_fr": texts.get("fr", ""),
                "group_id": account.group_id or 0}
    form = ChatForm(data=data) if account is not None else ChatForm()
    groups = db.session.scalars(select(TicketGroup).order_by(TicketGroup.name))
    form.group_id.choices = [(0, _("No group"))] + [(g.id, g.name) for g in groups]
    return form


def _save(form, account=None):
    return settings.save_chat(name=form.name.data, origins_text=form.origins.data, greeting_en=form.greeting_en.data,
                              greeting_fr=form.greeting_fr.data, group_id=form.group_id.data or None,
                              enabled=form.enabled.data, account=account)


def _submit(form, account=None):
    """Save a valid form and go to the widget's page; None (field errors on the form) otherwise."""
    if not form.validate_on_submit():
        return None
    try:
        saved = _save(form, account)
    except DomainError as exc:
        put_error_on_form(form, exc)
        return None
    db.session.commit()
    flash(_("Chat saved. Paste the tag below on your shop's pages.") if account is None else _("Chat saved."),
          "success")
    return redirect(url_for("chat.chat_edit", account_id=saved.id))


@bp.route("/staff/settings/channels/chat/new", methods=["GET", "POST"])
@manage_required
def chat_new():
    """Set up a new chat widget."""
    form = _form()
    return _submit(form) or (render_template("channels/chat/edit.html", form=form, account=None,
                                             default_greeting=settings.DEFAULT_GREETING),
                             400 if form.errors or form.form_errors else 200)


@bp.route("/staff/settings/channels/chat/<int:account_id>", methods=["GET", "POST"])
@manage_required
def chat_edit(account_id):
    """Change a chat widget; its tag to paste."""
    account = accounts.get_account(account_id, "chat")
    form = _form(account)
    return _submit(form, account) or (render_template("channels/chat/edit.html", form=form, account=account,
                                                      default_greeting=settings.DEFAULT_GREETING),
                                      400 if form.errors or form.form_errors else 200)
