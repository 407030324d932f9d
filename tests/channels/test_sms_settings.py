"""Connecting a Twilio number: the managers' pages (field errors, the secret masked and kept), the test
against a real HTTP server speaking Twilio's account API, the URLs to paste, the events, the CLI."""
import json
from html import unescape

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.channels import accounts
from portal.channels.models import ChannelAccount
from portal.extensions import db
from tests.channels.test_sms import (ACCOUNT_SID, AUTH_TOKEN, NUMBER, basic_auth, inbound_fields, make_sms_account,
                                     post_signed, sms_tickets)
from tests.factories import make_group, make_user


def form(httpserver, **overrides) -> dict:
    data = {"name": "SMS support", "number": "+1 (501) 712-2661", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
            "messaging_service_sid": "", "group_id": "0", "enabled": "y",
            "api_base": httpserver.url_for("").rstrip("/")}
    data.update(overrides)
    return data


@pytest.fixture
def manager(app, login):
    user = make_user(role=Role.MANAGER)
    login(user.email)
    return user


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def the_account() -> ChannelAccount:
    db.session.expire_all()
    return db.session.scalars(select(ChannelAccount)).one()


def test_a_manager_connects_a_number_and_sees_the_urls_to_paste(client, manager, httpserver):
    group = make_group(name="Phone team")
    listing = text(client.get("/staff/settings/channels/"))
    assert "/staff/settings/channels/sms/new" in listing
    page = client.post("/staff/settings/channels/sms/new", data=form(httpserver, group_id=str(group.id)),
                       follow_redirects=True)
    body = text(page)
    assert page.status_code == 200 and f"SMS number {NUMBER} connected." in body
    account = the_account()
    assert account.kind == "sms" and account.address == NUMBER and account.group_id == group.id
    assert accounts.setting(account, "account_sid") == ACCOUNT_SID
    assert AUTH_TOKEN not in (account.secrets_encrypted or "") and accounts.secret(account, "auth_token") == AUTH_TOKEN
    assert f"http://localhost/hooks/sms/{account.id}" in body
    assert f"http://localhost/hooks/sms/{account.id}/status" in body
    assert AUTH_TOKEN not in body and "••••••••cf99" in body
    assert "Nothing received yet." in body
    listing = text(client.get("/staff/settings/channels/"))
    assert f"/staff/settings/channels/sms/{account.id}" in listing and NUMBER in listing


@pytest.mark.parametrize("field, value, error", [
    ("name", "", "Give the channel a name."),
    ("number", "0612", "Enter a phone number in international form, such as +33612345678."),
    ("account_sid", "SK123", "An Account SID starts with AC followed by 32 letters and digits."),
    ("auth_token", "", "Enter the Auth Token."),
    ("auth_token", "not-a-token", "An Auth Token is 32 letters and digits (0-9, a-f)."),
    ("messaging_service_sid", "MG1", "A Messaging Service SID starts with MG followed by 32 letters and digits."),
    ("group_id", "999", "Choose a group from the list."),
    ("api_base", "ftp://example.com", "Enter the API address as a URL, such as https://api.twilio.com."),
])
def test_wrong_settings_are_field_errors_and_nothing_is_saved(client, manager, httpserver, field, value, error):
    response = client.post("/staff/settings/channels/sms/new", data=form(httpserver, **{field: value}))
    body = text(response)
    assert response.status_code == 400 and error in body
    assert f'id="{field}-error"' in body and db.session.scalars(select(ChannelAccount)).first() is None


def test_a_number_used_by_another_sms_channel_is_refused(client, manager, httpserver):
    client.post("/staff/settings/channels/sms/new", data=form(httpserver))
    again = client.post("/staff/settings/channels/sms/new", data=form(httpserver, name="Other"))
    assert again.status_code == 400 and "Another SMS channel already uses this number." in text(again)


def test_editing_keeps_the_stored_token_when_left_blank(client, manager, httpserver):
    client.post("/staff/settings/channels/sms/new", data=form(httpserver))
    account = the_account()
    page = text(client.get(f"/staff/settings/channels/sms/{account.id}"))
    assert AUTH_TOKEN not in page and 'value="SMS support"' in page and f'value="{ACCOUNT_SID}"' in page
    saved = client.post(f"/staff/settings/channels/sms/{account.id}",
                        data=form(httpserver, name="Texts", auth_token="", enabled=""), follow_redirects=True)
    assert "SMS number saved." in text(saved)
    account = the_account()
    assert account.name == "Texts" and not account.enabled
    assert accounts.secret(account, "auth_token") == AUTH_TOKEN
    client.post(f"/staff/settings/channels/sms/{account.id}", data=form(httpserver, auth_token="ab" * 16))
    assert accounts.secret(the_account(), "auth_token") == "ab" * 16


