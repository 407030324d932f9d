"""Staff knowledge-base editor: articles, revisions, live preview, categories and sections."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import Conflict, DomainError
from portal.extensions import db
from portal.inputs import id_value, page_value, takes_json
from portal.kb import categories as category_services
from portal.kb import forms, queries, services
from portal.kb.models import Article, ArticleStatus, Category, Section
from portal.markup import render_markdown
from portal.staff.access import permission_required

bp = Blueprint("kb_staff", __name__, url_prefix="/staff/kb")
edit_required = permission_required("kb.edit")
categories_required = permission_required("kb.manage_categories")

PER_PAGE = 25
PREVIEW_MAX_CHARS = 200_000
# editor button -> status after the save (None keeps the article's status)
SAVE_ACTIONS = {"draft": ArticleStatus.DRAFT, "publish": ArticleStatus.PUBLISHED, "save": None,
                "unpublish": ArticleStatus.DRAFT}


def _action(default: str) -> str:
    """Which editor button was pressed: a SAVE_ACTIONS key, or "preview" (no-JS preview)."""
    action = request.form.get("action", default)
    return action if action in SAVE_ACTIONS or action == "preview" else default


def _other_lang(lang: str) -> str | None:
    return next((code for code in services.LANGUAGES if code != lang), None)


def _current_translation(article: Article) -> Article | None:
    return queries.translation_of(article, _other_lang(article.lang), published_only=False)


def _saved_message(article: Article) -> str:
    if article.status == ArticleStatus.PUBLISHED:
        return _("Saved. “%(title)s” is live in the help center.", title=article.title)
    if article.status == ArticleStatus.ARCHIVED:
        return _("Saved. “%(title)s” stays archived.", title=article.title)
    return _("Draft saved. “%(title)s” is not visible in the help center.", title=article.title)


def _editor_page(form, article=None, *, conflict=False):
    preview = render_markdown(form.body.data, base_host=request.host)
    return render_template("staff/kb/editor.html", form=form, article=article, preview=preview,
                           conflict=conflict)


def _confirm_page(*, title, question, button, cancel_url, danger=True):
    return render_template("staff/kb/confirm.html", title=title, question=question, button=button,
                           cancel_url=cancel_url, danger=danger)


def _save_edits(article: Article, form, action: str) -> bool:
    """Apply the editor form: content (a new revision), translation link, then status."""
    changed = services.update_article(article, actor=current_user, note=form.note.data or "",
                                      base_revision=form.base_revision_number(), **form.article_values())
    translation = form.translation_article()
    if translation != _current_translation(article):
        services.link_translation(article, translation)
        changed = True
    target = SAVE_ACTIONS[action]
    if target is not None and target != article.status:
        services.set_status(article, target, actor=current_user)
        changed = True
    return changed


@bp.route("/")
@edit_required
def articles():
    """Every article, filtered by status, language, category and text."""
    form = forms.ArticleFilterForm(request.args)
    page = request.args.get("page", 1, type=page_value)
    rows, total = queries.staff_articles(**form.filters(), page=page, per_page=PER_PAGE)
    query = {name: request.args[name] for name in ("status", "lang", "category", "q") if request.args.get(name)}
    return render_template("staff/kb/articles.html", form=form, articles=rows, total=total, page=page,
                           pages=max(-(-total // PER_PAGE), 1), query=query)


@bp.route("/new", methods=["GET", "POST"])
@edit_required
def article_new():
    """Write a new article, as a draft or published at once."""
    form = forms.ArticleForm()
    action = _action("draft")
    if action != "preview" and form.validate_on_submit():
        try:
            article = services.create_article(
                actor=current_user, status=SAVE_ACTIONS[action] or ArticleStatus.DRAFT,
                note=form.note.data or "", translation_of=form.translation_article(), **form.article_values())
        except DomainError as exc:
            db.session.rollback()
            forms.add_error(form, exc)
        else:
            db.session.commit()
            flash(_saved_message(article), "success")
            return redirect(url_for(".article_edit", article_id=article.id))
    return _editor_page(form)


@bp.route("/<int:article_id>/edit", methods=["GET", "POST"])
@edit_required
def article_edit(article_id):
    """Edit an article; each save is a revision, and a save based on a stale revision is refused."""
    article = queries.get_article(article_id)
    form = forms.ArticleForm(article=article)
    if request.method == "GET":
        form.fill_from(article, translation=_current_translation(article),
                       base_revision=services.latest_revision_number(article))
    action = _action("save")
    if action != "preview" and form.validate_on_submit():
        try:
            changed = _save_edits(article, form, action)
        except DomainError as exc:
            db.session.rollback()
            forms.add_error(form, exc)
            return _editor_page(form, article, conflict=isinstance(exc, Conflict) and exc.field is None)
        db.session.commit()
        flash(_saved_message(article) if changed else _("Nothing changed, so nothing was saved."),
              "success" if changed else "message")
        return redirect(url_for(".article_edit", article_id=article.id))
    return _editor_page(form, article)


@bp.route("/preview", methods=["POST"])
@takes_json
@edit_required
def preview():
    """The editor's live preview: Markdown in ("body"), sanitised HTML out as JSON {"html": ...}."""
    data = request.get_json(silent=True)
    body = data.get("body") if isinstance(data, dict) else request.form.get("body")
    html = render_markdown(str(body or "")[:PREVIEW_MAX_CHARS], base_host=request.host)
    return jsonify(html=str(html))


