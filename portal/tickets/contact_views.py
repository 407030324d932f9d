"""The public contact form, a guest's signed ticket page, deflection records and mail preferences."""
import secrets

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError, NotFound
from portal.extensions import csrf, db
from portal.inputs import json_object, takes_json
from portal.forum.notifications import wants as forum_wants
from portal.tickets import contact, links, notifications, queries, services
from portal.tickets.forms import ContactForm, ReplyForm
from portal.tickets.models import Channel, Ticket
from portal.tickets.web import client_ip, put_error_on_form, send_attachment, uploaded_files

bp = Blueprint("contact", __name__)


def signed_route(rule: str, **options):
    """A route whose URL carries a signed token: only the exact URL matches, so a tampered one is a plain 404
    (Werkzeug would otherwise redirect "//" to "/")."""
    return bp.route(rule, merge_slashes=False, **options)


def visitor_id() -> str:
    if "visitor" not in session:
        session["visitor"] = secrets.token_hex(12)
    return session["visitor"]


@bp.route("/help/contact", methods=["GET", "POST"])
def form():
    """Contact form for everyone; a signed link lets guests follow their request."""
    form = ContactForm()
    if request.method == "GET":
        form.subject.data = request.args.get("subject", "")[:200] or None
        if current_user.is_authenticated:
            form.email.data, form.name.data = current_user.email, current_user.name
    if form.validate_on_submit():
        if form.website.data:  # honeypot: people never see this field
            return redirect(url_for("contact.sent"))
        try:
            contact.check_rate(ip=client_ip(), email=(form.email.data or "").strip().lower())
            ticket = services.open_ticket(
                subject=form.subject.data, body=form.body.data, channel=Channel.WEB, email=form.email.data,
                name=form.name.data or "", topic=form.topic.data or None, locale=str(get_locale()),
                attachments=uploaded_files(form.attachments))
            contact.mark_submitted(visitor_id())
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            session["contact_sent"] = ticket.number
            return redirect(url_for("contact.sent"))
    return render_template("tickets/contact.html", form=form), 400 if form.errors or form.form_errors else 200


@bp.route("/help/contact/sent")
def sent():
    """Confirmation after the contact form."""
    return render_template("tickets/contact_sent.html", number=session.get("contact_sent"))


@bp.route("/help/contact/opened", methods=["POST"])
@takes_json
def opened():
    """Record that a suggested article was opened while writing a request (deflection)."""
    data = json_object() if request.is_json else request.form
    contact.record_opened(visitor=visitor_id(), source=str(data.get("source", "contact")),
                          query=str(data.get("q", "")), article_slug=str(data.get("slug", ""))[:120],
                          lang=str(get_locale()))
    db.session.commit()
    return jsonify(ok=True)


def _guest_ticket(token: str) -> Ticket:
    found = links.read_guest_token(token)
    ticket = db.session.get(Ticket, found[0]) if found else None
    if ticket is None or ticket.requester_email != found[1]:
        abort(404)
    return ticket


@signed_route("/help/requests/<token>", methods=["GET", "POST"])
def guest_ticket(token):
    """A guest's request: the public thread and a reply box, through the signed link."""
    ticket = _guest_ticket(token)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            message = services.add_reply(ticket, body=form.body.data, author=None, channel=Channel.WEB,
                                         guest_email=ticket.requester_email,
                                         attachments=uploaded_files(form.attachments))
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            target = db.session.get(Ticket, message.ticket_id)
            flash(_("Your reply was sent."), "success")
            return redirect(url_for("contact.guest_ticket", token=links.guest_token(target)))
    return render_template("tickets/customer_ticket.html", ticket=ticket, form=form, guest_token=token,
                           messages=queries.thread(ticket, include_notes=False),
                           merged_into=db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None)


@signed_route("/help/requests/<token>/solve", methods=["POST"])
def guest_solve(token):
    """The guest marks their request solved."""
    ticket = _guest_ticket(token)
    services.customer_mark_solved(ticket, user=None, guest_email=ticket.requester_email)
    db.session.commit()
    flash(_("Thank you! We marked your request as solved."), "success")
    return redirect(url_for("contact.guest_ticket", token=token))


@signed_route("/help/requests/<token>/files/<int:attachment_id>")
def guest_attachment(token, attachment_id):
    """Download an attachment of the guest's request."""
    return send_attachment(_guest_ticket(token), attachment_id, include_notes=False)


@signed_route("/notifications/<token>", methods=["GET", "POST"])
def preferences(token):
    """Notification preferences for an address (the link at the bottom of every notification)."""
    email = links.read_unsubscribe_token(token)
    if not email:
        raise NotFound(_("This link is not valid."))
    if request.method == "POST":
        notifications.set_preference(email, ticket_notifications=request.form.get("ticket_notifications") == "on",
                                     forum_notifications=request.form.get("forum_notifications") == "on")
        db.session.commit()
        flash(_("Your preferences were saved."), "success")
        return redirect(url_for("contact.preferences", token=token))
    return render_template("tickets/preferences.html", email=email, token=token,
                           enabled=notifications.wants_notifications(email), forum_enabled=forum_wants(email))


@signed_route("/notifications/<token>/unsubscribe", methods=["POST"])
@csrf.exempt
def one_click_unsubscribe(token):
    """RFC 8058 one-click unsubscribe from a mail client: the signed token is the credential."""
    email = links.read_unsubscribe_token(token)
    if not email:
        return jsonify(error=_("This link is not valid.")), 404
    notifications.set_preference(email, ticket_notifications=False, forum_notifications=False)
    db.session.commit()
    return jsonify(ok=True)
