"""Staff area: dashboard and the outbox of mail written to disk."""
import io

from flask import Blueprint, abort, render_template, send_file
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.kb.models import Article, ArticleStatus, SearchLog
from portal.permissions import can
from portal.staff import outbox as outbox_queries
from portal.staff.access import permission_required, staff_required

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required
def home():
    """Staff dashboard with knowledge-base figures."""
    counts = dict(db.session.execute(select(Article.status, func.count(Article.id)).group_by(Article.status)).all())
    no_result = db.session.execute(
        select(SearchLog.query, SearchLog.lang, func.count(SearchLog.id).label("n"))
        .where(SearchLog.result_count == 0).group_by(SearchLog.query, SearchLog.lang)
        .order_by(func.count(SearchLog.id).desc()).limit(10)).all()
    desk = None
    if can(current_user, "tickets.work"):
        from portal.tickets.queries import view_counts

        desk = view_counts(current_user)
    flags = None
    if can(current_user, "forum.moderate"):
        from portal.forum.queries import open_flags, pending_posts

        flags = {"flags": len(open_flags()), "pending": len(pending_posts())}
    return render_template("staff/home.html", counts={s: counts.get(s, 0) for s in ArticleStatus},
                           no_result=no_result, desk=desk, flags=flags)


@bp.route("/outbox")
@permission_required("outbox.view")
def outbox():
    """Mail the site sent (or wrote to instance/outbox when no SMTP server is set)."""
    return render_template("staff/outbox.html", mails=outbox_queries.visible_mails(current_user))


@bp.route("/outbox/<int:mail_id>")
@permission_required("outbox.view")
def outbox_mail(mail_id):
    """One outgoing mail, as text, one-time links hidden."""
    item = outbox_queries.visible_mail(current_user, mail_id) or abort(404)
    return render_template("staff/outbox_mail.html", mail=item, text=outbox_queries.redact(item.text))


@bp.route("/outbox/<int:mail_id>.eml")
@permission_required("outbox.view")
def outbox_eml(mail_id):
    """Download a mail as .eml, one-time links hidden (the file on disk keeps them for the operator)."""
    item = outbox_queries.visible_mail(current_user, mail_id) or abort(404)
    return send_file(io.BytesIO(outbox_queries.redacted_eml(item)), mimetype="message/rfc822", as_attachment=True,
                     download_name=f"mail-{item.id}.eml")
