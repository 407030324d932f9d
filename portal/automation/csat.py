"""Satisfaction surveys (CSAT): one per solved ticket, mailed after a delay, answered in one click.

Decisions kept here so every entry point behaves the same:
- One survey per ticket. Solving creates it with send_after = now + delay. Solved again after a reopen
  before the mail went out: the same row waits a fresh delay (and takes the new assignee); once sent or
  answered it is never redone. A ticket that is not solved or closed when the survey falls due is not
  asked (the row waits for the next solve).
- Only mail is sent, and only to a requester with an address who wants ticket mail, on a channel the
  manager chose, whose first message was not flagged mail. A survey that cannot be mailed is dropped at
  send time; a customer with an account can still answer from the portal (which creates it then).
- An answer may be changed for ANSWER_DAYS after the survey was sent (or created, from the portal);
  then the link shows the recorded answer and changes nothing.
- Settings live in instance/csat.json (the project has no key/value settings table).
- What a rating does is a rule's job (event "Satisfaction rated"): the shipped "Bad rating" rule reopens the
  ticket and alerts the managers. Each answer is kept on the ticket as an internal note the rules and their
  alerts read.
"""
import hashlib
import json
import os
import secrets
from contextlib import nullcontext
from datetime import timedelta

from flask import current_app, has_app_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from portal.automation.models import CsatSurvey
from portal.errors import Conflict, ValidationError
from portal.extensions import db
from portal.jobs import services as jobs
from portal.models_base import utcnow
from portal.signals import ticket_changed
from portal.tickets.models import Channel, Status, Ticket, TicketEvent, TicketMessage

RATINGS = ("good", "okay", "bad")
RATING_LABELS = {"good": _l("Good"), "okay": _l("Okay"), "bad": _l("Bad")}
MAX_COMMENT = 2000
ANSWER_DAYS = 30
MAX_DELAY_HOURS = 720
PERIODS = (7, 30, 90)
SEND_BATCH = 200
DONE = (Status.SOLVED, Status.CLOSED)
SETTINGS_FILE = "csat.json"


# --- settings ------------------------------------------------------------------------------------

def default_settings() -> dict:
    return {"enabled": True, "delay_hours": int(current_app.config.get("CSAT_DELAY_HOURS", 24)),
            "channels": [c.value for c in Channel]}


def _settings_path() -> str:
    return os.path.join(current_app.instance_path, SETTINGS_FILE)


def settings() -> dict:
    """The manager's survey settings (instance/csat.json) over the defaults; a broken file reads as defaults."""
    values = default_settings()
    try:
        with open(_settings_path(), encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        return values
    if isinstance(stored, dict):
        values.update({key: stored[key] for key in values if key in stored})
    return values


def legacy_bad_rating() -> dict:
    """What the settings file said a bad rating does, from before rules handled it: {"reopen", "notify"}
    (the shipped bad-rating rule starts from it when it is installed)."""
    try:
        with open(_settings_path(), encoding="utf-8") as fh:
            stored = json.load(fh)
    except (OSError, ValueError):
        stored = {}
    stored = stored if isinstance(stored, dict) else {}
    return {"reopen": bool(stored.get("bad_reopen")), "notify": bool(stored.get("bad_notify"))}


def save_settings(*, enabled: bool, delay_hours, channels) -> dict:
    """Check and store the settings (atomically replaced file); ValidationError names the field."""
    try:
        delay = int(delay_hours)
    except (TypeError, ValueError):
        raise ValidationError(_("Enter a whole number of hours."), field="delay_hours") from None
    if not 0 <= delay <= MAX_DELAY_HOURS:
        raise ValidationError(_("Enter a delay between 0 and %(num)d hours.", num=MAX_DELAY_HOURS),
                              field="delay_hours")
    known = {c.value for c in Channel}
    chosen = sorted(set(channels or ()))
    if any(value not in known for value in chosen):
        raise ValidationError(_("Choose channels from the list."), field="channels")
    values = {"enabled": bool(enabled), "delay_hours": delay, "channels": chosen}
    path = _settings_path()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{secrets.token_hex(4)}.tmp"
    with open(temporary, "w", encoding="utf-8") as fh:
        json.dump(values, fh, indent=2)
    os.replace(temporary, path)
    return values


# --- tokens and lookups --------------------------------------------------------------------------

def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, _hash(token)


def survey_by_token(token: str | None) -> CsatSurvey | None:
    """The survey a mailed link names, or None (only the token's SHA-256 is stored)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(CsatSurvey).where(CsatSurvey.token_hash == _hash(token)))


def survey_for(ticket: Ticket) -> CsatSurvey | None:
    """The ticket's survey, if it has one."""
    if ticket is None or ticket.id is None:
        return None
    return db.session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id))


