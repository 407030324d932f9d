"""How the desk shows SLA targets: "Due in 1 h 20" or "Overdue by 3 h" in words, a state for the colour
(overdue, soon, due), and for the ticket page the targets already met or missed."""
from flask_babel import gettext as _

from portal.automation import sla

SOON_MINUTES = 60  # without a warning from the sweep, a target this close counts as soon


def duration(minutes: int) -> str:
    """1 h 20, 45 min, 2 d 3 h, in the reader's language (sla.duration_text's shape)."""
    days, rest = divmod(max(0, int(minutes)), 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h", days=days, hours=hours) if hours else _("%(days)d d", days=days)
    if hours:
        return _("%(hours)d h %(minutes)02d", hours=hours, minutes=mins) if mins else \
            _("%(hours)d h", hours=hours)
    return _("%(minutes)d min", minutes=mins)


def _state(shown: dict, flags: set) -> str:
    if shown["overdue"]:
        return "overdue"
    if shown["minutes"] <= SOON_MINUTES or f"w:{shown['target']}" in flags:
        return "soon"  # within the hour, or the policy's warning has gone out
    return "due"


def _words(state: str, minutes: int) -> str:
    if state == "overdue":
        return _("Overdue by %(time)s", time=duration(minutes))
    if minutes == 0:
        return _("Due now")
    if state == "soon":
        return _("Due soon: in %(time)s", time=duration(minutes))
    return _("Due in %(time)s", time=duration(minutes))


def badge(ticket, now=None) -> dict | None:
    """The ticket's soonest live target as the queue shows it: {"state", "text", "label", "due"}, or None."""
    shown = sla.describe(ticket, now)
    if shown is None:
        return None
    state = _state(shown, _flags(ticket))
    return {"state": state, "text": _words(state, shown["minutes"]), "label": str(shown["label"]),
            "due": shown["due"]}


def _flags(ticket) -> set[str]:
    return set(filter(None, (ticket.sla_state or "").split(",")))


def targets(ticket, now=None) -> list[dict]:
    """Each target of the ticket for its sidebar, in order: live ones with their badge, then the outcome
    ("met" or "missed") of those done. Empty when no policy applies and nothing was recorded."""
    flags, rows = _flags(ticket), []
    for target in sla.TARGETS:
        due = getattr(ticket, sla.DUE_COLUMN[target])
        label = str(sla.TARGET_LABELS[target])
        if due is not None:
            shown = sla.describe_target(ticket, target, now)
            state = _state(shown, flags)
            rows.append({"target": target, "label": label, "state": state, "text": _words(state, shown["minutes"]),
                         "due": due})
        elif f"met:{target}" in flags:
            rows.append({"target": target, "label": label, "state": "met", "text": _("Met"), "due": None})
        elif f"b:{target}" in flags:
            rows.append({"target": target, "label": label, "state": "missed", "text": _("Missed"), "due": None})
    return rows
