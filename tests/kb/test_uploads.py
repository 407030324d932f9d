"""Editor image uploads: only real images are stored, under random names, and served inertly."""
import io
import os
import struct
import zlib

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb.models import Upload
from tests import sample_files
from tests.factories import make_user


def log_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def tiny_png() -> bytes:
    """A valid 1x1 red PNG, built by hand."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture
def editor(client):
    user = make_user(role=Role.EDITOR)
    log_in(client, user)
    return user


def upload(client, data: bytes, filename: str, content_type="image/png"):
    return client.post("/staff/kb/uploads", data={"file": (io.BytesIO(data), filename, content_type)},
                       headers={"Accept": "application/json"})


def stored_files(app):
    folder = app.config["UPLOAD_PATH"]
    return os.listdir(folder) if os.path.isdir(folder) else []


def upload_count():
    return db.session.scalar(select(func.count(Upload.id)))


def test_png_is_stored_under_a_random_name_and_returned_as_markdown(app, client, editor):
    png = tiny_png()
    response = upload(client, png, "Shipping label.png")
    assert response.status_code == 201
    result = response.get_json()
    url = result["url"]
    assert url.startswith("/uploads/") and url.endswith(".png") and "Shipping" not in url
    assert result["markdown"] == f"![Shipping label]({url})"
    assert stored_files(app) == [url.rsplit("/", 1)[1]]
    record = db.session.scalar(select(Upload))
    assert (record.original_name, record.content_type, record.size, record.uploader_id) == \
        ("Shipping label.png", "image/png", len(png), editor.id)


def test_uploaded_image_is_served_with_safe_headers(client, editor):
    png = tiny_png()
    url = upload(client, png, "label.png").get_json()["url"]
    response = client.application.test_client().get(url)  # public: no login needed
    assert response.status_code == 200 and response.data == png
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize("data, filename, content_type", [
    (sample_files.GIF, "picture.gif", "image/gif"),
    (sample_files.jpeg(), "picture.jpg", "image/jpeg"),
    (sample_files.WEBP_LOSSY, "picture.webp", "image/webp"),
])
def test_other_image_types_are_detected_from_their_bytes(client, editor, data, filename, content_type):
    url = upload(client, data, filename, "application/octet-stream").get_json()["url"]
    assert client.get(url).headers["Content-Type"] == content_type


def test_svg_is_refused_with_a_clear_message(app, client, editor):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = upload(client, svg, "logo.svg", "image/svg+xml")
    assert response.status_code == 400
    assert response.get_json()["error"] == ("logo.svg: SVG images and web pages cannot be uploaded because they "
                                            "can carry scripts. Save it as a PNG image instead.")
    assert upload_count() == 0 and stored_files(app) == []


def test_text_file_renamed_to_png_is_refused(app, client, editor):
    response = upload(client, b"just some notes, not a picture", "holiday.png", "image/png")
    assert response.status_code == 400 and response.get_json()["error"] == \
        "holiday.png is not a valid PNG file: it is damaged or is another kind of file."
    assert upload_count() == 0 and stored_files(app) == []


def test_oversize_image_is_refused(app, client, editor):
    png = tiny_png()
    app.config["UPLOAD_MAX_BYTES"] = len(png) - 1
    response = upload(client, png, "big.png")
    assert response.status_code == 400 and "larger than" in response.get_json()["error"]
    assert upload_count() == 0 and stored_files(app) == []


def test_missing_file_is_refused(client, editor):
    response = client.post("/staff/kb/uploads", data={}, headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]


def test_unknown_names_and_path_tricks_are_404(app, client, editor):
    os.makedirs(app.config["UPLOAD_PATH"], exist_ok=True)
    stray = "0" * 32 + ".png"  # right shape, on disk, but never recorded as an upload
    with open(os.path.join(app.config["UPLOAD_PATH"], stray), "wb") as fh:
        fh.write(tiny_png())
    for url in ("/uploads/nothing.png", f"/uploads/{stray}", "/uploads/../portal.db", "/uploads/..%2Fportal.db",
                "/uploads/%2e%2e%2fportal.db", "/uploads/..%5Cportal.db", "/uploads/secret_key", "/uploads/"):
        assert client.get(url).status_code == 404, url


def test_uploads_are_for_editors_only(client):
    log_in(client, make_user(role=Role.CUSTOMER))
    assert upload(client, tiny_png(), "a.png").status_code == 404
    assert upload_count() == 0


def test_anonymous_upload_is_sent_to_login(client):
    response = client.post("/staff/kb/uploads", data={"file": (io.BytesIO(tiny_png()), "a.png")})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert upload_count() == 0
