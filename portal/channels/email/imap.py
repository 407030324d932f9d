"""Fetch support mail from an IMAP folder, acknowledging each message only after it was handled.

No database here: the caller keeps an `ImapState` per mailbox and passes it back on the next poll.
"""
import contextlib
import imaplib
import re
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import date
from typing import Callable, Literal, NamedTuple

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

PROCESSED_KEYWORD = b"$Comptoir"
SEEN = b"\\Seen"
DELETED = b"\\Deleted"
# RFC 2177: servers may drop a client idle for 30 minutes, so one IDLE never lasts longer.
MAX_IDLE_SECONDS = 29 * 60
FETCH_CHUNK = 20  # messages fetched per round trip
FETCH_CHUNK_BYTES = 8 * 1024 * 1024  # ... or fewer, so a few large mails are not all held in memory


@dataclass
class ImapSettings:
    host: str
    port: int
    security: Literal["ssl", "starttls", "none"]
    username: str
    password: str
    folder: str = "INBOX"
    processed_action: Literal["flag", "move"] = "flag"
    processed_folder: str = "Processed"
    timeout: float = 30

    def __post_init__(self):
        if self.security not in ("ssl", "starttls", "none"):
            raise ValueError(f"unknown IMAP security {self.security!r}")
        if self.processed_action not in ("flag", "move"):
            raise ValueError(f"unknown processed action {self.processed_action!r}")


@dataclass
class ImapState:
    uidvalidity: int | None = None
    last_uid: int | None = None


class ImapError(Exception):
    """The server was unreachable, refused us, or answered with an error; the message is one line."""


class HandlerFailed(Exception):
    """`handle` raised for message `uid`; `state` covers every message acknowledged before it."""

    def __init__(self, uid: int, state: ImapState):
        super().__init__(f"handling message UID {uid} failed")
        self.uid = uid
        self.state = state


class _Folder(NamedTuple):
    uidvalidity: int
    uidnext: int
    keywords_allowed: bool


def test_connection(settings: ImapSettings) -> str | None:
    """Log in and open the folder: None when that works, else a one-line message for the admin."""
    try:
        with _session(settings) as client:
            _select(client, settings.folder, readonly=True)
    except ImapError as exc:
        return str(exc)
    return None


test_connection.__test__ = False  # pytest would collect it from any test module that imports it


def poll(settings: ImapSettings, state: ImapState, handle: Callable[[int, bytes], None], *,
         since: date | None = None, batch: int = 50) -> ImapState:
    """Pass up to `batch` new messages to `handle(uid, raw)` in UID order and return the new state.

    Raises ImapError, or HandlerFailed (with the state to keep) when `handle` raises.
    `since` is only read when `state` is unusable (first poll, new UIDVALIDITY): it imports from that date.
    """
    with _session(settings) as client:
        folder = _select(client, settings.folder)
        usable = state.last_uid is not None and state.uidvalidity == folder.uidvalidity
        if not usable and since is None:
            # Without a date nothing tells old mail from new, so start after what is there now rather
            # than turn years of history into tickets. A new UIDVALIDITY means the folder was recreated
            # or restored and the stored UIDs point nowhere, so it is treated as a first poll too.
            return ImapState(folder.uidvalidity, folder.uidnext - 1)
        start = state.last_uid + 1 if usable else 1
        uids = _pending(client, settings, folder, start, None if usable else since)
        # Everything below the first pending UID is done or excluded, so it never needs a second look.
        progress = ImapState(folder.uidvalidity, uids[0] - 1 if uids else folder.uidnext - 1)
        _deliver(client, settings, folder, uids[:batch], handle, progress)
        if len(uids) <= batch:
            progress.last_uid = max(progress.last_uid, folder.uidnext - 1)
        return progress


