"""Signed HTTP POSTs to an address a manager typed: the one sending path of every outgoing webhook.

http(s) only, no redirects followed, timeouts, and no private, loopback or link-local address unless
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES says so. The address is checked on the IP actually connected to, after
DNS, so a public name that resolves to 127.0.0.1 or 169.254.169.254 is refused too.
"""
import functools
import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask import current_app

SIGNATURE_HEADER = "X-Comptoir-Signature"
TIMESTAMP_HEADER = "X-Comptoir-Timestamp"
USER_AGENT = "Comptoir-Webhook"
RESPONSE_READ_BYTES = 4096
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")
URL_SAFE = "/%:@!$&'()*+,;=~"  # kept as typed; anything else (é, spaces...) is percent-encoded


class Refused(Exception):
    """We will not send to this URL; `code` says why (scheme, host, credentials, private)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class DeliveryFailed(Exception):
    """The receiver did not take the request (an error, a timeout or a status outside 2xx)."""


@dataclass
class Outcome:
    """What one POST gave: the status code (None without an answer), the time taken and the error."""
    status: int | None
    duration_ms: int
    error: str | None = None
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def signature(secret: str, message: bytes) -> str:
    """"sha256=" and the hex HMAC-SHA256 of `message` with `secret`."""
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp: int) -> dict:
    """The timestamp header and the signature over "<timestamp>.<raw body>" (a replayed body fails later)."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, f"{timestamp}.".encode() + body)}


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise Refused for what we never send to: another scheme, no host, credentials in the URL, or
    (unless allowed) a literal private address or a local name. Names are checked again after DNS."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
        (parts.hostname or "").encode("idna")
    except (ValueError, UnicodeError):
        raise Refused("host", "the URL is malformed") from None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise Refused("host", "the URL holds spaces or control characters")
    if parts.scheme not in ("http", "https"):
        raise Refused("scheme", "only http:// and https:// URLs are allowed")
    host = (parts.hostname or "").rstrip(".")
    if not host or (port is not None and not 0 < port < 65536):
        raise Refused("host", "the URL has no valid host")
    if parts.username is not None or parts.password is not None:
        raise Refused("credentials", "the URL must not hold a user name or password")
    if allow_private:
        return
    if host.lower() in LOCAL_NAMES or host.lower().endswith(".localhost"):
        raise Refused("private", f"{host} is this machine")
    try:
        if not _public(host):
            raise Refused("private", f"{host} is a private or local address")
    except ValueError:
        pass  # a name, not an address: checked once resolved


def _connect(address, timeout=None, source_address=None, *, allow_private: bool):
    """socket.create_connection, refusing non-public addresses among those the name resolves to."""
    host, port = address
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not allow_private:
        for info in infos:
            if not _public(info[4][0]):
                raise Refused("private", f"{host} resolves to a private or local address ({info[4][0]})")
    error = OSError(f"{host} has no address")
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _connection(parts, timeout: float, allow_private: bool) -> http.client.HTTPConnection:
    host = parts.hostname.encode("idna").decode("ascii")  # "boutique-é.fr" -> "xn--boutique--..."
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    connection._create_connection = functools.partial(_connect, allow_private=allow_private)
    return connection


def _describe(exc: Exception, timeout: float) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return f"no answer within {timeout:g} s"
    if isinstance(exc, socket.gaierror):
        return "host not found"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS error: {exc.reason or exc}"
    return f"{type(exc).__name__}: {exc}"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def post(url: str, body: bytes, headers: dict, *, timeout: float | None = None,
         allow_private: bool | None = None) -> Outcome:
    """POST `body` as JSON to `url` once; never raises. A 3xx is a failure: redirects are not followed."""
    config = current_app.config
    timeout = float(timeout or config.get("WEBHOOKS_TIMEOUT_SECONDS", 10))
    allow_private = config.get("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False) if allow_private is None else allow_private
    started = time.monotonic()
    try:
        check_url(url, allow_private=allow_private)
        parts = urlsplit(url.strip())
        connection = _connection(parts, timeout, allow_private)
        path = quote(parts.path or "/", safe=URL_SAFE)
        path += f"?{quote(parts.query, safe=URL_SAFE + '?')}" if parts.query else ""
        try:
            connection.request("POST", path, body=body, headers={
                "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
            response = connection.getresponse()
            excerpt = response.read(RESPONSE_READ_BYTES).decode("utf-8", "replace").strip()
        finally:
            connection.close()
    except Refused as exc:
        return Outcome(None, _ms(started), f"refused: {exc}", refused=True)
    except (OSError, http.client.HTTPException, ValueError) as exc:  # ValueError: a host IDNA cannot encode
        return Outcome(None, _ms(started), _describe(exc, timeout))
    status, error = response.status, None
    if 300 <= status < 400:
        error = f"HTTP Error {status}: redirect to {(response.getheader('Location') or '?')[:200]} not followed"
    elif not 200 <= status < 300:
        error = f"HTTP Error {status}: {response.reason}" + (f" ({excerpt[:200]})" if excerpt else "")
    return Outcome(status, _ms(started), error)


def post_or_raise(url: str, body: bytes, headers: dict, *, timeout: float | None = None) -> None:
    """post(), raising DeliveryFailed ("HTTP Error 500: ...") when the receiver did not take it."""
    outcome = post(url, body, headers, timeout=timeout)
    if not outcome.ok:
        raise DeliveryFailed(outcome.error)