def ticket_of(survey: CsatSurvey) -> Ticket:
    return db.session.get(Ticket, survey.ticket_id)


def open_until(survey: CsatSurvey):
    return (survey.sent_at or survey.created_at or utcnow()) + timedelta(days=ANSWER_DAYS)


def is_open(survey: CsatSurvey, now=None) -> bool:
    """Whether the survey still takes (or changes) an answer."""
    return (now or utcnow()) <= open_until(survey)


# --- scheduling on solve -------------------------------------------------------------------------

def _first_message_flagged(ticket: Ticket) -> bool:
    """The ticket began with a mail we flagged (failed authentication, Reply-To elsewhere, automatic)."""
    from portal.channels.email.models import InboundEmail

    first = db.session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id)
                              .order_by(TicketMessage.id).limit(1))
    if first is None:
        return False
    flags = db.session.scalar(select(InboundEmail.flags).where(InboundEmail.ticket_message_id == first).limit(1))
    return bool(flags)


def can_mail(ticket: Ticket, values: dict | None = None) -> bool:
    """Whether a survey may be mailed for this ticket now (settings, address, opt-out, flagged mail)."""
    from portal.tickets.notifications import wants_notifications

    values = values or settings()
    return (values["enabled"] and ticket.channel.value in values["channels"] and bool(ticket.requester_email)
            and wants_notifications(ticket.requester_email) and not _first_message_flagged(ticket))


def schedule(ticket: Ticket, *, agent_id: int | None = None) -> CsatSurvey | None:
    """Create the survey of a just-solved ticket (or give an unsent one a fresh delay); None when it
    cannot be mailed. A survey already sent or answered is left as it is."""
    values = settings()
    survey = survey_for(ticket)
    agent_id = ticket.assignee_id or agent_id
    send_after = utcnow() + timedelta(hours=values["delay_hours"])
    if survey is not None:
        if survey.sent_at is None and survey.answered_at is None:
            survey.send_after, survey.agent_id = send_after, agent_id
            db.session.flush()
        return survey
    if not can_mail(ticket, values):
        return None
    survey = CsatSurvey(ticket_id=ticket.id, agent_id=agent_id, token_hash=_new_token()[1], send_after=send_after,
                        created_at=utcnow())
    db.session.add(survey)
    db.session.flush()
    return survey


def _just_solved(ticket: Ticket) -> bool:
    """This change set the status to solved (a status event of the ticket's current version)."""
    return ticket.status == Status.SOLVED and db.session.scalar(
        select(TicketEvent.id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "status",
                                     TicketEvent.new == Status.SOLVED.value,
                                     TicketEvent.version == ticket.version).limit(1)) is not None


def _on_ticket_changed(ticket, kind=None, actor=None, **_):
    # "reply" too: an agent's "send and solve" reports one reply change, not a status one.
    if kind in ("status", "reply") and has_app_context() and ticket.id is not None and _just_solved(ticket):
        from portal.automation.actor import is_system

        staff = actor is not None and getattr(actor, "is_staff", False) and not is_system(actor)
        schedule(ticket, agent_id=actor.id if staff else None)


# --- sending -------------------------------------------------------------------------------------

