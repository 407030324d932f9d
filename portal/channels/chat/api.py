"""The widget's API, called from the shops' pages: CORS for the configured sites (and the help center
itself), the visitor's token on every session call, rate limits, and JSON errors with a reason."""
from flask import Blueprint, Response, current_app, g, jsonify, request, send_from_directory, stream_with_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import update
from werkzeug.exceptions import HTTPException

from portal import ratelimit
from portal.channels.chat import availability, events, sessions, settings, widget_text
from portal.channels.models import ChannelAccount, ChatSession
from portal.errors import DomainError, RateLimited, ValidationError
from portal.extensions import csrf, db
from portal.inputs import parse_int, takes_json
from portal.kb.search import suggest_help
from portal.models_base import utcnow
from portal.tickets import contact
from portal.tickets.web import client_ip

bp = Blueprint("chat_api", __name__)
csrf.exempt(bp)  # the visitor's token is the credential; the origin check keeps other sites out
MAX_BODY_BYTES = 32 * 1024
API = "/chat/api/<int:channel_id>"
SESSION = API + "/sessions/<int:session_id>"


@bp.route("/chat/widget.js")
def widget():
    """The widget script that shops paste on their pages."""
    response = send_from_directory(current_app.static_folder, "js/chat-widget.js", mimetype="text/javascript",
                                   max_age=300)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# --- the origin check and CORS -------------------------------------------------------------------

def _own_origins() -> set[str]:
    return {o for o in (settings.origin_of(request.host_url), settings.origin_of(current_app.config.get("PUBLIC_URL")))
            if o}


@bp.before_request
def check_origin():
    if request.endpoint == "chat_api.widget" or request.view_args is None:
        return None
    account = db.session.get(ChannelAccount, request.view_args.get("channel_id", 0))
    if account is None or account.kind != "chat" or not account.enabled:
        return _error(404, "unknown_channel", _("This chat is not available."))
    origin = request.headers.get("Origin")
    g.chat_account = account
    if origin and origin not in _own_origins() and origin not in settings.origins(account):
        return _error(403, "origin_refused", _("This chat does not run on this site."))
    g.chat_origin = origin
    if request.method == "POST" and (request.content_length or 0) > MAX_BODY_BYTES:
        return _error(413, "too_large", _("What you sent is too large."))
    return None


@bp.after_request
def cors(response):
    origin = g.get("chat_origin")
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Chat-Token, Last-Event-ID"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Max-Age"] = "600"
    if request.endpoint != "chat_api.widget":
        response.vary.add("Origin")
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _error(status: int, code: str, message: str, field: str | None = None):
    body = {"code": code, "message": message}
    if field:
        body["field"] = field
    return jsonify(error=body), status


@bp.errorhandler(DomainError)
def domain_error(exc):
    db.session.rollback()
    codes = {404: "not_found", 429: "rate_limited", 403: "forbidden"}
    response = _error(exc.status, codes.get(exc.status, "invalid"), exc.message, exc.field)
    if exc.status == 429:
        response[0].headers["Retry-After"] = "60"
    return response


@bp.errorhandler(HTTPException)
def http_error(exc):
    db.session.rollback()
    return _error(exc.code or 400, "bad_request", exc.description if exc.code != 404 else _("Not found."))


# --- helpers -------------------------------------------------------------------------------------

def _limit(kind: str, session: ChatSession | None = None) -> None:
    """RateLimited past CHAT_RATE_PER_MINUTE for this visitor (and four times that for their IP address);
    the count is committed at once, so refused and invalid requests count too."""
    per_minute = int(current_app.config["CHAT_RATE_PER_MINUTE"])
    limits = [(f"chat.{kind}.ip", client_ip(), per_minute * 4)]
    if session is not None:
        limits.append((f"chat.{kind}", f"session:{session.id}", per_minute))
    if not ratelimit.allow(limits, window_seconds=60):
        raise RateLimited(_("You are sending messages too fast. Please wait a minute and try again."))
    db.session.commit()


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError(_("Send a JSON object."))
    return data


def _lang(value=None) -> str:
    value = (value or request.args.get("lang") or "").lower()[:2]
    return value if value in sessions.LANGS else (request.accept_languages.best_match(sessions.LANGS) or "en")


def _visitor():
    return current_user if current_user.is_authenticated else None


def _session(session_id, **options) -> ChatSession:
    return sessions.find_session(g.chat_account, session_id, token=request.headers.get("X-Chat-Token"), **options)


# --- the endpoints -------------------------------------------------------------------------------

@bp.route(API + "/config")
def config(channel_id):
    """What the widget shows before a chat starts: online or not, the greeting, its words."""
    lang = _lang()
    with force_locale(lang):
        return jsonify(online=availability.anyone_online(), lang=lang, greeting=settings.greeting(g.chat_account, lang),
                       text=widget_text.strings())


