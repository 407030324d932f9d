"""Public community pages: categories, lists, question page, ask, answer, comment, vote, accept, follow, flag."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.errors import DomainError
from portal.extensions import db
from portal.forum import indexing, queries, services  # noqa: F401 (indexing registers the search loaders)
from portal.forum.forms import AnswerForm, AskForm, CommentForm, EditForm
from portal.forum.models import Answer, PostStatus, Question
from portal.inputs import json_object, page_value, parse_id, parse_int, takes_json
from portal.permissions import can
from portal.tickets.web import client_ip, put_error_on_form
from portal.urls import local_referrer

bp = Blueprint("forum", __name__, url_prefix="/community")


def _question_or_404(question_id) -> Question:
    question = db.session.get(Question, question_id)
    moderator = can(current_user, "forum.moderate")
    if question is None or (question.status != PostStatus.VISIBLE and not moderator
                            and not (question.author_id == getattr(current_user, "id", None)
                                     and question.status == PostStatus.PENDING)):
        if question is not None and question.merged_into_id:
            return question
        abort(404)
    return question


def _url(question, **kwargs) -> str:
    return url_for("forum.question", question_id=question.id, slug=services.question_slug(question), **kwargs)


@bp.route("/")
def home():
    """Categories with counts and the latest activity."""
    return render_template("forum/home.html", categories=queries.categories(),
                           recent=queries.question_list(sort="activity"))


@bp.route("/c/<slug>")
def category(slug):
    """Questions of a category, sorted by activity, newest, votes or unanswered."""
    found = queries.category_by_slug(slug) or abort(404)
    sort = request.args.get("sort", "activity")
    listing = queries.question_list(category=found, sort=sort, page=request.args.get("page", 1, type=page_value))
    return render_template("forum/list.html", category=found, tag=None, sort=sort, listing=listing,
                           profiles=queries.profiles_for(q.author_id for q in listing.questions))


@bp.route("/tags/<tag>")
def tag(tag):
    """Questions with a tag."""
    sort = request.args.get("sort", "activity")
    listing = queries.question_list(tag=tag, sort=sort, page=request.args.get("page", 1, type=page_value))
    return render_template("forum/list.html", category=None, tag=tag, sort=sort, listing=listing,
                           profiles=queries.profiles_for(q.author_id for q in listing.questions))


@bp.route("/q/<int:question_id>", defaults={"slug": ""})
@bp.route("/q/<int:question_id>-<slug>")
def question(question_id, slug):
    """A question with its answers (accepted first, then by votes) and comments."""
    found = _question_or_404(question_id)
    if found.merged_into_id:
        target = db.session.get(Question, found.merged_into_id)
        return redirect(_url(target), code=301)
    if slug != services.question_slug(found):
        return redirect(_url(found), code=301)
    moderator = can(current_user, "forum.moderate")
    services.record_view(found)
    db.session.commit()
    answers = queries.answers_for(found, viewer_is_moderator=moderator)
    comments = queries.comments_for(found, viewer_is_moderator=moderator)
    people = [found.author_id] + [a.author_id for a in answers] + [c.author_id for cs in comments.values() for c in cs]
    following = False
    if current_user.is_authenticated:
        from portal.forum.models import Follow

        following = db.session.get(Follow, (current_user.id, found.id)) is not None
    return render_template("forum/question.html", question=found, answers=answers, comments=comments,
                           votes=queries.my_votes(current_user, found, answers), profiles=queries.profiles_for(people),
                           answer_form=AnswerForm(), comment_form=CommentForm(), moderator=moderator,
                           following=following, categories=queries.categories() if moderator else [])


@bp.route("/ask", methods=["GET", "POST"])
@login_required
def ask():
    """Ask a question; similar questions and articles appear while the title is typed."""
    form = AskForm()
    cats = queries.categories()
    form.category.choices = [(c.slug, c.name) for c in cats]
    if request.method == "GET" and request.args.get("category"):
        form.category.data = request.args["category"]
    if form.validate_on_submit():
        if form.website.data:
            return redirect(url_for("forum.home"))
        found = queries.category_by_slug(form.category.data or "")
        try:
            if found is None:
                raise services.ValidationError(_("Choose a category."), field="category")
            posted = services.ask(author=current_user, category=found, title=form.title.data, body=form.body.data,
                                  tags=form.tags.data, lang=str(get_locale()), ip=client_ip())
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            if posted.status == PostStatus.PENDING:
                flash(_("Thanks! Your first post will appear once a moderator has checked it."), "success")
            return redirect(_url(posted))
    return render_template("forum/ask.html", form=form), 400 if form.errors or form.form_errors else 200


@bp.route("/similar")
def similar():
    """JSON: questions and help articles similar to a title being typed."""
    return jsonify(queries.similar(request.args.get("q", "")[:200], str(get_locale())))


@bp.route("/q/<int:question_id>/answers", methods=["POST"])
@login_required
def post_answer(question_id):
    """Answer a question."""
    found = _question_or_404(question_id)
    form = AnswerForm()
    if form.validate_on_submit() and not form.website.data:
        try:
            posted = services.answer(author=current_user, question=found, body=form.body.data, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
        else:
            db.session.commit()
            if posted.status == PostStatus.PENDING:
                flash(_("Thanks! Your first post will appear once a moderator has checked it."), "success")
            return redirect(_url(found, _anchor=f"a{posted.id}"))
    else:
        flash(" ".join(map(str, form.body.errors)) or _("Write your answer."), "error")
    return redirect(_url(found, _anchor="answer-form"))


@bp.route("/q/<int:question_id>/comments", methods=["POST"])
@login_required
def post_comment(question_id):
    """Comment on the question or one of its answers."""
    found = _question_or_404(question_id)
    form = CommentForm()
    answer_id = parse_id(form.answer_id.data)
    target = db.session.get(Answer, answer_id) if answer_id else None
    try:
        if not form.validate_on_submit():
            raise services.ValidationError(_("Write a comment."), field="body")
        services.comment(author=current_user, question=found, body=form.body.data, answer_post=target,
                         ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(_url(found, _anchor=f"a{target.id}" if target else "question"))


@bp.route("/vote", methods=["POST"])
@takes_json
@login_required
def vote():
    """Vote on a question or answer; JSON for fetch, redirect otherwise."""
    data = json_object() if request.is_json else request.form
    value = parse_int(data.get("value", 0), low=-1, high=1)
    if value is None:
        return jsonify(error=_("A vote is +1, -1 or 0.")), 400
    try:
        score = services.vote(user=current_user, post_type=str(data.get("post_type", "")),
                              post_id=parse_id(data.get("post_id")), value=value, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        if request.is_json:
            return jsonify(error=exc.message), exc.status
        flash(exc.message, "error")
        return redirect(local_referrer() or url_for("forum.home"))
    db.session.commit()
    if request.is_json:
        return jsonify(score=score, value=value)
    return redirect(local_referrer() or url_for("forum.home"))


@bp.route("/q/<int:question_id>/accept", methods=["POST"])
@login_required
def accept(question_id):
    """Accept (or un-accept) an answer."""
    found = _question_or_404(question_id)
    answer_id = parse_id(request.form.get("answer_id"))
    post = db.session.get(Answer, answer_id) if answer_id else None
    try:
        services.accept(user=current_user, question=found, post=post)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
    return redirect(_url(found))


@bp.route("/q/<int:question_id>/follow", methods=["POST"])
@login_required
def follow(question_id):
    """Follow or stop following a question."""
    found = _question_or_404(question_id)
    services.follow(user=current_user, question=found, on=request.form.get("on") == "1")
    db.session.commit()
    return redirect(_url(found))


@bp.route("/flag", methods=["POST"])
@login_required
def flag():
    """Report a post to the moderators."""
    try:
        services.flag(user=current_user, post_type=request.form.get("post_type", ""),
                      post_id=parse_id(request.form.get("post_id")), reason=request.form.get("reason", ""))
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Thank you: the moderators will look at this post."), "success")
    return redirect(local_referrer() or url_for("forum.home"))


@bp.route("/<post_type>/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_type, post_id):
    """Edit my question or answer (moderators: any); the previous version is kept."""
    if post_type not in ("question", "answer"):
        abort(404)
    post = db.session.get(Question if post_type == "question" else Answer, post_id) or abort(404)
    if post.author_id != current_user.id and not can(current_user, "forum.moderate"):
        abort(404)
    question = post if post_type == "question" else post.question
    form = EditForm(obj=post) if request.method == "GET" else EditForm()
    if request.method == "GET" and post_type == "question":
        form.tags.data = ", ".join(post.tags or [])
    if form.validate_on_submit():
        try:
            if post_type == "question":
                services.edit_question(post, editor=current_user, title=form.title.data, body=form.body.data,
                                       tags=form.tags.data, reason=form.reason.data)
            else:
                services.edit_answer(post, editor=current_user, body=form.body.data, reason=form.reason.data)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            return redirect(_url(question))
    return render_template("forum/edit.html", form=form, post_type=post_type, post=post, question=question)


@bp.route("/<post_type>/<int:post_id>/delete", methods=["POST"])
@login_required
def delete(post_type, post_id):
    """Delete my question (while unanswered) or my answer."""
    post = db.session.get(Question if post_type == "question" else Answer, post_id) if post_type in (
        "question", "answer") else None
    if post is None:
        abort(404)
    try:
        if post_type == "question":
            services.delete_question(post, user=current_user)
        else:
            services.delete_answer(post, user=current_user)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(_url(post if post_type == "question" else post.question))
    db.session.commit()
    flash(_("Deleted."), "success")
    return redirect(url_for("forum.home") if post_type == "question" else _url(post.question))


@bp.route("/users/<int:user_id>")
def profile(user_id):
    """A member's questions, answers, accepted count and reputation."""
    from portal.accounts.models import User

    user = db.session.get(User, user_id) or abort(404)
    profile_row = queries.profiles_for([user.id]).get(user.id)
    if profile_row is None:
        abort(404)
    questions = queries.question_list(author_id=user.id, sort="newest")
    from sqlalchemy import select

    answers = list(db.session.scalars(select(Answer).where(Answer.author_id == user.id,
                                                           Answer.status == PostStatus.VISIBLE)
                                      .order_by(Answer.created_at.desc()).limit(20)))
    return render_template("forum/profile.html", member=user, profile=profile_row, questions=questions,
                           answers=answers)


@bp.route("/search")
def search():
    """Search questions and answers; any input is safe."""
    q = request.args.get("q", "")
    results = queries.search(q, str(get_locale()), request.args.get("page", 1, type=page_value)) if q.strip() else None
    return render_template("forum/search.html", q=q, results=results)


