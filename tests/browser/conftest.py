"""A live server on 127.0.0.1 serving the starter help center, and headless Debian Chromium (Playwright)."""
import shutil
import threading
from pathlib import Path
from typing import NamedTuple

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db
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
    shutil.copy(template_db, instance / "portal.db")
    app = create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret"})
    with app.app_context():
        report = import_directory(CONTENT)
        db.session.commit()
        assert not report.errors, report.errors
        rebuild_index()
        make_user(role=Role.EDITOR, email=EDITOR_EMAIL, name="Eva Editor")
        db.session.remove()
        db.engine.dispose()
    app.extensions["search"].close()
    return instance


@pytest.fixture
def live_app(make_app, starter_instance, tmp_path):
    """The real app on a copy of the starter instance, served by a threaded HTTP server; yields LiveApp.

    The test keeps an app context, so factories and queries work on the same database.
    """
    shutil.copytree(starter_instance, tmp_path / "instance")
    app = make_app(SERVER_NAME=None, WTF_CSRF_ENABLED=True)
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
