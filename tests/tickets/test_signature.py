"""An agent's signature: edited on its page or with `portal tickets signature`, mailed below their replies."""
from html import unescape

from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import agents, services
from portal.tickets.models import AgentSetting, Scope
from tests.factories import make_agent, make_ticket, make_user

PAGE = "/staff/settings/signature"
SIGNATURE = "**Alex Agent**\nMaison Lune support\n<script>alert('x')</script>"


def last_mail_to(address) -> OutgoingMail:
    return db.session.query(OutgoingMail).filter_by(to=address).order_by(OutgoingMail.id.desc()).first()


def test_a_saved_signature_is_previewed_and_mailed_below_the_next_reply_sanitised(app, client, login):
    agent = make_agent(email="alex@example.com")
    ticket = make_ticket(email="rose@example.com")
    login(agent.email)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert '<label for="signature">Signature</label>' in page.get_data(as_text=True)

    saved = client.post(PAGE, data={"signature": SIGNATURE.replace("\n", "\r\n")}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Signature saved." in html
    assert "<strong>Alex Agent</strong>" in html and "<script>alert" not in html  # the preview, sanitised
    assert agents.signature_of(agent) == SIGNATURE  # line breaks stored once

    reply = client.post(f"/staff/tickets/{ticket.number}/messages",
                        data={"body": "It left today.", "kind": "public", "version": ticket.version})
    assert reply.status_code == 302
    sent = last_mail_to("rose@example.com")
    assert "-- \n**Alex Agent**\nMaison Lune support" in sent.text  # the text part carries the Markdown
    assert "<strong>Alex Agent</strong>" in sent.html and "Maison Lune support" in sent.html
    assert "<script" not in sent.html and "alert(" not in sent.html


def test_a_signature_over_the_limit_is_a_field_error_and_keeps_the_old_one(app, client, login):
    agent = make_agent(email="alex@example.com")
    agents.set_signature(agent, "Alex")
    db.session.commit()
    login(agent.email)
    response = client.post(PAGE, data={"signature": "x" * (agents.MAX_SIGNATURE + 1)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="signature-error"' in html and "The signature is too long (at most 2000 characters)." in html
    db.session.expire_all()
    assert agents.signature_of(agent) == "Alex"
    assert client.post(PAGE, data={"signature": "y" * agents.MAX_SIGNATURE}).status_code == 302


def test_an_empty_signature_removes_it(app, client, login):
    agent = make_agent(email="alex@example.com")
    agents.set_signature(agent, "Alex")
    db.session.commit()
    login(agent.email)
    response = client.post(PAGE, data={"signature": "  \r\n "}, follow_redirects=True)
    assert "Signature removed." in response.get_data(as_text=True) and "You have no signature yet." in \
        response.get_data(as_text=True)
    assert agents.signature_of(agent) is None


def test_the_page_needs_ticket_work_and_is_linked_from_the_desk(app, client, login):
    customer = make_user(email="cust@example.com")
    editor = make_user(role=Role.EDITOR, email="editor@example.com")
    assert client.get(PAGE).status_code == 302  # to the login page
    for person in (customer, editor):
        login(person.email)
        assert client.get(PAGE).status_code == 404
        assert client.post(PAGE, data={"signature": "Hacked"}).status_code == 404
        client.post("/logout")
    assert db.session.query(AgentSetting).filter(AgentSetting.signature.is_not(None)).count() == 0

    agent = make_agent(email="alex@example.com")
    ticket = make_ticket()
    login(agent.email)
    ticket_page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    assert ticket_page.count(f'href="{PAGE}"') == 2  # the staff menu and the composer
    assert "Your signature" in ticket_page and "My signature" in ticket_page


def test_the_first_signature_creates_the_settings_row_with_the_default_scope(app):
    manager = make_user(role=Role.MANAGER, email="boss@example.com")
    assert db.session.get(AgentSetting, manager.id) is None
    agents.set_signature(manager, "The boss")
    db.session.commit()
    setting = db.session.get(AgentSetting, manager.id)
    assert setting.signature == "The boss" and setting.scope == Scope.ASSIGNED
    scoped = make_agent(scope="all", email="all@example.com")
    agents.set_signature(scoped, "Sam")
    assert db.session.get(AgentSetting, scoped.id).scope == Scope.ALL  # an existing scope is kept
    assert services.get_ticket(make_ticket().number, viewer=manager, staff=True)  # managers still see all


def test_cli_sets_shows_and_clears_a_signature(app, runner):
    agent = make_agent(email="alex@example.com")
    done = runner.invoke(args=["tickets", "signature", "--as", agent.email, "--set", "Alex\n*Support*"])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "Signature saved for alex@example.com."
    shown = runner.invoke(args=["tickets", "signature", "--as", agent.email, "--show"])
    assert shown.exit_code == 0 and shown.output == "Alex\n*Support*\n"
    cleared = runner.invoke(args=["tickets", "signature", "--as", agent.email, "--clear"])
    assert cleared.exit_code == 0 and "cleared" in cleared.output
    assert runner.invoke(args=["tickets", "signature", "--as", agent.email, "--show"]).output == "(no signature)\n"


def test_cli_signature_errors_are_one_line_and_change_nothing(app, runner):
    agent = make_agent(email="alex@example.com")
    editor = make_user(role=Role.EDITOR, email="editor@example.com")
    cases = [
        (["--as", agent.email, "--set", "x" * 2001], "signature: The signature is too long"),
        (["--as", agent.email], "choose one of"),
        (["--as", agent.email, "--show", "--clear"], "choose one of"),
        (["--as", "nobody@example.com", "--show"], "no staff account"),
        (["--as", editor.email, "--set", "Ed"], "permission"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["tickets", "signature", *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)
        assert result.output.strip().count("\n") == 0
    assert db.session.query(AgentSetting).filter(AgentSetting.signature.is_not(None)).count() == 0


def test_the_page_and_its_errors_in_french(app, client, login):
    agent = make_agent(email="alex@example.com")
    login(agent.email)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    page = client.get(PAGE).get_data(as_text=True)
    assert "Votre signature" in page and "Vous n'avez pas encore de signature." in unescape(page)
    error = client.post(PAGE, data={"signature": "x" * 2001}).get_data(as_text=True)
    assert "La signature est trop longue (2000 caractères au maximum)." in error
