"""Attachments: only well-formed files whose name agrees with their content are kept, and every stored file
is served inertly (never sniffed, sandboxed, downloaded unless it is a plain image)."""
import html
import io
import os
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.tickets import queries
from portal.tickets.attachments import folder
from portal.tickets.models import Ticket, TicketAttachment
from tests import sample_files
from tests.factories import make_ticket, make_user

SAFE_POLICY = "default-src 'none'; sandbox"


def contact(client, filename, data, content_type="application/octet-stream"):
    form = {"email": "guest@example.com", "name": "Gail Guest", "topic": "shipping", "website": "",
            "subject": "Parcel not delivered", "body": "Order 1042 has not arrived.",
            "attachments": (io.BytesIO(data), filename, content_type)}
    return client.post("/help/contact", data=form, content_type="multipart/form-data")


def attachment_error(response) -> str:
    found = re.search(r'<p class="error" id="attachments-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return html.unescape(found.group(1)) if found else ""


def nothing_stored(app) -> bool:
    path = os.path.join(app.config["UPLOAD_PATH"], "tickets")
    files = os.listdir(path) if os.path.isdir(path) else []
    return db.session.scalar(select(func.count(Ticket.id))) == 0 and files == []


def test_svg_is_refused_with_a_clear_message(app, client):
    response = contact(client, "evil.svg", sample_files.SVG, "image/svg+xml")
    assert response.status_code == 400
    assert attachment_error(response) == ("evil.svg: SVG images and web pages cannot be uploaded because they can "
                                          "carry scripts. Save it as a PNG image instead.")
    assert nothing_stored(app)


@pytest.mark.parametrize("filename, data", [
    ("evil.png", sample_files.SVG),
    ("evil.png", b"<html><script>alert(1)</script></html>"),
    ("evil.png", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>" + b"\x00" * 40),  # the signature, then no PNG
    ("evil.png", sample_files.png()[:33] + b"<script>alert(1)</script>"),  # a good header, then no image
    ("evil.png", sample_files.png().replace(b"IDAT", b"IDAx")),  # a chunk whose checksum is wrong
    ("photo.jpg", sample_files.jpeg()[:40]),  # cut before the image data
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"<script>alert(1)</script>"),
    ("anim.gif", b"GIF89a<script>alert(1)</script>"),
    ("pic.webp", sample_files.WEBP_LOSSY[:24]),
    ("doc.pdf", b"%PDF-1.4\n<script>alert(1)</script>"),
])
def test_a_file_that_only_starts_like_its_type_is_refused_by_name(app, client, filename, data):
    response = contact(client, filename, data)
    assert response.status_code == 400
    assert attachment_error(response).startswith(f"{filename} is not a valid ")
    assert "damaged or is another kind of file" in attachment_error(response)
    assert nothing_stored(app)


@pytest.mark.parametrize("filename, data, message", [
    ("invoice.png", sample_files.pdf(), "invoice.png is named like a PNG file but is a PDF file."),
    ("photo.gif", sample_files.png(), "photo.gif is named like a GIF file but is a PNG file."),
    ("notes.txt", sample_files.jpeg(), "notes.txt is named like a text file but is a JPEG file."),
    ("photo.svg", sample_files.png(), "photo.svg: SVG images and web pages cannot be uploaded"),
    ("page.html", sample_files.png(), "page.html: SVG images and web pages cannot be uploaded"),
    ("scan", sample_files.pdf(), "scan is a PDF file, but its name does not end in .pdf."),
])
def test_a_name_that_disagrees_with_the_content_is_refused(app, client, filename, data, message):
    response = contact(client, filename, data)
    assert response.status_code == 400 and attachment_error(response).startswith(message)
    assert nothing_stored(app)


def test_text_with_control_characters_is_not_a_text_file(app, client):
    response = contact(client, "notes.txt", b"hello\x00\x01world")
    assert response.status_code == 400 and attachment_error(response) == \
        "notes.txt is not a valid text file: it is damaged or is another kind of file."


def thread_files(client, ticket):
    """The customer's download links of a ticket, by file name."""
    page = client.get(f"/portal/tickets/{ticket.number}").get_data(as_text=True)
    return {html.unescape(name): link for link, name in
            re.findall(r'<a href="(/portal/tickets/\d+/files/\d+)">([^<]*)</a>', page)}


@pytest.fixture
def customer(client, login):
    user = make_user()
    db.session.commit()
    login(user.email)
    return user


@pytest.mark.parametrize("filename, data, content_type, disposition", [
    ("photo.png", sample_files.png(), "image/png", "inline"),
    ("photo.jpeg", sample_files.jpeg(), "image/jpeg", "inline"),
    ("anim.gif", sample_files.GIF, "image/gif", "inline"),
    ("pic.webp", sample_files.WEBP_LOSSLESS, "image/webp", "inline"),
    ("invoice.pdf", sample_files.pdf(), "application/pdf", "attachment"),
    ("notes.txt", "Colis 1042, livré à côté.\n".encode(), "text/plain; charset=utf-8", "attachment"),
    ("orders.csv", b"number,total\n1042,19.90\n", "text/csv; charset=utf-8", "attachment"),
])
def test_accepted_files_are_served_inertly(app, client, customer, filename, data, content_type, disposition):
    ticket = make_ticket(requester=customer, attachments=[(filename, io.BytesIO(data))])
    response = client.get(thread_files(client, ticket)[filename])
    assert response.status_code == 200 and response.data == data
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == SAFE_POLICY
    assert response.headers["Content-Disposition"].startswith(f"{disposition}; filename=")
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_file_stored_before_these_checks_is_still_only_a_download(app, client, customer):
    ticket = make_ticket(requester=customer)
    [message] = queries.thread(ticket, include_notes=False)
    with open(os.path.join(folder(), "0" * 32 + ".svg"), "wb") as fh:
        fh.write(sample_files.SVG)
    db.session.add(TicketAttachment(message=message, stored_name="0" * 32 + ".svg", original_name="logo.svg",
                                    content_type="image/svg+xml", size=len(sample_files.SVG)))
    db.session.commit()
    response = client.get(thread_files(client, ticket)["logo.svg"])
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Security-Policy"] == SAFE_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("sent, kept", [
    ("rep\x00ort.pdf", "rep ort.pdf"),
    ("..\\..\\windows\\report.pdf", "report.pdf"),
    ("../../etc/report.pdf", "report.pdf"),
    ('re"port\r\n.pdf', "re port .pdf"),
    ("invoice\u202egnp.pdf", "invoice gnp.pdf"),  # a right-to-left override would show "invoicefdp.png"
])
def test_file_names_lose_paths_and_control_characters(app, client, customer, sent, kept):
    ticket = make_ticket(requester=customer, attachments=[(sent, io.BytesIO(sample_files.pdf()))])
    [message] = queries.thread(ticket, include_notes=False)
    assert [a.original_name for a in message.attachments] == [kept]
    response = client.get(thread_files(client, ticket)[kept])
    assert response.status_code == 200
    # A control character in a header value is a server error under gunicorn.
    assert not any(ord(c) < 32 or c == "\x7f" for value in response.headers.values() for c in value)
