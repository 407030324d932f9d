"""Managers: the audit log at /staff/audit, searchable and paginated (read only: there is no write route)."""
from flask import Blueprint, render_template, request

from portal.audit import actions, queries
from portal.audit.forms import AuditFilterForm
from portal.inputs import page_value
from portal.staff.access import permission_required

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")
PER_PAGE = 50
FILTER_NAMES = ("person", "action", "since", "until", "q")


@bp.route("/")
@permission_required("audit.view")
def index():
    """The log, newest first, filtered by person, action, days and text."""
    form = AuditFilterForm(request.args)
    page = request.args.get("page", 1, type=page_value)
    valid = form.validate()
    rows, total = queries.search(form.filters(), page=page, per_page=PER_PAGE) if valid else ([], 0)
    query = {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}
    return render_template("audit/index.html", form=form, events=rows, total=total, page=page, valid=valid,
                           pages=max(-(-total // PER_PAGE), 1), query=query, label=actions.label), \
        200 if valid else 400
