"""Managers: business hours (/staff/settings/hours) and SLA policies (/staff/settings/sla)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.automation import sla_settings as settings
from portal.automation.sla_forms import DAY_LABELS, CalendarForm, PolicyForm
from portal.errors import DomainError
from portal.extensions import db
from portal.inputs import parse_id
from portal.models_base import utcnow
from portal.staff.access import permission_required
from portal.tickets import queries
from portal.tickets.models import CHANNEL_LABELS, PRIORITY_LABELS
from portal.tickets.web import put_error_on_form

bp = Blueprint("sla", __name__, url_prefix="/staff/settings")
manage_required = permission_required("settings.manage")
ACTION_LABELS = {"notify_assignee": _l("Mail the assignee"), "notify_group": _l("Mail the group"),
                 "notify_managers": _l("Mail the managers"), "raise_priority": _l("Raise the priority"),
                 "unassign": _l("Take it back from the assignee"), "add_tag": _l("Add a tag")}


def _stores():
    from portal.orders.models import Store

    return list(db.session.scalars(select(Store).order_by(Store.name)))


# --- calendars -----------------------------------------------------------------------------------

@bp.route("/hours/", methods=["GET"])
@manage_required
def calendars():
    from portal.automation import sla

    rows = settings.calendars()
    status = {row.id: sla.to_calendar(row) for row in rows}
    return render_template("automation/calendars.html", rows=rows, status=status, days=DAY_LABELS, now=utcnow())


@bp.route("/hours/new", methods=["GET", "POST"])
@bp.route("/hours/<int:calendar_id>", methods=["GET", "POST"])
@manage_required
def calendar_edit(calendar_id=None):
    row = settings.get_calendar(calendar_id) if calendar_id else None
    form = CalendarForm(obj=row) if request.method == "GET" and row else CalendarForm()
    form.store_id.choices = [("", _("Any store"))] + [(str(s.id), s.name) for s in _stores()]
    form.group_id.choices = [("", _("Any group"))] + [(str(g.id), g.name) for g in queries.groups()]
    if request.method == "GET":
        if row:
            for day in range(7):
                getattr(form, f"day{day}").data = (row.hours or {}).get(str(day), "")
            form.closed_dates.data = "\n".join(row.closed_dates or [])
            form.store_id.data, form.group_id.data = str(row.store_id or ""), str(row.group_id or "")
            form.country.data, form.subdivision.data = row.country or "", row.subdivision or ""
        else:
            for day in range(5):
                getattr(form, f"day{day}").data = "09:00-18:00"
    if form.validate_on_submit():
        try:
            settings.save_calendar(
                name=form.name.data, timezone=form.timezone.data,
                hours={day: getattr(form, f"day{day}").data for day in range(7)}, country=form.country.data,
                subdivision=form.subdivision.data, closed_dates=form.closed_dates.data,
                store_id=parse_id(form.store_id.data), group_id=parse_id(form.group_id.data),
                is_default=form.is_default.data, calendar=row)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Calendar saved."), "success")
            return redirect(url_for("sla.calendars"))
    return render_template("automation/calendar_edit.html", form=form, row=row), \
        400 if form.errors or form.form_errors else 200


# --- policies ------------------------------------------------------------------------------------

def _fill(form: PolicyForm) -> None:
    form.calendar_id.choices = [("", _("The ticket's store or group calendar, else the default"))] + [
        (str(c.id), c.name) for c in settings.calendars()]
    form.priorities.choices = [(p.value, label) for p, label in PRIORITY_LABELS.items()]
    form.channels.choices = [(c.value, label) for c, label in CHANNEL_LABELS.items()]
    form.store_ids.choices = [(str(s.id), s.name) for s in _stores()]
    form.group_ids.choices = [(str(g.id), g.name) for g in queries.groups()]
    form.warn_actions.choices = [(k, v) for k, v in ACTION_LABELS.items() if k != "add_tag"]
    form.breach_actions.choices = list(ACTION_LABELS.items())


@bp.route("/sla/", methods=["GET"])
@manage_required
def policies():
    return render_template("automation/policies.html", rows=settings.policies(), fmt=settings.format_duration,
                           calendars={c.id: c for c in settings.calendars()})


@bp.route("/sla/new", methods=["GET", "POST"])
@bp.route("/sla/<int:policy_id>", methods=["GET", "POST"])
@manage_required
def policy_edit(policy_id=None):
    row = settings.get_policy(policy_id) if policy_id else None
    form = PolicyForm(formdata=None) if request.method == "GET" else PolicyForm()
    _fill(form)
    if request.method == "GET" and row:
        form.name.data, form.enabled.data = row.name, row.enabled
        form.first.data = settings.format_duration(row.first_response_minutes)
        form.next_.data = settings.format_duration(row.next_response_minutes)
        form.resolution.data = settings.format_duration(row.resolution_minutes)
        form.calendar_id.data = str(row.calendar_id or "")
        form.pause_when_waiting.data = row.pause_when_waiting
        form.priorities.data, form.channels.data = row.priorities or [], row.channels or []
        form.store_ids.data = [str(s) for s in row.store_ids or []]
        form.group_ids.data = [str(g) for g in row.group_ids or []]
        form.warn_before.data = settings.format_duration(row.warn_before_minutes) or "0"
        form.warn_actions.data = [a["type"] for a in row.warn_actions or []]
        form.breach_actions.data = [a["type"] for a in row.breach_actions or []]
        form.breach_tag.data = next((a.get("value") for a in row.breach_actions or [] if a["type"] == "add_tag"), "")
    if request.method == "POST" and form.validate_on_submit():
        try:
            settings.save_policy(
                name=form.name.data, first=form.first.data, next_=form.next_.data, resolution=form.resolution.data,
                priorities=form.priorities.data or [], channels=form.channels.data or [],
                store_ids=[i for i in map(parse_id, form.store_ids.data or []) if i],
                group_ids=[i for i in map(parse_id, form.group_ids.data or []) if i],
                calendar_id=parse_id(form.calendar_id.data),
                pause_when_waiting=form.pause_when_waiting.data, warn_before=form.warn_before.data,
                warn_actions=form.warn_actions.data or [], breach_actions=form.breach_actions.data or [],
                breach_tag=form.breach_tag.data, enabled=form.enabled.data, policy=row)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("SLA policy saved."), "success")
            return redirect(url_for("sla.policies"))
    return render_template("automation/policy_edit.html", form=form, row=row), \
        400 if form.errors or form.form_errors else 200


@bp.route("/sla/<int:policy_id>/move", methods=["POST"])
@manage_required
def policy_move(policy_id):
    settings.move_policy(settings.get_policy(policy_id), -1 if request.form.get("direction") == "up" else 1)
    db.session.commit()
    return redirect(url_for("sla.policies"))


@bp.route("/sla/<int:policy_id>/delete", methods=["POST"])
@manage_required
def policy_delete(policy_id):
    settings.delete_policy(settings.get_policy(policy_id))
    db.session.commit()
    flash(_("SLA policy deleted."), "success")
    return redirect(url_for("sla.policies"))