def idle_wait(settings: ImapSettings, timeout: float, *, state: ImapState | None = None) -> bool:
    """Wait in IDLE until the folder signals new mail (True) or `timeout` seconds pass (False).

    Returns False at once when the server lacks IDLE, so the caller polls on its own schedule.
    With `state`, mail that arrived after that poll counts as signalled and returns True at once.
    """
    with _session(settings) as client:
        if not client.has_capability("IDLE"):
            return False
        folder = _select(client, settings.folder, readonly=True)
        if state is not None and _missed_mail(folder, state):
            return True
        return _idle_for_new_mail(client, min(timeout, MAX_IDLE_SECONDS))


def _missed_mail(folder: _Folder, state: ImapState) -> bool:
    if state.last_uid is None:
        return False
    return folder.uidvalidity != state.uidvalidity or folder.uidnext - 1 > state.last_uid


def _idle_for_new_mail(client: IMAPClient, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    client.idle()
    try:
        while (left := deadline - time.monotonic()) > 0:
            replies = client.idle_check(timeout=left)
            # Flag changes and "still here" keepalives also wake us; only EXISTS means new mail.
            if any(len(reply) > 1 and reply[1] == b"EXISTS" for reply in replies):
                return True
            if not replies:
                # The wait ran out, or the server hung up (then idle_done reports it).
                return False
        return False
    finally:
        client.idle_done()


def _pending(client, settings, folder: _Folder, start: int, since: date | None) -> list[int]:
    """UIDs from `start` on, never just UNSEEN: a person may have read the message in webmail first."""
    criteria = ["UID", f"{start}:*"]
    if since is not None:
        criteria += ["SINCE", since]
    if settings.processed_action == "flag" and folder.keywords_allowed:
        criteria += ["UNKEYWORD", PROCESSED_KEYWORD]
    # "N:*" always matches the highest UID, even below N, so that one is filtered out here.
    return sorted(uid for uid in client.search(criteria) if uid >= start)


def _deliver(client, settings, folder: _Folder, uids: list[int], handle, progress: ImapState) -> None:
    if uids and settings.processed_action == "move":
        _ensure_folder(client, settings.processed_folder)
    for chunk in _chunks(client, uids):
        fetched = _fetch_raw(client, chunk)
        for uid in chunk:
            raw = fetched.get(uid)
            if raw is not None:
                try:
                    handle(uid, raw)
                except Exception as exc:
                    raise HandlerFailed(uid, ImapState(progress.uidvalidity, progress.last_uid)) from exc
                # Acknowledged one by one after its commit: a crash re-delivers at most this message.
                _acknowledge(client, settings, folder, uid)
            progress.last_uid = uid


def _chunks(client: IMAPClient, uids: list[int]):
    """UIDs in groups fetched in one round trip each, up to FETCH_CHUNK messages or FETCH_CHUNK_BYTES."""
    sizes = {uid: data.get(b"RFC822.SIZE", 0) for uid, data in client.fetch(uids, ["RFC822.SIZE"]).items()} \
        if uids else {}
    chunk, total = [], 0
    for uid in uids:
        size = sizes.get(uid, 0)
        if chunk and (len(chunk) >= FETCH_CHUNK or total + size > FETCH_CHUNK_BYTES):
            yield chunk
            chunk, total = [], 0
        chunk.append(uid)
        total += size
    if chunk:
        yield chunk


def _fetch_raw(client: IMAPClient, uids: list[int]) -> dict[int, bytes]:
    """The messages exactly as stored, without setting \\Seen; an expunged one is simply missing."""
    return {uid: data[b"BODY[]"] for uid, data in client.fetch(uids, ["BODY.PEEK[]"]).items()
            if b"BODY[]" in data}


def _acknowledge(client: IMAPClient, settings: ImapSettings, folder: _Folder, uid: int) -> None:
    flags = [SEEN, PROCESSED_KEYWORD] if folder.keywords_allowed else [SEEN]
    client.add_flags([uid], flags, silent=True)
    if settings.processed_action == "move":
        _move(client, uid, settings.processed_folder)


def _move(client: IMAPClient, uid: int, target: str) -> None:
    if client.has_capability("MOVE"):
        client.move([uid], target)
        return
    client.copy([uid], target)
    client.add_flags([uid], [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge([uid])
    else:
        # Plain EXPUNGE also removes anything else marked \Deleted in the folder; servers without
        # UIDPLUS leave no narrower way.
        client.expunge()


def _ensure_folder(client: IMAPClient, name: str) -> None:
    if not client.folder_exists(name):
        client.create_folder(name)


def _select(client: IMAPClient, name: str, readonly=False) -> _Folder:
    try:
        info = client.select_folder(name, readonly=readonly)
    except IMAPClientError:
        if not client.folder_exists(name):
            raise ImapError(f"Folder '{name}' does not exist on the server") from None
        raise
    uidnext = info.get(b"UIDNEXT") or client.folder_status(name, ["UIDNEXT"])[b"UIDNEXT"]
    permanent = info.get(b"PERMANENTFLAGS", ())
    return _Folder(info[b"UIDVALIDITY"], uidnext, b"\\*" in permanent or PROCESSED_KEYWORD in permanent)


@contextlib.contextmanager
def _session(settings: ImapSettings):
    """A logged-in client, logged out afterwards; network, TLS and protocol errors become ImapError."""
    if settings.processed_action == "move" and _same_folder(settings.folder, settings.processed_folder):
        # Moved mail would come back with new UIDs and be fetched again on every poll.
        raise ImapError("The processed folder must differ from the folder that is polled")
    with _translated_errors(settings):
        client = _connect(settings)
        with client:
            client.login(settings.username, settings.password)
            yield client


def _connect(settings: ImapSettings) -> IMAPClient:
    # An explicit verifying context: imaplib's own STARTTLS default does not check certificates.
    context = ssl.create_default_context()
    client = IMAPClient(settings.host, settings.port, ssl=settings.security == "ssl",
                        ssl_context=context, timeout=settings.timeout)
    if settings.security == "starttls":
        if not client.has_capability("STARTTLS"):
            client.shutdown()
            raise ImapError(f"{_where(settings)} does not offer STARTTLS")
        client.starttls(context)
    return client


@contextlib.contextmanager
def _translated_errors(settings: ImapSettings):
    where = _where(settings)
    try:
        yield
    except LoginError as exc:
        raise ImapError(f"Login refused for {settings.username} on {where}: {_server_text(exc)}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise ImapError(f"TLS certificate of {where} is not trusted: {exc.verify_message}") from exc
    except ssl.SSLError as exc:
        reason = (exc.reason or str(exc)).replace("_", " ").lower()
        raise ImapError(f"TLS handshake with {where} failed: {reason}") from exc
    except socket.gaierror as exc:
        raise ImapError(f"Unknown host {settings.host}") from exc
    except TimeoutError as exc:
        raise ImapError(f"{where} did not answer within {settings.timeout:g} seconds") from exc
    except OSError as exc:
        raise ImapError(f"Cannot reach {where}: {exc.strerror or exc}") from exc
    except imaplib.IMAP4.abort as exc:
        raise ImapError(f"{where} dropped the connection: {_server_text(exc)}") from exc
    except IMAPClientError as exc:
        raise ImapError(f"{where} answered with an error: {_server_text(exc)}") from exc


def _same_folder(a: str, b: str) -> bool:
    return a == b or a.upper() == b.upper() == "INBOX"  # only INBOX is case-insensitive (RFC 3501)


def _where(settings: ImapSettings) -> str:
    return f"{settings.host}:{settings.port}"


def _server_text(exc: Exception) -> str:
    # imaplib hands over the server's bytes, and imapclient turns some of them into "b'...'" text.
    text = exc.args[0] if exc.args else str(exc)
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    return " ".join(re.sub(r"^b(['\"])(.*)\1$", r"\2", text).split())
