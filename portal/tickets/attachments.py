"""Ticket attachments: type from the file's structure, size limits, kept in the upload store under tickets/."""
import os
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.tickets.models import TicketAttachment
from portal.uploads.filetypes import FileType, check_file, clean_filename
from portal.uploads.storage import StorageUnavailable, get_storage

ATTACHMENT_KINDS = {"png", "jpeg", "gif", "webp", "pdf", "txt", "csv"}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    type: FileType


def folder() -> str:
    """The folder of attachments under the local backend (the default)."""
    path = os.path.join(current_app.config["UPLOAD_PATH"], "tickets")
    os.makedirs(path, exist_ok=True)
    return path


def _check_one(name: str, stream, limit: int) -> CheckedFile:
    name = clean_filename(name)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_("%(name)s is larger than the %(mb)s MB limit.", name=name,
                                mb=limit // (1024 * 1024)), field="attachments")
    refused = _("%(name)s: only images (PNG, JPEG, GIF, WebP), PDF and text files can be attached.", name=name)
    if not data:
        raise ValidationError(refused, field="attachments")
    found = check_file(data, name, allowed=ATTACHMENT_KINDS, field="attachments", refused_message=refused)
    return CheckedFile(name=name, data=data, type=found)


def check_files(files) -> list[CheckedFile]:
    """Read and check uploads [(filename, stream)]; raises ValidationError(field="attachments") naming the file."""
    files = [(name, stream) for name, stream in files if name]
    max_files = current_app.config["TICKET_ATTACHMENT_MAX_FILES"]
    if len(files) > max_files:
        raise ValidationError(ngettext("Attach at most %(num)d file.", "Attach at most %(num)d files.", max_files),
                              field="attachments")
    limit = current_app.config["TICKET_ATTACHMENT_MAX_BYTES"]
    return [_check_one(name, stream, limit) for name, stream in files]


def store(message, checked: list[CheckedFile]) -> list[TicketAttachment]:
    """Store checked files under random names with their true extension and attach them to `message`.

    Raises StorageUnavailable(field="attachments") when the store cannot take one; those already stored by
    this call are removed again, and the caller rolls back the message.
    """
    stored, storage = [], get_storage()
    for item in checked:
        attachment = TicketAttachment(message=message, stored_name=f"{secrets.token_hex(16)}.{item.type.extension}",
                                      original_name=item.name, content_type=item.type.content_type,
                                      size=len(item.data))
        try:
            storage.save(key_of(attachment), item.data, attachment.content_type)
        except StorageUnavailable as exc:
            _forget(stored)
            exc.field = "attachments"
            raise
        db.session.add(attachment)
        stored.append(attachment)
    return stored


def _forget(attachments: list[TicketAttachment]) -> None:
    for attachment in attachments:
        try:
            delete(attachment)
        except StorageUnavailable:
            pass  # an orphan object under a random name: harmless, nothing points at it


def key_of(attachment: TicketAttachment) -> str:
    """Where the attachment is kept in the upload store."""
    return f"tickets/{attachment.stored_name}"


def read(attachment: TicketAttachment) -> bytes | None:
    """The attachment's bytes, or None when the file is gone; StorageUnavailable when the store is down."""
    try:
        return get_storage().read(key_of(attachment))
    except NotFound:
        return None


def delete(attachment: TicketAttachment) -> None:
    """Remove the stored file (the caller deletes the record); nothing happens when it is already gone."""
    get_storage().delete(key_of(attachment))


def path_of(attachment: TicketAttachment) -> str:
    """The file on disk under the local backend (the default)."""
    return os.path.join(folder(), attachment.stored_name)
