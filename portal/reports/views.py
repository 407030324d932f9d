"""Report pages at /staff/reports: each report with its filters, its CSV export, the weekly mail settings."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.errors import DomainError
from portal.extensions import db
from portal.permissions import can
from portal.reports import exports, pages, queries, service, weekly
from portal.reports.filters import PERIODS, parse_filters, store_choices
from portal.staff.access import permission_required
from portal.tickets.web import put_error_on_form

bp = Blueprint("reports", __name__, url_prefix="/staff/reports")
view_required = permission_required("reports.view")


class RecipientsForm(FlaskForm):
    recipients = SelectMultipleField(validate_choice=False, widget=ListWidget(prefix_label=False),
                                     option_widget=CheckboxInput())


def _choices() -> dict:
    """The filter menus: the stores the viewer sees, every channel and group (and agent, for those who see
    everyone)."""
    choices = {"periods": PERIODS, "stores": store_choices(current_user), "channels": queries.channel_names(),
               "groups": queries.group_names()}
    if can(current_user, "reports.all"):
        choices["agents"] = queries.agent_names()
    return choices


@bp.route("/")
@bp.route("/<name>")
@view_required
def show(name="dashboard"):
    """One report for the filters in the query string (bad values are dropped with a message)."""
    if name not in service.REPORTS or not service.may_see(current_user, name):
        abort(404)
    filters = parse_filters(request.args, viewer=current_user)
    data = service.figures(name, filters, viewer=current_user)
    for message in filters.messages:
        flash(message, "error")
    template = "reports/self_service.html" if name == "self-service" else "reports/report.html"
    return render_template(template, name=name, data=data, filters=filters, choices=_choices(),
                           reports=service.names(current_user), titles=service.REPORTS,
                           cards=pages.cards(name, data), charts=pages.chart_list(name, data),
                           breakdowns=pages.breakdown_charts(data), labels=pages.METRIC_LABELS)


@bp.route("/export/<name>.csv")
@view_required
@permission_required("data.export")
def export(name):
    """The report (or the tickets of the period) as CSV, streamed as it is read."""
    if name != "tickets" and (name not in service.REPORTS or not service.may_see(current_user, name)):
        abort(404)
    filters = parse_filters(request.args, viewer=current_user)
    lines = exports.csv_lines(name, filters, viewer=current_user)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(name, filters)}"'
    return response


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("settings.manage")
def settings():
    """Who gets the weekly report by mail."""
    form = RecipientsForm()
    form.recipients.choices = [(str(u.id), f"{u.display_name} <{u.email}>") for u in weekly.candidates()]
    if request.method == "GET":
        form.recipients.data = [str(u.id) for u in weekly.recipients()]
    elif form.validate_on_submit():
        try:
            weekly.save_recipients(form.recipients.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Weekly report recipients saved."), "success")
            return redirect(url_for("reports.settings"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("reports/settings.html", form=form, reports=service.names(current_user),
                           titles=service.REPORTS, name="settings"), status
