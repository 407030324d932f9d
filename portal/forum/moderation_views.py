"""Moderators' desk: flag queue, pre-moderation, post and question actions, sanctions, audit log."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import DomainError
from portal.extensions import db
from portal.forum import moderation, queries
from portal.forum.forms import SanctionForm
from portal.forum.models import PostStatus, Question
from portal.forum.services import question_slug
from portal.staff.access import permission_required
from portal.tickets.web import put_error_on_form

bp = Blueprint("forum_mod", __name__, url_prefix="/staff/community")
moderator_required = permission_required("forum.moderate")

VISIBILITY = {"hide": PostStatus.HIDDEN, "unhide": PostStatus.VISIBLE, "approve": PostStatus.VISIBLE,
              "spam": PostStatus.SPAM}


@bp.route("/")
@moderator_required
def queue():
    """Open flags and posts waiting for pre-moderation."""
    flags = queries.open_flags()
    posts = {(f.post_type, f.post_id): _safe_post(f.post_type, f.post_id) for f in flags}
    return render_template("forum/mod_queue.html", flags=flags, posts=posts, pending=queries.pending_posts())


def _safe_post(post_type, post_id):
    try:
        return moderation.get_post(post_type, post_id)
    except DomainError:
        return None


def _back(default):
    target = request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.route("/posts/<post_type>/<int:post_id>", methods=["POST"])
@moderator_required
def post_action(post_type, post_id):
    """Hide, unhide, approve, mark as spam, or dismiss the flags of one post."""
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    try:
        if action == "dismiss":
            moderation.dismiss_flags(actor=current_user, post_type=post_type, post_id=post_id, reason=reason)
        elif action in VISIBILITY:
            moderation.set_visibility(actor=current_user, post_type=post_type, post_id=post_id,
                                      status=VISIBILITY[action], reason=reason)
        else:
            abort(400)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Done."), "success")
    return redirect(_back(url_for("forum_mod.queue")))


@bp.route("/questions/<int:question_id>", methods=["POST"])
@moderator_required
def question_action(question_id):
    """Lock, pin, move, merge, escalate into a ticket, or promote into a help article."""
    question = db.session.get(Question, question_id) or abort(404)
    action, reason = request.form.get("action", ""), request.form.get("reason", "")
    back = url_for("forum.question", question_id=question.id, slug=question_slug(question))
    try:
        if action in ("lock", "unlock"):
            moderation.set_lock(actor=current_user, question=question, locked=action == "lock", reason=reason)
        elif action in ("pin", "unpin"):
            moderation.set_pin(actor=current_user, question=question, pinned=action == "pin", reason=reason)
        elif action == "move":
            category = queries.category_by_slug(request.form.get("category", "")) or abort(400)
            moderation.move(actor=current_user, question=question, category=category, reason=reason)
        elif action == "merge":
            target_id = request.form.get("target", "").strip().lstrip("#")
            target = db.session.get(Question, int(target_id)) if target_id.isdigit() else None
            if target is None:
                raise moderation.ValidationError(_("Enter the number of the question to merge into."), field="target")
            moderation.merge(actor=current_user, source=question, target=target, reason=reason)
            back = url_for("forum.question", question_id=target.id, slug=question_slug(target))
        elif action == "escalate":
            ticket = moderation.escalate(actor=current_user, question=question, reason=reason)
            flash(_("Ticket #%(number)s opened for the asker.", number=ticket.number), "success")
        elif action == "promote":
            article = moderation.promote(actor=current_user, question=question,
                                         category_slug=request.form.get("category") or None)
            db.session.commit()
            flash(_("A draft article was created from the accepted answer."), "success")
            return redirect(url_for("kb_staff.article_edit", article_id=article.id))
        else:
            abort(400)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(back)


@bp.route("/users/<int:user_id>/sanction", methods=["GET", "POST"])
@moderator_required
def sanction(user_id):
    """Suspend or ban a member, with a reason they are told."""
    from portal.accounts.models import User

    member = db.session.get(User, user_id) or abort(404)
    form = SanctionForm()
    if form.validate_on_submit():
        try:
            moderation.sanction(actor=current_user, user=member, kind=form.kind.data, reason=form.reason.data,
                                until=form.until.data, hide_posts=form.hide_posts.data == "1")
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Sanction recorded."), "success")
            return redirect(url_for("forum.profile", user_id=member.id))
    from portal.forum.guard import active_sanction

    return render_template("forum/sanction.html", form=form, member=member, current=active_sanction(member)), \
        400 if form.errors or form.form_errors else 200


@bp.route("/users/<int:user_id>/lift", methods=["POST"])
@moderator_required
def lift(user_id):
    """End a member's suspension or ban."""
    from portal.accounts.models import User
    from portal.forum.guard import active_sanction

    member = db.session.get(User, user_id) or abort(404)
    current = active_sanction(member) or abort(404)
    moderation.lift_sanction(actor=current_user, sanction_row=current, reason=request.form.get("reason", ""))
    db.session.commit()
    flash(_("Sanction lifted."), "success")
    return redirect(url_for("forum.profile", user_id=member.id))


@bp.route("/log")
@moderator_required
def log():
    """Every moderator action: who, what, when and why."""
    return render_template("forum/mod_log.html", entries=queries.moderation_log())
