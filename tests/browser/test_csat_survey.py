"""The mailed survey link in a real browser on a phone: nothing scrolls sideways, choose, comment, send."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.automation import csat
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Status
from tests.factories import make_agent, make_ticket

pytestmark = pytest.mark.browser


def test_a_customer_answers_the_survey_on_a_phone(live_app, phone_page, clock):
    agent = make_agent()
    ticket = make_ticket(email="rose@example.com", subject="Parcel stuck in Lyon")
    services.change_status(ticket, Status.SOLVED, actor=agent)
    db.session.commit()
    clock.advance(hours=25)
    csat.send_due()
    db.session.commit()
    mail = db.session.scalars(select(OutgoingMail).where(OutgoingMail.message_id.like("%.csat@%"))).one()
    path = re.search(r"http://[^/]+(/survey/[\w-]+/okay)", mail.text).group(1)

    phone_page.goto(path)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("How did we do?")
    expect(phone_page.get_by_label("Okay")).to_be_checked()
    width = phone_page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == 375
    phone_page.get_by_label("Good").tap()
    phone_page.get_by_label("Comment (optional)").fill("Quick and kind.")
    phone_page.get_by_role("button", name="Send").tap()
    expect(phone_page.get_by_text("Thank you! Your answer was recorded.")).to_be_visible()
    survey = csat.survey_for(ticket)
    db.session.refresh(survey)
    assert (survey.rating, survey.comment) == ("good", "Quick and kind.")
