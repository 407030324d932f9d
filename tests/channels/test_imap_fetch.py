"""The IMAP poller against a real Dovecot: what it delivers, what it leaves behind on the server."""
import datetime
import threading
import time

import pytest

from portal.channels.email import imap
from portal.channels.email.imap import HandlerFailed, ImapState

SEEN = b"\\Seen"
KEYWORD = imap.PROCESSED_KEYWORD


def message(n: int, body: str = "My parcel has not arrived.") -> bytes:
    """A CRLF message, as on the wire, with 8-bit text so any re-encoding would show."""
    return (f"From: Rose <rose@example.com>\r\nTo: support@shop.example\r\nSubject: Order {n}\r\n"
            f"Message-ID: <m{n}@mail.example.com>\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\nMerci, Rosé  \r\n").encode()


class Handler:
    """Records what poll hands over; raises for the UIDs in `fail_on`, like ingest with the database down."""

    def __init__(self, fail_on=()):
        self.received = []
        self.fail_on = set(fail_on)

    def __call__(self, uid, raw):
        if uid in self.fail_on:
            raise RuntimeError("database is down")
        self.received.append((uid, raw))

    @property
    def uids(self):
        return [uid for uid, _raw in self.received]


def started(account, **overrides):
    """Settings and the state of a first poll, taken before the test's mail arrives."""
    settings = account.settings(**overrides)
    return settings, imap.poll(settings, ImapState(), Handler())


def test_first_poll_records_the_position_without_importing_history(imap_account):
    imap_account.append(message(1))
    imap_account.append(message(2))
    handler = Handler()

    state = imap.poll(imap_account.settings(), ImapState(), handler)

    assert handler.received == []
    assert state.last_uid == 2 and state.uidvalidity
    assert all(SEEN not in flags for flags in imap_account.flags().values())


def test_since_imports_mail_from_that_date(imap_account):
    imap_account.append(message(1), when=datetime.datetime(2020, 3, 1, 12, 0))
    recent = imap_account.append(message(2), when=datetime.datetime(2024, 6, 3, 12, 0))
    handler = Handler()

    state = imap.poll(imap_account.settings(), ImapState(), handler, since=datetime.date(2024, 1, 1))

    assert handler.received == [(recent, message(2))]
    assert state.last_uid == recent


def test_new_mail_is_delivered_once_in_uid_order_with_the_exact_bytes(imap_account):
    settings, state = started(imap_account)
    uids = [imap_account.append(message(n)) for n in (1, 2, 3)]
    handler = Handler()

    state = imap.poll(settings, state, handler)
    # The last UID exists, so the next search "4:*" still matches it: nothing may come back.
    again = Handler()
    state = imap.poll(settings, state, again)

    assert handler.received == [(uid, message(n)) for uid, n in zip(uids, (1, 2, 3))]
    assert again.received == [] and state.last_uid == uids[-1]


def test_mail_already_read_elsewhere_is_still_fetched(imap_account):
    settings, state = started(imap_account)
    uid = imap_account.append(message(1), flags=[SEEN])
    handler = Handler()

    imap.poll(settings, state, handler)

    assert handler.uids == [uid]


def test_flag_action_marks_seen_and_keyword_and_keeps_the_message(imap_account):
    settings, state = started(imap_account)
    uid = imap_account.append(message(1))

    imap.poll(settings, state, Handler())

    assert {SEEN, KEYWORD} <= imap_account.flags()[uid]


def test_move_action_moves_the_message_to_the_processed_folder(imap_account):
    settings, state = started(imap_account, processed_action="move", processed_folder="Done")
    imap_account.append(message(1))

    imap.poll(settings, state, Handler())

    assert "Done" in imap_account.folders() and imap_account.flags() == {}
    assert [SEEN in flags for flags in imap_account.flags("Done").values()] == [True]


def test_move_without_move_capability_copies_and_expunges(basic_imap_server):
    account = basic_imap_server.add_user()
    settings, state = started(account, processed_action="move")
    keep = account.append(message(1))
    account.append(message(2))
    handler = Handler()

    imap.poll(settings, state, handler)

    assert len(handler.received) == 2
    assert account.flags() == {} and len(account.flags("Processed")) == 2
    assert keep in handler.uids


def test_a_failing_handler_leaves_that_message_for_the_next_poll(imap_account):
    settings, state = started(imap_account)
    first, second, third = (imap_account.append(message(n)) for n in (1, 2, 3))
    failing = Handler(fail_on={second})

    with pytest.raises(HandlerFailed) as failure:
        imap.poll(settings, state, failing)
    retry = Handler()
    imap.poll(settings, failure.value.state, retry)

    assert failing.uids == [first] and failure.value.uid == second
    assert failure.value.state.last_uid == first
    assert isinstance(failure.value.__cause__, RuntimeError)
    assert retry.uids == [second, third]


def test_failed_message_stays_unread_and_unmarked(imap_account):
    settings, state = started(imap_account)
    first, second = (imap_account.append(message(n)) for n in (1, 2))

    with pytest.raises(HandlerFailed):
        imap.poll(settings, state, Handler(fail_on={second}))

    flags = imap_account.flags()
    assert KEYWORD in flags[first] and not {SEEN, KEYWORD} & flags[second]


