"""French catalogue: complete, compiled, and chosen by account setting > language switch > Accept-Language."""
from html import unescape
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

import portal
from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from tests.factories import PASSWORD, make_ticket, make_user

TRANSLATIONS = Path(portal.__file__).parent / "translations"
FRENCH_PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
FRENCH_BROWSER = "fr-FR,fr;q=0.9,en;q=0.5"


def read_catalogue(path: Path):
    with path.open("rb") as fh:
        return read_po(fh, locale=path.parts[-3] if path.suffix == ".po" else None)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """Compile each .po whose .mo is missing or older (a clean clone holds only the .po files)."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            catalogue = read_catalogue(po_path)
            with mo_path.open("wb") as fh:
                write_mo(fh, catalogue)


@pytest.fixture
def site(make_app):
    """An app with no context pushed, so each request picks its language afresh as in production
    (Flask-Babel keeps the chosen locale on `g`, which one pushed app context would share)."""
    app = make_app()
    yield app
    with app.app_context():
        db.engine.dispose()


def browser(site, accept_language: str):
    client = site.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept_language
    return client


def add_user(site, role=Role.CUSTOMER, locale=None, **overrides) -> str:
    """Create an account (with a saved language or None for automatic); returns its email."""
    with site.app_context():
        user = make_user(role, **overrides)
        user.locale = locale
        db.session.commit()
        return user.email


def log_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, text_of(response)[:500]


def text_of(response) -> str:
    """The page with HTML entities decoded, so "d'aide" matches however it was escaped."""
    return unescape(response.get_data(as_text=True))


def page(client, url: str) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    return text_of(response)


# --- the catalogue ------------------------------------------------------------------------------

def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = read_catalogue(FRENCH_PO)
    assert not catalogue.fuzzy, "the catalogue header is marked fuzzy"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    untranslated = [m.id for m in catalogue if m.id and (
        not all(m.string) if isinstance(m.string, (tuple, list)) else not m.string)]
    assert not fuzzy, f"fuzzy entries in {FRENCH_PO}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {FRENCH_PO}: {untranslated}"
    assert len(catalogue) > 300


def test_french_translations_keep_placeholders_and_plural_forms():
    catalogue = read_catalogue(FRENCH_PO)
    assert not [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    plurals = [m for m in catalogue if m.id and m.pluralizable]
    assert plurals and all(len(m.string) == catalogue.num_plurals for m in plurals)


def test_french_catalogue_holds_every_extracted_string():
    template, french = read_catalogue(TRANSLATIONS / "messages.pot"), read_catalogue(FRENCH_PO)
    missing = [m.id for m in template if m.id and french.get(m.id, context=m.context) is None]  # msgctxt too
    assert not missing, f"run bin/translations, then translate: {missing}"


# --- pages in French and in English -------------------------------------------------------------

def test_help_center_follows_accept_language(site):
    french = browser(site, FRENCH_BROWSER)
    assert french.get("/help/").headers["Location"].endswith("/help/fr/")
    home = page(french, "/help/fr/")
    assert '<html lang="fr">' in home
    assert "Comment pouvons-nous vous aider\u202f?" in home and "Centre d'aide" in home
    results = page(french, "/help/fr/search?q=introuvable")
    assert "Résultats pour «\u00a0introuvable\u00a0»" in results and "0\u00a0article trouvé" in results


def test_help_center_in_english(site):
    home = page(browser(site, "en-GB,en;q=0.8"), "/help/")
    assert '<html lang="en">' in home and "How can we help?" in home and "Comment pouvons-nous" not in home


def test_login_page_form_errors_and_service_errors_in_french(site):
    french = browser(site, FRENCH_BROWSER)
    login_page = page(french, "/login")
    assert "Se connecter" in login_page and "Mot de passe oublié\u202f?" in login_page
    assert "Se souvenir de moi sur cet appareil" in login_page  # a lazy_gettext form label
    empty = text_of(french.post("/login", data={"email": "", "password": ""}))
    assert "Saisissez votre adresse e-mail." in empty and "Saisissez votre mot de passe." in empty
    email = add_user(site)
    wrong = french.post("/login", data={"email": email, "password": "wrong-password"})
    assert "E-mail ou mot de passe incorrect." in text_of(wrong)


def test_login_page_in_english(site):
    login_page = page(browser(site, "en"), "/login")
    assert "Forgot your password?" in login_page and "Se connecter" not in login_page


def test_staff_pages_in_french(site):
    french = browser(site, FRENCH_BROWSER)
    log_in(french, add_user(site, Role.MANAGER))
    assert "Tableau de bord" in page(french, "/staff/")
    articles = page(french, "/staff/kb/")
    assert "Nouvel article" in articles and "Tous les statuts" in articles
    assert "Boîte d'envoi" in page(french, "/staff/outbox")
    assert "Inviter une personne" in page(french, "/staff/team")


def test_contact_form_community_and_desk_in_french(site):
    french = browser(site, FRENCH_BROWSER)
    contact = page(french, "/help/contact")
    assert "Nous contacter" in contact and "Envoyer ma demande" in contact
    assert "Votre e-mail" in contact and "Suivre ma commande" in contact  # a lazy_gettext label, a link
    community = page(french, "/community/")
    assert "Questions et réponses de la communauté" in community and "Poser une question" in community
    with site.app_context():
        number = make_ticket(subject="Colis en retard").number
    log_in(french, add_user(site, Role.MANAGER))
    ticket = page(french, f"/staff/tickets/{number}")
    assert "Colis en retard" in ticket and "Prendre en charge" in ticket and "Historique" in ticket
    assert "Nouveau" in ticket and "Formulaire de contact" in ticket  # status and channel labels
    assert "Réponse publique" in ticket and "Note interne" in ticket  # composer choices
    merged = french.post(f"/staff/tickets/{number}/merge", data={"target": str(number)})
    assert merged.status_code == 400 and "Choisissez deux tickets différents à fusionner." in text_of(merged)


def test_staff_page_in_english(site):
    english = browser(site, "en")
    log_in(english, add_user(site, Role.EDITOR))
    dashboard = page(english, "/staff/")
    assert "Dashboard" in dashboard and "Tableau de bord" not in dashboard


def test_error_page_and_account_mail_in_french(site):
    french = browser(site, FRENCH_BROWSER)
    missing = french.get("/no/such/page")
    assert missing.status_code == 404 and "Nous n'avons pas trouvé cette page." in text_of(missing)
    french.post("/register", data={"name": "Marie", "email": "marie@example.com", "password": "long-enough-1",
                                   "confirm": "long-enough-1", "accept": "y"})
    with site.app_context():
        mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "marie@example.com")).one()
        assert mail.subject == "Confirmez votre adresse e-mail"
        assert "Bonjour Marie," in mail.text and "Le lien est valable 24\u00a0heures." in mail.text


# --- which language wins ------------------------------------------------------------------------

def test_language_switch_beats_accept_language(site):
    french = browser(site, FRENCH_BROWSER)
    assert "Se connecter" in page(french, "/login")
    french.post("/language", data={"lang": "en", "next": "/login"})
    assert "Forgot your password?" in page(french, "/login")


def test_help_center_language_in_the_url_is_remembered(site):
    english = browser(site, "en")
    page(english, "/help/fr/")
    assert "Mot de passe oublié" in page(english, "/login")


def test_saved_locale_beats_the_language_switch_and_accept_language(site):
    english = browser(site, "en")
    email = add_user(site, locale="fr", name="Marie Curie")
    english.post("/language", data={"lang": "en", "next": "/login"})  # logged out: only the session changes
    log_in(english, email)
    assert "Vue d'ensemble" in page(english, "/portal/")
    page(english, "/help/en/")  # English articles, but the interface stays in the account's language
    portal_page = page(english, "/portal/")
    assert "Bonjour Marie Curie" in portal_page and "Paramètres du compte" in portal_page


def test_automatic_language_setting_follows_the_browser_again(site):
    english = browser(site, "en")
    email = add_user(site, locale="fr")
    log_in(english, email)
    assert "Paramètres du compte" in page(english, "/portal/settings")
    english.post("/portal/settings", data={"profile-name": "Marie", "profile-locale": "auto", "profile-submit": "y"})
    assert "Account settings" in page(english, "/portal/settings")


def test_fast_date_formatting_matches_babel_in_both_languages(make_app):
    from datetime import datetime

    from flask_babel import format_datetime, force_locale

    from portal.i18n import fast_format_datetime

    app = make_app()
    values = [datetime(2026, 1, 5, 8, 3), datetime(2026, 11, 30, 23, 59, 59)]
    with app.test_request_context():
        for lang in ("en", "fr"):
            with force_locale(lang):
                for fmt in ("short", "medium", "long", "yyyy-MM-dd HH:mm"):
                    for value in values:
                        assert fast_format_datetime(value, fmt) == format_datetime(value, fmt)