def _set_status(article_id: int, status: ArticleStatus, message: str):
    article = queries.get_article(article_id)
    services.set_status(article, status, actor=current_user)
    db.session.commit()
    flash(message % {"title": article.title}, "success")
    return redirect(url_for(".article_edit", article_id=article.id))


@bp.route("/<int:article_id>/publish", methods=["POST"])
@edit_required
def article_publish(article_id):
    """Publish an article as it is."""
    return _set_status(article_id, ArticleStatus.PUBLISHED, _("Published. “%(title)s” is live in the help center."))


@bp.route("/<int:article_id>/unpublish", methods=["POST"])
@edit_required
def article_unpublish(article_id):
    """Take an article back to drafts."""
    return _set_status(article_id, ArticleStatus.DRAFT, _("Unpublished. “%(title)s” is a draft again."))


@bp.route("/<int:article_id>/archive", methods=["GET", "POST"])
@edit_required
def article_archive(article_id):
    """Confirm, then archive an article: it leaves the help center but is kept."""
    article = queries.get_article(article_id)
    if request.method == "POST":
        services.set_status(article, ArticleStatus.ARCHIVED, actor=current_user)
        db.session.commit()
        flash(_("“%(title)s” is archived.", title=article.title), "success")
        return redirect(url_for(".articles"))
    return _confirm_page(
        title=_("Archive article"), button=_("Archive"), danger=False,
        question=_("Archive “%(title)s”? It will disappear from the help center and its search. "
                   "You can publish it again later.", title=article.title),
        cancel_url=url_for(".article_edit", article_id=article.id))


@bp.route("/<int:article_id>/delete", methods=["GET", "POST"])
@edit_required
def article_delete(article_id):
    """Confirm, then delete a draft or archived article with its revisions."""
    article = queries.get_article(article_id)
    if article.is_published:
        flash(_("Published articles cannot be deleted. Unpublish or archive it first."), "error")
        return redirect(url_for(".article_edit", article_id=article.id))
    if request.method == "POST":
        title = article.title
        services.delete_article(article)
        db.session.commit()
        flash(_("“%(title)s” was deleted.", title=title), "success")
        return redirect(url_for(".articles"))
    return _confirm_page(
        title=_("Delete article"), button=_("Delete for good"),
        question=_("Delete “%(title)s” and all its revisions? This cannot be undone.", title=article.title),
        cancel_url=url_for(".article_edit", article_id=article.id))


@bp.route("/<int:article_id>/revisions")
@edit_required
def article_revisions(article_id):
    """Every saved revision of an article, newest first."""
    article = queries.get_article(article_id)
    return render_template("staff/kb/revisions.html", article=article, revisions=queries.revisions(article))


@bp.route("/<int:article_id>/revisions/<int:number>")
@edit_required
def article_revision(article_id, number):
    """One revision as it read then."""
    article = queries.get_article(article_id)
    revision = services.get_revision(article, number)
    return render_template("staff/kb/revision.html", article=article, revision=revision,
                           html=render_markdown(revision.body, base_host=request.host),
                           latest=services.latest_revision_number(article))


