"""App factory, configuration order, database settings, CSRF everywhere, migrations in step."""
import pytest
from sqlalchemy import text

from portal import create_app
from portal.extensions import db


def test_config_order_defaults_then_file_then_env_then_overrides(tmp_path, monkeypatch):
    (tmp_path / "portal.cfg").write_text("SITE_NAME = 'From file'\nKB_PER_PAGE = 7\nMAIL_PORT = 26\n")
    monkeypatch.setenv("PORTAL_KB_PER_PAGE", "8")
    monkeypatch.setenv("PORTAL_MAIL_PORT", "587")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MAIL_PORT": 2525})
    assert app.config["SITE_NAME"] == "From file"
    assert app.config["KB_PER_PAGE"] == 8
    assert app.config["MAIL_PORT"] == 2525
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'portal.db'}"


def test_database_url_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("other.db")


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    first = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    second = create_app({"INSTANCE_PATH": str(tmp_path)}).config["SECRET_KEY"]
    assert len(first) >= 32 and first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert create_app({"INSTANCE_PATH": str(tmp_path / "other")}).config["SECRET_KEY"] != first


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_every_post_route_requires_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    # RFC 8058 one-click unsubscribe comes from mail clients without a form: its signed token is the check.
    # Shop webhooks are checked by their HMAC signature instead.
    # Channel webhooks (/hooks/...) are checked by the provider's signature, the chat widget's API by the
    # visitor's token header and allowed origins: each says so with @csrf.exempt, and nothing else may.
    from portal.extensions import csrf

    def exempted(rule):
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.rpartition(".")[0]
        return (f"{view.__module__}.{view.__name__}" in csrf._exempt_views or
                app.blueprints.get(blueprint) in csrf._exempt_blueprints)  # nested ones by their full name

    exempt_rules = [r for r in app.url_map.iter_rules() if "POST" in r.methods and exempted(r)]
    # The REST API (/api/v1/) takes a Bearer token and never the session cookie.
    assert all(r.rule.startswith(("/hooks/", "/chat/api/", "/api/v1/"))
               or r.endpoint == "contact.one_click_unsubscribe" for r in exempt_rules), [r.rule for r in exempt_rules]
    post_rules = [r for r in app.url_map.iter_rules()
                  if "POST" in r.methods and r.endpoint != "static" and r not in exempt_rules]
    assert len(post_rules) >= 5
    for rule in post_rules:
        url = rule.rule.replace("<lang:lang>", "en")
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        response = client.post(url, data={"a": "b"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "form expired" in response.get_data(as_text=True) or response.is_json


def test_migrations_match_the_models(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    # Indexes the models create on another database only (Index(...).ddl_if(dialect=...)).
    elsewhere = {index.name for table in db.metadata.tables.values() for index in table.indexes
                 if getattr(index, "_ddl_if", None) and index._ddl_if.dialect not in (None, db.engine.dialect.name)}

    def other_databases_only(change) -> bool:
        return change[0] in ("add_index", "remove_index") and change[1].name in elsewhere

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"render_as_batch": True}),
                                db.metadata)
    diff = [change for change in diff if not (isinstance(change, tuple) and other_databases_only(change))]
    assert diff == [], diff


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page." in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["status"] == 404


def test_every_public_field_has_a_label(client):
    import re

    for url in ("/help/en/", "/help/en/search?q=x"):
        page = client.get(url).get_data(as_text=True)
        for field_id in re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', page):
            assert f'for="{field_id}"' in page, (url, field_id)
