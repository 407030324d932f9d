"""Customers' orders in the portal, the guest order-status lookup, and requests about an order."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError, RateLimited
from portal.extensions import db
from portal.orders import queries, services
from portal.tickets import services as ticket_services
from portal.tickets.forms import PortalRequestForm
from portal.tickets.models import Channel
from portal.tickets.web import client_ip, put_error_on_form, uploaded_files

bp = Blueprint("orders", __name__)

ACTIONS = ("where_is_my_order", "return_exchange", "damaged_wrong", "cancel", "other")


@bp.route("/portal/orders/")
@login_required
def index():
    """My orders (matched by my verified address) with their status."""
    return render_template("orders/portal_list.html", orders=queries.customer_orders(current_user),
                           status_key=queries.status_key)


@bp.route("/portal/orders/<int:order_id>")
@login_required
def show(order_id):
    """One of my orders: items, timeline, shipments, payment, and the request buttons."""
    order = queries.customer_order(current_user, order_id) or abort(404)
    return render_template("orders/portal_order.html", order=order, steps=queries.timeline(order),
                           local=queries.local_time, actions=ACTIONS)


@bp.route("/portal/orders/<int:order_id>/request/<topic>", methods=["GET", "POST"])
@login_required
def new_request(order_id, topic):
    """A request about this order, with its topic (Where is my order?, Return, Damaged, Cancel...)."""
    order = queries.customer_order(current_user, order_id) or abort(404)
    if topic not in ACTIONS:
        abort(404)
    from portal.tickets.forms import TOPIC_LABELS

    form = PortalRequestForm()
    if request.method == "GET":
        form.topic.data = topic
        form.subject.data = _("%(topic)s (order #%(number)s)", topic=TOPIC_LABELS[topic], number=order.number)
    if form.validate_on_submit():
        try:
            ticket = ticket_services.open_ticket(
                subject=form.subject.data, body=form.body.data, channel=Channel.PORTAL, requester=current_user,
                topic=form.topic.data or topic, locale=str(get_locale()), order_id=order.id, store_id=order.store_id,
                attachments=uploaded_files(form.attachments))
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your request #%(number)s was sent. We will reply by email and here.", number=ticket.number),
                  "success")
            return redirect(url_for("portal_tickets.show", number=ticket.number))
    return render_template("tickets/portal_new.html", form=form, order=order), \
        400 if form.errors or form.form_errors else 200


@bp.route("/help/order-status", methods=["GET", "POST"])
def lookup():
    """Guest order status: number + email; a wrong pair reveals nothing about whether the order exists."""
    order, error = None, None
    if request.method == "POST":
        try:
            services.check_lookup_rate(client_ip())
        except RateLimited as exc:
            db.session.commit()
            return render_template("orders/lookup.html", error=exc.message, order=None), 429
        order = queries.guest_order(request.form.get("number", ""), request.form.get("email", ""))
        db.session.commit()
        if order is None:
            error = _("We could not find an order with this number and email address. Check both and try again.")
    status = 404 if error else 200
    return render_template("orders/lookup.html", order=order, error=error,
                           steps=queries.timeline(order) if order else None, local=queries.local_time), status
