"""Staff desk: queue views with counts and filters, bulk actions, the ticket page and its composer."""
from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.channels import delivery as channel_delivery
from portal.channels.email import participants as cc_list
from portal.errors import DomainError
from portal.extensions import db
from portal.inputs import json_object, parse_id, takes_json
from portal.markup import render_markdown
from portal.models_base import utcnow
from portal.staff.access import permission_required
from portal.tickets import bulk, macros, presence, queries, services
from portal.tickets.forms import ComposerForm, MergeForm, TicketFieldsForm
from portal.tickets.models import DELIVERY_LABELS, Channel, MessageKind, Priority, Status, Ticket
from portal.tickets.services import StaleTicket
from portal.tickets.web import put_error_on_form, send_attachment, uploaded_files
from portal.urls import safe_next

bp = Blueprint("staff_tickets", __name__, url_prefix="/staff/tickets")
work_required = permission_required("tickets.work")


@bp.route("/")
@work_required
def index():
    """A queue view (My open, Unassigned, ...) with counts, filters and keyset pages."""
    view = request.args.get("view", "mine")
    if view not in queries.VIEW_KEYS:
        abort(404)
    filters = queries.Filters.from_args(request.args)
    sort = request.args.get("sort") if request.args.get("sort") in queries.SORTS and view != "solved" else "queue"
    page = queries.queue_page(current_user, view, filters, cursor=request.args.get("after"),
                              per_page=current_app.config["TICKETS_PER_PAGE"], sort=sort)
    return render_template("tickets/staff_queue.html", view=view, page=page, counts=queries.view_counts(current_user),
                           agents=queries.agents(), groups=queries.groups(), filters=filters, statuses=list(Status),
                           priorities=sorted(Priority, key=lambda p: p.rank), channels=list(Channel), sort=sort,
                           now=utcnow())


