"""Locale choice: the user's setting, then the help-center language switch, then Accept-Language."""
from flask import current_app, request, session
from flask_login import current_user

LANGUAGE_NAMES = {"en": "English", "fr": "Français"}


def select_locale():
    """Return the locale for this request."""
    languages = current_app.config["LANGUAGES"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app):
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    app.jinja_env.add_extension("jinja2.ext.i18n") if "jinja2.ext.i18n" not in app.jinja_env.extensions else None
