"""The audit log's net under the staff desk: every change a staff member makes through it, every look at a
customer's record or an order, every export, recorded without each view having to remember to.

- A POST (or PUT, PATCH, DELETE) by staff under /staff/ that was done (answered with a redirect or JSON; a form
  shown again had errors) is "staff.changed" with the endpoint that
  did it: settings, rules, SLAs, team and permissions, stores, mailboxes, channels, webhooks, API tokens,
  deleted articles, community moderation, customer merges. The day-to-day work on tickets is left out (its
  own timeline records it) and so are the beats the desk sends by itself.
- A staff GET of a customer's record or an order page is "customer_data.viewed".
- A staff download (a response sent as an attachment: CSV reports, exports) is "customer_data.exported".

Only the endpoint, the path, the status and the names of the submitted fields are kept, never their values
(they may hold passwords, tokens or secrets).
"""
import logging

from flask import request
from flask_login import current_user

from portal.audit.services import record
from portal.extensions import db
from portal.permissions import can

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Endpoints whose writes are the desk's everyday work (kept in ticket timelines) or automatic beats.
UNAUDITED = ("staff_tickets.", "chat_desk.", "kb_staff.preview", "uploads.upload", "phone.log_call", "phone.new_call",
             "staff_orders.link_ticket", "staff_orders.log_conversation")
VIEWED = {"customers.show", "staff_orders.show"}


def _kind(response) -> str | None:
    endpoint = request.endpoint or ""
    if request.method in WRITES:
        if not request.path.startswith("/staff/") or endpoint.startswith(UNAUDITED):
            return None
        # A change that was made answers with a redirect (or JSON); a form shown again had errors.
        done = 300 <= response.status_code < 400 or response.mimetype == "application/json"
        return "staff.changed" if done else None
    if request.method == "GET" and endpoint in VIEWED:
        return "customer_data.viewed"
    return None


def after_request(response):
    if response.status_code >= 400 or not getattr(current_user, "is_authenticated", False):
        return response
    kind = _kind(response)
    if kind is None and request.method == "GET" and request.path.startswith("/staff/") \
            and response.headers.get("Content-Disposition", "").startswith("attachment"):
        kind = "customer_data.exported"
    if kind is None or not can(current_user, "staff.access"):
        return response
    details = {"endpoint": request.endpoint, "method": request.method, "status": response.status_code}
    if request.method in WRITES:
        details["fields"] = sorted(name for name in request.form if name != "csrf_token")[:30]
    if request.query_string and kind != "staff.changed":
        details["query"] = request.query_string.decode("utf-8", "replace")[:300]
    try:
        record(current_user, kind, target=request.path[:254], details=details)
        db.session.commit()
    except Exception:  # the audit net must never turn a done change into an error page
        db.session.rollback()
        logging.getLogger("portal.audit").exception("could not record %s %s", request.method, request.path)
    return response


def init_app(app):
    app.after_request(after_request)
