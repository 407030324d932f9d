"""/api/v1/reports: the figures of the staff reports as JSON (agents without everyone's figures get theirs)."""
from flask import Blueprint
from flask_babel import gettext as _

from portal.api.errors import ApiError
from portal.api.routing import operation
from portal.api.schemas import reports as schemas
from portal.reports import service
from portal.reports.filters import parse_filters

bp = Blueprint("reports_api", __name__)


@bp.get("/reports")
@operation(scope="reports:read", operation_id="listReports", tag="Reports", response=schemas.ReportList)
def list_reports(call):
    """The reports the token's user may read."""
    return {"data": [{"name": name, "title": str(service.REPORTS[name])} for name in service.names(call.user)]}


@bp.get("/reports/<name>")
@operation(scope="reports:read", operation_id="getReport", tag="Reports", response=schemas.Report,
           query=schemas.ReportQuery, errors=(404, 422))
def get_report(call, name):
    """One report for a period and optional store, channel, group, agent and tag, with the previous period."""
    if name not in service.REPORTS:
        raise ApiError(404, _("There is no such report."))
    q = call.query
    args = {key: str(value) for key, value in (("period", q.period), ("from", q.from_), ("to", q.to),
                                                ("store", q.store), ("channel", q.channel), ("group", q.group),
                                                ("agent", q.agent), ("tag", q.tag)) if value is not None}
    filters = parse_filters(args, viewer=call.user)
    if filters.messages:  # the pages fall back to defaults; an integration gets told instead
        raise ApiError(422, str(filters.messages[0]))
    return service.figures(name, filters, viewer=call.user)
