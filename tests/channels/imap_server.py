"""A private Dovecot for tests: own config, users, maildirs and TLS certificate in one temp dir."""
import datetime
import grp
import ipaddress
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from imapclient import IMAPClient

from portal.channels.email.imap import ImapSettings

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
HOST = "127.0.0.1"
# What Dovecot 2.3 advertises minus IDLE, MOVE and UIDPLUS, so the fallbacks get exercised.
BASIC_CAPABILITY = "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE LITERAL+ NAMESPACE UNSELECT"
_names = itertools.count(1)

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
listen = {host}
protocols = imap
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
mail_uid = {mail_uid}
mail_gid = {mail_gid}
mail_location = maildir:{root}/mail/%u
{capability}
passdb {{
  driver = passwd-file
  # One passwd file per user: Dovecot notices a changed file by its mtime, which has one-second
  # resolution, so users added to a shared file within the same second would stay unknown.
  args = {root}/users/%u
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/mail/%u
}}
service imap-login {{
  {chroot}
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
  }}
}}
service anvil {{
  {chroot}
  # Mode 0 drops this socket, and without it auth skips its failed-login penalty, which would
  # otherwise hold every login from 127.0.0.1 for seconds after a wrong-password test.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def dovecot_available() -> bool:
    return os.access(DOVECOT, os.X_OK)


def _existing_user(*names):
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError(f"none of these system users exists: {', '.join(names)}")


def _identities():
    """Who each Dovecot process runs as, and how the login services may be chrooted.

    As root Dovecot refuses root for login processes and uid 0 for mail access, so those use the
    package's dovenull (or nobody); as anyone else everything runs as that user without chroot.
    """
    if os.geteuid() == 0:
        login = _existing_user("dovenull", "nobody")
        mail = _existing_user("nobody")
        return {"internal_user": "root", "internal_group": "root", "login_user": login.pw_name,
                "mail_uid": mail.pw_uid, "mail_gid": mail.pw_gid, "chroot": ""}
    me = pwd.getpwuid(os.geteuid())
    return {"internal_user": me.pw_name, "internal_group": grp.getgrgid(me.pw_gid).gr_name,
            "login_user": me.pw_name, "mail_uid": me.pw_uid, "mail_gid": me.pw_gid, "chroot": "chroot ="}


def write_certificate(cert_path: Path, key_path: Path) -> None:
    """A self-signed certificate for 127.0.0.1; trusting the file itself makes it verify."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Comptoir test IMAP")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)


class Dovecot:
    """One Dovecot master in the foreground (`dovecot -F -c`), independent of /etc/dovecot."""

    def __init__(self, *, capability: str | None = None):
        self.capability = capability
        self.port = free_port()
        self.tls_port = free_port()
        self.root = None
        self.process = None

    @property
    def cert_path(self) -> Path:
        return self.root / "cert.pem"

    def start(self) -> "Dovecot":
        # Not pytest's tmp_path: its parents are private to the runner (the mail user must get
        # through) and deep enough to hit the length limit on Dovecot's unix sockets.
        self.root = Path(tempfile.mkdtemp(prefix="comptoir-imap-"))
        self.root.chmod(0o755)
        identities = _identities()
        self._prepare(identities)
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, host=HOST, port=self.port, tls_port=self.tls_port,
                                        capability=self._capability_line(), **identities))
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_until_ready()
        return self

    def _prepare(self, identities):
        (self.root / "mail").mkdir()
        os.chown(self.root / "mail", identities["mail_uid"], identities["mail_gid"])
        (self.root / "users").mkdir(mode=0o700)
        write_certificate(self.cert_path, self.root / "key.pem")

    def _capability_line(self):
        return f"imap_capability = {self.capability}" if self.capability else ""

    def _wait_until_ready(self, timeout=15.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                problem = f"dovecot exited ({self.process.returncode}): {self.log()}"
                self.stop()
                raise RuntimeError(problem)
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        problem = f"dovecot did not answer on {HOST}:{self.port}: {self.log()}"
        self.stop()
        raise RuntimeError(problem)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        stderr = self.process.stderr.read().decode() if self.process.poll() is not None else ""
        return stderr + (path.read_text()[-2000:] if path.exists() else "")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.process.stderr.close()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)

    def add_user(self, username: str | None = None, password: str = "mail-pass-7") -> "Account":
        """A new user whose mailbox Dovecot creates empty at the first login."""
        username = username or f"user{next(_names)}-{os.getpid()}"
        entry = self.root / "users" / username
        entry.write_text(f"{username}:{{PLAIN}}{password}::::::\n")
        entry.chmod(0o600)
        return Account(self, username, password)


@dataclass
class Account:
    """A mailbox on the test server, reached through a second, ordinary IMAP connection."""

    server: Dovecot
    username: str
    password: str

    def settings(self, **overrides) -> ImapSettings:
        values = {"host": HOST, "port": self.server.port, "security": "none", "username": self.username,
                  "password": self.password, "processed_action": "flag", "timeout": 10}
        values.update(overrides)
        return ImapSettings(**values)

    def client(self) -> IMAPClient:
        client = IMAPClient(HOST, self.server.port, ssl=False, timeout=10)
        client.login(self.username, self.password)
        return client

    def append(self, raw: bytes, folder="INBOX", flags=(), when: datetime.datetime | None = None) -> int:
        """Store `raw` in `folder` and return its UID."""
        with self.client() as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw, flags=flags, msg_time=when)
            client.select_folder(folder, readonly=True)
            return max(client.search(["ALL"]))

    def flags(self, folder="INBOX") -> dict[int, set[bytes]]:
        """Flags of every message in `folder`, by UID."""
        with self.client() as client:
            client.select_folder(folder, readonly=True)
            uids = client.search(["ALL"])
            return {uid: set(data[b"FLAGS"]) for uid, data in client.fetch(uids, ["FLAGS"]).items()}

    def folders(self) -> set[str]:
        with self.client() as client:
            return {name for _flags, _delimiter, name in client.list_folders()}

    def recreate_folder(self, folder: str) -> None:
        """Delete and create `folder` again, which gives it a new UIDVALIDITY."""
        with self.client() as client:
            client.delete_folder(folder)
            client.create_folder(folder)