@bp.route(API + "/suggest")
def suggest(channel_id):
    """Help articles that may answer what the visitor is typing (before their first message)."""
    lang = _lang()
    base = request.host_url.rstrip("/")
    return jsonify([{**item, "url": base + item["url"] if item["url"].startswith("/") else item["url"],
                     "slug": item["url"].rstrip("/").rsplit("/", 1)[-1]}
                    for item in suggest_help(request.args.get("q", "")[:100], lang=lang, limit=3)])


@bp.route(API + "/sessions", methods=["POST"])
@takes_json
def open_chat(channel_id):
    """Start a chat; the token in the answer is shown this once."""
    _limit("post")
    data = _body()
    user = _visitor()
    opened = sessions.open_session(g.chat_account, page_url=data.get("page_url"), locale=_lang(data.get("lang")),
                                   user=user)
    db.session.commit()
    return jsonify(id=opened.session.id, token=opened.token, key=sessions.stream_key(opened.session),
                   **_state(opened.session)), 201


def _state(session: ChatSession) -> dict:
    return {"status": session.status, "online": availability.anyone_online(), "name": session.visitor_name,
            "email": session.visitor_email or "", "logged_in": session.user_id is not None,
            "ticket": session.ticket_id is not None}


@bp.route(SESSION)
def show(channel_id, session_id):
    """The chat so far, for a widget that was reloaded."""
    session = _session(session_id, include_ended=True)
    return jsonify(id=session.id, messages=sessions.transcript(session), last=events.last_id(session.id),
                   **_state(session))


@bp.route(SESSION + "/messages", methods=["POST"])
@takes_json
def post_message(channel_id, session_id):
    """A visitor's message (retried with the same id until it is stored once)."""
    session = _session(session_id)
    _limit("post", session)
    data = _body()
    result = sessions.post_message(g.chat_account, session, client_id=data.get("id"), text=data.get("text"),
                                   name=data.get("name"), email=data.get("email"),
                                   require_contact=not availability.anyone_online(), user=_visitor())
    db.session.commit()
    return jsonify(outcome=result.outcome, ticket=result.ticket), 200 if result.outcome == "duplicate" else 201


@bp.route(SESSION + "/typing", methods=["POST"])
@takes_json
def typing(channel_id, session_id):
    """The visitor is typing."""
    session = _session(session_id)
    _limit("typing", session)
    sessions.typing(session, "visitor")
    db.session.commit()
    return jsonify(ok=True)


@bp.route(SESSION + "/end", methods=["POST"])
@takes_json
def end(channel_id, session_id):
    """The visitor ends the chat."""
    session = _session(session_id)
    sessions.end_session(session)
    db.session.commit()
    return jsonify(ok=True)


@bp.route(SESSION + "/opened", methods=["POST"])
@takes_json
def opened(channel_id, session_id):
    """The visitor opened a suggested article (a deflection unless they write after all)."""
    session = _session(session_id)
    _limit("post", session)
    data = _body()
    contact.record_opened(visitor=sessions.visitor_key(session), source="chat", query=str(data.get("q", ""))[:200],
                          article_slug=str(data.get("slug", ""))[:120], lang=session.locale or "en")
    db.session.commit()
    return jsonify(ok=True)


@bp.route(SESSION + "/history")
def history(channel_id, session_id):
    """A logged-in visitor's earlier chats."""
    session = _session(session_id)
    return jsonify(conversations=sessions.history(session, _visitor()))


@bp.route(SESSION + "/events")
def visitor_events(channel_id, session_id):
    """What the agents sent since the last event the widget has: a short SSE stream, or JSON for polling."""
    session = sessions.find_session(g.chat_account, session_id, token=request.headers.get("X-Chat-Token"),
                                    key=request.args.get("key"), include_ended=True)
    start = start_position()
    if session.visitor_seen_at is None or (utcnow() - session.visitor_seen_at).total_seconds() > 10:
        sessions.seen(session)
        db.session.commit()
    session_id = session.id
    if "text/event-stream" in request.headers.get("Accept", ""):
        return event_stream(session_id, start, side="visitor", render=events.for_visitor,
                            on_poll=lambda: _touch(session_id))
    found, read_to = events.after(session.id, start, side="visitor")
    return jsonify(events=[events.for_visitor(e) for e in found], last=read_to)


def start_position() -> int:
    """Where the reader is: Last-Event-ID (EventSource reconnecting), else ?after=N, else 0."""
    for value in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        number = parse_int(value, low=0, high=2**63 - 1) if value is not None else None
        if number is not None:
            return number
    return 0


def _touch(session_id: int) -> None:
    db.session.execute(update(ChatSession).where(ChatSession.id == session_id).values(visitor_seen_at=utcnow()))
    db.session.commit()


def event_stream(session_id: int, start: int, *, side: str, render, on_poll=None) -> Response:
    """A text/event-stream response of `side`'s events after `start` (used by the desk's stream too)."""
    db.session.rollback()  # no transaction or connection held into the stream
    body = stream_with_context(events.stream(session_id, start, side=side, render=render, on_poll=on_poll))
    return Response(body, mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
