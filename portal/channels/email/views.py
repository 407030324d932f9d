"""Managers: mailboxes (add, change, test the connection); staff: an email's original; the inbound webhook."""
import hashlib
import hmac
import os

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.channels.email import ingest as inbound
from portal.channels.email import services
from portal.channels.email.forms import MailboxForm
from portal.channels.email.models import InboundEmail, Mailbox
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.orders import crypto
from portal.staff.access import permission_required
from portal.tickets import services as ticket_services
from portal.tickets.models import TicketGroup
from portal.tickets.web import put_error_on_form

bp = Blueprint("mailboxes", __name__)
manage_required = permission_required("settings.manage")
FIELDS = ("name", "address", "from_name", "imap_host", "imap_port", "imap_security", "imap_username",
          "imap_password", "imap_folder", "processed_action", "processed_folder", "enabled")


def _form(mailbox=None) -> MailboxForm:
    form = MailboxForm(obj=mailbox)
    groups = db.session.scalars(select(TicketGroup).order_by(TicketGroup.name))
    form.group_id.choices = [(0, _("No group"))] + [(g.id, g.name) for g in groups]
    return form


def _save(form, mailbox=None):
    values = {name: getattr(form, name).data for name in FIELDS}
    return services.save_mailbox(mailbox, group_id=form.group_id.data or None, **values)


@bp.route("/staff/settings/mailboxes", methods=["GET", "POST"])
@manage_required
def index():
    """The mailboxes, and a form to add one."""
    form = _form()
    if form.validate_on_submit():
        try:
            mailbox = _save(form)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Mailbox %(address)s added. Inbound webhook secret (shown once): %(secret)s",
                    address=mailbox.address, secret=services.webhook_secret(mailbox)), "success")
            return redirect(url_for("mailboxes.edit", mailbox_id=mailbox.id))
    rows = list(db.session.scalars(select(Mailbox).order_by(Mailbox.name)))
    return render_template("channels/mailboxes.html", form=form, mailboxes=rows), 400 if form.errors else 200


@bp.route("/staff/settings/mailboxes/<int:mailbox_id>", methods=["GET", "POST"])
@manage_required
def edit(mailbox_id):
    """Change a mailbox, or test its IMAP connection."""
    mailbox = db.session.get(Mailbox, mailbox_id) or abort(404)
    form, test_error, tested = _form(mailbox), None, False
    if request.method == "POST" and request.form.get("action") == "test":
        tested, test_error = True, services.test_connection(mailbox)
    elif form.validate_on_submit():
        try:
            _save(form, mailbox)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Mailbox saved."), "success")
            return redirect(url_for("mailboxes.edit", mailbox_id=mailbox.id))
    return render_template("channels/mailbox.html", form=form, mailbox=mailbox, tested=tested, test_error=test_error,
                           webhook_secret=crypto.masked(crypto.decrypt(mailbox.webhook_secret_encrypted))), \
        400 if form.errors else 200


@bp.route("/staff/tickets/<int:number>/messages/<int:message_id>/original")
@permission_required("tickets.work")
def original(number, message_id):
    """The message as it arrived ("show original"), for staff who may see the ticket."""
    ticket = ticket_services.get_ticket(number, viewer=current_user, staff=True)
    record = db.session.scalar(select(InboundEmail).where(InboundEmail.ticket_message_id == message_id,
                                                          InboundEmail.ticket_id == ticket.id)) or abort(404)
    path = inbound.raw_path(record)
    if not path or not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype="text/plain", as_attachment=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response


@bp.route("/staff/tickets/<int:number>/mails/<int:mail_id>/retry", methods=["POST"])
@permission_required("tickets.work")
def retry_mail(number, mail_id):
    """Send a reply mail that was not delivered again."""
    from portal import mail
    from portal.mail import OutgoingMail

    ticket = ticket_services.get_ticket(number, viewer=current_user, staff=True)
    item = db.session.get(OutgoingMail, mail_id)
    if item is None or item.ticket_id != ticket.id:
        abort(404)
    if mail.requeue(item):
        db.session.commit()
        flash(_("The mail is queued again."), "success")
    return redirect(url_for("staff_tickets.show", number=number))


@bp.route("/hooks/email/<int:mailbox_id>", methods=["POST"])
@csrf.exempt
def inbound_webhook(mailbox_id):
    """Raw MIME POSTed by a mail provider, signed X-Comptoir-Signature: sha256=HMAC(secret, body)."""
    mailbox = db.session.get(Mailbox, mailbox_id)
    secret = crypto.decrypt(mailbox.webhook_secret_encrypted) if mailbox else None
    raw = request.get_data(cache=False)
    if mailbox is None or not secret or not _signed(raw, secret, request.headers.get("X-Comptoir-Signature", "")):
        return jsonify(error={"code": "bad_signature", "message": "unknown mailbox or bad signature"}), 401
    if len(raw) > current_app.config["MAIL_INBOUND_MAX_BYTES"]:
        return jsonify(error={"code": "too_large", "message": "message too large"}), 413
    result = inbound.ingest(raw, mailbox=mailbox)
    db.session.commit()
    return jsonify(result.as_dict()), 200


def _signed(raw: bytes, secret: str, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())
