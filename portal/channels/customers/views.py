"""Agents: a customer's page (identities, tickets on every channel in their scope, orders), adding an identity,
merging two records (search, confirm, merge); a merged record's page sends to the kept one."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.channels import contacts
from portal.channels.customers import queries
from portal.channels.customers.forms import IdentityForm, MergeForm
from portal.errors import DomainError, ValidationError
from portal.extensions import db
from portal.orders import queries as order_queries
from portal.staff.access import permission_required
from portal.tickets.web import put_error_on_form

bp = Blueprint("customers", __name__, url_prefix="/staff/customers")
work_required = permission_required("tickets.work")


def _stored(contact_id):
    return queries.contact_by_id(contact_id) or abort(404)


def _identity_form(formdata=True) -> IdentityForm:
    form = IdentityForm() if formdata else IdentityForm(formdata=None)
    form.kind.choices = [(kind, label) for kind, label in queries.IDENTITY_LABELS.items()]
    return form


def _details(contact) -> dict:
    """What the page shows of one record (the agent's ticket scope applies)."""
    return {"contact": contact, "account": queries.account_of(contact), "identities": list(contact.identities),
            "tickets": queries.tickets_for(contact, current_user), "orders": queries.orders_of(contact, viewer=current_user)}


def _page(contact, identity_form=None, conflict=None, status=200):
    return render_template("channels/customers/show.html", **_details(contact), labels=queries.IDENTITY_LABELS,
                           identity_form=identity_form or _identity_form(formdata=False), conflict=conflict,
                           order_status=order_queries.status_label), status


@bp.route("/<int:contact_id>")
@work_required
def show(contact_id):
    """A customer across channels; a merged record redirects to the one it was merged into."""
    contact = _stored(contact_id)
    if contact.merged_into_id:
        return redirect(url_for("customers.show", contact_id=queries.kept(contact).id))
    return _page(contact)


@bp.route("/<int:contact_id>/identities", methods=["POST"])
@work_required
def add_identity(contact_id):
    """Add an email address, a number or an id; one that is another customer's offers a merge instead."""
    contact = queries.kept(_stored(contact_id))
    form, conflict = _identity_form(), None
    if form.validate_on_submit():
        try:
            value = contacts.checked(form.kind.data, form.value.data)
            owner = contacts.find(form.kind.data, value)
            if owner is not None and owner.id != contact.id:
                conflict = owner
                raise ValidationError(_("%(value)s already belongs to another customer; merge the two instead.",
                                        value=value), field="value")
            contacts.add_identity(contact, form.kind.data, value)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("%(value)s added.", value=value), "success")
            return redirect(url_for("customers.show", contact_id=contact.id))
    return _page(contact, identity_form=form, conflict=conflict, status=400)


@bp.route("/<int:contact_id>/merge")
@work_required
def merge(contact_id):
    """Find the record to merge with (by email, phone or name), then confirm with both side by side."""
    contact = _stored(contact_id)
    if contact.merged_into_id:
        return redirect(url_for("customers.merge", contact_id=queries.kept(contact).id, **request.args))
    if request.args.get("other"):
        other = queries.kept(_stored(request.args["other"]))
        if other.id == contact.id:
            flash(_("Choose two different customers."), "error")
            return redirect(url_for("customers.merge", contact_id=contact.id))
        return _confirm(contact, other, MergeForm(formdata=None, other=str(other.id)))
    q = (request.args.get("q") or "").strip()
    return render_template("channels/customers/merge.html", contact=contact, q=q, labels=queries.IDENTITY_LABELS,
                           results=queries.search(q, exclude=contact) if q else [])


@bp.route("/<int:contact_id>/merge", methods=["POST"])
@work_required
def merge_post(contact_id):
    """Merge the two records: the one not kept moves onto the kept one, which the browser then shows."""
    contact = queries.kept(_stored(contact_id))
    form = MergeForm()
    other = queries.kept(_stored(form.other.data))
    if form.validate_on_submit():
        source, target = (other, contact) if form.keep.data == "this" else (contact, other)
        try:
            contacts.merge(source, target, actor=current_user)
        except DomainError as exc:
            put_error_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The two customer records are now one."), "success")
            return redirect(url_for("customers.show", contact_id=target.id))
    return _confirm(contact, other, form, status=400)


def _confirm(contact, other, form, status=200):
    return render_template("channels/customers/merge_confirm.html", this=_details(contact), other=_details(other),
                           form=form, labels=queries.IDENTITY_LABELS), status
