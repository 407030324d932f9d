"""Blinker signals between features; each names its sender and keyword arguments."""
from blinker import Namespace

_signals = Namespace()

email_verified = _signals.signal("email-verified")
"""Sent with sender=User when an address is confirmed (verify link, reset link, email change, invite)."""

ticket_changed = _signals.signal("ticket-changed")
"""Sent with sender=Ticket, kind=str (opened, reply, note, status, ..., csat), actor=User|None after a service change.
kind="csat": a customer answered the satisfaction survey; also rating=good|okay|bad, survey=CsatSurvey,
note=TicketMessage|None (the internal note recording a changed answer)."""
