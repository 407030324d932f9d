"""Where uploaded files live: the instance folder (the default) or an S3-compatible bucket.

Every editor image and ticket attachment is saved, read, deleted and served through get_storage(), under a
relative key ("tickets/<random>.pdf"). STORAGE_BACKEND="s3" selects the bucket (S3_BUCKET, S3_ENDPOINT_URL,
S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PREFIX); boto3 is imported only then. Files are always
streamed through the app after its access checks, never linked to the bucket, so a guessed name stays a 404.
"""
import shutil
import threading
from pathlib import Path, PurePosixPath

from flask import current_app, send_file
from flask_babel import gettext as _

from portal.errors import DomainError, NotFound

EXTENSION = "comptoir.storage"
_creating = threading.Lock()


class StorageUnavailable(DomainError):
    """The file store could not be reached or refused the request; views show the message, jobs retry."""

    status = 503


def _missing() -> NotFound:
    return NotFound(_("No such file."))


def _checked(key: str) -> str:
    """Keys are made by us, but one that could leave the store is refused all the same."""
    parts = PurePosixPath(key).parts
    if not key or "\\" in key or key.startswith("/") or any(part in (".", "..") for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def _write(target, data) -> None:
    if isinstance(data, (bytes, bytearray, memoryview)):
        target.write(data)
    else:
        shutil.copyfileobj(data, target)


class LocalStorage:
    """Files under UPLOAD_PATH, one file per key (the default; what `portal backup` archives)."""

    name = "local"

    def path(self, key: str) -> Path:
        return Path(current_app.config["UPLOAD_PATH"]) / _checked(key)

    def save(self, key: str, data, content_type: str) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "xb") as fh:  # keys are random: an existing file is a bug, never overwritten
            _write(fh, data)

    def open(self, key: str):
        try:
            return open(self.path(key), "rb")
        except FileNotFoundError:
            raise _missing() from None

    def read(self, key: str) -> bytes:
        with self.open(key) as fh:
            return fh.read()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def send(self, key: str, *, content_type: str, download_name: str, as_attachment: bool, max_age: int):
        path = self.path(key)
        if not path.is_file():
            raise _missing()
        return send_file(path, mimetype=content_type, as_attachment=as_attachment, download_name=download_name,
                         conditional=True, max_age=max_age)


class S3Storage:
    """Objects in one S3-compatible bucket (AWS, MinIO, Garage, Scaleway...), keys under S3_PREFIX."""

    name = "s3"

    def __init__(self, config):
        import boto3
        from botocore.config import Config
        from botocore.exceptions import BotoCoreError, ClientError

        # PORTAL_* variables are parsed as JSON when they can be: a bucket named 2024 arrives as a number.
        setting = {name: str(config[name]) if config.get(name) not in (None, "") else None
                   for name in ("S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION", "S3_ACCESS_KEY_ID",
                                "S3_SECRET_ACCESS_KEY", "S3_PREFIX")}
        if not setting["S3_BUCKET"]:
            raise RuntimeError('STORAGE_BACKEND is "s3" but S3_BUCKET is not set')
        self.bucket, self.prefix = setting["S3_BUCKET"], (setting["S3_PREFIX"] or "").strip("/")
        self._client_error, self._errors = ClientError, (BotoCoreError, ClientError)
        # Unset keys fall back on boto3's own chain (AWS_* variables, an instance role).
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=setting["S3_ENDPOINT_URL"], region_name=setting["S3_REGION"],
            aws_access_key_id=setting["S3_ACCESS_KEY_ID"], aws_secret_access_key=setting["S3_SECRET_ACCESS_KEY"],
            config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"}))

    def object_key(self, key: str) -> str:
        return f"{self.prefix}/{_checked(key)}" if self.prefix else _checked(key)

    def _call(self, operation: str, key: str, **kwargs):
        """One S3 call; NotFound for a missing object, StorageUnavailable (logged) for any other failure."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=self.object_key(key), **kwargs)
        except self._errors as exc:
            code = exc.response.get("Error", {}).get("Code") if isinstance(exc, self._client_error) else None
            if code in ("NoSuchKey", "404", "NotFound"):
                raise _missing() from None
            current_app.logger.warning("S3 %s of %s in bucket %s failed: %s", operation, key, self.bucket, exc)
            message = (_("Your files could not be stored right now, so nothing was sent. Please try again in a "
                         "few minutes.") if operation == "put_object" else
                       _("Stored files cannot be reached right now. Please try again in a few minutes."))
            raise StorageUnavailable(message) from exc

    def save(self, key: str, data, content_type: str) -> None:
        self._call("put_object", key, Body=data, ContentType=content_type)

    def open(self, key: str):
        return self._call("get_object", key)["Body"]

    def read(self, key: str) -> bytes:
        body = self.open(key)
        try:
            return body.read()
        except self._errors as exc:
            raise StorageUnavailable(_("Stored files cannot be reached right now. Please try again in a few "
                                       "minutes.")) from exc
        finally:
            body.close()

    def delete(self, key: str) -> None:
        self._call("delete_object", key)  # S3 answers success for a key that is already gone

    def exists(self, key: str) -> bool:
        try:
            self._call("head_object", key)
        except NotFound:
            return False
        return True

    def send(self, key: str, *, content_type: str, download_name: str, as_attachment: bool, max_age: int):
        found = self._call("get_object", key)
        response = send_file(found["Body"], mimetype=content_type, as_attachment=as_attachment,
                             download_name=download_name, conditional=True, etag=found["ETag"].strip('"'),
                             last_modified=found.get("LastModified"), max_age=max_age)
        if response.status_code == 200:
            response.content_length = found["ContentLength"]
        return response


BACKENDS = {"local": LocalStorage, "s3": S3Storage}


def get_storage():
    """This app's file store (STORAGE_BACKEND), made on first use and then shared by every thread."""
    app = current_app._get_current_object()
    store = app.extensions.get(EXTENSION)
    if store is None:
        with _creating:
            store = app.extensions.get(EXTENSION)
            if store is None:
                store = app.extensions[EXTENSION] = _make(app.config)
    return store


def _make(config):
    backend = (config.get("STORAGE_BACKEND") or "local").lower()
    if backend not in BACKENDS:
        raise RuntimeError(f'STORAGE_BACKEND must be "local" or "s3", not {backend!r}')
    return BACKENDS[backend](config) if backend == "s3" else LocalStorage()