@bp.route("/bulk", methods=["POST"])
@work_required
def bulk_action():
    """Apply one action to the selected tickets."""
    ids = [i for i in map(parse_id, request.form.getlist("ids")) if i][:200]
    tickets = [t for t in (db.session.get(Ticket, i) for i in ids) if t is not None]
    action, raw = request.form.get("action", ""), request.form.get("value", "").strip()
    try:
        value = _bulk_value(action, raw)
        done, errors = bulk.bulk_update(tickets, action=action, value=value, actor=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(ngettext("%(num)d ticket updated.", "%(num)d tickets updated.", done), "success")
        for error in errors[:10]:
            flash(error, "error")
    return redirect(safe_next(request.form.get("back")) or url_for("staff_tickets.index"))


def _bulk_value(action, raw):
    from portal.accounts.models import User

    if action == "assign":
        if raw == "me":
            return current_user
        if raw in ("", "none"):
            return None  # unassign
        agent = db.session.get(User, parse_id(raw)) if parse_id(raw) else None
        if agent is None:
            raise services.ValidationError(_("No agent with id %(value)s.", value=raw), field="value")
        return agent
    if action == "merge":
        return services.get_ticket(raw, viewer=current_user, staff=True) if raw else None
    if action in ("status", "priority", "add_tag", "remove_tag") and not raw:
        raise services.ValidationError(_("Choose a value for this action."), field="value")
    return raw


def _page(ticket, composer=None, fields=None, merge_form=None, stale=None, status=200):
    email = email_context(ticket)
    composer = composer or ComposerForm(ticket=ticket, formdata=None, version=ticket.version,
                                        cc=cc_list.format_addresses(email["email_participants"]))
    fields = fields or TicketFieldsForm(formdata=None, status=ticket.status.value, priority=ticket.priority.value,
                                        assignee=str(ticket.assignee_id or ""), group=str(ticket.group_id or ""),
                                        tags=", ".join(ticket.tags), version=ticket.version)
    fields.fill_choices(queries.agents(), queries.groups())
    hint = channel_delivery.composer_hint(ticket)
    composer.template.choices = [("", _("No template"))] + list(hint.templates) if hint and hint.templates else []
    presence.touch(ticket, current_user)  # on a connection of its own: nothing here to commit
    return render_template(
        "tickets/staff_ticket.html", ticket=ticket, messages=queries.thread(ticket, include_notes=True),
        events=queries.timeline(ticket), composer=composer, fields=fields, merge_form=merge_form or MergeForm(),
        macros=macros.visible_macros(current_user), others=presence.others(ticket, current_user),
        requester_tickets=queries.requester_tickets(ticket, current_user), stale=stale,
        merged_into=db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None,
        composer_hint=hint, delivery_labels=DELIVERY_LABELS, **email, **order_sidebar(ticket)), status


def email_context(ticket) -> dict:
    """Senders, recipients, flags and delivery of an email conversation, for the thread; its Cc list."""
    from portal.channels.email import queries as email_queries
    from portal.channels.email.threading import participants

    details = email_queries.thread_details(ticket)
    return {"email_details": details, "email_flags": email_queries.ticket_flags(details),
            "message_html": email_queries.message_html, "email_participants": participants(ticket),
            "email_cc": cc_list.applies_to(ticket)}


def order_sidebar(ticket) -> dict:
    """The linked order, the customer record and its recent orders (by any of its emails), for the sidebar."""
    from portal.channels import contacts
    from portal.channels.customers.queries import orders_for
    from portal.orders import queries as order_queries
    from portal.orders.platforms import get as platform_module

    linked = order_queries.order_by_id(ticket.order_id, viewer=current_user) if ticket.order_id else None
    customer = contacts.of_ticket(ticket)
    emails = contacts.emails(customer) or [ticket.requester_email]
    return {"linked_order": linked, "order_status": order_queries.status_label, "customer": customer,
            "recent_orders": orders_for(emails, ticket.requester_id, limit=5, viewer=current_user),
            "order_admin_url": platform_module(linked.store.platform.value).admin_url(linked.store, linked)
            if linked else None}


@bp.route("/<int:number>")
@work_required
def show(number):
    """The ticket page: thread, composer, fields, requester sidebar, timeline."""
    return _page(services.get_ticket(number, viewer=current_user, staff=True))


def _submit(ticket, form, slot: str, apply, done: str, after=None):
    """Apply a form built on `form.version` of the ticket: a stale version shows what changed and asks to
    confirm (409), a domain error goes on the form (400) with nothing kept, success commits, calls `after`
    and returns to the ticket."""
    try:
        if form.confirm.data != "1":
            services.check_version(ticket, form.version.data)
        apply()
    except StaleTicket as exc:
        db.session.rollback()
        form.version.data, form.confirm.data = ticket.version, "1"
        return _page(ticket, stale=services.changes_since(ticket, exc.since_version), status=409, **{slot: form})
    except DomainError as exc:
        db.session.rollback()  # a half-applied form (a macro's fields without its reply) is not kept
        put_error_on_form(form, exc)
        return _page(ticket, status=400, **{slot: form})
    db.session.commit()
    if after:
        after()
    flash(done, "success")
    return redirect(url_for("staff_tickets.show", number=ticket.number))


@bp.route("/<int:number>/messages", methods=["POST"])
@work_required
def post_message(number):
    """Send a public reply or add an internal note, optionally setting the status and applying a macro."""
    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    form = ComposerForm(ticket=ticket)
    if not form.validate_on_submit():
        return _page(ticket, composer=form, status=400)

    def apply():
        if form.macro_id.data:
            macros.apply_fields(ticket, macros.get_macro(form.macro_id.data, current_user), actor=current_user)
        if form.kind.data == MessageKind.NOTE.value:
            services.add_note(ticket, body=form.body.data, actor=current_user,
                              attachments=uploaded_files(form.attachments))
        else:
            if form.cc_sent and cc_list.applies_to(ticket):  # before the reply, whose mail copies the list
                cc_list.set_participants(ticket, [form.cc.data or ""], actor=current_user)
            services.add_reply(ticket, body=form.body.data, author=current_user, status=form.status.data or None,
                               attachments=uploaded_files(form.attachments),
                               meta={"template": form.template.data} if form.template.data else None)
    return _submit(ticket, form, "composer", apply,
                   _("Note added.") if form.kind.data == "note" else _("Reply sent."),
                   after=lambda: presence.leave(ticket, current_user))


@bp.route("/<int:number>/fields", methods=["POST"])
@work_required
def update_fields(number):
    """Change status, priority, assignee, group and tags in one go."""
    from portal.accounts.models import User
    from portal.tickets.models import TicketGroup

    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    form = TicketFieldsForm()
    form.fill_choices(queries.agents(), queries.groups())
    if not form.validate_on_submit():
        return _page(ticket, fields=form, status=400)

    def apply():
        assignee = db.session.get(User, int(form.assignee.data)) if form.assignee.data else None
        group = db.session.get(TicketGroup, int(form.group.data)) if form.group.data else None
        services.set_priority(ticket, form.priority.data, actor=current_user)
        services.assign(ticket, assignee, actor=current_user)
        services.set_group(ticket, group, actor=current_user)
        services.set_tags(ticket, form.tags.data, actor=current_user)
        services.change_status(ticket, form.status.data, actor=current_user)
    return _submit(ticket, form, "fields", apply, _("Ticket updated."))


@bp.route("/<int:number>/take", methods=["POST"])
@work_required
def take(number):
    """Assign the ticket to myself."""
    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    services.assign(ticket, current_user, actor=current_user)
    db.session.commit()
    flash(_("You took this ticket."), "success")
    return redirect(url_for("staff_tickets.show", number=number))


@bp.route("/<int:number>/merge", methods=["POST"])
@work_required
def merge(number):
    """Merge this ticket into another of the same requester."""
    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = services.get_ticket(form.target.data.strip(), viewer=current_user, staff=True)
            bulk.merge(ticket, target, actor=current_user)
        except DomainError as exc:
            db.session.rollback()
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Ticket #%(source)s was merged into #%(target)s.", source=number, target=target.number),
                  "success")
            return redirect(url_for("staff_tickets.show", number=target.number))
    return _page(ticket, merge_form=form, status=400)


