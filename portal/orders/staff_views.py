"""Staff: order search and order page, store connections, and orders beside tickets."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.orders import crypto, queries, services
from portal.orders.forms import StoreForm
from portal.orders.models import Store, WebhookDelivery
from portal.orders.platforms import get as platform_module
from portal.staff.access import permission_required
from portal.tickets import services as ticket_services
from portal.tickets.access import staff_filter
from portal.tickets.models import Ticket
from portal.tickets.web import put_error_on_form

bp = Blueprint("staff_orders", __name__, url_prefix="/staff")
work_required = permission_required("tickets.work")


@bp.route("/orders/")
@work_required
def search():
    """Find orders by number, email, name or tracking number."""
    q = request.args.get("q", "")
    return render_template("orders/staff_search.html", q=q, orders=queries.search(q, viewer=current_user), status_key=queries.status_key)


@bp.route("/orders/<int:order_id>")
@work_required
def show(order_id):
    """The order with customer, items, payments, shipments, refunds, timeline and its tickets."""
    order = queries.order_by_id(order_id, viewer=current_user) or abort(404)
    tickets = list(db.session.scalars(select(Ticket).where(Ticket.order_id == order.id, staff_filter(current_user))
                                      .order_by(Ticket.created_at.desc())))
    admin_url = platform_module(order.store.platform.value).admin_url(order.store, order)
    return render_template("orders/staff_order.html", order=order, steps=queries.timeline(order), tickets=tickets,
                           customer_status=queries.status_label(order), local=queries.local_time, admin_url=admin_url,
                           staff_order_page=True)


@bp.route("/orders/<int:order_id>/log", methods=["POST"])
@work_required
def log_conversation(order_id):
    """Keep a conversation with a carrier or supplier: an on-hold ticket on this order with an internal note."""
    order = queries.order_by_id(order_id, viewer=current_user) or abort(404)
    try:
        ticket = services.log_follow_up(order, actor=current_user, subject=request.form.get("subject") or "",
                                        note=request.form.get("note") or "")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("staff_orders.show", order_id=order_id))
    db.session.commit()
    flash(_("Follow-up #%(number)s created and put on hold.", number=ticket.number), "success")
    return redirect(url_for("staff_tickets.show", number=ticket.number))


@bp.route("/tickets/<int:number>/order", methods=["POST"])
@work_required
def link_ticket(number):
    """Link the ticket to an order (by id or number), or unlink it."""
    ticket = ticket_services.get_ticket(number, viewer=current_user, staff=True)
    value = (request.form.get("order") or "").strip().lstrip("#")
    if request.form.get("unlink"):
        ticket_services.set_order(ticket, None, actor=current_user)
    else:
        found = queries.order_by_id(request.form.get("order_id"), viewer=current_user) \
            if request.form.get("order_id") else (queries.search(value, limit=2, viewer=current_user) if value else [])
        order = found if not isinstance(found, list) else (found[0] if len(found) == 1 else None)
        if order is None:
            flash(_("No single order matches %(value)s.", value=value or "?"), "error")
            return redirect(url_for("staff_tickets.show", number=number))
        ticket_services.set_order(ticket, order, actor=current_user)
    db.session.commit()
    return redirect(url_for("staff_tickets.show", number=number))


# --- stores (managers) --------------------------------------------------------------------------

@bp.route("/settings/stores", methods=["GET", "POST"])
@permission_required("settings.manage")
def stores():
    """Shop connections: create one, see its webhook URLs, deliveries and errors."""
    form = StoreForm()
    if form.validate_on_submit():
        try:
            store = services.create_store(platform=form.platform.data, name=form.name.data, domain=form.domain.data,
                                          webhook_secret=form.webhook_secret.data, api_url=form.api_url.data or None,
                                          api_token=form.api_token.data or None, timezone=form.timezone.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Store connected. Paste the webhook URLs below into the shop."), "success")
            return redirect(url_for("staff_orders.store", store_id=store.id))
    rows = list(db.session.scalars(select(Store).order_by(Store.name)))
    return render_template("orders/stores.html", form=form, stores=rows), 400 if form.errors or form.form_errors else 200


@bp.route("/settings/stores/<int:store_id>", methods=["GET", "POST"])
@permission_required("settings.manage")
def store(store_id):
    """One connection: webhook URLs per topic, masked secrets, recent deliveries; rotate or test."""
    found = db.session.get(Store, store_id) or abort(404)
    new_secret, test_result = None, None
    if request.method == "POST":
        action = request.form.get("action")
        if action == "rotate":
            new_secret = services.rotate_secret(found)
            db.session.commit()
        elif action == "test":
            test_result = _test_connection(found)
    deliveries = list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.store_id == found.id)
                                         .order_by(WebhookDelivery.id.desc()).limit(20)))
    return render_template("orders/store.html", store=found, deliveries=deliveries, new_secret=new_secret,
                           test_result=test_result, masked=crypto.masked, secret=services.webhook_secret(found),
                           token=services.api_token(found), topics=sorted(platform_module(found.platform.value).TOPICS))


def _test_connection(store) -> tuple[bool, str]:
    from portal.orders import sync
    from portal.orders.rest import ShopApiError

    try:
        client = sync.client_for(store, sleep=lambda s: None)
        path = {"shopify": f"/admin/api/{sync.SHOPIFY_VERSION}/shop.json", "woocommerce": "/wp-json/wc/v3/system_status",
                "bigcommerce": "/v2/store"}[store.platform.value]
        client.get(path)
    except (ShopApiError, KeyError) as exc:
        return False, str(exc) or _("Manual stores have no API.")
    return True, _("The shop answered: the API URL and token work.")
