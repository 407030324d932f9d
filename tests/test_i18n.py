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
from tests.factories import make_user

TRANSLATIONS = Path(portal.__file__).parent / "translations"
FRENCH_PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"


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
def french(client):
    """A browser that asks for French."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9,en;q=0.5"
    return client


def text_of(response) -> str:
    """The page with HTML entities decoded, so "d'aide" matches however it was escaped."""
    return unescape(response.get_data(as_text=True))


def page(client, url, **kwargs) -> str:
    response = client.get(url, follow_redirects=True, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return text_of(response)


# --- the catalogue ------------------------------------------------------------------------------

def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    catalogue = read_catalogue(FRENCH_PO)
    assert not catalogue.fuzzy, "the catalogue header is marked fuzzy"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    untranslated = [m.id for m in catalogue if m.id and (
        not all(m.string) if isinstance(m.string, (tuple, list)) else not m.string)]
    assert not fuzzy, f"fuzzy entries in {FRENCH_PO.name}: {fuzzy}"
    assert not untranslated, f"untranslated entries in {FRENCH_PO.name}: {untranslated}"
    assert len(catalogue) > 300


def test_french_translations_keep_placeholders_and_plural_forms():
    catalogue = read_catalogue(FRENCH_PO)
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue.check()]
    assert not problems
    plurals = [m for m in catalogue if m.id and m.pluralizable]
    assert plurals and all(len(m.string) == catalogue.num_plurals for m in plurals)


def test_french_catalogue_holds_every_extracted_string():
    template = read_catalogue(TRANSLATIONS / "messages.pot")
    french = read_catalogue(FRENCH_PO)
    missing = [m.id for m in template if m.id and m.id not in french]
    assert not missing, f"run bin/translations and translate: {missing}"


# --- pages in French and in English -------------------------------------------------------------

def test_help_center_follows_accept_language(french):
    response = french.get("/help/")
    assert response.headers["Location"].endswith("/help/fr/")
    home = page(french, "/help/fr/")
    assert '<html lang="fr">' in home
    assert "Comment pouvons-nous vous aider\u202f?" in home and "Centre d'aide" in home
    results = page(french, "/help/fr/search?q=introuvable")
    assert "Résultats pour" in results and "0\u00a0article trouvé" in results


def test_help_center_in_english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    home = page(client, "/help/en/")
    assert "How can we help?" in home and "Comment pouvons-nous" not in home


def test_login_page_and_its_errors_in_french(french):
    login_page = page(french, "/login")
    assert "Se connecter" in login_page and "Mot de passe oublié" in login_page
    assert "Se souvenir de moi sur cet appareil" in login_page  # a lazy form label
    empty = text_of(french.post("/login", data={"email": "", "password": ""}))
    assert "Saisissez votre adresse e-mail." in empty and "Saisissez votre mot de passe." in empty
    make_user(email="marie@example.com")
    wrong = french.post("/login", data={"email": "marie@example.com", "password": "wrong-password"})
    assert "E-mail ou mot de passe incorrect." in text_of(wrong)  # a service's error


def test_login_page_in_english(client):
    login_page = page(client, "/login", headers={"Accept-Language": "en"})
    assert "Log in" in login_page and "Forgot your password?" in login_page and "Se connecter" not in login_page


def test_staff_pages_in_french(french, login):
    editor = make_user(Role.EDITOR)
    login(editor.email)
    assert "Tableau de bord" in page(french, "/staff/")
    articles = page(french, "/staff/kb/")
    assert "Nouvel article" in articles and "Tous les statuts" in articles
    assert "Boîte d'envoi" in page(french, "/staff/outbox")


def test_staff_page_in_english(client, login):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    login(make_user(Role.EDITOR).email)
    dashboard = page(client, "/staff/")
    assert "Dashboard" in dashboard and "Tableau de bord" not in dashboard


def test_error_page_and_mail_in_french(french):
    response = french.get("/no/such/page")
    assert response.status_code == 404 and "Nous n'avons pas trouvé cette page." in text_of(response)
    french.post("/register", data={"name": "Marie", "email": "marie@example.com", "password": "long-enough-1",
                                   "confirm": "long-enough-1", "accept": "y"})
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == "marie@example.com")).one()
    assert mail.subject == "Confirmez votre adresse e-mail"
    assert "Bonjour Marie," in mail.text and "Le lien est valable 24\u00a0heures." in mail.text


# --- which language wins ------------------------------------------------------------------------

def test_language_switch_beats_accept_language(french):
    assert "Se connecter" in page(french, "/login")
    french.post("/language", data={"lang": "en", "next": "/login"})
    assert "Forgot your password?" in page(french, "/login")


def test_help_center_language_in_the_url_is_remembered(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page(client, "/help/fr/")
    assert "Mot de passe oublié" in page(client, "/login")


def test_saved_locale_beats_the_language_switch_and_accept_language(client, login):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = make_user(name="Marie Curie")
    user.locale = "fr"
    db.session.commit()
    client.post("/language", data={"lang": "en", "next": "/login"})  # before logging in: only the session
    login(user.email)
    assert "Vue d'ensemble" in page(client, "/portal/")
    page(client, "/help/en/")  # English articles, but the interface stays in the account's language
    portal_page = page(client, "/portal/")
    assert "Bonjour Marie Curie" in portal_page and "Paramètres du compte" in portal_page


def test_automatic_language_setting_follows_the_browser_again(client, login):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    user = make_user()
    user.locale = "fr"
    db.session.commit()
    login(user.email)
    assert "Paramètres du compte" in page(client, "/portal/settings")
    client.post("/portal/settings", data={"profile-name": user.name, "profile-locale": "auto",
                                          "profile-submit": "y"})
    db.session.refresh(user)
    assert user.locale is None
    assert "Account settings" in page(client, "/portal/settings")