@jobs.task("csat.send_due", max_attempts=3)
def send_due(now=None) -> int:
    """Mail every survey whose delay has passed (each exactly once); returns how many were sent.
    Surveys that can no longer be mailed, or are ANSWER_DAYS late, are dropped."""
    now = now or utcnow()
    values = settings()
    if not values["enabled"]:
        return 0
    rows = db.session.execute(
        select(CsatSurvey, Ticket).join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(CsatSurvey.sent_at.is_(None), CsatSurvey.answered_at.is_(None), CsatSurvey.send_after <= now,
               Ticket.status.in_(DONE))
        .order_by(CsatSurvey.send_after).limit(SEND_BATCH)).all()
    sent = 0
    for survey, ticket in rows:
        if survey.send_after < now - timedelta(days=ANSWER_DAYS) or not can_mail(ticket, values):
            db.session.execute(delete(CsatSurvey).where(CsatSurvey.id == survey.id, CsatSurvey.sent_at.is_(None)))
            continue
        token, token_hash = _new_token()
        claimed = db.session.execute(
            update(CsatSurvey).where(CsatSurvey.id == survey.id, CsatSurvey.sent_at.is_(None))
            .values(sent_at=now, token_hash=token_hash).execution_options(synchronize_session=False)).rowcount
        if claimed:  # another worker may have taken it between the read and here
            survey.sent_at, survey.token_hash = now, token_hash
            _mail_survey(ticket, token)
            sent += 1
    db.session.flush()
    return sent


def _mail_survey(ticket: Ticket, token: str) -> None:
    from portal.tickets import links, notifications

    locale = notifications._locale_for(ticket)
    with force_locale(locale) if locale else nullcontext():
        heading = _("How did we do?")
    choices = [(rating, RATING_LABELS[rating], url_for("csat.answer", token=token, rating=rating, _external=True))
               for rating in RATINGS]
    notifications._send(to=ticket.requester_email, ticket=ticket, template="csat_survey", subject=heading,
                        message_id=notifications.message_id_for(ticket, None).replace(".receipt", ".csat"),
                        locale=locale, choices=choices, ticket_link=links.customer_link(ticket),
                        comment_link=url_for("csat.answer", token=token, _external=True))


# --- answers -------------------------------------------------------------------------------------

def portal_can_start(ticket: Ticket) -> bool:
    """A customer may rate a solved ticket that has no survey yet (while surveys are on)."""
    return ticket.status in DONE and settings()["enabled"]


def portal_prompt(ticket: Ticket) -> dict:
    """What the customer's ticket page shows: {"survey", "ask"} (ask: offer the three choices)."""
    survey = survey_for(ticket)
    if survey is None:
        return {"survey": None, "ask": portal_can_start(ticket)}
    return {"survey": survey, "ask": survey.answered_at is None and ticket.status in DONE and is_open(survey),
            "can_change": survey.answered_at is not None and is_open(survey)}


def portal_survey(ticket: Ticket) -> CsatSurvey | None:
    """The survey a logged-in customer answers on their ticket page: the existing one, else a new one for
    a solved ticket while surveys are on (created only when they answer, never by looking)."""
    survey = survey_for(ticket)
    if survey is not None or not portal_can_start(ticket):
        return survey
    survey = CsatSurvey(ticket_id=ticket.id, agent_id=ticket.assignee_id, token_hash=_new_token()[1],
                        send_after=utcnow(), created_at=utcnow())
    db.session.add(survey)
    db.session.flush()
    return survey


def record_answer(survey: CsatSurvey, *, rating: str, comment: str | None = None, actor=None) -> CsatSurvey:
    """Store the rating and comment (a later answer replaces it while the survey is open), with an internal
    note on the ticket when either changed.

    Emits ticket_changed(kind="csat", rating=..., survey=..., note=...): rules on "Satisfaction rated" react.
    Raises ValidationError (rating, comment) or Conflict (closed).
    """
    if rating not in RATINGS:
        raise ValidationError(_("Choose one of the three answers."), field="rating")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError(_("Your comment is too long (at most %(num)d characters).", num=MAX_COMMENT),
                              field="comment")
    if not is_open(survey):
        raise Conflict(_("This survey is closed; your answer was not changed."))
    changed = (survey.rating, survey.comment) != (rating, comment or None)
    survey.rating, survey.comment, survey.answered_at = rating, comment or None, utcnow()
    db.session.flush()
    ticket = ticket_of(survey)
    note = _note(ticket, survey) if changed else None
    ticket_changed.send(ticket, kind="csat", actor=actor, rating=rating, survey=survey, note=note)
    return survey


