"""Customer portal: my requests, a request's public thread, reply, mark solved, new request."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.extensions import db
from portal.tickets import contact, queries, services
from portal.tickets.contact_views import visitor_id
from portal.tickets.forms import PortalRequestForm, ReplyForm
from portal.tickets.models import Channel, Ticket
from portal.tickets.web import put_error_on_form, send_attachment, uploaded_files

bp = Blueprint("portal_tickets", __name__, url_prefix="/portal/tickets")


@bp.route("/")
@login_required
def index():
    """The customer's requests with status and last update."""
    page = queries.customer_tickets(current_user, cursor=request.args.get("after"))
    return render_template("tickets/portal_list.html", page=page)


def request_form(form: PortalRequestForm, *, order=None, default_topic=None):
    """Handle the portal's new-request form (optionally about an order): open the ticket or show errors."""
    if form.validate_on_submit():
        try:
            ticket = services.open_ticket(
                subject=form.subject.data, body=form.body.data, channel=Channel.PORTAL, requester=current_user,
                topic=form.topic.data or default_topic, locale=str(get_locale()),
                order_id=getattr(order, "id", None), store_id=getattr(order, "store_id", None),
                attachments=uploaded_files(form.attachments))
            contact.mark_submitted(visitor_id())
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your request #%(number)s was sent. We will reply by email and here.", number=ticket.number),
                  "success")
            return redirect(url_for("portal_tickets.show", number=ticket.number))
    return render_template("tickets/portal_new.html", form=form, order=order), \
        400 if form.errors or form.form_errors else 200


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Open a request from the portal (suggested articles appear while typing the subject)."""
    form = PortalRequestForm()
    if request.method == "GET":
        form.topic.data = request.args.get("topic", "")
    return request_form(form)


@bp.route("/<int:number>", methods=["GET", "POST"])
@login_required
def show(number):
    """One of my requests: the public thread only, and a reply box."""
    ticket = services.get_ticket(number, viewer=current_user)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            message = services.add_reply(ticket, body=form.body.data, author=current_user, channel=Channel.PORTAL,
                                         attachments=uploaded_files(form.attachments))
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            if message.ticket_id != ticket.id:
                flash(_("This request was closed, so we opened a new one for your reply."), "success")
            else:
                flash(_("Your reply was sent."), "success")
            return redirect(url_for("portal_tickets.show", number=message.ticket_id + 1000))
    return render_template("tickets/customer_ticket.html", ticket=ticket, form=form, guest_token=None,
                           messages=queries.thread(ticket, include_notes=False),
                           merged_into=db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None)


@bp.route("/<int:number>/solve", methods=["POST"])
@login_required
def solve(number):
    """Mark my request solved."""
    ticket = services.get_ticket(number, viewer=current_user)
    services.customer_mark_solved(ticket, user=current_user)
    db.session.commit()
    flash(_("Thank you! We marked your request as solved."), "success")
    return redirect(url_for("portal_tickets.show", number=number))


@bp.route("/<int:number>/files/<int:attachment_id>")
@login_required
def attachment(number, attachment_id):
    """Download an attachment of one of my requests."""
    return send_attachment(services.get_ticket(number, viewer=current_user), attachment_id, include_notes=False)
