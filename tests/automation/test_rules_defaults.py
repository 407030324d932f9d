"""The shipped rules: French and English intent tags on new tickets, reminders at 4, 24 and 48 hours of waiting,
installed once by `portal init` and kept as the manager edited or disabled them."""
import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.automation import engine, rule_services
from portal.automation.defaults import install_defaults
from portal.automation.models import Rule
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from tests.factories import make_agent, make_group, make_ticket, make_user


@pytest.fixture
def shipped(app):
    assert install_defaults() == 14
    db.session.commit()


def test_a_french_where_is_my_order_and_an_english_broken_parcel(shipped):
    assert make_ticket(subject="Où est ma commande ?", body="Bonjour, j'attends toujours.").tags == [
        "intent-where-is-my-order"]
    assert make_ticket(subject="Help", body="Hello, my parcel is broken.").tags == ["intent-damaged"]


@pytest.mark.parametrize("subject, body, tag", [
    ("Colis", "Je n'ai pas encore reçu mon colis", "intent-where-is-my-order"),
    ("Parcel", "It hasn’t arrived yet", "intent-where-is-my-order"),
    ("Retour", "Comment renvoyer la robe ?", "intent-return"),
    ("Money back", "I would like a REFUND", "intent-refund"),
    ("Vase", "Le vase est arrivé abîmé", "intent-damaged"),
    ("Commande", "Je souhaite annuler ma commande", "intent-cancel"),
    ("Adresse", "Changement d’adresse de livraison", "intent-address-change"),
    ("Checkout", "My card declined twice", "intent-payment-failed"),
    ("Code", "Mon code promo ne marche pas", "intent-discount-code"),
])
def test_each_intent_in_either_language(shipped, subject, body, tag):
    assert tag in make_ticket(subject=subject, body=body).tags


def test_a_message_about_something_else_gets_no_intent(shipped):
    assert make_ticket(subject="Question", body="Do you sell gift cards?").tags == []


def test_installing_again_adds_only_what_is_missing_and_keeps_edits(shipped):
    refund = db.session.scalar(select(Rule).where(Rule.builtin == "intent-refund"))
    rule_services.set_enabled(refund, False)
    cancel = db.session.scalar(select(Rule).where(Rule.builtin == "intent-cancel"))
    rule_services.save_rule(rule=cancel, name="Annulations", kind="trigger", events=["opened"], match="all",
                            conditions=[{"field": "text", "op": "contains_any", "value": "annuler"}],
                            actions=[{"type": "add_tags", "value": "cancel"}])
    db.session.delete(db.session.scalar(select(Rule).where(Rule.builtin == "intent-return")))
    db.session.commit()
    assert install_defaults() == 1
    db.session.commit()
    assert db.session.scalar(select(func.count(Rule.id))) == 14
    db.session.expire_all()
    assert not refund.enabled and cancel.name == "Annulations" and cancel.builtin == "intent-cancel"
    ticket = make_ticket(body="I want to cancel and get a refund")
    assert ticket.tags == []  # refund disabled; the edited cancel rule only knows "annuler"


def test_reminders_after_4_24_and_48_hours_of_waiting(shipped, clock):
    ana = make_agent(email="ana@example.com")
    bob = make_agent(email="bob@example.com")
    make_user(role=Role.MANAGER, email="boss@example.com")
    shipping = make_group("Shipping", members=[bob])
    waiting = make_ticket(group=shipping, subject="Still waiting")
    services.assign(waiting, ana, actor=ana)
    answered = make_ticket(group=shipping, subject="Answered")
    services.assign(answered, ana, actor=ana)
    services.add_reply(answered, body="Here you are.", author=ana)
    db.session.commit()

    def reminders(address):
        return [m.subject for m in db.session.scalars(select(OutgoingMail).where(OutgoingMail.to == address))
                if "Waiting" in m.text]

    clock.advance(hours=4, minutes=5)
    engine.sweep()
    assert reminders("ana@example.com") == [f"[#{waiting.number}] Still waiting"]
    assert reminders("bob@example.com") == [] and reminders("boss@example.com") == []
    clock.advance(hours=20)
    engine.sweep()
    assert reminders("bob@example.com") == [f"[#{waiting.number}] Still waiting"]
    clock.advance(hours=24)
    engine.sweep()
    engine.sweep()
    assert reminders("boss@example.com") == [f"[#{waiting.number}] Still waiting"]
    assert len(reminders("ana@example.com")) == 1


def test_portal_init_installs_the_defaults_once(app, runner, monkeypatch):
    monkeypatch.delenv("PORTAL_ADMIN_EMAIL", raising=False)
    first = runner.invoke(args=["init", "--no-content"])
    assert first.exit_code == 0, first.output
    assert "Default rules: 14 added." in first.output
    assert "Default rules: 0 added." in runner.invoke(args=["init", "--no-content"]).output
