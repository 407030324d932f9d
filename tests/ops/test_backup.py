"""`portal backup` while the site runs, `portal restore` into an empty instance, and what they refuse."""
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.search import get_index
from portal.tickets import attachments
from portal.tickets.models import Ticket, TicketAttachment
from tests import sample_files
from tests.factories import make_article, make_ticket, make_user

pytestmark = pytest.mark.sqlite_only  # the embedded default's backup; PostgreSQL sites use pg_dump


@pytest.fixture
def filled(app):
    """A desk with a customer's ticket and its photo, a published article, a stored shop secret key."""
    customer = make_user(email="lea@example.com")
    ticket = make_ticket(requester=customer, subject="Colis abîmé",
                         attachments=[("photo.png", io.BytesIO(sample_files.png()))])
    make_article(title="Suivre mon colis", body="Le suivi du colis arrive par e-mail.", lang="fr")
    return ticket.id


def _restore_app(tmp_path, name="restored"):
    instance = tmp_path / name
    return create_app({"TESTING": True, "INSTANCE_PATH": str(instance), "SERVER_NAME": "localhost",
                       "MAIL_SERVER": None, "QUEUE_IMMEDIATE": True})


def _invoke(app, *args):
    """Run a command on `app` (its own app context: the test's app stays the other instance)."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.remove()
        db.engine.dispose()
    return result


def test_a_backup_restored_into_an_empty_instance_has_the_tickets_files_index_and_key(app, runner, filled, tmp_path):
    archive = tmp_path / "comptoir.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and "1 tickets" in result.output
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds customers' data and the secret key
    original_key = (Path(app.instance_path) / "secret_key").read_bytes() if (Path(app.instance_path) / "secret_key").exists() else None

    target = _restore_app(tmp_path)
    result = _invoke(target, "restore", str(archive))
    assert result.exit_code == 0, result.output
    assert "Restored the backup of" in result.output and "1 tickets" in result.output

    with target.app_context():
        ticket = db.session.get(Ticket, filled)  # the same row
        assert ticket.subject == "Colis abîmé" and ticket.requester.email == "lea@example.com"
        photo = db.session.scalar(select(TicketAttachment).where(TicketAttachment.original_name == "photo.png"))
        assert Path(attachments.path_of(photo)).read_bytes() == sample_files.png()
        assert [hit.title for hit in get_index().search("suivi colis", lang="fr").hits] == ["Suivre mon colis"]
        db.session.remove()
        db.engine.dispose()
    if original_key is not None:
        assert (Path(target.instance_path) / "secret_key").read_bytes() == original_key


def test_restore_refuses_an_instance_that_already_has_data_and_changes_nothing(app, runner, filled, tmp_path):
    archive = tmp_path / "comptoir.tar.gz"
    assert runner.invoke(args=["backup", "--output", str(archive)]).exit_code == 0
    make_ticket(subject="Written after the backup")

    result = runner.invoke(args=["restore", str(archive)])

    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: portal restore: ")
    assert "already has a database" in result.output
    assert db.session.scalar(select(Ticket).where(Ticket.subject == "Written after the backup")) is not None


@pytest.mark.parametrize("content, reason", [
    (b"not an archive at all", "not a readable .tar.gz archive"),
    ("no-manifest", "not a Comptoir backup"),
    ("escape", "not a plain file inside the archive"),
])
def test_restore_of_a_bad_archive_says_why_in_one_line_and_writes_nothing(tmp_path, content, reason):
    archive = tmp_path / "bad.tar.gz"
    if isinstance(content, bytes):
        archive.write_bytes(content)
    else:
        with tarfile.open(archive, "w:gz") as tar:
            data = json.dumps({"format": "comptoir-backup", "version": 1}).encode()
            info = tarfile.TarInfo("../../evil" if content == "escape" else "uploads/notes.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    target = _restore_app(tmp_path)

    result = _invoke(target, "restore", str(archive))

    assert result.exit_code == 1
    assert len(result.output.strip().splitlines()) == 1 and reason in result.output
    assert not (Path(target.instance_path) / "portal.db").exists() or \
        (Path(target.instance_path) / "portal.db").stat().st_size == 0
    assert not (tmp_path / "evil").exists()


def test_backup_of_a_postgresql_site_points_to_pg_dump(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://comptoir@127.0.0.1:1/comptoir")
    result = _invoke(app, "backup")

    assert result.exit_code == 1
    assert "pg_dump" in result.output and len(result.output.strip().splitlines()) == 1
