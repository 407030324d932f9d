"""Serving stored user files inertly: never sniffed, never run as a page, downloaded unless a plain image."""
from portal.uploads.filetypes import INLINE_TYPES, clean_filename
from portal.uploads.storage import get_storage

# A stored file opened on its own is a sandboxed document that may load nothing, so even a file that got
# past the checks cannot run script on our origin.
STORED_FILE_POLICY = "default-src 'none'; sandbox"


def send_stored_file(key: str, *, content_type: str, download_name: str, private: bool):
    """Send a user's file (a storage key) with its recorded type; images inline, everything else as a download.

    Streamed through the app from the local folder or the bucket; NotFound when the file is gone. Private
    files (ticket attachments) are never cached; public ones (editor images) for a day.
    """
    response = get_storage().send(key, content_type=content_type, as_attachment=content_type not in INLINE_TYPES,
                                  download_name=clean_filename(download_name), max_age=0 if private else 86400)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = STORED_FILE_POLICY
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
