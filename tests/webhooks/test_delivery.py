"""Sending, against a real local HTTP server: the documented signature, retries with backoff, the delivery
log, automatic disabling, and the addresses we refuse (redirects, other schemes, private networks)."""
import json
import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug import Response

from portal.extensions import db
from portal.jobs.models import Job, JobStatus
from portal.jobs.runner import run_job
from portal.models_base import utcnow
from portal.orders import crypto
from portal.webhooks import services, transport
from portal.webhooks.models import DeliveryStatus, DisabledReason, OutgoingAttempt, OutgoingDelivery
from tests.factories import make_ticket


def only_created(subscribe, receiver):
    return subscribe(receiver.url, events=["ticket.created"])


def attempts() -> list[OutgoingAttempt]:
    return list(db.session.scalars(select(OutgoingAttempt).order_by(OutgoingAttempt.id)))


def queued_retry() -> Job:
    return db.session.scalar(select(Job).where(Job.task == "webhooks.deliver", Job.status == JobStatus.QUEUED))


def test_the_signature_verifies_with_the_documented_recipe(app, receiver, subscribe, documented_verify):
    _subscription, secret = only_created(subscribe, receiver)
    make_ticket()
    (request,) = receiver.requests
    headers, body = request["headers"], request["body"]
    timestamp, signature = headers["X-Comptoir-Timestamp"], headers["X-Comptoir-Signature"]
    assert signature.startswith("sha256=") and abs(int(timestamp) - time.time()) < 60
    assert documented_verify(secret, timestamp, signature, body)
    assert not documented_verify(secret, timestamp, signature, body.replace(b"new", b"old"))  # tampered
    assert not documented_verify("whsec_other", timestamp, signature, body)
    assert not documented_verify(secret, str(int(timestamp) + 1), signature, body)  # timestamp is signed
    assert not documented_verify(secret, timestamp, signature, body, now=int(timestamp) + 301)  # a late replay
    assert json.loads(body)["type"] == "ticket.created"


def test_the_secret_is_encrypted_at_rest(app, receiver, subscribe):
    subscription, secret = only_created(subscribe, receiver)
    assert secret.startswith("whsec_") and secret not in subscription.secret_encrypted
    assert crypto.decrypt(subscription.secret_encrypted) == secret


def test_a_500_then_200_is_retried_with_backoff_and_logged(app, receiver, subscribe, documented_verify):
    _subscription, secret = only_created(subscribe, receiver)
    receiver.answer(500, 503)
    make_ticket()  # QUEUE_IMMEDIATE: the first attempt runs at the commit
    delivery = db.session.scalar(select(OutgoingDelivery))
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
    retry = queued_retry()
    assert timedelta(seconds=25) < retry.run_after - utcnow() <= timedelta(seconds=30)  # JOB_RETRY_BASE_SECONDS
    assert delivery.next_attempt_at == retry.run_after

    run_job(retry.id)  # what the worker does once the delay has passed
    db.session.expire_all()
    second = queued_retry()
    assert timedelta(seconds=115) < second.run_after - utcnow() <= timedelta(seconds=120)  # 30 s x 4
    run_job(second.id)
    db.session.expire_all()
    assert db.session.get(OutgoingDelivery, delivery.id).status == DeliveryStatus.DELIVERED
    assert [(a.number, a.status_code) for a in attempts()] == [(1, 500), (2, 503), (3, 200)]
    assert "HTTP Error 500" in attempts()[0].error and "receiver broke" in attempts()[0].error
    assert attempts()[2].error is None and all(a.duration_ms >= 0 for a in attempts())
    bodies = {r["body"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(bodies) == 1  # the same event, byte for byte
    assert len({r["headers"]["X-Comptoir-Delivery"] for r in receiver.requests}) == 1
    assert all(documented_verify(secret, r["headers"]["X-Comptoir-Timestamp"], r["headers"]["X-Comptoir-Signature"],
                                 r["body"]) for r in receiver.requests)
    assert db.session.get(type(_subscription), _subscription.id).consecutive_failures == 0


def test_repeated_failures_disable_the_subscription_and_a_manager_turns_it_back_on(app, client, manager, receiver,
                                                                                   subscribe):
    app.config.update(WEBHOOKS_MAX_ATTEMPTS=2, WEBHOOKS_DISABLE_AFTER_FAILURES=2)
    subscription, _secret = only_created(subscribe, receiver)
    receiver.answer(*[500] * 10)
    for _ in range(2):
        make_ticket()
        run_job(queued_retry().id)  # the second and last attempt
    db.session.expire_all()
    assert not subscription.enabled and subscription.disabled_reason == DisabledReason.FAILURES
    assert subscription.consecutive_failures == 2 and "HTTP Error 500" in subscription.last_error
    assert [d.status for d in db.session.scalars(select(OutgoingDelivery))] == [DeliveryStatus.FAILED] * 2
    make_ticket()  # nothing is queued while it is off
    assert len(receiver.requests) == 4 and db.session.query(OutgoingDelivery).count() == 2

    page = client.get(f"/staff/settings/webhooks/{subscription.id}").get_data(as_text=True)
    assert "2 deliveries in a row failed" in page and "HTTP Error 500" in page and "Turn on" in page
    client.post(f"/staff/settings/webhooks/{subscription.id}/enable")
    db.session.expire_all()
    assert subscription.enabled and subscription.consecutive_failures == 0 and subscription.disabled_reason is None
    make_ticket()
    assert len(receiver.requests) == 5


def test_a_retry_queued_before_the_subscription_was_turned_off_is_skipped(app, receiver, subscribe):
    subscription, _secret = only_created(subscribe, receiver)
    receiver.answer(500)
    make_ticket()
    services.set_enabled(subscription, False)
    db.session.commit()
    run_job(queued_retry().id)
    db.session.expire_all()
    assert db.session.scalar(select(OutgoingDelivery)).status == DeliveryStatus.SKIPPED
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(app, httpserver, subscribe):
    httpserver.expect_request("/moved", method="POST").respond_with_response(
        Response("", status=307, headers={"Location": "http://elsewhere.example/steal"}))
    subscribe(httpserver.url_for("/moved"), events=["ticket.created"])
    make_ticket()
    (attempt,) = attempts()
    assert attempt.status_code == 307 and "not followed" in attempt.error and "elsewhere.example" in attempt.error
    assert queued_retry() is not None  # a failure like any other


def test_a_slow_receiver_times_out(app, httpserver, subscribe):
    app.config["WEBHOOKS_TIMEOUT_SECONDS"] = 0.5

    def slow(request):
        time.sleep(1.5)
        return Response("late")

    httpserver.expect_request("/slow", method="POST").respond_with_handler(slow)
    subscribe(httpserver.url_for("/slow"), events=["ticket.created"])
    make_ticket()
    (attempt,) = attempts()
    assert attempt.status_code is None and "no answer within 0.5 s" in attempt.error and attempt.duration_ms < 1400


def test_a_closed_port_is_a_connection_error(app, subscribe):
    from tests.conftest import free_port

    subscribe(f"http://127.0.0.1:{free_port()}/hook", events=["ticket.created"])
    make_ticket()
    assert attempts()[0].error == "connection refused"


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://10.1.2.3/hook", "http://169.254.169.254/latest",
                                 "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook", "http://localhost/hook",
                                 "http://100.64.0.1/hook", "http://0.0.0.0/hook"])
