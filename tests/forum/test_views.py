"""The community in HTTP: pages, asking, hostile Markdown, votes, permissions, moderation, search."""
import re

from sqlalchemy import select

from portal.accounts.models import Role
from portal.extensions import db
from portal.forum import services
from portal.forum.models import Flag, PostStatus, Question
from tests.factories import make_agent, make_answer, make_question, make_user


def test_ask_through_the_form_and_browse_lists(app, client, login):
    services.ensure_default_categories()
    db.session.commit()
    make_user(email="asker@example.com")
    login("asker@example.com")
    response = client.post("/community/ask", data={"category": "sizing-and-fit", "title": "Does the linen shirt run small?",
                                                   "body": "I am usually an M.", "tags": "Shirts, linen"})
    question = db.session.scalar(select(Question))
    assert response.location.endswith(f"/community/q/{question.id}-does-the-linen-shirt-run-small")
    assert question.tags == ["shirts", "linen"]
    listing = client.get("/community/c/sizing-and-fit?sort=unanswered").get_data(as_text=True)
    assert "Does the linen shirt run small?" in listing
    assert "Does the linen shirt" in client.get("/community/tags/linen").get_data(as_text=True)
    assert client.get(f"/community/q/{question.id}-wrong-slug").status_code == 301
    bad = client.post("/community/ask", data={"category": "sizing-and-fit", "title": "Short", "body": "x"})
    assert bad.status_code == 400 and b"too short" in bad.data
    spam = client.post("/community/ask", data={"category": "sizing-and-fit", "title": "Buy cheap watches now!!",
                                               "body": "Visit my site today", "website": "http://spam"})
    assert spam.status_code == 302 and db.session.scalar(select(db.func.count(Question.id))) == 1


def test_hostile_markdown_in_posts_and_comments_is_neutralised(app, client, login):
    asker = make_user(email="asker@example.com")
    question = make_question(author=asker, body='Hi <script>alert(1)</script> [x](javascript:alert(2)) '
                                                '<img src=x onerror=alert(3)>')
    make_answer(question, body="<iframe src='http://evil.example'></iframe>[y](JaVaScRiPt:alert(4))")
    login("asker@example.com")
    client.post(f"/community/q/{question.id}/comments", data={"body": "<b onmouseover=alert(5)>hi</b>"})
    html = client.get(f"/community/q/{question.id}", follow_redirects=True).get_data(as_text=True)
    body = html.split('id="question"')[1]
    assert "<script>alert" not in body and "javascript:" not in body.lower() and "onerror" not in body
    assert "<iframe" not in body, body[body.index("<iframe") - 300:body.index("<iframe") + 100]
    assert "<b onmouseover" not in body
    assert "&lt;b onmouseover=alert(5)&gt;hi&lt;/b&gt;" in body  # comments are plain text


def test_votes_by_fetch_and_permissions(app, client, login):
    author = make_user(email="author@example.com")
    make_user(email="voter@example.com")
    question = make_question(author=author)
    login("voter@example.com")
    ok = client.post("/community/vote", json={"post_type": "question", "post_id": question.id, "value": 1})
    assert ok.get_json() == {"score": 1, "value": 1}
    again = client.post("/community/vote", json={"post_type": "question", "post_id": question.id, "value": 1})
    assert again.get_json()["score"] == 1
    assert client.post("/community/vote", json={"post_type": "question", "post_id": 999, "value": 1}).status_code == 404
    assert client.post("/community/vote", json={"post_type": "question", "post_id": question.id,
                                                "value": "x"}).status_code == 400
    client.post("/logout")
    login("author@example.com")
    own = client.post("/community/vote", json={"post_type": "question", "post_id": question.id, "value": 1})
    assert own.status_code == 403 and "own post" in own.get_json()["error"]


def test_others_cannot_edit_and_edited_is_shown(app, client, login):
    author = make_user(email="author@example.com")
    make_user(email="other@example.com")
    question = make_question(author=author)
    login("other@example.com")
    assert client.get(f"/community/question/{question.id}/edit").status_code == 404
    client.post("/logout")
    login("author@example.com")
    client.post(f"/community/question/{question.id}/edit", data={"title": "A clearer question title",
                                                                 "body": "With more details now.", "tags": ""})
    page = client.get(f"/community/q/{question.id}", follow_redirects=True).get_data(as_text=True)
    assert "A clearer question title" in page and "edited" in page


