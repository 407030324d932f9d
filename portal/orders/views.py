"""Customers' orders in the portal, the guest order-status lookup, and requests about an order."""
from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import RateLimited
from portal.extensions import db
from portal.orders import queries, services
from portal.tickets.forms import PortalRequestForm
from portal.tickets.portal_views import request_form
from portal.tickets.web import client_ip

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
    return request_form(form, order=order, default_topic=topic)


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
