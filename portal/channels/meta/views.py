"""Managers: connect and change a WhatsApp number, a Facebook page, an Instagram account; Meta: the webhook
(GET: the verify handshake; POST: signed events)."""
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.channels import accounts, webhooks
from portal.channels.meta import parsing, receive, services
from portal.channels.meta.forms import FORMS
from portal.channels.views import KIND_LABELS
from portal.errors import DomainError
from portal.extensions import csrf, db
from portal.inputs import takes_json
from portal.staff.access import permission_required
from portal.tickets.models import TicketGroup
from portal.tickets.web import put_error_on_form

bp = Blueprint("meta", __name__)
manage_required = permission_required("settings.manage")


def _form(kind: str, account=None):
    extra = {}
    if account is not None:
        extra = {"graph_url": services.graph_base(account),
                 "display_phone": accounts.setting(account, "display_phone", ""),
                 "business_account_id": accounts.setting(account, "business_account_id", ""),
                 "templates": services.templates_text(account)}
    form = FORMS[kind](obj=account, **extra)
    groups = db.session.scalars(select(TicketGroup).order_by(TicketGroup.name))
    form.group_id.choices = [(0, _("No group"))] + [(g.id, g.name) for g in groups]
    return form


def _save(kind: str, form, account=None):
    values = {name: getattr(form, name).data or "" for name in (
        "name", "address", "app_secret", "access_token", "verify_token", "graph_url")}
    if kind == "whatsapp":
        values.update(display_phone=form.display_phone.data or "", templates=form.templates.data or "",
                      business_account_id=form.business_account_id.data or "")
    return services.save(kind, account=account, group_id=form.group_id.data or None,
                         enabled=form.enabled.data, **values)


def _render(kind, form, account=None, **context):
    return render_template(
        "channels/meta/account.html", kind=kind, label=KIND_LABELS[kind], form=form, account=account,
        masked=accounts.masked_secrets(account) if account else {},
        webhook_url=services.webhook_url(account) if account else None,
        events=services.last_events(account) if account else [], **context), 400 if form.errors else 200


def new_account(kind):
    """Connect a new account of this kind; its verify token is shown once, on the page that follows."""
    form = _form(kind)
    if form.validate_on_submit():
        try:
            account, token = _save(kind, form)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("%(name)s is connected.", name=account.name), "success")
            return _render(kind, _form(kind, account), account, new_verify_token=token)
    return _render(kind, form)


def edit_account(kind, account_id):
    """Change an account (secrets left empty are kept), or test its access token."""
    account = accounts.get_account(account_id, kind)
    form, tested = _form(kind, account), None
    if request.method == "POST" and request.form.get("action") == "test":
        tested = services.test_connection(account)
    elif form.validate_on_submit():
        try:
            _save(kind, form, account)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Channel saved."), "success")
            return redirect(url_for(f"meta.{kind}_edit", account_id=account.id))
    return _render(kind, form, account, tested=tested)


_new, _edit = manage_required(new_account), manage_required(edit_account)
for _kind in services.KINDS:
    bp.add_url_rule(f"/staff/settings/channels/{_kind}/new", f"{_kind}_new", _new, methods=["GET", "POST"],
                    defaults={"kind": _kind})
    bp.add_url_rule(f"/staff/settings/channels/{_kind}/<int:account_id>", f"{_kind}_edit", _edit,
                    methods=["GET", "POST"], defaults={"kind": _kind})


@bp.route("/hooks/meta/<int:account_id>", methods=["GET"])
@csrf.exempt
def webhook_verify(account_id):
    """Meta's subscription handshake: the challenge echoed when hub.verify_token matches."""
    def handler():
        account = webhooks.account_for(account_id, services.KINDS)
        token = accounts.secret(account, "verify_token")
        if request.args.get("hub.mode") != "subscribe" or not webhooks.same(token or "",
                                                                             request.args.get("hub.verify_token")):
            raise webhooks.Rejected(403, "bad_verify_token", "hub.mode or hub.verify_token does not match")
        return Response(request.args.get("hub.challenge", "")[:200], mimetype="text/plain")
    return webhooks.run(handler)


@bp.route("/hooks/meta/<int:account_id>", methods=["POST"])
@takes_json
@csrf.exempt
def webhook(account_id):
    """Signed events: messages (stored once each), statuses; 200 for everything valid, ignored or not."""
    def handler():
        account = webhooks.account_for(account_id, services.KINDS)
        raw = webhooks.raw_body()
        if not receive.signed(account, raw, request.headers.get("X-Hub-Signature-256")):
            raise webhooks.Rejected(401, "bad_signature", "X-Hub-Signature-256 is missing or wrong")
        return receive.handle(account, parsing.parse(account.kind, webhooks.json_body(raw)))
    return webhooks.run(handler)
