"""Editor images: a file is kept only when its bytes are a whole image of the type its name says."""
import io

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.extensions import db
from portal.kb.models import Upload
from tests import sample_files
from tests.factories import make_user


@pytest.fixture
def editor(client, login):
    user = make_user(role=Role.EDITOR)
    db.session.commit()
    login(user.email)
    return user


def upload(client, data: bytes, filename: str, content_type="image/png"):
    return client.post("/staff/kb/uploads", data={"file": (io.BytesIO(data), filename, content_type)},
                       headers={"Accept": "application/json"})


def refused(response) -> str:
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Upload.id))) == 0
    return response.get_json()["error"]


@pytest.mark.parametrize("data", [
    b"<html><script>alert(document.domain)</script></html>",
    b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\x00" * 17,  # an IHDR of zero size and no checksum
    sample_files.png()[:-12],  # no IEND: cut short
])
def test_a_png_that_is_not_a_whole_png_is_refused_by_name(client, editor, data):
    assert refused(upload(client, data, "evil.png")) == \
        "evil.png is not a valid PNG file: it is damaged or is another kind of file."


def test_a_jpeg_named_png_is_refused(client, editor):
    assert refused(upload(client, sample_files.jpeg(), "evil.png")) == \
        "evil.png is named like a PNG file but is a JPEG file. Rename it or choose another file."


def test_a_pdf_is_not_an_editor_image(client, editor):
    assert refused(upload(client, sample_files.pdf(), "manual.pdf", "application/pdf")) == \
        "Only PNG, JPEG, GIF and WebP images can be uploaded."


def test_svg_with_an_image_type_is_refused(client, editor):
    assert refused(upload(client, sample_files.SVG, "logo.svg", "image/png")).startswith(
        "logo.svg: SVG images and web pages cannot be uploaded")


def test_a_stored_image_is_served_inline_sandboxed_and_never_sniffed(client, editor):
    url = upload(client, sample_files.WEBP_LOSSY, "Shop front.webp").get_json()["url"]
    response = client.application.test_client().get(url)
    assert response.status_code == 200 and response.data == sample_files.WEBP_LOSSY
    assert response.headers["Content-Type"] == "image/webp"
    assert response.headers["Content-Disposition"] == 'inline; filename="Shop front.webp"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
