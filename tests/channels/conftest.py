"""Real IMAP servers for the channel tests: private Dovecot instances, one per session and variant."""
import os

import pytest

from tests.channels.imap_server import BASIC_CAPABILITY, Dovecot, dovecot_available


def _start(**options):
    if not dovecot_available():
        # CI installs dovecot-imapd, so a missing binary there is a broken setup, not a reason to skip.
        if os.environ.get("CI"):
            pytest.fail("dovecot is not installed (apt-get install dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    return Dovecot(**options).start()


@pytest.fixture(scope="session")
def imap_server():
    """Dovecot with its full capabilities, plain IMAP on `.port` and implicit TLS on `.tls_port`."""
    server = _start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def basic_imap_server():
    """Dovecot advertising neither IDLE nor MOVE nor UIDPLUS, for the fallbacks."""
    server = _start(capability=BASIC_CAPABILITY)
    yield server
    server.stop()


@pytest.fixture
def imap_account(imap_server):
    """A fresh user with an empty INBOX on `imap_server`."""
    return imap_server.add_user()
