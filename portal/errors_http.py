"""HTTP error pages and JSON errors; never a bare 500 trace for users."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.errors import DomainError

_TITLES = {
    400: "Bad request",
    403: "Access denied",
    404: "Page not found",
    405: "Method not allowed",
    413: "File too large",
    429: "Too many requests",
    500: "Something went wrong",
}


def wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or request.is_json or best == "application/json"


def _render(status, message):
    if wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("errors/error.html", status=status, title=_(_TITLES.get(status, "Error")),
                           message=message), status


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code and exc.code < 400:
            return exc
        return _render(exc.code or 500, exc.description if exc.code != 404 else _("We could not find that page."))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(400, _("Your form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _render(exc.status, exc.message)

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error")
        return _render(500, _("An unexpected error happened. It has been logged; please try again."))
