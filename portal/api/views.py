"""Staff settings: my API tokens (create, with the secret shown once; revoke); managers see everyone's."""
from datetime import timedelta

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import services
from portal.api.forms import RESOURCE_LABELS, RevokeForm, TokenForm
from portal.errors import DomainError
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import can, grantable_scopes
from portal.staff.access import permission_required
from portal.tickets.web import put_error_on_form

bp = Blueprint("api_tokens", __name__, url_prefix="/staff/settings/api")


def _page(form, *, secret=None, created=None, status=200):
    scopes = grantable_scopes(current_user)
    resources = [(resource, label, f"{resource}:read" in scopes, f"{resource}:write" in scopes)
                 for resource, label in RESOURCE_LABELS.items()
                 if f"{resource}:read" in scopes or f"{resource}:write" in scopes]
    response = make_response(render_template(
        "api/tokens.html", form=form, tokens=services.visible_tokens(current_user), resources=resources,
        secret=secret, created=created, revoke_form=RevokeForm(), everyone=can(current_user, "api.tokens.manage"),
        chosen=set(form.scopes.data or [])), status)
    response.headers["Cache-Control"] = "no-store"  # the new token's secret is on the page once
    return response


@bp.route("/", methods=["GET", "POST"])
@permission_required("api.use")
def index():
    """My tokens with their scopes and last use; create one (its secret is shown on this answer only)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=400 if form.errors else 200)
    expires = utcnow() + timedelta(days=int(form.expires.data)) if (form.expires.data or "").isdigit() else None
    try:
        token, secret = services.create_token(user=current_user, name=form.name.data, scopes=form.scopes.data,
                                              expires_at=expires)
    except DomainError as exc:
        put_error_on_form(form, exc)
        return _page(form, status=400)
    db.session.commit()
    # Rendered, not flashed: the flash would keep the secret in the (signed, not encrypted) session cookie.
    return _page(TokenForm(formdata=None), secret=secret, created=token)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@permission_required("api.use")
def revoke(token_id):
    """Revoke a token at once (mine; a manager's: anyone's)."""
    form = RevokeForm()
    token = services.get_token(token_id, viewer=current_user)
    if form.validate_on_submit() and services.revoke_token(token):
        db.session.commit()
        flash(_("Token “%(name)s” revoked: calls with it are refused from now on.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
