"""Read what the test's real SMTP server (the `smtpd` fixture) received."""
import email
import time
from email.message import EmailMessage
from email.policy import default as email_policy


def mails_to(smtpd, address: str, count: int, timeout: float = 5.0) -> list[EmailMessage]:
    """All mails sent to `address`, in the order received, once at least `count` arrived (fails after `timeout`)."""
    def received():
        return [email.message_from_bytes(envelope.content, policy=email_policy)
                for envelope in list(smtpd.inbox.envelopes) if envelope.rcpt_tos == [address]]

    deadline = time.monotonic() + timeout
    while len(received()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    found = received()
    assert len(found) >= count, f"{address} got {[m['Subject'] for m in found]}, expected {count} mails"
    return found


def text_of(message: EmailMessage) -> str:
    """Every text part (plain and HTML), decoded, so a check cannot miss a base64 or quoted-printable body."""
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")
