"""The real `portal worker` delivers a webhook queued by the site, retrying a 500 after the backoff."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.webhooks.models import DeliveryStatus, OutgoingAttempt, OutgoingDelivery
from tests.factories import make_ticket
from tests.jobs.conftest import job_of, wait_until


@pytest.mark.parametrize("worker_app", [{"WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true"}], indirect=True)
def test_the_worker_retries_a_500_then_delivers(worker_app, worker, receiver, subscribe, documented_verify):
    _subscription, secret = subscribe(receiver.url, events=["ticket.created"])
    receiver.answer(500)
    make_ticket(subject="Parcel")
    assert job_of("webhooks.deliver").status == JobStatus.QUEUED and receiver.requests == []  # not the web process
    worker()
    delivered = wait_until(lambda: (d := db.session.scalar(select(OutgoingDelivery))) and
                           d.status == DeliveryStatus.DELIVERED and d, what="the delivery after its retry")
    tried = list(db.session.scalars(select(OutgoingAttempt).order_by(OutgoingAttempt.id)))
    assert [(a.number, a.status_code) for a in tried] == [(1, 500), (2, 200)]
    assert tried[1].started_at - tried[0].started_at >= timedelta(seconds=1)  # JOB_RETRY_BASE_SECONDS=1 here
    assert delivered.attempts == 2 and len(receiver.requests) == 2
    last = receiver.requests[-1]
    assert documented_verify(secret, last["headers"]["X-Comptoir-Timestamp"], last["headers"]["X-Comptoir-Signature"],
                             last["body"])
    assert receiver.events()[-1]["ticket"]["subject"] == "Parcel"
