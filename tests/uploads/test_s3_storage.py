"""Uploads and attachments in an S3-compatible bucket (STORAGE_BACKEND="s3"), against moto's real S3 API."""
import base64
import io
import os
import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kb.models import Upload
from portal.tickets.models import Ticket, TicketAttachment
from portal.uploads.storage import get_storage
from tests import sample_files
from tests.conftest import PASSWORD, free_port
from tests.factories import make_agent, make_user
from tests.kb.test_uploads import log_in
from tests.uploads.conftest import BUCKET, CREDENTIALS, s3_settings

PNG = sample_files.png(2, 3)


def open_request(client, **files):
    return client.post("/portal/tickets/new", data={"subject": "Broken mug", "body": "It arrived in pieces.",
                                                    "topic": "returns", **files},
                       content_type="multipart/form-data")


def on_disk(app) -> list[str]:
    folder = app.config["UPLOAD_PATH"]
    return [name for _root, _dirs, names in os.walk(folder) for name in names] if os.path.isdir(folder) else []


def customer_with_photo(client, login, email="lea@example.com"):
    make_user(email=email)
    login(email)
    response = open_request(client, attachments=(io.BytesIO(PNG), "mug.png"))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    return ticket, db.session.scalar(select(TicketAttachment).where(TicketAttachment.original_name == "mug.png"))


def test_the_settings_select_the_bucket_and_the_default_stays_the_instance_folder(app, make_app, monkeypatch):
    assert get_storage().name == "s3"
    for name, value in {"STORAGE_BACKEND": "s3", "S3_BUCKET": BUCKET, **CREDENTIALS}.items():
        monkeypatch.setenv(f"PORTAL_{name}", value)
    from_environment = make_app()
    with from_environment.app_context():
        assert get_storage().name == "s3" and get_storage().bucket == BUCKET
    for name in ("STORAGE_BACKEND", "S3_BUCKET"):
        monkeypatch.delenv(f"PORTAL_{name}")
    with make_app().app_context():
        assert get_storage().name == "local"


def test_a_customers_attachment_lands_in_the_bucket_not_on_disk(app, client, login, bucket):
    ticket, attachment = customer_with_photo(client, login)
    assert bucket.keys() == [f"tickets/{attachment.stored_name}"]
    assert bucket.read(f"tickets/{attachment.stored_name}") == PNG
    assert on_disk(app) == []
    assert (attachment.content_type, attachment.size) == ("image/png", len(PNG))


def test_the_customer_and_an_agent_download_the_same_bytes(app, client, login):
    ticket, attachment = customer_with_photo(client, login)
    mine = client.get(f"/portal/tickets/{ticket.number}/files/{attachment.id}")
    assert (mine.status_code, mine.data, mine.mimetype) == (200, PNG, "image/png")
    assert mine.headers["X-Content-Type-Options"] == "nosniff" and "no-store" in mine.headers["Cache-Control"]
    assert mine.content_length == len(PNG)
    agent = make_agent(email="agent@example.com")
    client.post("/logout")
    login(agent.email)
    theirs = client.get(f"/staff/tickets/{ticket.number}/files/{attachment.id}")
    assert (theirs.status_code, theirs.data, theirs.mimetype) == (200, PNG, "image/png")


def test_another_customer_and_a_guessed_id_get_a_404(app, client, login):
    ticket, attachment = customer_with_photo(client, login)
    make_user(email="mallory@example.com")
    client.post("/logout")
    login("mallory@example.com")
    assert client.get(f"/portal/tickets/{ticket.number}/files/{attachment.id}").status_code == 404
    client.post("/logout")
    login("lea@example.com")
    assert client.get(f"/portal/tickets/{ticket.number}/files/{attachment.id + 1}").status_code == 404
    assert client.get(f"/uploads/{attachment.stored_name}").status_code == 404  # not an editor image
    assert client.get(f"/uploads/{'0' * 32}.png").status_code == 404


def test_an_attachment_gone_from_the_bucket_is_a_404(app, client, login, bucket):
    ticket, attachment = customer_with_photo(client, login)
    bucket.client.delete_object(Bucket=BUCKET, Key=f"{bucket.prefix}/tickets/{attachment.stored_name}")
    assert client.get(f"/portal/tickets/{ticket.number}/files/{attachment.id}").status_code == 404


