"""Settings › Webhooks (managers): subscribe URLs to events, see each one's delivery log, test, turn on or off."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.errors import DomainError
from portal.extensions import db
from portal.orders import crypto
from portal.staff.access import permission_required
from portal.tickets.web import put_error_on_form
from portal.webhooks import queries, services
from portal.webhooks.forms import EVENT_LABELS, SubscriptionForm
from portal.webhooks.models import DeliveryStatus

bp = Blueprint("webhooks", __name__, url_prefix="/staff/settings/webhooks")
manage_required = permission_required("settings.manage")
STATUS_LABELS = {
    DeliveryStatus.PENDING: lambda: _("waiting"), DeliveryStatus.RETRYING: lambda: _("retry scheduled"),
    DeliveryStatus.DELIVERED: lambda: _("delivered"), DeliveryStatus.FAILED: lambda: _("failed"),
    DeliveryStatus.SKIPPED: lambda: _("not sent (webhook off)"),
}


@bp.route("/", methods=["GET", "POST"])
@manage_required
def index():
    """The subscriptions, and a form to add one (its secret is shown once, on the page that follows)."""
    form = SubscriptionForm()
    if form.validate_on_submit():
        try:
            subscription, secret = services.create_subscription(**form.values())
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Webhook “%(name)s” added.", name=subscription.name), "success")
            return _page(subscription, new_secret=secret)
    return render_template("webhooks/index.html", form=form, subscriptions=services.all_subscriptions(),
                           event_labels=EVENT_LABELS), 400 if form.errors or form.form_errors else 200


def _page(subscription, *, form=None, new_secret=None, status=200):
    form = form or SubscriptionForm(obj=subscription, formdata=None)
    return render_template("webhooks/subscription.html", subscription=subscription, form=form, new_secret=new_secret,
                           secret=crypto.masked(services.secret_of(subscription)), event_labels=EVENT_LABELS,
                           attempts=queries.attempts(subscription.id), waiting=queries.waiting(subscription.id),
                           status_labels=STATUS_LABELS), status


@bp.route("/<int:subscription_id>", methods=["GET", "POST"])
@manage_required
def show(subscription_id):
    """One subscription: its settings form, secret (masked), state and delivery log."""
    subscription = services.get_subscription(subscription_id)
    form = SubscriptionForm()
    if not form.is_submitted():
        return _page(subscription)
    if form.validate():
        try:
            services.update_subscription(subscription, **form.values())
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Webhook saved."), "success")
            return redirect(url_for("webhooks.show", subscription_id=subscription.id))
    return _page(subscription, form=form, status=400)


@bp.route("/<int:subscription_id>/test", methods=["POST"])
@manage_required
def test(subscription_id):
    """Send a webhook.test event now and say what the receiver answered."""
    subscription = services.get_subscription(subscription_id)
    outcome = services.send_test_event(subscription)
    db.session.commit()
    if outcome.ok:
        flash(_("The receiver answered %(status)s in %(ms)s ms.", status=outcome.status, ms=outcome.duration_ms),
              "success")
    else:
        flash(_("The test event was not delivered: %(error)s", error=outcome.error), "error")
    return redirect(url_for("webhooks.show", subscription_id=subscription.id))


@bp.route("/<int:subscription_id>/enable", methods=["POST"])
@manage_required
def enable(subscription_id):
    """Turn deliveries back on (the failure count starts again)."""
    services.set_enabled(services.get_subscription(subscription_id), True)
    db.session.commit()
    flash(_("Webhook turned on: new events are delivered again."), "success")
    return redirect(url_for("webhooks.show", subscription_id=subscription_id))


@bp.route("/<int:subscription_id>/disable", methods=["POST"])
@manage_required
def disable(subscription_id):
    """Stop deliveries; retries still queued are not sent."""
    services.set_enabled(services.get_subscription(subscription_id), False)
    db.session.commit()
    flash(_("Webhook turned off: nothing is sent until you turn it on."), "success")
    return redirect(url_for("webhooks.show", subscription_id=subscription_id))


@bp.route("/<int:subscription_id>/rotate", methods=["POST"])
@manage_required
def rotate(subscription_id):
    """A new signing secret, shown once on the page this answers with."""
    subscription = services.get_subscription(subscription_id)
    secret = services.rotate_secret(subscription)
    db.session.commit()
    return _page(subscription, new_secret=secret)


@bp.route("/<int:subscription_id>/delete", methods=["POST"])
@manage_required
def delete(subscription_id):
    """Remove the subscription and its delivery log."""
    subscription = services.get_subscription(subscription_id)
    name = subscription.name
    services.delete_subscription(subscription)
    db.session.commit()
    flash(_("Webhook “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("webhooks.index"))
