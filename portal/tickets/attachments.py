"""Ticket attachments: type from the file's structure, size limits, stored under instance/uploads/tickets."""
import os
import secrets
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import TicketAttachment
from portal.uploads.filetypes import FileType, check_file, clean_filename

ATTACHMENT_KINDS = {"png", "jpeg", "gif", "webp", "pdf", "txt", "csv"}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    data: bytes
    type: FileType


def folder() -> str:
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
    """Write checked files under random names with their true extension and attach them to `message`."""
    stored = []
    for item in checked:
        stored_name = f"{secrets.token_hex(16)}.{item.type.extension}"
        with open(os.path.join(folder(), stored_name), "xb") as fh:
            fh.write(item.data)
        attachment = TicketAttachment(message=message, stored_name=stored_name, original_name=item.name,
                                      content_type=item.type.content_type, size=len(item.data))
        db.session.add(attachment)
        stored.append(attachment)
    return stored


def path_of(attachment: TicketAttachment) -> str:
    return os.path.join(folder(), attachment.stored_name)
