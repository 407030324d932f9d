"""Public help center: home, categories, articles, votes, search and suggestions."""
import secrets
from functools import lru_cache

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal.extensions import db
from portal.inputs import id_value, page_value
from portal.kb import categories as category_services
from portal.kb import queries, services
from portal.kb.search import search_help, suggest_help
from portal.markup import render_markdown_toc

bp = Blueprint("help", __name__, url_prefix="/help")


@bp.url_value_preprocessor
def pick_language(endpoint, values):
    lang = (values or {}).get("lang")
    if lang is not None:
        if lang not in current_app.config["LANGUAGES"]:
            abort(404)
        g.help_lang = lang
        session["lang"] = lang


def visitor_key() -> str:
    """Who is voting: the account, or a random id kept in the session cookie."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    if "visitor" not in session:
        session["visitor"] = secrets.token_hex(12)
    return f"anon:{session['visitor']}"


@bp.route("/")
def index():
    """Send visitors to the help center in their language."""
    return redirect(url_for("help.home", lang=str(get_locale())))


@bp.route("/<lang:lang>/")
def home(lang):
    """Help-center home: search, categories and popular articles."""
    return render_template("help/home.html", lang=lang, categories=queries.categories_with_counts(lang),
                           popular=queries.popular_articles(lang))


@bp.route("/<lang:lang>/categories/<slug>")
def category(lang, slug):
    """One category with its articles grouped by section."""
    found = category_services.get_category(slug)
    articles = queries.category_articles(found, lang)
    if not articles:
        abort(404)
    groups = {}
    for article in articles:
        groups.setdefault(article.section, []).append(article)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] is None, kv[0].position if kv[0] else 0))
    return render_template("help/category.html", lang=lang, category=found, groups=ordered)


@bp.route("/<lang:lang>/articles/<slug>")
def article(lang, slug):
    """An article with table of contents, related articles and the helpful vote."""
    found = queries.published_article(lang, slug)
    html, toc = rendered_body(found.body, request.host)
    other_lang = next((code for code in current_app.config["LANGUAGES"] if code != lang), None)
    page = render_template("help/article.html", lang=lang, article=found, html=html, toc=toc,
                           related=queries.related_articles(found),
                           translation=queries.translation_of(found, other_lang) if other_lang else None,
                           voted=session.get("voted", {}).get(str(found.id)))
    # Counted after rendering: a commit expires the loaded objects, so committing first reloaded the article.
    if request.args.get("s", type=id_value):
        services.log_click(log_id=request.args.get("s", type=id_value), article=found)
    services.record_view(found)
    db.session.commit()
    return page


@lru_cache(maxsize=1024)
def rendered_body(body: str, host: str):
    """(html, toc) of an article body, cached by content: Markdown takes several ms per article."""
    html, toc = render_markdown_toc(body, base_host=host)
    return html, tuple(toc)


@bp.route("/<lang:lang>/articles/<slug>/vote", methods=["POST"])
def vote(lang, slug):
    """Record "Was this helpful?" once per visitor."""
    found = queries.published_article(lang, slug)
    helpful = request.form.get("helpful") == "yes"
    counted = services.vote(found, visitor=visitor_key(), helpful=helpful)
    db.session.commit()
    session.setdefault("voted", {})[str(found.id)] = "yes" if helpful else "no"
    session.modified = True
    if request.headers.get("HX-Request") or request.accept_mimetypes.best == "application/json":
        return jsonify({"counted": counted, "yes": found.helpful_yes, "no": found.helpful_no})
    return redirect(url_for("help.article", lang=lang, slug=slug, _anchor="vote"))


@bp.route("/<lang:lang>/search")
def search(lang):
    """Search results with highlighted snippets, filters and "Did you mean"."""
    q = request.args.get("q", "")
    category = request.args.get("category") or None
    page = request.args.get("page", 1, type=page_value)
    found = search_help(q, lang=lang, category=category, page=page)
    db.session.commit()
    return render_template("help/search.html", lang=lang, q=q, category=category, search=found.results,
                           log_id=found.log_id, community=found.community or [], categories=queries.categories_with_counts(lang))


@bp.route("/<lang:lang>/suggest")
def suggest(lang):
    """JSON suggestions while typing in the search box."""
    return jsonify(suggest_help(request.args.get("q", ""), lang=lang))
