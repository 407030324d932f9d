"""HTTP error pages and JSON errors; never a bare 500 trace for users."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.errors import DomainError

_TITLES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
# Shown instead of Werkzeug's English descriptions when a view aborts without a message of its own.
_MESSAGES = {
    400: _l("Your browser sent a request we could not understand. Please try again."),
    401: _l("Please log in to see this page."),
    403: _l("You do not have permission to see this page."),
    404: _l("We could not find that page."),
    405: _l("This page cannot be used that way."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("An unexpected error happened. It has been logged; please try again."),
}


def wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.path.startswith("/api/") or request.is_json or best == "application/json"


def _render(status, message):
    if request.path.startswith("/api/"):  # the REST API's error body (portal/api/errors.py)
        from portal.api.errors import error_response

        return error_response(status, message)
    if wants_json():
        return jsonify({"error": message, "status": status}), status
    return render_template("errors/error.html", status=status, title=str(_TITLES.get(status) or _("Error")),
                           message=message), status


def _http_message(exc: HTTPException) -> str:
    """The description a view gave, else our translated text for the status."""
    if exc.code == 404 or exc.description == type(exc).description:
        return str(_MESSAGES.get(exc.code) or exc.description)
    return exc.description


def init_app(app):
    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code and exc.code < 400:
            return exc
        return _render(exc.code or 500, _http_message(exc))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return _render(400, _("Your form expired or was sent from elsewhere. Please reload the page and try again."))

    @app.errorhandler(DomainError)
    def domain_error(exc):
        return _render(exc.status, exc.message)

    @app.errorhandler(OverflowError)
    def number_out_of_range(exc):
        # A number past SQLite's 64-bit INTEGER that got by portal.inputs: no row has it, so nothing is there.
        app.logger.warning("Number out of range: %s", exc)
        return _render(404, str(_MESSAGES[404]))

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error")
        return _render(500, str(_MESSAGES[500]))
