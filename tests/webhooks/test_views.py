"""Settings › Webhooks in HTTP: managers only, field errors, the secret shown once, test event, on/off,
rotate, delete, CSRF, and the page in French."""
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.webhooks import services
from portal.webhooks.models import OutgoingAttempt, WebhookSubscription
from tests.factories import PASSWORD, make_agent, make_user

URL = "/staff/settings/webhooks/"


def form(**values) -> dict:
    data = {"name": "Shop ERP", "url": "https://erp.shop.example/hooks/comptoir",
            "events": ["ticket.created", "ticket.solved"]}
    data.update(values)
    return data


def page(response) -> str:
    return unescape(response.get_data(as_text=True))


def count() -> int:
    return db.session.scalar(select(func.count(WebhookSubscription.id)))


def field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


def test_a_manager_adds_a_webhook_and_sees_its_secret_once(app, client, manager):
    response = client.post(URL, data=form(include_notes="y"))
    assert response.status_code == 200
    html = page(response)
    secret = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    subscription = db.session.scalar(select(WebhookSubscription))
    assert subscription.name == "Shop ERP" and subscription.events == ["ticket.created", "ticket.solved"]
    assert subscription.include_notes is True and services.secret_of(subscription) == secret
    later = page(client.get(f"{URL}{subscription.id}"))
    assert secret not in later and secret[-4:] in later and "••••" in later
    assert "Shop ERP" in page(client.get(URL))


@pytest.mark.parametrize("values, field, message", [
    ({"name": ""}, "name", "Give the webhook a name."),
    ({"name": "x" * 81}, "name", "The name is too long"),
    ({"url": ""}, "url", "Enter the URL that receives the events."),
    ({"url": "ftp://shop.example/x"}, "url", "Enter an http:// or https:// URL."),
    ({"url": "javascript:alert(1)"}, "url", "Enter an http:// or https:// URL."),
    ({"url": "https://"}, "url", "Enter a complete URL"),
    ({"url": "https://me:pw@shop.example/hook"}, "url", "Leave the user name and password out of the URL"),
    ({"url": "https://shop.example/" + "x" * 500}, "url", "The URL is too long"),
    ({"events": []}, "events", "Choose at least one event from the list."),
    ({"events": ["ticket.created", "ticket.deleted"]}, "events", "Choose at least one event from the list."),
])
def test_bad_input_shows_an_error_next_to_its_field(app, client, manager, values, field, message):
    response = client.post(URL, data=form(**values))
    html = page(response)
    assert response.status_code == 400 and count() == 0
    if field == "events":
        assert message in html
    else:
        assert message in field_error(html, field)


def test_private_addresses_are_refused_unless_the_setting_allows_them(app, client, manager):
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False  # the production default
    for url in ("http://127.0.0.1:8080/hook", "http://192.168.1.10/hook", "http://localhost/hook"):
        html = page(client.post(URL, data=form(url=url)))
        assert "private network or this machine" in field_error(html, "url")
    assert count() == 0
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    client.post(URL, data=form(url="http://192.168.1.10/hook"))
    assert count() == 1


def test_editing_keeps_the_secret_and_shows_field_errors(app, client, manager):
    subscription, secret = services.create_subscription(name="ERP", url="https://erp.example/h",
                                                        events=["ticket.created"])
    db.session.commit()
    bad = client.post(f"{URL}{subscription.id}", data=form(url="gopher://x"))
    assert bad.status_code == 400 and "Enter an http:// or https:// URL." in page(bad)
    client.post(f"{URL}{subscription.id}", data=form(name="Renamed", events=["message.created"]))
    db.session.expire_all()
    assert subscription.name == "Renamed" and subscription.events == ["message.created"]
    assert services.secret_of(subscription) == secret and subscription.include_notes is False


def test_send_test_event_shows_the_answer_and_logs_it(app, client, manager, receiver, documented_verify):
    subscription, secret = services.create_subscription(name="ERP", url=receiver.url, events=["ticket.created"])
    db.session.commit()
    response = client.post(f"{URL}{subscription.id}/test", follow_redirects=True)
    html = page(response)
    assert "The receiver answered 200 in" in html and "webhook.test" in html
    (event,) = receiver.events()
    assert event["type"] == "webhook.test" and event["webhook"] == {"id": subscription.id, "name": "ERP"}
    headers = receiver.requests[0]["headers"]
    assert documented_verify(secret, headers["X-Comptoir-Timestamp"], headers["X-Comptoir-Signature"],
                             receiver.requests[0]["body"])
    receiver.answer(500)
    html = page(client.post(f"{URL}{subscription.id}/test", follow_redirects=True))
    assert "The test event was not delivered: HTTP Error 500" in html
    assert db.session.scalar(select(func.count(OutgoingAttempt.id))) == 2
    db.session.expire_all()
    assert subscription.consecutive_failures == 0 and subscription.enabled  # tests never count


