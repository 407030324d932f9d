"""/api/v1: the resources' blueprints under one prefix, the OpenAPI document and its browsable page."""
from flask import Blueprint, jsonify, render_template

from portal.api import docs as api_docs
from portal.api.openapi import openapi_document
from portal.api.v1 import community, customers, help_center, orders, reports, team, tickets
from portal.extensions import csrf

RESOURCES = (tickets.bp, customers.bp, orders.bp, help_center.bp, community.bp, team.bp, reports.bp)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
for _child in RESOURCES:
    # Token calls carry no CSRF token, and need none: another site's page cannot send an Authorization
    # header here, and the API never reads the session cookie (portal/api/auth.py).
    csrf.exempt(_child)
    bp.register_blueprint(_child)
csrf.exempt(bp)


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of this API."""
    response = jsonify(openapi_document())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/docs")
def docs():
    """The API reference, rendered on the server from the OpenAPI document (no script, no CDN)."""
    spec = openapi_document()
    return render_template("api/docs.html", spec=spec, sections=api_docs.sections(spec), models=api_docs.models(spec))
