"""The staff ticket's survey line tells the truth after a reopen: the survey waits for the next solve."""
import re
from html import unescape

from sqlalchemy import func, select

from portal.automation import csat
from portal.extensions import db
from portal.mail import OutgoingMail
from portal.tickets import services
from portal.tickets.models import Status
from tests.factories import make_agent, make_ticket


def survey_line(client, ticket) -> str:
    page = client.get(f"/staff/tickets/{ticket.number}").get_data(as_text=True)
    found = re.search(r'<section class="csat-result".*?</section>', page, re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(0))).split()) if found else ""


def surveys_mailed(ticket) -> int:
    return db.session.scalar(select(func.count()).select_from(OutgoingMail).where(
        OutgoingMail.message_id.like("%.csat@%"), OutgoingMail.ticket_id == ticket.id))


def test_a_reopened_ticket_says_its_survey_is_on_hold_until_solved_again(app, client, login, clock):
    agent = make_agent()
    ticket = make_ticket(subject="Wrong size")
    services.assign(ticket, agent, actor=agent)
    services.change_status(ticket, Status.SOLVED, actor=agent)
    db.session.commit()
    login(agent.email)
    assert "Survey to be sent" in survey_line(client, ticket)

    services.add_reply(ticket, body="It still does not fit.", author=None, guest_email=ticket.requester_email)
    db.session.commit()
    assert ticket.status == Status.OPEN
    line = survey_line(client, ticket)
    assert "Survey on hold: the ticket was reopened." in line and "to be sent" not in line
    clock.advance(hours=25)  # the first delay passes while the ticket is open: nothing goes out
    csat.send_due()
    db.session.commit()
    assert surveys_mailed(ticket) == 0 and "Survey on hold" in survey_line(client, ticket)

    services.add_reply(ticket, body="Exchanged for a larger one.", author=agent, status="solved")
    db.session.commit()
    assert "Survey to be sent" in survey_line(client, ticket)
    assert csat.survey_for(ticket).send_after > clock.now()  # a fresh delay from this solve
    clock.advance(hours=25)
    csat.send_due()
    db.session.commit()
    assert surveys_mailed(ticket) == 1 and "no answer yet" in survey_line(client, ticket)
