"""Store and find uploaded images; the type comes from the file's first bytes, never its name."""
import os
import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from portal.errors import NotFound, ValidationError
from portal.extensions import db
from portal.i18n import format_file_size
from portal.kb.models import Upload

# kind -> (extension, content type, test on the first bytes)
IMAGE_TYPES = {
    "png": ("png", "image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    "jpeg": ("jpg", "image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    "gif": ("gif", "image/gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "webp": ("webp", "image/webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
}
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:png|jpg|gif|webp)")
_ALT_NOISE = re.compile(r"[\[\]\\()<>`*_#!\s]+")


def detect_image(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) of an allowed image from its first bytes, or None."""
    allowed = current_app.config["UPLOAD_IMAGE_TYPES"]
    for kind, (extension, content_type, matches) in IMAGE_TYPES.items():
        if kind in allowed and matches(head):
            return extension, content_type
    return None


def store_image(*, stream, filename: str, actor=None) -> Upload:
    """Check and store an image under a random name; raises ValidationError(field="file").

    Reads at most UPLOAD_MAX_BYTES + 1 bytes from `stream`; the file is written before the flush.
    """
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise ValidationError(_("Choose an image file to upload."), field="file")
    if len(data) > limit:
        raise ValidationError(_("The image is larger than the %(size)s limit.", size=format_file_size(limit)),
                              field="file")
    detected = detect_image(data[:16])
    if detected is None:
        raise ValidationError(_("Only PNG, JPEG, GIF and WebP images can be uploaded."), field="file")
    extension, content_type = detected
    folder = current_app.config["UPLOAD_PATH"]
    os.makedirs(folder, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}.{extension}"
    with open(os.path.join(folder, stored_name), "xb") as fh:
        fh.write(data)
    upload = Upload(stored_name=stored_name, original_name=(filename or "image")[:200],
                    content_type=content_type, size=len(data), uploader_id=getattr(actor, "id", None))
    db.session.add(upload)
    db.session.flush()
    return upload


def find_upload(stored_name: str) -> tuple[Upload, str]:
    """The upload record and its file path for a public name; NotFound for anything else."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        raise NotFound(_("No such file."))
    upload = db.session.scalar(select(Upload).where(Upload.stored_name == stored_name))
    path = os.path.join(current_app.config["UPLOAD_PATH"], stored_name)
    if upload is None or not os.path.isfile(path):
        raise NotFound(_("No such file."))
    return upload, path


def markdown_for(upload: Upload, url: str) -> str:
    """An image tag in Markdown, with alt text made from the original file name."""
    stem = os.path.splitext(os.path.basename(upload.original_name.replace("\\", "/")))[0]
    alt = " ".join(_ALT_NOISE.sub(" ", stem.replace("-", " ")).split())[:100] or "image"
    return f"![{alt}]({url})"
