"""Overlapping page views of the same agent against a real threaded server: never a 5xx."""
import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request

from werkzeug.serving import make_server

from portal.extensions import db
from portal.tickets import services
from tests.factories import PASSWORD, make_agent


def _opener(base, email):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    data = urllib.parse.urlencode({"email": email, "password": PASSWORD}).encode()
    opener.open(f"{base}/login", data=data, timeout=10)
    return opener


def test_the_same_agent_on_eight_connections_never_gets_a_server_error(make_app):
    app = make_app(SERVER_NAME=None, PRESENCE_SECONDS=45)
    with app.app_context():
        agent = make_agent(scope="all", email="busy@example.com")
        ticket = services.open_ticket(email="rose@example.com", name="Rose", subject="Late parcel",
                                      body="Where is it?", channel="web")
        db.session.commit()
        number, email = ticket.number, agent.email
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    statuses, errors = [], []
    try:
        openers = [_opener(base, email) for _ in range(8)]

        def hammer(opener):
            for n in range(25):
                url = f"{base}/staff/tickets/{number}"
                request = urllib.request.Request(url) if n % 2 else urllib.request.Request(
                    f"{url}/presence", data=b'{"composing": true}', headers={"Content-Type": "application/json"})
                try:
                    with opener.open(request, timeout=20) as response:
                        statuses.append(response.status)
                except urllib.error.HTTPError as exc:
                    statuses.append(exc.code)
                    errors.append(exc.read()[:300])
        workers = [threading.Thread(target=hammer, args=(opener,)) for opener in openers]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=120)
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.engine.dispose()
    assert len(statuses) == 200
    assert not [s for s in statuses if s >= 500], errors[:3]
    assert statuses.count(200) >= 100  # the ticket page views themselves all rendered


def test_a_broken_presence_table_does_not_fail_the_ticket_page(app, client, login):
    agent = make_agent(scope="all")
    ticket = services.open_ticket(email="rose@example.com", name="Rose", subject="Late parcel",
                                  body="Where is it?", channel="web")
    db.session.commit()
    login(agent.email)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE ticket_presence")
    page = client.get(f"/staff/tickets/{ticket.number}")
    assert page.status_code == 200 and "Late parcel" in page.get_data(as_text=True)
