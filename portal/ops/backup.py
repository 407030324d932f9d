"""`portal backup` / `portal restore` for the embedded default: the SQLite database (copied online with
SQLite's backup API, so the site keeps running), the search index, uploads and attachments, the original
of every inbound mail and the instance's secret key, in one .tar.gz.

The archive holds everything the instance folder holds, customers' data and the key that decrypts stored
shop and channel secrets included: it is written with owner-only permissions and must be kept as safely.
A restore goes only into an empty instance, and checks the archive before it writes anything.
PostgreSQL installs back up with pg_dump instead (README, "Deployment").

With STORAGE_BACKEND="s3" the uploads and attachments live in the bucket, not in the instance: the backup
leaves them out and says so (the manifest's "uploads_in_bucket"); back the bucket up with its own tools
(versioning, replication). Restoring an archive that holds uploads into such a site puts them in the bucket.
"""
import io
import json
import mimetypes
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask import current_app
from sqlalchemy import func, inspect, select

from portal.extensions import db
from portal.models_base import utcnow

FORMAT, VERSION = "comptoir-backup", 1
MANIFEST = "manifest.json"
DATABASE = "database/portal.db"
# archive folder -> config key of the instance folder it comes from
FOLDERS = {"search": "SEARCH_INDEX_PATH", "uploads": "UPLOAD_PATH", "mail-raw": "MAIL_RAW_PATH"}
LOCK_FILES = ("WRITELOCK", ".lock")  # a writer's lock is never part of a snapshot
FILES = ("secret_key", "portal.cfg")


class BackupError(Exception):
    """Why a backup or restore cannot be done; the message is one line for the command to print."""


@dataclass
class Restored:
    created_at: str
    counts: dict
    index_rebuilt: bool
    kept_config: bool


def sqlite_path() -> Path:
    """The database file, or BackupError when the database is not SQLite."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(f"the database is {url.get_backend_name()}, not the embedded SQLite: "
                          "back it up with pg_dump (README, Deployment)")
    return Path(url.database)


def _counts() -> dict:
    from portal.kb.models import Article, Upload
    from portal.tickets.models import Ticket

    return {name: db.session.scalar(select(func.count()).select_from(model))
            for name, model in (("tickets", Ticket), ("articles", Article), ("uploads", Upload))}


def _revision() -> str | None:
    return db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar()


def _add_folder(archive: tarfile.TarFile, folder: Path, name: str) -> int:
    """Add the files under `folder`; one that disappears meanwhile (a merged index segment) is skipped."""
    added = 0
    if not folder.is_dir():
        return added
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.endswith(LOCK_FILES):
            continue
        try:
            archive.add(str(path), arcname=f"{name}/{path.relative_to(folder).as_posix()}", recursive=False)
            added += 1
        except FileNotFoundError:
            continue
    return added


def uploads_bucket() -> str | None:
    """The S3 bucket holding uploads and attachments, or None when they are in the instance folder."""
    if (current_app.config.get("STORAGE_BACKEND") or "local").lower() != "s3":
        return None
    return current_app.config["S3_BUCKET"]


def _folders() -> dict[str, str]:
    """The archive folders this site backs up: all of FOLDERS but uploads when they live in a bucket."""
    return {name: key for name, key in FOLDERS.items() if not (name == "uploads" and uploads_bucket())}


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
    archive.addfile(info, io.BytesIO(data))


def create(output: Path | None = None) -> tuple[Path, dict]:
    """Write the archive (default instance/backups/comptoir-<UTC time>.tar.gz); returns its path and manifest."""
    source = sqlite_path()
    instance = Path(current_app.instance_path)
    now = utcnow()
    output = Path(output) if output else instance / "backups" / f"comptoir-{now:%Y%m%d-%H%M%S}.tar.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"format": FORMAT, "version": VERSION, "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "database_revision": _revision(), "search_backend": current_app.config.get("SEARCH_BACKEND"),
                "counts": _counts(), "uploads_in_bucket": uploads_bucket()}
    db.session.rollback()  # nothing of ours stays open while SQLite copies the pages
    with tempfile.TemporaryDirectory(dir=output.parent) as work:
        copy = Path(work) / "portal.db"
        live, target = sqlite3.connect(str(source), timeout=30), sqlite3.connect(str(copy))
        try:
            live.backup(target)  # a consistent snapshot while others keep writing
        finally:
            target.close()
            live.close()
        partial = Path(work) / "archive.tar.gz"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
            archive.add(str(copy), arcname=DATABASE, recursive=False)
            manifest["files"] = {name: _add_folder(archive, Path(current_app.config[key]), name)
                                 for name, key in _folders().items()}
            for name in FILES:
                if (instance / name).is_file():
                    archive.add(str(instance / name), arcname=name, recursive=False)
        os.replace(partial, output)
    return output, manifest


# --- restore ----------------------------------------------------------------------------------------------

def _checked_members(archive: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    """The archive's regular files by name, refusing anything that could write outside the instance."""
    members = {}
    allowed = {DATABASE, MANIFEST, *FILES}
    for member in archive.getmembers():
        name = PurePosixPath(member.name)
        if member.isdir():
            continue
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(f"{member.name}: not a plain file inside the archive")
        if member.name not in allowed and name.parts[0] not in FOLDERS:
            raise BackupError(f"{member.name}: not part of a Comptoir backup")
        members[member.name] = member
    return members


