"""A live server on 127.0.0.1 serving the starter help center, and headless Debian Chromium (Playwright)."""
import re
import shutil
import threading
from pathlib import Path
from typing import NamedTuple

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db
from tests.conftest import PG_DATABASE, PG_TEMPLATE, place_database
from tests.factories import PASSWORD, make_user

CONTENT = Path(__file__).resolve().parents[2] / "content"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
EDITOR_EMAIL = "editor@example.com"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


class LiveApp(NamedTuple):
    app: object
    url: str


@pytest.fixture(scope="session")
def starter_instance(tmp_path_factory, template_db):
    """An instance folder with the starter help center imported and indexed, and one editor; built once."""
    from portal.kb.cli import rebuild_index
    from portal.kb.content_io import import_directory

    instance = tmp_path_factory.mktemp("starter-instance")
    database = place_database(template_db, instance)
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret", **database})
    with app.app_context():
        report = import_directory(CONTENT)
        db.session.commit()
        assert not report.errors, report.errors
        rebuild_index()
        make_user(role=Role.EDITOR, email=EDITOR_EMAIL, name="Eva Editor")
        db.session.remove()
        db.engine.dispose()
    app.extensions["search"].close()
    if database:  # PostgreSQL: each live app gets its own copy of this database, as of a file
        (instance / PG_DATABASE).rename(instance / PG_TEMPLATE)
    return instance


@pytest.fixture
def live_app_config():
    """Extra create_app settings for live_app; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def smtp_config(smtpd):
    """live_app_config that sends the app's mail through the test's real SMTP server (`smtpd`)."""
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtpd.port, "MAIL_SUPPRESS_SEND": False}


@pytest.fixture
def live_app(make_app, starter_instance, tmp_path, live_app_config):
    """The real app on a copy of the starter instance, served by a threaded HTTP server; yields LiveApp.

    The test keeps an app context, so factories and queries work on the same database.
    """
    shutil.copytree(starter_instance, tmp_path / "instance")
    app = make_app(**{"SERVER_NAME": None, "WTF_CSRF_ENABLED": True, **live_app_config})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        with app.app_context():
            yield LiveApp(app, f"http://127.0.0.1:{server.server_port}")
            db.session.remove()
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()
        app.extensions["search"].close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; each test gets its own context."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_app):
    """Open a page in a fresh browser context (own cookies) whose relative URLs go to the live app."""
    contexts = []

    def open_page(**context_options):
        context = browser.new_context(base_url=live_app.url, locale="en-GB", **context_options)
        context.set_default_timeout(5_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page (1280x800) in its own context."""
    return new_page(viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(new_page):
    """A phone-sized touch page (375x740)."""
    return new_page(**PHONE)


@pytest.fixture
def editor_credentials():
    return EDITOR_EMAIL, PASSWORD


@pytest.fixture
def log_in():
    """Log `page` in through the real login form; waits until the landing page (portal or staff) opens."""
    from playwright.sync_api import expect

    def do_log_in(page, email, password=PASSWORD):
        page.goto("/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/(portal|staff)/$"))
        return page
    return do_log_in


@pytest.fixture
def make_shared_macro(live_app):
    """Create a macro shared with the whole team (saved by a manager, as only managers may share)."""
    from portal.tickets import macros

    def build(title, body, **fields):
        manager = make_user(role=Role.MANAGER, name="Mia Manager")
        macro = macros.save_macro(actor=manager, title=title, body=body, shared=True, **fields)
        db.session.commit()
        return macro
    return build
