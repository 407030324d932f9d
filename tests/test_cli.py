"""The `portal` command: init, demo, kb search and reindex, as an admin runs them."""
import json

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.kb.models import Article


def test_init_twice_is_safe_and_builds_everything(app, runner, monkeypatch):
    monkeypatch.setenv("PORTAL_ADMIN_EMAIL", "boss@example.com")
    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "a-long-password-1")
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "Manager account created: boss@example.com" in first.output
    articles = db.session.scalar(select(func.count(Article.id)))
    second = runner.invoke(args=["init"])
    assert second.exit_code == 0, second.output
    assert "already exists" in second.output
    assert db.session.scalar(select(func.count(Article.id))) == articles >= 50
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.MANAGER)) == 1
    result = runner.invoke(args=["kb", "search", "refund", "--json"])
    assert result.exit_code == 0 and json.loads(result.output)


def test_init_no_content_imports_nothing(app, runner, monkeypatch):
    monkeypatch.delenv("PORTAL_ADMIN_EMAIL", raising=False)
    result = runner.invoke(args=["init", "--no-content"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Article.id))) == 0
    assert "No manager created" in result.output


def test_demo_is_idempotent_and_prints_logins(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "agent@demo.comptoir.test" in first.output and "demo-password-1" in first.output
    from portal.forum.models import Answer, Question
    from portal.tickets.models import Ticket

    users = db.session.scalar(select(func.count(User.id)))
    tickets = db.session.scalar(select(func.count(Ticket.id)))
    assert tickets >= 4
    from portal.orders.models import Order

    claire = db.session.scalar(select(User).where(User.email == "claire@demo.comptoir.test"))
    assert db.session.scalar(select(func.count(Order.id)).where(Order.customer_id == claire.id)) == 2
    questions = db.session.scalar(select(func.count(Question.id)))
    assert questions >= 5 and {"en", "fr"} <= set(db.session.scalars(select(Question.lang)))
    assert db.session.scalar(select(func.count(Question.id)).where(Question.accepted_answer_id.is_not(None))) == 1
    assert db.session.scalar(select(func.count(Answer.id)).where(Answer.official.is_(True))) >= 1
    assert "Demo community" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == users
    assert db.session.scalar(select(func.count(Ticket.id))) == tickets
    assert db.session.scalar(select(func.count(Order.id))) == 3
    assert db.session.scalar(select(func.count(Question.id))) == questions
    roles = set(db.session.scalars(select(User.role)))
    assert roles == {Role.CUSTOMER, Role.EDITOR, Role.AGENT, Role.MANAGER}


def test_kb_search_json_shape_typos_and_french(app, runner):
    runner.invoke(args=["init", "--no-content"])
    runner.invoke(args=["kb", "import", "content"])
    result = runner.invoke(args=["kb", "search", "remboursment", "--lang", "fr", "--json", "--limit", "3"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)
    assert 1 <= len(hits) <= 3
    assert set(hits[0]) == {"slug", "title", "score", "snippet"}
    assert any("rembours" in h["title"].lower() or "rembours" in h["snippet"].lower() for h in hits)
    livraison = json.loads(runner.invoke(args=["kb", "search", "livraison", "--lang", "fr", "--json"]).output)
    assert livraison and all("<" not in h["snippet"] for h in livraison)
    english = json.loads(runner.invoke(args=["kb", "search", "trackng", "--json"]).output)
    assert any(h["slug"] == "where-is-my-order" for h in english)


def test_kb_reindex_rebuilds_and_search_still_works(app, runner):
    runner.invoke(args=["kb", "import", "content"])
    result = runner.invoke(args=["kb", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Reindexed" in result.output
    hits = json.loads(runner.invoke(args=["kb", "search", "gift card", "--json"]).output)
    assert hits and hits[0]["slug"] == "gift-cards"


def test_kb_search_bad_language_is_one_line_error(app, runner):
    result = runner.invoke(args=["kb", "search", "x", "--lang", "de"])
    assert result.exit_code != 0 and "Invalid value" in result.output


def test_kb_optimize_keeps_search_working(app, runner):
    runner.invoke(args=["kb", "import", "content"])
    result = runner.invoke(args=["kb", "optimize"])
    assert result.exit_code == 0 and "optimized" in result.output
    hits = json.loads(runner.invoke(args=["kb", "search", "livraison", "--lang", "fr", "--json"]).output)
    assert hits
