"""Managers: /staff/settings/channels lists every connected channel (each kind adds its own setup pages);
agents: retry a reply the provider did not take."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.channels import accounts, delivery
from portal.extensions import db
from portal.staff.access import permission_required
from portal.tickets import services as ticket_services
from portal.tickets.models import TicketMessage

bp = Blueprint("channels", __name__)
manage_required = permission_required("settings.manage")
work_required = permission_required("tickets.work")

# Each kind's label and its setup page's endpoint (registered by the channel's package).
KIND_LABELS = {"sms": _l("SMS (Twilio)"), "whatsapp": _l("WhatsApp"), "messenger": _l("Messenger"),
               "instagram": _l("Instagram"), "chat": _l("Live chat"), "phone": _l("Phone (call events)")}
SETUP_ENDPOINTS = {}  # kind -> endpoint of its "connect" page; filled by each channel's init_app


def setup_page(kind: str, endpoint: str) -> None:
    SETUP_ENDPOINTS[kind] = endpoint


@bp.route("/staff/settings/channels/")
@manage_required
def index():
    rows = accounts.accounts()
    return render_template("channels/index.html", rows=rows, labels=KIND_LABELS, setup=SETUP_ENDPOINTS)


@bp.route("/staff/tickets/<int:number>/messages/<int:message_id>/redeliver", methods=["POST"])
@work_required
def redeliver(number, message_id):
    """Send a reply the provider refused (or that never went out) again."""
    ticket = ticket_services.get_ticket(number, viewer=current_user, staff=True)
    message = db.session.get(TicketMessage, message_id)
    if message is None or message.ticket_id != ticket.id:
        abort(404)
    if delivery.retry(message):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("staff_tickets.show", number=number))
