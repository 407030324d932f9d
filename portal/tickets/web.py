"""Small helpers shared by the ticket views (customer, guest and staff)."""
from flask import abort, request

from portal.errors import DomainError
from portal.extensions import db
from portal.tickets import attachments as files
from portal.tickets import queries
from portal.uploads.serving import send_stored_file


def uploaded_files(form_field) -> list[tuple[str, object]]:
    """[(filename, stream)] from a MultipleFileField."""
    return [(f.filename, f.stream) for f in (form_field.data or []) if getattr(f, "filename", "")]


def put_error_on_form(form, exc: DomainError) -> None:
    """Show a service error next to its field (or above the form)."""
    db.session.rollback()
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = list(field.errors) + [exc.message]
    else:
        form.form_errors.append(exc.message)


def send_attachment(ticket, attachment_id: int, *, include_notes: bool):
    """Serve one attachment of `ticket`; 404 if it belongs elsewhere or to a note the viewer may not see."""
    attachment = queries.attachment_for(attachment_id)
    message = attachment.message if attachment else None
    if message is None or message.ticket_id != ticket.id or (message.is_note and not include_notes):
        abort(404)
    return send_stored_file(files.key_of(attachment), content_type=attachment.content_type,
                            download_name=attachment.original_name, private=True)


def client_ip() -> str:
    return request.remote_addr or "unknown"