def test_flag_then_moderator_hides_from_the_queue(app, client, login):
    question = make_question()
    spam = make_answer(question, body="Cheap pills at pills.example")
    make_user(email="reader@example.com")
    make_agent(email="mod@example.com")
    login("reader@example.com")
    client.post("/community/flag", data={"post_type": "answer", "post_id": spam.id, "reason": "Spam or advertising"})
    assert client.post("/community/flag", data={"post_type": "answer", "post_id": spam.id,
                                                "reason": "Spam"}).status_code == 302
    assert db.session.scalar(select(db.func.count(Flag.id))) == 1
    assert client.get("/staff/community/").status_code == 404
    client.post("/logout")
    login("mod@example.com")
    queue = client.get("/staff/community/").get_data(as_text=True)
    assert "Cheap pills" in queue
    client.post(f"/staff/community/posts/answer/{spam.id}", data={"action": "spam", "reason": "pills"})
    db.session.refresh(spam)
    assert spam.status == PostStatus.SPAM
    assert "No reports" in client.get("/staff/community/").get_data(as_text=True)
    assert "pills" in client.get("/staff/community/log").get_data(as_text=True)
    client.post("/logout")
    assert "Cheap pills" not in client.get(f"/community/q/{question.id}", follow_redirects=True).get_data(as_text=True)


def test_merged_question_redirects_and_escalated_question_says_so(app, client, login):
    mod = make_agent(email="mod@example.com")
    original, duplicate = make_question(), make_question()
    login("mod@example.com")
    client.post(f"/staff/community/questions/{duplicate.id}", data={"action": "merge", "target": str(original.id)})
    response = client.get(f"/community/q/{duplicate.id}")
    assert response.status_code == 301 and f"/community/q/{original.id}-" in response.location
    client.post(f"/staff/community/questions/{original.id}", data={"action": "escalate"})
    page = client.get(f"/community/q/{original.id}", follow_redirects=True).get_data(as_text=True)
    assert "handling this question privately" in page
    assert mod


def test_searches_find_questions_and_the_help_center_shows_community_answers(app, client):
    asker = make_user()
    question = make_question(author=asker, title="Can I machine wash the merino jumper?", body="Label unclear.")
    answer = make_answer(question, body="Yes, on the wool cycle at 30 degrees.")
    services.accept(user=asker, question=question, post=answer)
    db.session.commit()
    forum = client.get("/community/search?q=merino").get_data(as_text=True)
    assert "Can I machine wash the merino jumper?" in forum
    help_page = client.get("/help/en/search?q=merino").get_data(as_text=True)
    assert "From the community" in help_page and f"/community/q/{question.id}" in help_page
    assert "Accepted answer" in help_page
    for weird in ('title:(', '"', "AND", "*", "<script>"):
        assert client.get("/community/search", query_string={"q": weird}).status_code == 200
    similar = client.get("/community/similar?q=merino jumper wash").get_json()
    assert similar and similar[0]["url"].startswith(f"/community/q/{question.id}")


def test_profile_shows_reputation_and_counts(app, client):
    asker, helper = make_user(), make_user(name="Helpful Hana")
    question = make_question(author=asker)
    answer = make_answer(question, author=helper)
    services.accept(user=asker, question=question, post=answer)
    db.session.commit()
    page = client.get(f"/community/users/{helper.id}").get_data(as_text=True)
    assert "Helpful Hana" in page and re.search(r"Reputation</dt><dd>15<", page) and "@helpful-hana" in page
    assert client.get("/community/users/99999").status_code == 404


def test_sanction_page_is_for_moderators_and_tells_the_member(app, client, login):
    member = make_user(email="member@example.com")
    make_user(email="editor@example.com", role=Role.EDITOR)
    make_agent(email="mod@example.com")
    login("editor@example.com")
    assert client.get(f"/staff/community/users/{member.id}/sanction").status_code == 404
    client.post("/logout")
    login("mod@example.com")
    bad = client.post(f"/staff/community/users/{member.id}/sanction", data={"kind": "suspend", "reason": "Calm down"})
    assert bad.status_code == 400 and b"end date" in bad.data
    client.post(f"/staff/community/users/{member.id}/sanction", data={"kind": "ban", "reason": "Harassment"})
    client.post("/logout")
    login("member@example.com")
    services.ensure_default_categories()
    db.session.commit()
    page = client.post("/community/ask", data={"category": "sizing-and-fit", "title": "Am I allowed to post?",
                                               "body": "Just checking here."})
    assert page.status_code == 400 and b"banned from the community: Harassment" in page.data
