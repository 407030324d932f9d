"""Managers connect a WhatsApp number, a Facebook page and an Instagram account: field errors (template
lines by number), secrets stored encrypted, shown masked and kept when left empty, a verify token made and
shown once, the webhook URL to paste, and a connection test against a real HTTP server as the Graph API."""
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.channels import accounts
from portal.channels.models import ChannelAccount
from portal.extensions import db
from tests.channels.test_meta_payloads import ACCESS_TOKEN, APP_SECRET, IG_ID, PAGE_ID, PHONE_ID
from tests.factories import make_agent, make_group, make_user

NEW = "/staff/settings/channels/{kind}/new"


@pytest.fixture
def manager(app, login):
    user = make_user(role=Role.MANAGER)
    login(user.email)
    return user


def form(httpserver, **overrides) -> dict:
    data = {"name": "Shop WhatsApp", "address": PHONE_ID, "display_phone": "+1 555 078 3881",
            "business_account_id": "102290129340398", "app_secret": APP_SECRET, "access_token": ACCESS_TOKEN,
            "verify_token": "", "graph_url": httpserver.url_for("/v19.0"), "group_id": "0", "enabled": "y",
            "templates": "order_update|en_US|Hello, about your order: {{1}}\nhello_world|en_US|Hello World"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def only_account() -> ChannelAccount:
    db.session.expire_all()
    return db.session.scalars(select(ChannelAccount)).one()


def test_a_manager_connects_a_whatsapp_number(client, manager, httpserver):
    answer = client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    page = text(answer)
    assert answer.status_code == 200 and "Shop WhatsApp is connected." in page
    account = only_account()
    token = accounts.secret(account, "verify_token")
    assert len(token) >= 30 and token in page and "shown once" in page
    assert f"http://localhost/hooks/meta/{account.id}" in page
    assert (account.kind, account.address, account.settings["display_phone"]) == ("whatsapp", PHONE_ID,
                                                                                   "+1 555 078 3881")
    assert account.settings["templates"][0] == {"name": "order_update", "language": "en_US",
                                                "body": "Hello, about your order: {{1}}"}
    assert APP_SECRET not in account.secrets_encrypted and ACCESS_TOKEN not in account.secrets_encrypted
    assert APP_SECRET not in page and ACCESS_TOKEN not in page

    again = text(client.get(f"/staff/settings/channels/whatsapp/{account.id}"))
    assert token not in again and "••••••••" + token[-4:] in again  # from now on masked
    assert APP_SECRET not in again and "••••••••" + APP_SECRET[-4:] in again
    assert "order_update|en_US|Hello, about your order: {{1}}" in again

    listing = text(client.get("/staff/settings/channels/"))
    assert f"/staff/settings/channels/whatsapp/{account.id}" in listing
    assert "/staff/settings/channels/messenger/new" in listing


def test_secrets_left_empty_are_kept_and_a_new_one_replaces(client, manager, httpserver):
    client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    account = only_account()
    token = accounts.secret(account, "verify_token")
    saved = client.post(f"/staff/settings/channels/whatsapp/{account.id}", follow_redirects=True,
                        data=form(httpserver, name="Support WhatsApp", app_secret="", access_token="EAAnewtoken"))
    assert "Channel saved." in text(saved)
    account = only_account()
    assert account.name == "Support WhatsApp"
    assert accounts.secrets_of(account) == {"app_secret": APP_SECRET, "access_token": "EAAnewtoken",
                                            "verify_token": token}


@pytest.mark.parametrize("overrides, field, message", [
    ({"name": ""}, "name", "Give the channel a name."),
    ({"address": "+15550783881"}, "address", "Enter the phone number id that WhatsApp Manager shows (digits only)."),
    ({"app_secret": ""}, "app_secret", "Paste the app secret"),
    ({"access_token": ""}, "access_token", "Paste an access token for this account."),
    ({"verify_token": "short"}, "verify_token", "A verify token has 8 to 200 characters."),
    ({"graph_url": "graph.facebook.com"}, "graph_url", "Enter the Graph API address"),
    ({"group_id": "999"}, "group_id", "Choose a group from the list."),
    ({"business_account_id": "WABA-1"}, "business_account_id", "The WhatsApp Business account id has digits only."),
])
def test_field_errors_change_nothing(client, manager, httpserver, overrides, field, message):
    answer = client.post(NEW.format(kind="whatsapp"), data=form(httpserver, **overrides))
    page = text(answer)
    assert answer.status_code == 400 and f'id="{field}-error"' in page and message in page
    assert db.session.scalar(select(ChannelAccount.id)) is None


def test_template_lines_are_checked_with_their_line_numbers(client, manager, httpserver):
    lines = "\n".join(["order_update|en_US|Hello {{1}}", "", "Order Update|en_US|Hi", "shipped|english|On its way",
                       "two_params|fr|Bonjour {{1}}, commande {{2}}", "no_body|en_US", "order_update|en_US|Again"])
    page = text(client.post(NEW.format(kind="whatsapp"), data=form(httpserver, templates=lines)))
    assert 'id="templates-error"' in page
    assert "Line 3: a template name holds only lower-case letters, digits and underscores." in page
    assert "Line 4: the language is a code such as en_US, fr or pt_BR." in page
    assert "Line 5: the body may only use the {{1}} placeholder, which takes the reply text." in page
    assert "Line 6: write it as name|language|body." in page
    assert "Line 7: order_update (en_US) is listed twice." in page
    assert "Line 1:" not in page and db.session.scalar(select(ChannelAccount.id)) is None


def test_the_same_id_cannot_be_connected_twice(client, manager, httpserver):
    client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    answer = client.post(NEW.format(kind="whatsapp"), data=form(httpserver, name="Again"))
    assert answer.status_code == 400 and "Another channel already uses this id: Shop WhatsApp." in text(answer)


def test_a_messenger_page_and_an_instagram_account_connect_with_a_group(client, manager, httpserver):
    group = make_group(name="Social")
    fields = {k: v for k, v in form(httpserver).items() if k not in ("display_phone", "business_account_id",
                                                                     "templates")}
    page = text(client.post(NEW.format(kind="messenger"),
                            data={**fields, "name": "Shop page", "address": PAGE_ID, "group_id": str(group.id)}))
    assert "Shop page is connected." in page and "message_deliveries" in page
    page = text(client.post(NEW.format(kind="instagram"), data={**fields, "name": "Shop IG", "address": IG_ID}))
    assert "Shop IG is connected." in page
    rows = {a.kind: a for a in db.session.scalars(select(ChannelAccount))}
    assert rows["messenger"].address == PAGE_ID and rows["messenger"].group_id == group.id
    assert rows["instagram"].address == IG_ID and "templates" not in rows["instagram"].settings
    bad = client.post(NEW.format(kind="messenger"), data={**fields, "address": "my-shop"})
    assert bad.status_code == 400 and "Enter the Facebook page id (digits only)." in text(bad)


def test_test_the_connection_asks_the_graph_api_with_the_token(client, manager, httpserver):
    client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    account = only_account()
    httpserver.expect_request(f"/v19.0/{PHONE_ID}", method="GET", query_string={"fields": "id"},
                              headers={"Authorization": f"Bearer {ACCESS_TOKEN}"}).respond_with_json({"id": PHONE_ID})
    page = text(client.post(f"/staff/settings/channels/whatsapp/{account.id}", data={"action": "test"}))
    assert f"Meta answered: the access token reaches {PHONE_ID}." in page

    httpserver.clear()
    httpserver.expect_request(f"/v19.0/{PHONE_ID}", method="GET").respond_with_json(
        {"error": {"message": "Invalid OAuth access token - Cannot parse access token", "type": "OAuthException",
                   "code": 190, "fbtrace_id": "AbCdEf"}}, status=400)
    page = text(client.post(f"/staff/settings/channels/whatsapp/{account.id}", data={"action": "test"}))
    assert "Meta refused: Invalid OAuth access token - Cannot parse access token [code 190]" in page


def test_the_verify_token_shown_once_completes_metas_handshake(client, manager, httpserver):
    client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    account = only_account()
    token = accounts.secret(account, "verify_token")
    answer = client.get(f"/hooks/meta/{account.id}", query_string={
        "hub.mode": "subscribe", "hub.challenge": "8837", "hub.verify_token": token})
    assert answer.get_data(as_text=True) == "8837"


def test_only_managers_open_the_settings(client, login, httpserver):
    assert client.get(NEW.format(kind="whatsapp")).status_code == 302  # to the login page
    login(make_agent(scope="all").email)
    for kind in ("whatsapp", "messenger", "instagram"):
        assert client.get(NEW.format(kind=kind)).status_code == 404
    assert client.post(NEW.format(kind="whatsapp"), data=form(httpserver)).status_code == 404
    assert db.session.scalar(select(ChannelAccount.id)) is None


def test_an_account_of_another_kind_or_a_guessed_id_is_404(client, manager, httpserver):
    client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
    account = only_account()
    assert client.get(f"/staff/settings/channels/messenger/{account.id}").status_code == 404
    assert client.get("/staff/settings/channels/whatsapp/9999").status_code == 404


def test_the_forms_need_their_csrf_token(make_app, httpserver):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        email = make_user(role=Role.MANAGER).email
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": email, "password": "correct-horse-9", "csrf_token": csrf})
        answer = client.post(NEW.format(kind="whatsapp"), data=form(httpserver))
        assert answer.status_code == 400 and db.session.scalar(select(ChannelAccount.id)) is None
        db.session.remove()
        db.engine.dispose()


def test_the_setup_page_and_its_errors_in_french(client, manager, httpserver):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,fr;q=0.9"
    page = text(client.get(NEW.format(kind="whatsapp")))
    assert "Connecter WhatsApp" in page and "Modèles de message approuvés" in page
    answer = client.post(NEW.format(kind="whatsapp"), data=form(httpserver, templates="Bad Name|fr|Bonjour"))
    assert "Ligne 1 : un nom de modèle ne contient que des minuscules" in text(answer)