def test_batch_limits_one_poll_and_the_next_one_continues(imap_account):
    settings, state = started(imap_account)
    uids = [imap_account.append(message(n)) for n in (1, 2, 3)]
    first, second = Handler(), Handler()

    state = imap.poll(settings, state, first, batch=2)
    state = imap.poll(settings, state, second, batch=2)

    assert first.uids == uids[:2] and second.uids == uids[2:]


def test_new_uidvalidity_starts_over_without_reimporting(imap_account):
    imap_account.append(message(1), folder="Support")
    settings, state = started(imap_account, folder="Support")
    imap_account.recreate_folder("Support")
    imap_account.append(message(2), folder="Support")
    handler = Handler()

    restarted = imap.poll(settings, state, handler)
    later = imap_account.append(message(3), folder="Support")
    imap.poll(settings, restarted, handler)

    assert restarted.uidvalidity != state.uidvalidity
    assert handler.uids == [later]


def test_new_uidvalidity_with_since_imports_from_that_date(imap_account):
    imap_account.append(message(1), folder="Support")
    settings, state = started(imap_account, folder="Support")
    imap_account.recreate_folder("Support")
    imap_account.append(message(2), folder="Support", when=datetime.datetime(2020, 3, 1, 12, 0))
    recent = imap_account.append(message(3), folder="Support", when=datetime.datetime(2024, 6, 3, 12, 0))
    handler = Handler()

    imap.poll(settings, state, handler, since=datetime.date(2024, 1, 1))

    assert handler.received == [(recent, message(3))]


def test_since_skips_mail_this_poller_already_marked(imap_account):
    settings, state = started(imap_account)
    imap_account.append(message(1), when=datetime.datetime(2024, 6, 3, 12, 0))
    imap.poll(settings, state, Handler())
    handler = Handler()

    # The stored state was lost: the keyword still tells what was handled.
    imap.poll(settings, ImapState(), handler, since=datetime.date(2024, 1, 1))

    assert handler.received == []


def test_connection_that_works_reports_nothing(imap_account):
    assert imap.test_connection(imap_account.settings()) is None


def test_wrong_password_is_reported_in_one_line(imap_account):
    problem = imap.test_connection(imap_account.settings(password="wrong"))

    assert problem.startswith(f"Login refused for {imap_account.username}")
    assert "Authentication failed" in problem and "\n" not in problem


def test_closed_port_is_reported_as_unreachable(imap_account, imap_server):
    from tests.channels.imap_server import free_port

    port = free_port()
    assert imap.test_connection(imap_account.settings(port=port)) == (
        f"Cannot reach 127.0.0.1:{port}: Connection refused")


def test_missing_folder_is_named(imap_account):
    problem = imap.test_connection(imap_account.settings(folder="Support"))

    assert problem == "Folder 'Support' does not exist on the server"


def test_moving_into_the_polled_folder_is_refused(imap_account):
    settings = imap_account.settings(processed_action="move", processed_folder="inbox")

    assert imap.test_connection(settings) == "The processed folder must differ from the folder that is polled"


def test_poll_errors_are_imap_errors(imap_account):
    with pytest.raises(imap.ImapError, match="Login refused"):
        imap.poll(imap_account.settings(password="wrong"), ImapState(), Handler())


def test_idle_returns_true_when_mail_arrives(imap_account):
    settings, _state = started(imap_account)
    arrival = threading.Timer(0.5, imap_account.append, [message(1)])
    arrival.start()
    began = time.monotonic()

    signalled = imap.idle_wait(settings, timeout=10)

    arrival.join()
    assert signalled is True and time.monotonic() - began < 5


def test_idle_times_out_without_mail(imap_account):
    assert imap.idle_wait(imap_account.settings(), timeout=0.5) is False


def test_idle_with_state_counts_mail_that_arrived_after_that_poll(imap_account):
    settings, state = started(imap_account)
    imap_account.append(message(1))

    assert imap.idle_wait(settings, timeout=10, state=state) is True


def test_without_idle_capability_idle_wait_returns_at_once(basic_imap_server):
    account = basic_imap_server.add_user()
    began = time.monotonic()

    assert imap.idle_wait(account.settings(), timeout=10) is False
    assert time.monotonic() - began < 2


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_trusted_certificate(imap_account, imap_server, monkeypatch, security):
    monkeypatch.setenv("SSL_CERT_FILE", str(imap_server.cert_path))
    port = imap_server.tls_port if security == "ssl" else imap_server.port
    settings, state = started(imap_account, security=security, port=port)
    uid = imap_account.append(message(1))
    handler = Handler()

    imap.poll(settings, state, handler)

    assert handler.received == [(uid, message(1))]


def test_untrusted_certificate_is_reported(imap_account, imap_server):
    settings = imap_account.settings(security="ssl", port=imap_server.tls_port)

    assert imap.test_connection(settings) == (
        f"TLS certificate of 127.0.0.1:{imap_server.tls_port} is not trusted: self-signed certificate")


def test_tls_to_a_plain_port_is_reported(imap_account):
    problem = imap.test_connection(imap_account.settings(security="ssl"))

    assert problem.startswith("TLS handshake with 127.0.0.1:") and "wrong version number" in problem


def test_settings_refuse_a_typo_rather_than_fall_back_to_plain_text(imap_account):
    with pytest.raises(ValueError, match="unknown IMAP security 'tls'"):
        imap_account.settings(security="tls")