def test_private_and_local_addresses_are_refused_by_default(url):
    with pytest.raises(transport.Refused) as refused:
        transport.check_url(url, allow_private=False)
    assert refused.value.code == "private"
    transport.check_url(url, allow_private=True)  # the setting lets them through


@pytest.mark.parametrize("url, code", [("ftp://shop.example/x", "scheme"), ("javascript:alert(1)", "scheme"),
                                       ("file:///etc/passwd", "scheme"), ("https://", "host"),
                                       ("https://user:pw@shop.example/", "credentials"),
                                       ("http://shop.example:99999/", "host")])
def test_other_urls_are_refused(url, code):
    with pytest.raises(transport.Refused) as refused:
        transport.check_url(url, allow_private=True)
    assert refused.value.code == code


def test_a_name_that_resolves_to_a_private_address_is_refused_when_sending(app, receiver, subscribe):
    host = socket.gethostname()
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if any(transport._public(a) for a in addresses):
        pytest.skip(f"{host} resolves to a public address here")
    subscription, _secret = only_created(subscribe, receiver)
    subscription.url = receiver.url.replace("localhost", host).replace("127.0.0.1", host)
    db.session.commit()
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False  # as in production
    make_ticket()
    (attempt,) = attempts()
    assert attempt.error.startswith("refused:") and "resolves to a private or local address" in attempt.error
    assert receiver.requests == [] and queued_retry() is None  # refused is final: no retry
    assert db.session.scalar(select(OutgoingDelivery)).status == DeliveryStatus.FAILED


def test_the_rules_webhook_action_uses_the_same_sender(app):
    """rule_actions.sign() and deliver_webhook() call portal.webhooks.transport (one signing, one HTTP path)."""
    from portal.automation import rule_actions

    assert rule_actions.sign("s3cret", b"{}") == transport.signature("s3cret", b"{}")
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False
    with pytest.raises(transport.DeliveryFailed, match="refused"):
        transport.post_or_raise("http://127.0.0.1:9/hook", b"{}", {})


def test_old_deliveries_are_purged(app, receiver, subscribe, clock):
    only_created(subscribe, receiver)
    make_ticket()
    clock.advance(days=31)
    make_ticket()
    services.purge_job()
    db.session.commit()
    assert db.session.query(OutgoingDelivery).count() == 1 and len(attempts()) == 1


def test_private_addresses_are_off_unless_configured(make_app):
    """Production refuses private receivers; only the test suite's configuration (tests/conftest.py) allows them."""
    from portal.config import Defaults

    assert Defaults.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES is False
    app = make_app(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)
    with app.app_context():
        outcome = transport.post("http://127.0.0.1:9/hook", b"{}", {})
        assert outcome.refused and not outcome.ok and outcome.status is None
        db.engine.dispose()
