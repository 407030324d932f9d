"""Image upload for the article editor, and public serving of uploaded files."""
from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.errors import ValidationError
from portal.extensions import db
from portal.staff.access import permission_required
from portal.uploads import services
from portal.uploads.serving import send_stored_file
from portal.uploads.storage import StorageUnavailable

bp = Blueprint("uploads", __name__)


@bp.route("/staff/kb/uploads", methods=["POST"])
@permission_required("kb.edit")
def upload():
    """Store one image (multipart field "file"); answer with its URL and Markdown."""
    file = request.files.get("file")
    if file is None:
        return jsonify(error=_("Choose an image file to upload.")), 400
    try:
        stored = services.store_image(stream=file.stream, filename=file.filename or "", actor=current_user)
    except (ValidationError, StorageUnavailable) as exc:
        db.session.rollback()
        return jsonify(error=exc.message, field=exc.field), exc.status
    db.session.commit()
    url = url_for("uploads.serve", name=stored.stored_name)
    return jsonify(url=url, markdown=services.markdown_for(stored, url)), 201


@bp.route("/uploads/<name>")
def serve(name):
    """Serve an uploaded image with its recorded type; nothing else, never sniffed."""
    stored = services.find_upload(name)
    return send_stored_file(stored.stored_name, content_type=stored.content_type, download_name=stored.original_name,
                            private=False)