def test_turn_off_on_rotate_and_delete(app, client, manager, receiver, documented_verify):
    subscription, old_secret = services.create_subscription(name="ERP", url=receiver.url, events=["ticket.created"])
    db.session.commit()
    html = page(client.post(f"{URL}{subscription.id}/disable", follow_redirects=True))
    assert "Turned off by a manager" in html
    db.session.expire_all()
    assert not subscription.enabled
    client.post(f"{URL}{subscription.id}/enable")
    db.session.expire_all()
    assert subscription.enabled

    rotated = page(client.post(f"{URL}{subscription.id}/rotate"))
    new_secret = re.search(r'<code class="secret">([^<]+)</code>', rotated).group(1)
    assert new_secret != old_secret
    client.post(f"{URL}{subscription.id}/test")
    headers = receiver.requests[-1]["headers"]
    assert documented_verify(new_secret, headers["X-Comptoir-Timestamp"], headers["X-Comptoir-Signature"],
                             receiver.requests[-1]["body"])
    client.post(f"{URL}{subscription.id}/delete")
    assert count() == 0 and db.session.scalar(select(func.count(OutgoingAttempt.id))) == 0
    assert client.get(f"{URL}{subscription.id}").status_code == 404


def test_only_managers_reach_the_pages(app, client, login):
    subscription, _secret = services.create_subscription(name="ERP", url="https://erp.example/h",
                                                         events=["ticket.created"])
    db.session.commit()
    urls = [URL, f"{URL}{subscription.id}"]
    posts = [URL, f"{URL}{subscription.id}", *(f"{URL}{subscription.id}/{a}" for a in
                                                ("test", "enable", "disable", "rotate", "delete"))]
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: to the login page
    for user in (make_user(role=Role.CUSTOMER), make_agent(), make_user(role=Role.EDITOR)):
        login(user.email)
        assert all(client.get(url).status_code == 404 for url in urls)
        assert all(client.post(url, data=form()).status_code == 404 for url in posts)
        client.post("/logout")
    assert count() == 1 and db.session.scalar(select(func.count(OutgoingAttempt.id))) == 0


def test_an_unknown_webhook_is_a_404(app, client, manager):
    assert client.get(f"{URL}999").status_code == 404
    assert client.post(f"{URL}999/test").status_code == 404
    assert client.get(f"{URL}99999999999999999999999").status_code == 404


def test_forms_need_their_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(role=Role.MANAGER, email="boss@example.com")
        subscription, _secret = services.create_subscription(name="Kept", url="https://erp.example/h",
                                                             events=["ticket.created"])
        db.session.commit()
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"email": "boss@example.com", "password": PASSWORD, "csrf_token": token})
        assert client.post(URL, data=form(name="Sneaky")).status_code == 400
        assert client.post(f"{URL}{subscription.id}/delete").status_code == 400
        assert client.post(f"{URL}{subscription.id}/disable").status_code == 400
        html = client.get(URL).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        assert client.post(URL, data={**form(name="With token"), "csrf_token": token}).status_code == 200
        db.session.expire_all()
        assert sorted(s.name for s in db.session.scalars(select(WebhookSubscription))) == ["Kept", "With token"]
        assert db.session.get(WebhookSubscription, subscription.id).enabled
        db.session.remove()
        db.engine.dispose()


def test_the_page_in_french(app, client, manager):
    from tests.test_i18n import FRENCH_PO, read_catalogue

    from babel.messages.mofile import write_mo

    mo = FRENCH_PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < FRENCH_PO.stat().st_mtime:
        with mo.open("wb") as fh:
            write_mo(fh, read_catalogue(FRENCH_PO))
    subscription, _secret = services.create_subscription(name="ERP", url="https://erp.example/h",
                                                         events=["ticket.created"])
    db.session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    html = page(client.get(f"{URL}{subscription.id}"))
    assert "Envoyer un événement de test" in html and "Journal des envois" in html
    bad = page(client.post(URL, data=form(url="ftp://x.example/")))
    assert "Saisissez une URL en http:// ou https://." in bad
