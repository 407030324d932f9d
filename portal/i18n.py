"""Locale choice: the user's setting, then the help-center language switch, then Accept-Language."""
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def select_locale():
    """Return the locale for this request (the default locale outside a request)."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or default


def current_language() -> str:
    """The help-center language of this request: the one in the URL, else the UI locale."""
    lang = g.get("help_lang") if has_request_context() else None
    return lang or str(get_locale())


def fill_language(endpoint, values):
    """Let templates write url_for('help.home') and get the visitor's language."""
    if "lang" in values or not endpoint:
        return
    if current_app.url_map.is_endpoint_expecting(endpoint, "lang"):
        values["lang"] = current_language()


def format_file_size(size: int) -> str:
    """A byte count for people, in the current language: "5 MB", "1.5 KB" ("5 Mo", "1,5 ko")."""
    if size >= 1024 * 1024:
        return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 2)))
    if size >= 1024:
        return _("%(size)s KB", size=format_decimal(round(size / 1024, 2)))
    return ngettext("%(num)d byte", "%(num)d bytes", size)


def init_app(app):
    app.jinja_env.globals.update(LANGUAGE_NAMES=LANGUAGE_NAMES, get_locale=get_locale,
                                 format_date=format_date, format_datetime=format_datetime,
                                 format_file_size=format_file_size, format_currency=format_currency)
    app.url_defaults(fill_language)