def test_a_help_center_image_from_the_editor_is_served_from_the_bucket(app, client, bucket):
    from portal.accounts.models import Role

    log_in(client, make_user(role=Role.EDITOR))
    response = client.post("/staff/kb/uploads", data={"file": (io.BytesIO(PNG), "Label.png", "image/png")},
                           headers={"Accept": "application/json"})
    assert response.status_code == 201, response.get_json()
    url = response.get_json()["url"]
    name = url.rsplit("/", 1)[1]
    assert bucket.keys() == [name] and on_disk(app) == []
    served = app.test_client().get(url)  # public: no login
    assert (served.status_code, served.data, served.mimetype) == (200, PNG, "image/png")
    assert served.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    again = app.test_client().get(url, headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_the_gdpr_export_holds_the_attachment_from_the_bucket(app, client, login):
    ticket, attachment = customer_with_photo(client, login)
    response = client.post("/portal/privacy/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    name = f"attachments/{ticket.number}/{attachment.message_id}-{attachment.id}-mug.png"
    assert archive.read(name) == PNG


def test_gdpr_erase_deletes_the_object_from_the_bucket(app, client, login, runner, bucket):
    customer_with_photo(client, login)
    assert len(bucket.keys()) == 1
    result = runner.invoke(args=["gdpr", "erase", "lea@example.com", "--yes"])
    assert result.exit_code == 0, result.output
    assert bucket.keys() == []
    assert db.session.scalar(select(func.count(TicketAttachment.id))) == 0


def test_a_mail_carrying_an_attachment_reads_it_from_the_bucket(app, client, login):
    from portal.mail import OutgoingMail, build_message

    _ticket, attachment = customer_with_photo(client, login)
    item = OutgoingMail(to="lea@example.com", subject="Your photo", text="Attached.", headers={},
                        message_id="<photo@comptoir.localhost>", attachment_ids=[attachment.id])
    raw = build_message(item).as_bytes()
    assert b"mug.png" in raw and base64.b64encode(PNG)[:40] in raw


@pytest.mark.sqlite_only  # `portal backup` is the embedded default's; PostgreSQL sites use pg_dump
def test_backup_says_the_uploads_live_in_the_bucket_and_leaves_them_out(app, client, login, runner, tmp_path):
    import tarfile

    customer_with_photo(client, login)
    archive = tmp_path / "comptoir.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert f"live in the S3 bucket {BUCKET}" in result.output
    with tarfile.open(archive) as tar:
        assert not [name for name in tar.getnames() if name.startswith("uploads/")]


def test_an_unreachable_bucket_shows_an_error_and_opens_no_ticket(make_app, client):
    down = make_app(**s3_settings(f"http://127.0.0.1:{free_port()}", "down"))  # nothing listens there
    with down.app_context():
        browser = down.test_client()
        make_user(email="lea@example.com")
        db.session.commit()
        assert browser.post("/login", data={"email": "lea@example.com", "password": PASSWORD}).status_code == 302
        response = open_request(browser, attachments=(io.BytesIO(PNG), "mug.png"))
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "could not be stored right now" in page and "Broken mug" in page
        assert db.session.scalar(select(func.count(Ticket.id))) == 0
        assert db.session.scalar(select(func.count(TicketAttachment.id))) == 0
        without_files = open_request(browser)  # a request without files does not need the bucket
        assert without_files.status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_an_unreachable_bucket_gives_the_editor_a_clear_error(make_app):
    from portal.accounts.models import Role

    down = make_app(**s3_settings(f"http://127.0.0.1:{free_port()}", "down"))
    with down.app_context():
        browser = down.test_client()
        log_in(browser, make_user(role=Role.EDITOR))
        db.session.commit()
        response = browser.post("/staff/kb/uploads", data={"file": (io.BytesIO(PNG), "Label.png", "image/png")},
                                headers={"Accept": "application/json"})
        assert response.status_code == 503 and response.get_json()["field"] == "file"
        assert "could not be stored right now" in response.get_json()["error"]
        assert db.session.scalar(select(func.count(Upload.id))) == 0
        db.session.remove()
        db.engine.dispose()


def test_the_local_default_never_imports_boto3(tmp_path):
    code = ("import sys; from portal import create_app; from portal.uploads.storage import get_storage; "
            f"app = create_app({{'TESTING': True, 'INSTANCE_PATH': {str(tmp_path)!r}, 'SECRET_KEY': 'x'}}); "
            "app.app_context().push(); assert get_storage().name == 'local'; "
            "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules, 'boto3 imported'")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_mms_while_the_bucket_is_down_is_a_503_for_twilio_to_send_again(make_app, httpserver):
    from tests.channels.test_sms import (inbound_fields, make_sms_account, new_sid, post_signed, serve_media,
                                         sms_tickets)

    down = make_app(**s3_settings(f"http://127.0.0.1:{free_port()}", "down"))
    with down.app_context():
        account = make_sms_account(httpserver)
        sid = new_sid("MM")
        url = serve_media(httpserver, PNG, "image/png", sid, "ME" + "2" * 32)
        response = post_signed(down.test_client(), account,
                               inbound_fields("Photo of the damage", sid=sid, media=[(url, "image/png")]))
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "storage_unavailable"
        assert sms_tickets() == [] and db.session.scalar(select(func.count(TicketAttachment.id))) == 0
        db.session.remove()
        db.engine.dispose()