def _manifest(archive: tarfile.TarFile, members) -> dict:
    if MANIFEST not in members or DATABASE not in members:
        raise BackupError("not a Comptoir backup (no manifest or database)")
    try:
        manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{MANIFEST}: not valid JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Comptoir backup (unknown format)")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')} is not supported (expected {VERSION})")
    return manifest


def _instance_is_empty(database: Path) -> None:
    if database.exists() and database.stat().st_size:
        db.session.remove()
        if inspect(db.engine).get_table_names():
            raise BackupError(f"{database}: this instance already has a database; restore into an empty one")
    for key in _folders().values():
        folder = Path(current_app.config[key])
        if folder.is_dir() and any(path.is_file() for path in folder.rglob("*")):
            raise BackupError(f"{folder}: not empty; restore into an empty instance")


def _extract(archive, member, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with archive.extractfile(member) as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out)
    os.chmod(target, 0o600)


def _upload(archive, member, relative: PurePosixPath) -> None:
    """An upload from a local site's archive, put in this site's bucket under the same key."""
    from portal.uploads.storage import StorageUnavailable, get_storage

    content_type = mimetypes.guess_type(relative.name)[0] or "application/octet-stream"
    try:
        with archive.extractfile(member) as source:
            get_storage().save(relative.as_posix(), source.read(), content_type)
    except StorageUnavailable as exc:
        raise BackupError(f"{relative}: could not be put in the bucket ({exc.message})") from None


def restore(path: Path) -> Restored:
    """Unpack a backup into this (empty) instance, bring the schema up to date and check the index."""
    database = sqlite_path()
    instance = Path(current_app.instance_path)
    try:
        archive = tarfile.open(path, mode="r:gz")
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError):
        raise BackupError(f"{path}: not a readable .tar.gz archive") from None
    with archive:
        try:
            members = _checked_members(archive)
            manifest = _manifest(archive, members)
        except (tarfile.TarError, OSError, EOFError):
            raise BackupError(f"{path}: the archive is damaged") from None
        _instance_is_empty(database)
        db.session.remove()
        db.engine.dispose()
        staging = Path(tempfile.mkdtemp(dir=instance, prefix=".restore-"))
        try:
            _extract(archive, members[DATABASE], staging / "portal.db")
            check = sqlite3.connect(str(staging / "portal.db"))
            try:
                if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(f"{path}: the database in the archive fails SQLite's integrity check")
            except sqlite3.DatabaseError:
                raise BackupError(f"{path}: the database in the archive is not an SQLite database") from None
            finally:
                check.close()
            for name, member in members.items():
                folder = PurePosixPath(name).parts[0]
                if folder in FOLDERS:
                    relative = PurePosixPath(name).relative_to(folder)
                    if folder not in _folders():
                        _upload(archive, member, relative)
                    else:
                        _extract(archive, member, Path(current_app.config[FOLDERS[folder]]) / relative)
            kept_config = False
            for name in FILES:
                if name in members:
                    target = instance / name
                    if name == "portal.cfg" and target.exists():
                        target, kept_config = instance / "portal.cfg.restored", True
                    _extract(archive, members[name], target)
            for suffix in ("-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
            os.replace(staging / "portal.db", database)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise BackupError(f"{path}: could not unpack the archive ({type(exc).__name__})") from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return _after_restore(manifest, kept_config)


def _after_restore(manifest: dict, kept_config: bool) -> Restored:
    from flask_migrate import upgrade

    from portal.kb.cli import rebuild_index
    from portal.search import get_index

    upgrade()  # a backup from an older release gets this release's schema
    rebuilt = False
    try:
        usable = get_index().doc_count() > 0 or not manifest["counts"].get("articles")
    except Exception:  # a snapshot caught mid-merge: the database is the truth, rebuild from it
        usable = False
    if not usable:
        rebuild_index()
        rebuilt = True
    return Restored(manifest["created_at"], manifest.get("counts", {}), rebuilt, kept_config)
