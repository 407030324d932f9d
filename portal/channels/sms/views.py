"""Managers: connect a Twilio number and test it; Twilio: the inbound message and status webhooks."""
import urllib.parse

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.channels import accounts, contacts, webhooks
from portal.channels.sms import services
from portal.channels.sms.forms import SmsAccountForm
from portal.channels.sms.twilio import API_BASE, valid_signature
from portal.channels.webhooks import Rejected
from portal.errors import DomainError, NotFound
from portal.extensions import csrf, db
from portal.staff.access import permission_required
from portal.tickets.models import Ticket, TicketGroup
from portal.tickets.web import put_error_on_form
from portal.uploads.storage import StorageUnavailable

bp = Blueprint("sms", __name__)
manage_required = permission_required("settings.manage")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
OUTCOMES = {"new_ticket": _l("New ticket"), "reply": _l("Added to the open ticket"), "duplicate": _l("Duplicate"),
            "opt_out": _l("Opted out (STOP)"), "opt_in": _l("Opted in again (START)"),
            "status": _l("Delivery status"), "ignored": _l("Ignored (not one of our messages)")}


def _form(account=None) -> SmsAccountForm:
    form = SmsAccountForm()
    if account is not None and request.method == "GET":
        form.name.data, form.number.data, form.enabled.data = account.name, account.address, account.enabled
        form.group_id.data = account.group_id or 0
        for key in ("account_sid", "messaging_service_sid", "api_base"):
            getattr(form, key).data = accounts.setting(account, key) or ("" if key != "api_base" else API_BASE)
    groups = db.session.scalars(select(TicketGroup).order_by(TicketGroup.name))
    form.group_id.choices = [(0, _("No group"))] + [(g.id, g.name) for g in groups]
    return form


def _save(form, account=None):
    return services.save_sms_account(
        account, name=form.name.data, number=form.number.data, account_sid=form.account_sid.data,
        auth_token=form.auth_token.data, messaging_service_sid=form.messaging_service_sid.data,
        group_id=form.group_id.data or None, enabled=form.enabled.data, api_base=form.api_base.data)


@bp.route("/staff/settings/channels/sms/new", methods=["GET", "POST"])
@manage_required
def sms_new():
    """Connect a Twilio number."""
    form = _form()
    if form.validate_on_submit():
        try:
            account = _save(form)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("SMS number %(number)s connected. Now paste the two URLs below into Twilio.",
                    number=account.address), "success")
            return redirect(url_for("sms.sms_edit", account_id=account.id))
    return render_template("channels/sms/account.html", form=form, account=None), 400 if form.errors else 200


@bp.route("/staff/settings/channels/sms/<int:account_id>", methods=["GET", "POST"])
@manage_required
def sms_edit(account_id):
    """Change a Twilio number, test its credentials, see its last events."""
    try:
        account = accounts.get_account(account_id, services.KIND)
    except NotFound:
        abort(404)
    form, tested = _form(account), None
    if request.method == "POST" and request.form.get("action") == "test":  # CSRFProtect checked the token
        tested = services.test_connection(account)
    elif form.validate_on_submit():
        try:
            _save(form, account)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("SMS number saved."), "success")
            return redirect(url_for("sms.sms_edit", account_id=account.id))
    return render_template("channels/sms/account.html", form=form, account=account, tested=tested,
                           token=accounts.masked_secrets(account).get("auth_token"),
                           inbound_url=services.hook_url(account, "inbound"),
                           status_url=services.hook_url(account, "status"), events=_events(account),
                           outcomes=OUTCOMES), 400 if form.errors else 200


def _events(account):
    """The last events with the number of the ticket each one touched."""
    events = services.recent_events(account)
    ids = {e.ticket_id for e in events if e.ticket_id}
    numbers = {t.id: t.number for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)))} if ids else {}
    return [(event, numbers.get(event.ticket_id)) for event in events]


# --- Twilio's webhooks --------------------------------------------------------------------------

@bp.route("/hooks/sms/<int:account_id>", methods=["POST"])
@csrf.exempt
def inbound_webhook(account_id):
    """An inbound SMS/MMS, form-encoded and signed by Twilio; answered with empty TwiML."""
    def handle():
        account, fields = _signed(account_id)
        sid = fields.get("MessageSid") or fields.get("SmsMessageSid")
        if not sid or not fields.get("From"):
            raise Rejected(400, "missing_field", "MessageSid and From are required")
        if not contacts.E164.match(contacts.normalize("phone", fields["From"])):
            raise Rejected(400, "bad_from", "From is not a phone number")
        _receive(account, {**fields, "MessageSid": sid})
        return Response(EMPTY_TWIML, mimetype="text/xml")
    return webhooks.run(handle)


def _receive(account, fields) -> None:
    """Store the message; once more when another worker stored the same number's first message meanwhile
    (its new customer record or the same MessageSid, which the second try then sees)."""
    try:
        services.receive_message(account, fields)
        return
    except StorageUnavailable as exc:  # the media could not be stored: 503, so the provider tries again
        db.session.rollback()
        raise Rejected(503, "storage_unavailable", exc.message) from None
    except (IntegrityError, DomainError):
        db.session.rollback()
    try:
        services.receive_message(webhooks.account_for(account.id, services.KIND), fields)
    except StorageUnavailable as exc:
        raise Rejected(503, "storage_unavailable", exc.message) from None
    except DomainError as exc:  # a message the desk cannot take
        raise Rejected(422, "refused", exc.message) from None


@bp.route("/hooks/sms/<int:account_id>/status", methods=["POST"])
@csrf.exempt
def status_webhook(account_id):
    """Twilio's status callback for a message we sent (queued, sent, delivered, failed, undelivered)."""
    def handle():
        account, fields = _signed(account_id)
        sid = fields.get("MessageSid") or fields.get("SmsSid")
        status = fields.get("MessageStatus") or fields.get("SmsStatus")
        if not sid or not status:
            raise Rejected(400, "missing_field", "MessageSid and MessageStatus are required")
        outcome = services.receive_status(account, {**fields, "MessageSid": sid, "MessageStatus": status})
        return {"outcome": outcome}
    return webhooks.run(handle)


def _signed(account_id):
    """(account, form fields) of a request whose X-Twilio-Signature is right; Rejected otherwise."""
    account = webhooks.account_for(account_id, services.KIND)
    raw = webhooks.raw_body()
    try:
        pairs = urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True,
                                       max_num_fields=500)
    except ValueError:
        raise Rejected(400, "bad_form", "the body is not a form") from None
    given = request.headers.get("X-Twilio-Signature")
    if not given:
        raise Rejected(401, "missing_signature", "X-Twilio-Signature is missing")
    _base, _sid, token = services.credentials(account)
    if not valid_signature(token, webhooks.public_url(), pairs, given):
        raise Rejected(401, "bad_signature", "X-Twilio-Signature does not match")
    return account, dict(pairs)
