"""Site-wide routes: the front page and the language switch."""
from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user

from portal.extensions import db
from portal.urls import safe_next

bp = Blueprint("site", __name__)


@bp.route("/")
def index():
    """The front page is the help center."""
    return redirect(url_for("help.index"))


@bp.route("/healthz")
def healthz():
    """Database, search index and worker heartbeat as JSON; 503 when any of them fails."""
    from portal.ops import health

    body, healthy = health.report()
    response = jsonify(body)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/language", methods=["POST"])
def set_language():
    """Change the interface language (and the account's setting when logged in)."""
    lang = request.form.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = safe_next(request.form.get("next"))
    if target and target.startswith("/help/") and len(target) >= 9 and target[8] == "/":
        target = f"/help/{lang}/"  # the help center in the chosen language
    return redirect(target or url_for("help.index"))
