"""Store and find uploaded images; the type comes from the file's structure and must agree with its name."""
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
from portal.uploads.filetypes import check_file, clean_filename
from portal.uploads.storage import StorageUnavailable, get_storage

STORED_NAME = re.compile(r"[0-9a-f]{32}\.(?:png|jpg|gif|webp)")
_ALT_NOISE = re.compile(r"[\[\]\\()<>`*_#!\s]+")


def store_image(*, stream, filename: str, actor=None) -> Upload:
    """Check and store an image under a random name; raises ValidationError(field="file") naming the file.

    Reads at most UPLOAD_MAX_BYTES + 1 bytes from `stream`; the file is stored before the flush
    (StorageUnavailable(field="file") when the bucket cannot take it).
    """
    filename = clean_filename(filename, default="image")
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = stream.read(limit + 1)
    if not data:
        raise ValidationError(_("Choose an image file to upload."), field="file")
    if len(data) > limit:
        raise ValidationError(_("The image is larger than the %(size)s limit.", size=format_file_size(limit)),
                              field="file")
    found = check_file(data, filename, allowed=set(current_app.config["UPLOAD_IMAGE_TYPES"]), field="file",
                       refused_message=_("Only PNG, JPEG, GIF and WebP images can be uploaded."))
    stored_name = f"{secrets.token_hex(16)}.{found.extension}"
    try:
        get_storage().save(stored_name, data, found.content_type)
    except StorageUnavailable as exc:
        exc.field = "file"
        raise
    upload = Upload(stored_name=stored_name, original_name=filename, content_type=found.content_type,
                    size=len(data), uploader_id=getattr(actor, "id", None))
    db.session.add(upload)
    db.session.flush()
    return upload


def find_upload(stored_name: str) -> Upload:
    """The upload record for a public name (its storage key); NotFound for anything else."""
    if not STORED_NAME.fullmatch(stored_name or ""):
        raise NotFound(_("No such file."))
    upload = db.session.scalar(select(Upload).where(Upload.stored_name == stored_name))
    if upload is None:
        raise NotFound(_("No such file."))
    return upload


def markdown_for(upload: Upload, url: str) -> str:
    """An image tag in Markdown, with alt text made from the original file name."""
    stem = os.path.splitext(os.path.basename(upload.original_name.replace("\\", "/")))[0]
    alt = " ".join(_ALT_NOISE.sub(" ", stem.replace("-", " ")).split())[:100] or "image"
    return f"![{alt}]({url})"
