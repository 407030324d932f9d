"""Agents: log a call on a ticket, open a ticket from a call; managers: phone lines; the call-event webhook."""
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.channels import accounts, webhooks
from portal.channels.phone import aircall, calls, services
from portal.channels.phone.forms import CallLogForm, CallTicketForm, PhoneAccountForm
from portal.errors import DomainError, NotFound
from portal.extensions import csrf, db
from portal.inputs import takes_json
from portal.orders import crypto
from portal.staff.access import permission_required
from portal.tickets import services as ticket_services
from portal.tickets.models import Channel, TicketGroup
from portal.tickets.web import put_error_on_form

bp = Blueprint("phone", __name__)
work_required = permission_required("tickets.work")
manage_required = permission_required("settings.manage")
OUTCOMES = {"new_ticket": _l("New phone ticket"), "reply": _l("Added to the caller's conversation"),
            "note": _l("Filed on the caller's open ticket"), "recorded": _l("Event recorded"),
            "ignored": _l("Ignored (no caller number)")}


def call_log_form(ticket, customer=None) -> CallLogForm:
    """The ticket page's "Log a call" form: the one that failed (with its errors) or a fresh one."""
    if g.get("call_form") is not None:
        return g.call_form
    number = ticket.channel_address if ticket.channel in (Channel.PHONE, Channel.SMS, Channel.WHATSAPP) else None
    if not number and customer:
        number = customer.identity("phone")
    return CallLogForm(formdata=None, number=number or "")


@bp.route("/staff/tickets/<int:number>/calls", methods=["POST"])
@work_required
def log_call(number):
    """Log a call on the ticket as an internal note."""
    from portal.tickets.staff_views import _page  # the ticket page, shown again with this form's errors

    ticket = ticket_services.get_ticket(number, viewer=current_user, staff=True)
    form = CallLogForm()
    if form.validate_on_submit():
        try:
            calls.log_call(ticket, number=form.number.data, direction=form.direction.data,
                           duration=form.duration.data, notes=form.notes.data, recording=form.recording_url.data,
                           actor=current_user)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Call logged."), "success")
            return redirect(url_for("staff_tickets.show", number=ticket.number))
    g.call_form = form
    return _page(ticket, status=400)


@bp.route("/staff/calls/new", methods=["GET", "POST"])
@work_required
def new_call():
    """Open a ticket from a phone call (the caller is found or created by number)."""
    form = CallTicketForm()
    if form.validate_on_submit():
        try:
            ticket = calls.open_from_call(number=form.number.data, name=form.name.data,
                                          direction=form.direction.data, duration=form.duration.data,
                                          notes=form.notes.data, subject=form.subject.data, actor=current_user)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Ticket #%(number)s opened from the call.", number=ticket.number), "success")
            return redirect(url_for("staff_tickets.show", number=ticket.number))
    return render_template("channels/phone/new_call.html", form=form), 400 if form.errors or form.form_errors \
        else 200


@bp.route("/hooks/phone/<int:account_id>", methods=["POST"])
@csrf.exempt
@takes_json
def webhook(account_id):
    """Call events from the phone system (Aircall's webhook shape), authenticated by the body's token."""
    return webhooks.run(lambda: aircall.handle(account_id))


# --- phone lines (managers) ----------------------------------------------------------------------

def _form(account=None) -> PhoneAccountForm:
    form = PhoneAccountForm()
    if account is not None and request.method == "GET":
        form.name.data, form.enabled.data, form.group_id.data = account.name, account.enabled, account.group_id or 0
    groups = db.session.scalars(select(TicketGroup).order_by(TicketGroup.name))
    form.group_id.choices = [(0, _("No group"))] + [(group.id, group.name) for group in groups]
    return form


def _save(form, account=None):
    return services.save_phone_account(account, name=form.name.data, webhook_token=form.webhook_token.data,
                                       group_id=form.group_id.data or None, enabled=form.enabled.data)


@bp.route("/staff/settings/channels/phone/new", methods=["GET", "POST"])
@manage_required
def phone_new():
    """Connect a phone system's call events."""
    form = _form()
    if form.validate_on_submit():
        try:
            account, generated = _save(form)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            if generated:
                flash(_("Phone line %(name)s connected. Its webhook token (shown once): %(token)s",
                        name=account.name, token=generated), "success")
            else:
                flash(_("Phone line %(name)s connected.", name=account.name), "success")
            return redirect(url_for("phone.phone_edit", account_id=account.id))
    return _account_page(form, None)


@bp.route("/staff/settings/channels/phone/<int:account_id>", methods=["GET", "POST"])
@manage_required
def phone_edit(account_id):
    """Change a phone line, generate a new token, see its last call events."""
    try:
        account = accounts.get_account(account_id, services.KIND)
    except NotFound:
        abort(404)
    form, new_token = _form(account), None
    if request.method == "POST" and request.form.get("action") == "rotate":  # CSRFProtect checked the token
        new_token = services.rotate_token(account)
        db.session.commit()
    elif form.validate_on_submit():
        try:
            _save(form, account)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Phone line saved."), "success")
            return redirect(url_for("phone.phone_edit", account_id=account.id))
    return _account_page(form, account, new_token=new_token)


def _account_page(form, account, new_token=None):
    masked = crypto.masked(accounts.secret(account, aircall.TOKEN_KEY)) if account else None
    events = services.recent_events(account) if account else []
    return render_template("channels/phone/account.html", form=form, account=account, masked_token=masked,
                           new_token=new_token, events=events, outcomes=OUTCOMES, webhook_url=_hook_url(account)), \
        400 if form.errors or form.form_errors else 200


def _hook_url(account) -> str | None:
    """The webhook URL to paste into the phone system (on CHANNELS_PUBLIC_URL behind a proxy)."""
    if account is None:
        return None
    base = current_app.config.get("CHANNELS_PUBLIC_URL")
    path = url_for("phone.webhook", account_id=account.id)
    return base.rstrip("/") + path if base else url_for("phone.webhook", account_id=account.id, _external=True)
