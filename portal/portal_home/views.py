"""Customer portal home (logged in)."""
from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.route("/")
@login_required
def home():
    """The customer's overview page."""
    return render_template("portal/home.html")