@bp.route("/<int:number>/presence", methods=["POST"])
@takes_json
@work_required
def heartbeat(number):
    """Say I am here (and whether I am writing); answer who else is."""
    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    data = json_object()
    presence.touch(ticket, current_user, composing=bool(data.get("composing")))
    return jsonify(others=presence.others(ticket, current_user), version=ticket.version)


@bp.route("/<int:number>/macros/<int:macro_id>")
@work_required
def macro(number, macro_id):
    """A macro rendered for this ticket: the reply text and the fields it will set."""
    ticket = services.get_ticket(number, viewer=current_user, staff=True)
    found = macros.get_macro(macro_id, current_user)
    body = macros.render(found.body, macros.macro_context(ticket, current_user, current_app.config["SITE_NAME"]))
    return jsonify(id=found.id, body=body, status=found.set_status.value if found.set_status else None,
                   priority=found.set_priority.value if found.set_priority else None,
                   group=found.set_group.name if found.set_group else None, tags=list(found.add_tags or []),
                   effects=macros.effects_text(found))


@bp.route("/preview", methods=["POST"])
@work_required
def preview():
    """Markdown preview for the composer."""
    return jsonify(html=str(render_markdown(request.form.get("body", ""))))


@bp.route("/<int:number>/files/<int:attachment_id>")
@work_required
def attachment(number, attachment_id):
    """Download an attachment (notes included) of a ticket in my scope."""
    return send_attachment(services.get_ticket(number, viewer=current_user, staff=True), attachment_id,
                           include_notes=True)
