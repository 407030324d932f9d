"""Any form posted with nonsense answers with a message (4xx or a redirect), never a server error."""
import pytest

from portal.demo import DEMO_PASSWORD

GARBAGE = [
    {},
    {"body": "x" * 60000, "subject": "\x00", "email": "@@", "value": "zzz", "action": "status", "ids": ["1", "x"],
     "status": "bogus", "priority": "bogus", "assignee": "abc", "group": "-1", "version": "NaN", "kind": "weird",
     "target": "#abc", "post_type": "question", "post_id": "-5", "reason": "", "category": "nope", "until": "yesterday",
     "number": "'; DROP TABLE", "topic": "nope", "platform": "mars", "order": "%", "order_id": "x", "lang": "xx"},
    {"action": "assign", "value": "999999", "ids": ["1", "2"]},
    {"action": "merge", "value": "1", "ids": ["1", "2", "3"]},
]


@pytest.mark.parametrize("email", ["manager@demo.comptoir.test", "claire@demo.comptoir.test"])
def test_every_post_route_survives_garbage(app, runner, email):
    assert runner.invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    failures = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("static", "accounts.logout", "site.set_language"):
            continue
        url = rule.rule.replace("<lang>", "en").replace("<platform>", "shopify")
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1001" if arg == "number" else "1").replace(f"<{arg}>", "x")
        for data in GARBAGE:
            response = client.post(url, data=data)
            if response.status_code >= 500:
                failures.append((rule.rule, sorted(data)[:3], response.status_code))
    assert failures == [], "\n".join(map(str, failures))
