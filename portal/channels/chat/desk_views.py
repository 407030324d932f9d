"""Agents: the Online / Away switch, the live chats, and a chat ticket's page kept live (new visitor
messages, typing both ways)."""
from urllib.parse import urlsplit

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.channels.chat import availability, events, queries, sessions
from portal.channels.chat.api import event_stream, start_position
from portal.channels.models import ChatSession
from portal.errors import NotFound
from portal.extensions import db
from portal.inputs import takes_json
from portal.staff.access import permission_required
from portal.tickets.access import staff_can_see
from portal.tickets.models import Ticket, TicketMessage

bp = Blueprint("chat_desk", __name__, url_prefix="/staff/chats")
work_required = permission_required("tickets.work")


@bp.route("/")
@work_required
def chats():
    """The open chats, the longest-waiting visitor first (the page refreshes its table)."""
    return render_template("channels/chat/chats.html", chats=queries.live_chats(current_user))


@bp.route("/rows")
@work_required
def chats_rows():
    """The table body of the live chats, for the page's refresh."""
    return render_template("channels/chat/_chat_rows.html", chats=queries.live_chats(current_user))


@bp.route("/availability", methods=["POST"])
@work_required
def set_availability():
    """The Online / Away switch."""
    state = availability.set_availability(current_user, request.form.get("state", ""))
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify(state=state)
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    return target if target.startswith("/") and not target.startswith("//") and not parts.netloc \
        else url_for("chat_desk.chats")


@bp.route("/heartbeat", methods=["POST"])
@takes_json
@work_required
def heartbeat():
    """An open desk page keeps an online agent online."""
    online = availability.heartbeat(current_user)
    db.session.commit()
    return jsonify(online=online)


def _session(session_id) -> ChatSession:
    """The chat if its ticket is one the agent may work; NotFound otherwise."""
    session = db.session.get(ChatSession, session_id)
    ticket = db.session.get(Ticket, session.ticket_id) if session is not None and session.ticket_id else None
    if ticket is None or not staff_can_see(current_user, ticket):
        raise NotFound(_("We could not find that chat."))
    return session


def _renderer(locale: str):
    """Events as the desk shows them: a message comes with its HTML (through the one sanitiser), in the
    agent's language chosen before the stream starts (the stream outlives the request's own session)."""
    def render(event) -> dict:
        payload = events.as_dict(event)
        message_id = payload.pop("message_id", None) if event.kind == "message" else None
        message = db.session.get(TicketMessage, message_id) if message_id else None
        if message is not None:
            with force_locale(locale):
                payload["html"] = render_template("channels/chat/_message.html", m=message,
                                                  ticket=db.session.get(Ticket, message.ticket_id))
            payload["message_id"] = message.id
        payload.pop("text", None)
        return payload
    return render


@bp.route("/<int:session_id>/events")
@work_required
def agent_events(session_id):
    """The chat's events since the page's last one, for the ticket page: SSE, or JSON for polling."""
    session = _session(session_id)
    start, render = start_position(), _renderer(str(get_locale()))
    if "text/event-stream" in request.headers.get("Accept", ""):
        return event_stream(session.id, start, side="agent", render=render)
    found, read_to = events.after(session.id, start, side="agent")
    return jsonify(events=[render(e) for e in found], last=read_to, present=sessions.visitor_present(session))


@bp.route("/<int:session_id>/typing", methods=["POST"])
@takes_json
@work_required
def agent_typing(session_id):
    """The agent is writing in the composer."""
    sessions.typing(_session(session_id), "agent")
    db.session.commit()
    return jsonify(ok=True)
