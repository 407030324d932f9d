"""Audit log: an append-only record of what staff did (and what was done to their accounts).

Record an action from any service, in the same transaction as the change it describes::

    from portal import audit

    audit.record(actor, "export.created", target=export, details={"rows": 120, "format": "csv"})

- `actor`: the User who acted, or None for the command line and the system (shown as such).
- `action`: a dotted name, "<area>.<verb>" in the past tense ("rule.updated", "settings.changed").
  Add a label for it to `portal/audit/actions.py` so the log page names it in English and French;
  an action without a label is still recorded and shown by its name.
- `target`: what was acted on: a model instance (its table and id are kept, with a readable label
  from `email`, `name`, `title`, `subject` or `number`), a plain string ("settings.security"), or None.
- `details`: a small JSON-able dict, e.g. {"from": "agent", "to": "manager"}. Never put a password,
  token, secret or message body in it: the log is kept for good and shown to every manager.

`record` only adds and flushes the row; the caller commits with the change, so a rolled-back change
leaves no audit row. The client's IP address is filled in from the request when there is one.
Rows are never updated or deleted: the ORM refuses it (portal/audit/models.py) and the database
does too (triggers in the migration). Managers read the log at /staff/audit; `portal audit list`
prints it.
"""
from portal.audit.services import record

__all__ = ["record"]