def _note(ticket: Ticket, survey: CsatSurvey):
    """"Customer rated: bad — the comment", for the team (in the site's language) and the rules' alerts."""
    from portal.tickets import services as tickets

    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        note = _("Customer rated: %(rating)s", rating=str(RATING_LABELS[survey.rating]).lower())
    return tickets.add_system_message(ticket, f"{note} — {survey.comment}" if survey.comment else note,
                                      public=False)


# --- figures -------------------------------------------------------------------------------------

def _percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def agent_figures(viewer, *, days: int) -> dict:
    """Per agent (the assignee at solve time) over tickets solved in the last `days` days: good, okay,
    bad, CSAT % (good / answered), response rate (answered / asked), and the latest comments.
    Managers see every agent; an agent sees only their own."""
    from portal.accounts.models import Role, User

    since = utcnow() - timedelta(days=days)
    asked = (CsatSurvey.created_at >= since, or_(CsatSurvey.sent_at.is_not(None), CsatSurvey.answered_at.is_not(None)))
    mine = () if viewer.role == Role.MANAGER else (CsatSurvey.agent_id == viewer.id,)
    counts = db.session.execute(select(CsatSurvey.agent_id, CsatSurvey.rating, func.count())
                                .where(*asked, *mine).group_by(CsatSurvey.agent_id, CsatSurvey.rating)).all()
    rows = {}
    for agent_id, rating, count in counts:
        row = rows.setdefault(agent_id, {"good": 0, "okay": 0, "bad": 0, "asked": 0})
        row["asked"] += count
        if rating in RATINGS:
            row[rating] += count
    names = {u.id: u.display_name for u in db.session.scalars(select(User).where(User.id.in_(
        [i for i in rows if i is not None])))} if rows else {}
    agents = [_figures(row, names.get(agent_id, _("Unassigned")), agent_id) for agent_id, row in rows.items()]
    agents.sort(key=lambda row: row["name"].lower())
    total = {"good": 0, "okay": 0, "bad": 0, "asked": 0}
    for row in rows.values():
        for key in total:
            total[key] += row[key]
    comments = db.session.execute(
        select(CsatSurvey).where(*asked, *mine, CsatSurvey.comment.is_not(None))
        .order_by(CsatSurvey.answered_at.desc(), CsatSurvey.id.desc()).limit(10)).scalars().all()
    return {"days": days, "agents": agents, "total": _figures(total, _("All agents"), None),
            "comments": [{"survey": s, "number": s.ticket_id + 1000, "agent": names.get(s.agent_id)}
                         for s in comments]}


def _figures(row: dict, name: str, agent_id) -> dict:
    answered = row["good"] + row["okay"] + row["bad"]
    return {**row, "name": name, "agent_id": agent_id, "answered": answered,
            "csat": _percent(row["good"], answered), "response": _percent(answered, row["asked"])}


def survey_data(survey: CsatSurvey) -> dict:
    """A survey as plain data (the CLI's --json)."""
    from portal.accounts.models import User

    agent = db.session.get(User, survey.agent_id) if survey.agent_id else None
    state = "answered" if survey.answered_at else "sent" if survey.sent_at else "scheduled"

    def stamp(value):
        return value.isoformat() if value else None
    return {"ticket": survey.ticket_id + 1000, "state": state, "rating": survey.rating, "comment": survey.comment,
            "agent": agent.email if agent else None, "send_after": stamp(survey.send_after),
            "sent_at": stamp(survey.sent_at), "answered_at": stamp(survey.answered_at),
            "open_until": stamp(open_until(survey)) if survey.sent_at or survey.answered_at else None}


def init_app(app):
    from portal.automation.csat_cli import csat_cli
    from portal.automation.csat_views import bp

    app.config.setdefault("CSAT_DELAY_HOURS", 24)
    app.register_blueprint(bp)
    app.cli.add_command(csat_cli)
    app.jinja_env.globals.update(csat_survey=survey_for, csat_portal_prompt=portal_prompt,
                                 csat_rating_labels=RATING_LABELS)
    if not getattr(ticket_changed, "_csat_connected", False):
        ticket_changed.connect(_on_ticket_changed)
        ticket_changed._csat_connected = True
