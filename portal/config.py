"""Configuration: defaults, then instance/portal.cfg, then PORTAL_* environment, then overrides."""
import os
import secrets
from pathlib import Path


class Defaults:
    SITE_NAME = "Comptoir"
    SQLALCHEMY_DATABASE_URI = None  # filled from the instance path unless set
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SEARCH_INDEX_PATH = None  # instance/search
    UPLOAD_PATH = None  # instance/uploads
    # Uploads and attachments: "local" (UPLOAD_PATH) or "s3", an S3-compatible bucket (portal/uploads/storage.py)
    STORAGE_BACKEND = "local"
    S3_BUCKET = None
    S3_ENDPOINT_URL = None  # https://s3.fr-par.scw.cloud, http://minio.internal:9000; None: AWS
    S3_REGION = None
    S3_ACCESS_KEY_ID = None  # None: boto3's own chain (AWS_* variables, an instance role)
    S3_SECRET_ACCESS_KEY = None
    S3_PREFIX = ""  # keys go under this folder of the bucket ("comptoir/")
    OUTBOX_PATH = None  # instance/outbox
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    UPLOAD_IMAGE_TYPES = ("png", "jpeg", "gif", "webp")
    MAX_CONTENT_LENGTH = 26 * 1024 * 1024
    LANGUAGES = ("en", "fr")
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAIL_SERVER = None  # no SMTP: mail goes to instance/outbox as .eml
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_DEFAULT_SENDER = "Comptoir <support@localhost>"
    LOGIN_MAX_ATTEMPTS = 5
    LOGIN_WINDOW_SECONDS = 15 * 60
    RESET_MAX_PER_HOUR_EMAIL = 3
    RESET_MAX_PER_HOUR_IP = 10
    TOKEN_MAX_AGE_SECONDS = 24 * 3600
    PREFERRED_URL_SCHEME = "http"
    PROXY_COUNT = 0  # reverse proxies in front of the site whose X-Forwarded-* headers are trusted
    PUBLIC_URL = "http://127.0.0.1:5000"  # how shops reach this site; used for URLs built outside a request (CLI)
    KB_PER_PAGE = 10
    SEARCH_WRITER_TIMEOUT = 10.0
    SEARCH_BACKEND = "whoosh"  # or "sqlite" (SQLite FTS5), faster for large communities
    INVITE_MAX_AGE_SECONDS = 7 * 24 * 3600
    MAIL_DOMAIN = None  # right-hand side of Message-IDs; defaults to the site's host
    TICKET_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    TICKET_ATTACHMENT_MAX_FILES = 5
    TICKETS_PER_PAGE = 50
    CONTACT_MAX_PER_HOUR_IP = 5
    CONTACT_MAX_PER_HOUR_EMAIL = 3
    PRESENCE_SECONDS = 45
    WEBHOOK_MAX_BYTES = 2 * 1024 * 1024
    WEBHOOK_PAYLOAD_DAYS = 14
    ORDERS_ENCRYPTION_KEY = None  # a Fernet key; derived from SECRET_KEY when unset
    ORDER_LOOKUP_MAX_PER_HOUR = 10
    FORUM_PREMODERATE_FIRST_POST = False
    FORUM_NEW_USER_MAX_LINKS = 2
    FORUM_POSTS_PER_HOUR = 20
    FORUM_VOTES_PER_HOUR = 100
    QUEUE_URL = None  # redis://host:6379/0 for shops on several machines; default: instance/queue.db (SQLite)
    QUEUE_IMMEDIATE = False  # run jobs in the calling process at once (tests, scripts)
    REDIS_URL = None  # redis://host:6379/1 for several machines: rate limits and presence there (portal/redis_store.py)
    JOB_LEASE_SECONDS = 600  # a running job not finished by then is taken as abandoned and run again
    JOBS_KEEP_DAYS = 7
    JOB_RETRY_BASE_SECONDS = 30
    JOB_RETRY_MAX_SECONDS = 6 * 3600
    MAIL_MAX_ATTEMPTS = 8
    MAIL_RAW_PATH = None  # instance/mail/raw: the original of every inbound message ("show original")
    # Personal data (portal/gdpr): retention rules run nightly by the worker; 0 turns a rule off.
    MAIL_RAW_DAYS = 90  # days mail originals ("show original") are kept
    TICKET_RETENTION_MONTHS = 0  # solved/closed tickets untouched this long are anonymised (0: kept)
    ORDERS_KEEP_FOR_ACCOUNTING = True  # erasure keeps an order's number, date, items and totals, not the person
    MAIL_INBOUND_MAX_PER_HOUR_SENDER = 20  # more from one address is taken as a mail loop
    MAIL_INBOUND_MAX_BYTES = 40 * 1024 * 1024
    MAIL_IMAP_IDLE_SECONDS = 50  # each minute's poll then waits in IDLE this long (0: plain polling)
    MAIL_PLUS_ADDRESSING = False  # Reply-To support+t1042@…: needs a mailbox that accepts plus addresses
    WORKER_THREADS = 2
    CHANNEL_WEBHOOK_MAX_BYTES = 1024 * 1024  # provider webhooks (media is fetched separately)
    CHANNELS_PUBLIC_URL = None  # https://help.shop.example behind a proxy: the URL providers sign (Twilio)
    CHANNEL_MEDIA_MAX_BYTES = 10 * 1024 * 1024  # one MMS/WhatsApp media fetched from the provider
    CHAT_RATE_PER_MINUTE = 30  # widget posts per visitor per minute
    CHAT_EVENT_HOURS = 48  # live-chat events (what streams fan out) kept this long; the tickets keep the chats
    WISMO_PROMISED_SHIP_DAYS = 3  # an order not shipped after this long goes to a person, not an automatic answer
    WISMO_TRACKING_STALE_DAYS = 5  # nor does a parcel whose tracking has not moved for this long
    API_RATE_PER_MINUTE = 300  # REST API calls per user per minute (all their tokens together)
    API_AUTH_FAILURES_PER_MINUTE = 30  # calls with a missing or bad token per client before 429
    API_MAX_BODY_BYTES = 1024 * 1024  # largest JSON body the REST API reads
    # Outgoing webhooks (portal/webhooks). Private, loopback and link-local receivers are refused: a URL typed
    # in the settings must not reach this machine's or the LAN's services (or a cloud metadata endpoint).
    WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    WEBHOOKS_TIMEOUT_SECONDS = 10
    WEBHOOKS_MAX_ATTEMPTS = 6  # with the job backoff (30 s, 2 min, 8 min, 32 min, 2 h): about 3 hours
    WEBHOOKS_DISABLE_AFTER_FAILURES = 5  # deliveries failed for good in a row (0: never disable)
    WEBHOOKS_KEEP_DAYS = 30  # the delivery log


def _secret_key(instance_path: Path) -> str:
    """Read instance/secret_key, creating it with a random value on first use."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def load_config(app, overrides=None):
    """Fill app.config in the documented order and derive instance paths."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("portal.cfg", silent=True)
    app.config.from_prefixed_env("PORTAL")
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config.update(overrides or {})
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = (
        app.config["SQLALCHEMY_DATABASE_URI"] or f"sqlite:///{instance / 'portal.db'}"
    )
    app.config["SEARCH_INDEX_PATH"] = app.config["SEARCH_INDEX_PATH"] or str(instance / "search")
    app.config["UPLOAD_PATH"] = app.config["UPLOAD_PATH"] or str(instance / "uploads")
    app.config["OUTBOX_PATH"] = app.config["OUTBOX_PATH"] or str(instance / "outbox")
    app.config["MAIL_RAW_PATH"] = app.config["MAIL_RAW_PATH"] or str(instance / "mail" / "raw")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