@bp.route("/<int:article_id>/diff")
@edit_required
def article_diff(article_id):
    """Changes between two revisions: `new` (default the latest) and `old` (default the one before)."""
    article = queries.get_article(article_id)
    latest = services.latest_revision_number(article)
    new_number = request.args.get("new", latest, type=id_value)
    old_number = request.args.get("old", new_number - 1, type=id_value)
    old_number, new_number = sorted((old_number, new_number))
    new = services.get_revision(article, new_number)
    old = services.get_revision(article, old_number) if old_number >= 1 else None
    return render_template("staff/kb/diff.html", article=article, old=old, new=new,
                           diff=services.diff_revisions(old, new) if old else None, latest=latest)


@bp.route("/<int:article_id>/revisions/<int:number>/restore", methods=["POST"])
@edit_required
def article_restore(article_id, number):
    """Copy an old revision back into the article, as a new revision."""
    article = queries.get_article(article_id)
    before = services.latest_revision_number(article)
    services.restore_revision(article, number, actor=current_user)
    db.session.commit()
    if services.latest_revision_number(article) > before:
        flash(_("Revision %(number)d restored as a new revision.", number=number), "success")
    else:
        flash(_("The article already matches revision %(number)d.", number=number), "message")
    return redirect(url_for(".article_revisions", article_id=article.id))


@bp.route("/categories")
@categories_required
def categories():
    """Categories with their sections and article counts."""
    return render_template("staff/kb/categories.html", overview=category_services.categories_overview())


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@categories_required
def category_edit(category_id=None):
    """Create a category, or edit one."""
    category = db.get_or_404(Category, category_id) if category_id else None
    form = forms.CategoryForm()
    if request.method == "GET" and category:
        form.fill_from(category)
    if form.validate_on_submit():
        try:
            saved = category_services.save_category(category=category, **form.category_values())
        except DomainError as exc:
            db.session.rollback()
            forms.add_error(form, exc)
        else:
            db.session.commit()
            flash(_("Category “%(name)s” saved.", name=saved.name(forms.ui_lang())), "success")
            return redirect(url_for(".categories"))
    return render_template("staff/kb/category_form.html", form=form, category=category)


@bp.route("/categories/<int:category_id>/delete", methods=["GET", "POST"])
@categories_required
def category_delete(category_id):
    """Confirm, then delete a category that has no articles."""
    category = db.get_or_404(Category, category_id)
    name = category.name(forms.ui_lang())
    if request.method == "POST":
        try:
            category_services.delete_category(category)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".categories"))
        db.session.commit()
        flash(_("Category “%(name)s” deleted.", name=name), "success")
        return redirect(url_for(".categories"))
    return _confirm_page(title=_("Delete category"), button=_("Delete category"),
                         question=_("Delete the category “%(name)s” and its sections?", name=name),
                         cancel_url=url_for(".categories"))


@bp.route("/categories/<int:category_id>/sections/new", methods=["GET", "POST"])
@bp.route("/categories/sections/<int:section_id>/edit", methods=["GET", "POST"])
@categories_required
def category_section_edit(category_id=None, section_id=None):
    """Add a section to a category, or edit one."""
    section = db.get_or_404(Section, section_id) if section_id else None
    category = section.category if section else db.get_or_404(Category, category_id)
    form = forms.SectionForm()
    if request.method == "GET" and section:
        form.fill_from(section)
    if form.validate_on_submit():
        try:
            saved = category_services.save_section(category=category, section=section, **form.section_values())
        except DomainError as exc:
            db.session.rollback()
            forms.add_error(form, exc)
        else:
            db.session.commit()
            flash(_("Section “%(name)s” saved.", name=saved.name(forms.ui_lang())), "success")
            return redirect(url_for(".categories"))
    return render_template("staff/kb/section_form.html", form=form, category=category, section=section)


@bp.route("/categories/sections/<int:section_id>/delete", methods=["GET", "POST"])
@categories_required
def category_section_delete(section_id):
    """Confirm, then delete a section; its articles stay in the category."""
    section = db.get_or_404(Section, section_id)
    name = section.name(forms.ui_lang())
    if request.method == "POST":
        category_services.delete_section(section)
        db.session.commit()
        flash(_("Section “%(name)s” deleted.", name=name), "success")
        return redirect(url_for(".categories"))
    return _confirm_page(title=_("Delete section"), button=_("Delete section"),
                         question=_("Delete the section “%(name)s”? Its articles stay in the category, "
                                    "without a section.", name=name),
                         cancel_url=url_for(".categories"))
