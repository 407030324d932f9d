"""The hand-written raw messages under tests/channels/mail/, one per client or machine we see in the wild."""
from pathlib import Path

from portal.channels.email.parsing import ParsedEmail, parse_email

MAIL_DIR = Path(__file__).parent / "mail"


def raw(name: str) -> bytes:
    """The bytes of one sample exactly as an MTA would hand them over."""
    return (MAIL_DIR / name).read_bytes()


def parsed(name: str) -> ParsedEmail:
    return parse_email(raw(name))
