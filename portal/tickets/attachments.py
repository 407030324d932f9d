"""Ticket attachments: type from the file's first bytes, size limits, stored under instance/uploads/tickets."""
import os
import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.errors import ValidationError
from portal.extensions import db
from portal.tickets.models import TicketAttachment

# extension -> (content type, test on the first bytes)
ATTACHMENT_TYPES = {
    "png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
}
TEXT_EXTENSIONS = {"txt": "text/plain", "csv": "text/csv"}


def folder() -> str:
    path = os.path.join(current_app.config["UPLOAD_PATH"], "tickets")
    os.makedirs(path, exist_ok=True)
    return path


def _detect(data: bytes, filename: str) -> tuple[str, str] | None:
    for extension, (content_type, matches) in ATTACHMENT_TYPES.items():
        if matches(data[:16]):
            return extension, content_type
    extension = os.path.splitext(filename)[1].lower().lstrip(".")
    if extension in TEXT_EXTENSIONS and b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return extension, TEXT_EXTENSIONS[extension]
    return None


def check_files(files) -> list[tuple[str, bytes]]:
    """Read and check uploads [(filename, stream)]; raises ValidationError(field="attachments")."""
    files = [(name, stream) for name, stream in files if name]
    limit = current_app.config["TICKET_ATTACHMENT_MAX_BYTES"]
    max_files = current_app.config["TICKET_ATTACHMENT_MAX_FILES"]
    if len(files) > max_files:
        raise ValidationError(ngettext("Attach at most %(num)d file.", "Attach at most %(num)d files.", max_files),
                              field="attachments")
    checked = []
    for name, stream in files:
        data = stream.read(limit + 1)
        if len(data) > limit:
            raise ValidationError(_("%(name)s is larger than the %(mb)s MB limit.", name=name,
                                    mb=limit // (1024 * 1024)), field="attachments")
        if not data or _detect(data, name) is None:
            raise ValidationError(_("%(name)s: only images (PNG, JPEG, GIF, WebP), PDF and text files "
                                    "can be attached.", name=name), field="attachments")
        checked.append((os.path.basename(name.replace("\\", "/"))[:200] or "file", data))
    return checked


def store(message, checked: list[tuple[str, bytes]]) -> list[TicketAttachment]:
    """Write checked files under random names and attach them to `message`."""
    stored = []
    for name, data in checked:
        extension, content_type = _detect(data, name)
        stored_name = f"{secrets.token_hex(16)}.{extension}"
        with open(os.path.join(folder(), stored_name), "xb") as fh:
            fh.write(data)
        item = TicketAttachment(message=message, stored_name=stored_name, original_name=name,
                                content_type=content_type, size=len(data))
        db.session.add(item)
        stored.append(item)
    return stored


def path_of(attachment: TicketAttachment) -> str:
    return os.path.join(folder(), attachment.stored_name)
