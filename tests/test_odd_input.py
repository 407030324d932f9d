"""Numbers no row can have and JSON where a form is expected: a 404 or a message, never a server error."""
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.forum.models import Flag, Vote
from tests.factories import make_agent, make_answer, make_question, make_ticket, make_user

HUGE = "9" * 20  # past SQLite's 64-bit INTEGER


def test_flagging_a_post_with_an_over_long_id_says_it_is_not_there(app, client, login):
    make_user(email="reader@example.com")
    login("reader@example.com")
    response = client.post("/community/flag", data={"post_type": "question", "post_id": HUGE, "reason": "spam"},
                           follow_redirects=True)
    assert response.status_code == 200 and "We could not find that post." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Flag.id))) == 0


def test_voting_with_numbers_json_cannot_hold_is_refused(app, client, login):
    question = make_question()
    make_user(email="reader@example.com")
    login("reader@example.com")
    for body in (f'{{"post_type": "question", "post_id": {question.id}, "value": 1e999}}',
                 '{"post_type": "question", "post_id": 1e999, "value": 1}',
                 f'{{"post_type": "question", "post_id": {HUGE}, "value": 1}}'):
        response = client.post("/community/vote", data=body, content_type="application/json")
        assert response.status_code in (400, 404) and response.get_json()["error"]
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 0


def test_over_long_ids_in_paths_are_plain_404s(app, client, login):
    agent = make_agent()
    login(agent.email)
    for url in (f"/community/q/{HUGE}", f"/community/users/{HUGE}", f"/staff/tickets/{HUGE}",
                f"/staff/kb/{HUGE}/edit", f"/portal/orders/{HUGE}", f"/staff/tickets/1001/files/{HUGE}",
                "/community/q/" + "9" * 5000, "/community/q/\u00b2", "/community/q/\u0661"):
        assert client.get(url).status_code == 404, url[:60]


def test_over_long_ids_in_forms_are_ignored_or_refused(app, client, login):
    agent = make_agent()
    ticket = make_ticket()
    question = make_question()
    make_answer(question)
    login(agent.email)
    bulk = client.post("/staff/tickets/bulk", data={"action": "assign", "value": HUGE, "ids": [HUGE, "\u00b2"]},
                       follow_redirects=True)
    assert bulk.status_code == 200 and f"No agent with id {HUGE}." in bulk.get_data(as_text=True)
    merge = client.post(f"/staff/tickets/{ticket.number}/merge", data={"target": HUGE})
    assert merge.status_code == 400 and "We could not find that ticket." in merge.get_data(as_text=True)
    accept = client.post(f"/community/q/{question.id}/accept", data={"answer_id": HUGE})
    comment = client.post(f"/community/q/{question.id}/comments", data={"answer_id": HUGE, "body": "Thanks!"})
    assert accept.status_code == 302 and comment.status_code == 302


def test_a_page_number_past_the_end_shows_the_first_page(app, client, login):
    editor = make_user(role=Role.EDITOR)
    login(editor.email)
    assert client.get(f"/staff/kb/?page={HUGE}").status_code == 200
    assert client.get(f"/community/search?q=parcel&page={HUGE}").status_code == 200


def test_json_sent_to_a_form_is_refused_with_a_message(app, client):
    for body in ("[1, 2]", '"text"', '{"email": 5, "subject": {"a": 1}, "body": null}'):
        response = client.post("/help/contact", data=body, content_type="application/json",
                               headers={"Accept": "application/json"})
        assert (response.status_code, response.get_json()["error"]) == (400, "This address takes a form, not JSON.")


def test_json_endpoints_take_only_an_object(app, client):
    response = client.post("/help/contact/opened", data="[1, 2]", content_type="application/json")
    assert response.status_code == 200 and response.get_json() == {"ok": True}
