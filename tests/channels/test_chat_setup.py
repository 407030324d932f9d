"""Managers set up a chat widget: its sites (validated), greeting, group, on/off, and the tag to paste."""
from html import unescape

from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.channels.models import ChannelAccount
from portal.extensions import db
from tests.factories import PASSWORD, make_agent, make_group, make_user

FORM = {"name": "Shop chat", "origins": "https://shop.example\nhttp://Shop.Example:8080/\n\n", "greeting_en": "Hi!",
        "greeting_fr": "Bonjour !", "group_id": "0", "enabled": "y"}


def test_a_manager_sets_up_a_chat_and_gets_the_tag_to_paste(client, login):
    login(make_user(role=Role.MANAGER).email)
    group = make_group(name="Sales")
    response = client.post("/staff/settings/channels/chat/new", data={**FORM, "group_id": str(group.id)},
                           follow_redirects=True)
    page = unescape(response.get_data(as_text=True))
    account = db.session.scalar(select(ChannelAccount))
    assert response.status_code == 200 and "Chat saved. Paste the tag below" in page
    assert account.kind == "chat" and account.group_id == group.id and account.enabled
    assert account.settings == {"origins": ["https://shop.example", "http://shop.example:8080"],
                                "greeting": {"en": "Hi!", "fr": "Bonjour !"}}
    assert f'<script src="http://localhost/chat/widget.js" data-channel="{account.id}" async></script>' in page
    assert 'data-copy="chat-tag"' in page and '<label for="chat-tag">' in page

    listing = client.get("/staff/settings/channels/").get_data(as_text=True)
    assert f"/staff/settings/channels/chat/{account.id}" in listing and "/staff/settings/channels/chat/new" in listing
    form = client.get(f"/staff/settings/channels/chat/{account.id}").get_data(as_text=True)
    assert "https://shop.example\nhttp://shop.example:8080</textarea>" in form

    changed = client.post(f"/staff/settings/channels/chat/{account.id}",
                          data={**FORM, "name": "Night chat", "origins": "https://other.example"},
                          follow_redirects=True)
    assert "Chat saved." in changed.get_data(as_text=True)
    db.session.refresh(account)
    assert account.name == "Night chat" and account.settings["origins"] == ["https://other.example"]
    off = client.post(f"/staff/settings/channels/chat/{account.id}", data={**FORM, "enabled": ""},
                      follow_redirects=True)
    assert off.status_code == 200
    db.session.refresh(account)
    assert account.enabled is False


def test_a_site_address_that_is_not_one_is_a_field_error(client, login):
    login(make_user(role=Role.MANAGER).email)
    for bad in ("https://shop.example\nshop.example", "https://shop.example/checkout", "ftp://shop.example",
                "https://user:pw@shop.example"):
        response = client.post("/staff/settings/channels/chat/new", data={**FORM, "origins": bad})
        page = unescape(response.get_data(as_text=True))
        assert response.status_code == 400 and "is not a site address such as https://shop.example." in page
        assert 'aria-invalid="true"' in page
    assert "Line 2: “shop.example”" in unescape(client.post("/staff/settings/channels/chat/new", data={
        **FORM, "origins": "https://shop.example\nshop.example"}).get_data(as_text=True))
    missing = client.post("/staff/settings/channels/chat/new", data={**FORM, "name": ""})
    assert "Give the chat a name." in missing.get_data(as_text=True)
    group = client.post("/staff/settings/channels/chat/new", data={**FORM, "group_id": "999"})
    assert "Choose a group from the list." in group.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ChannelAccount)) == 0


def test_only_managers_set_up_chats(client, login):
    login(make_agent().email)
    assert client.get("/staff/settings/channels/chat/new").status_code == 404
    assert client.post("/staff/settings/channels/chat/new", data=FORM).status_code == 404
    assert client.get("/staff/settings/channels/chat/12345").status_code == 404


def test_the_setup_form_needs_its_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        manager = make_user(role=Role.MANAGER)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        client.post("/login", data={"email": manager.email, "password": PASSWORD, "csrf_token": token})
        refused = client.post("/staff/settings/channels/chat/new", data=FORM)
        assert refused.status_code == 400
        assert db.session.scalar(select(func.count()).select_from(ChannelAccount)) == 0
        db.session.remove()
        db.engine.dispose()