def test_test_connection_reads_the_account_from_twilio(client, manager, httpserver):
    client.post("/staff/settings/channels/sms/new", data=form(httpserver))
    account = the_account()
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}.json", method="GET",
                              headers={"Authorization": basic_auth()}).respond_with_json(
        {"auth_token": AUTH_TOKEN, "date_created": "Thu, 30 Jul 2015 20:00:00 +0000",
         "date_updated": "Thu, 30 Jul 2015 20:00:00 +0000", "friendly_name": "Maison Lune", "owner_account_sid":
         ACCOUNT_SID, "sid": ACCOUNT_SID, "status": "active", "subresource_uris": {}, "type": "Full",
         "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}.json"})
    page = text(client.post(f"/staff/settings/channels/sms/{account.id}", data={"action": "test"}))
    assert "Twilio answered: the account “Maison Lune” is active." in page


def test_test_connection_shows_twilios_error(client, manager, httpserver):
    client.post("/staff/settings/channels/sms/new", data=form(httpserver))
    account = the_account()
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT_SID}.json").respond_with_json(
        {"code": 20003, "detail": "Your AccountSid or AuthToken was incorrect.", "message": "Authenticate",
         "more_info": "https://www.twilio.com/docs/errors/20003", "status": 401}, status=401)
    page = text(client.post(f"/staff/settings/channels/sms/{account.id}", data={"action": "test"}))
    assert "Twilio refused the connection: Authenticate (Twilio error 20003)" in page


def test_the_page_lists_the_last_events_with_their_outcome(client, manager, httpserver):
    client.post("/staff/settings/channels/sms/new", data=form(httpserver))
    account = the_account()
    post_signed(client, account, inbound_fields("Hello"))
    post_signed(client, account, inbound_fields("STOP", sender="+33700000000"))
    page = text(client.get(f"/staff/settings/channels/sms/{account.id}"))
    [ticket] = sms_tickets()
    assert "New ticket" in page and f"#{ticket.number}" in page and "Opted out (STOP)" in page
    assert "+33700000000" in page


def test_agents_and_customers_cannot_open_the_settings(client, login, httpserver, app):
    account = make_sms_account(httpserver)
    login(make_user(role=Role.AGENT).email)
    assert client.get("/staff/settings/channels/sms/new").status_code == 404
    assert client.get(f"/staff/settings/channels/sms/{account.id}").status_code == 404
    assert client.post("/staff/settings/channels/sms/new", data=form(httpserver, number="+15550001111")
                       ).status_code == 404
    assert db.session.scalar(select(ChannelAccount).where(ChannelAccount.address == "+15550001111")) is None


def test_an_unknown_account_page_is_404(client, manager):
    assert client.get("/staff/settings/channels/sms/999").status_code == 404


def test_the_settings_forms_need_a_csrf_token_but_the_webhooks_do_not(make_app, httpserver):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        account = make_sms_account(httpserver)
        client = app.test_client()
        assert client.post("/staff/settings/channels/sms/new", data=form(httpserver, number="+15550001111")
                           ).status_code == 400
        assert client.post(f"/staff/settings/channels/sms/{account.id}", data={"action": "test"}).status_code == 400
        assert post_signed(client, account, inbound_fields("Hello")).status_code == 200  # signed, no token
        assert db.session.scalar(select(ChannelAccount).where(ChannelAccount.address == "+15550001111")) is None
        db.session.remove()


# --- the command line -----------------------------------------------------------------------------

def test_the_cli_connects_a_number_from_a_token_file(app, runner, httpserver, tmp_path):
    make_group(name="Phone team")
    token_file = tmp_path / "token"
    token_file.write_text(AUTH_TOKEN + "\n")
    result = runner.invoke(args=["channels", "sms", "add", "--name", "SMS", "--number", NUMBER, "--sid", ACCOUNT_SID,
                                 "--token-file", str(token_file), "--group", "Phone team", "--api-base",
                                 httpserver.url_for("").rstrip("/"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    account = the_account()
    assert out["id"] == account.id and out["number"] == NUMBER
    assert out["inbound_url"].endswith(f"/hooks/sms/{account.id}") and out["status_url"].endswith("/status")
    assert accounts.secret(account, "auth_token") == AUTH_TOKEN


@pytest.mark.parametrize("args, message", [
    (["--number", "12"], "error: --number: Enter a phone number in international form"),
    (["--group", "Nobody"], "error: --group: no group named 'Nobody'"),
    (["--token-file", "/no/such/file"], "error: --token-file: cannot read /no/such/file"),
])
def test_the_cli_fails_in_one_line(app, runner, tmp_path, args, message):
    token_file = tmp_path / "token"
    token_file.write_text(AUTH_TOKEN)
    base = {"--name": "SMS", "--number": NUMBER, "--sid": ACCOUNT_SID, "--token-file": str(token_file)}
    base.update(dict(zip(args[::2], args[1::2])))
    result = runner.invoke(args=["channels", "sms", "add", *[x for pair in base.items() for x in pair]])
    assert result.exit_code == 1 and result.output.startswith(message) and result.output.count("\n") == 1
    assert db.session.scalars(select(ChannelAccount)).first() is None
