"""Twilio's side of SMS: the X-Twilio-Signature of its webhooks and the REST calls we make (send a
message, read the account, fetch MMS media), over urllib like the shop clients. No database here."""
import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request

from portal.channels.webhooks import same

API_BASE = "https://api.twilio.com"
API_VERSION = "2010-04-01"
TIMEOUT = 15.0


class TwilioError(Exception):
    """A call to Twilio failed; `status` is the HTTP status (None for a network error), `code` Twilio's."""

    def __init__(self, message: str, *, status: int | None = None, code: int | None = None):
        super().__init__(message)
        self.message, self.status, self.code = message, status, code

    @property
    def permanent(self) -> bool:
        """Twilio refused this request as such (a bad number, an opted-out one): sending again cannot help."""
        return self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429)


class MediaTooLarge(Exception):
    pass


# --- webhook signatures -------------------------------------------------------------------------

def signature(token: str, url: str, params) -> str:
    """Twilio's signature: base64(HMAC-SHA1(auth token, URL + each POST name+value, sorted by name))."""
    data = url + "".join(name + value for name, value in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


def valid_signature(token: str, url: str, params, given: str | None) -> bool:
    """Whether `given` signs this request; Twilio may sign the URL with or without its default port."""
    if not token or not given:
        return False
    return any([same(signature(token, candidate, params), given.strip()) for candidate in _url_forms(url)])


def _url_forms(url: str) -> list[str]:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    default = 443 if parts.scheme == "https" else 80
    without = parts._replace(netloc=host).geturl()
    with_port = parts._replace(netloc=f"{host}:{parts.port or default}").geturl()
    return list(dict.fromkeys((url, without, with_port)))


# --- REST ---------------------------------------------------------------------------------------

def _auth(sid: str, token: str) -> str:
    return "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode()


def _call(method: str, url: str, sid: str, token: str, form: dict | None = None) -> dict:
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Accept": "application/json", "User-Agent": "Comptoir"})
    request.add_unredirected_header("Authorization", _auth(sid, token))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read()
    except urllib.error.HTTPError as exc:
        raise _error(exc) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise TwilioError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    try:
        return json.loads(body) if body else {}
    except ValueError:
        raise TwilioError(f"{url}: the answer is not JSON", status=502) from None


def _error(exc: urllib.error.HTTPError) -> TwilioError:
    """Twilio's error document {"code", "message", "more_info", "status"} as one line."""
    try:
        data = json.loads(exc.read() or b"{}")
    except ValueError:
        data = {}
    code = data.get("code") if isinstance(data, dict) else None
    message = (data.get("message") if isinstance(data, dict) else None) or f"HTTP {exc.code}"
    if code:
        message = f"{message} (Twilio error {code})"
    return TwilioError(message, status=exc.code, code=code)


def account_url(api_base: str, sid: str) -> str:
    return f"{api_base.rstrip('/')}/{API_VERSION}/Accounts/{urllib.parse.quote(sid)}"


def fetch_account(api_base: str, sid: str, token: str) -> dict:
    """GET /2010-04-01/Accounts/{Sid}.json: the account resource (friendly_name, status...)."""
    return _call("GET", account_url(api_base, sid) + ".json", sid, token)


def send_message(api_base: str, sid: str, token: str, *, to: str, body: str, sender: str | None = None,
                 service_sid: str | None = None, status_callback: str | None = None) -> dict:
    """POST a message (from our number or a Messaging Service); the created Message resource."""
    form = {"To": to, "Body": body}
    if service_sid:
        form["MessagingServiceSid"] = service_sid
    else:
        form["From"] = sender
    if status_callback:
        form["StatusCallback"] = status_callback
    return _call("POST", account_url(api_base, sid) + "/Messages.json", sid, token, form)


def fetch_media(url: str, sid: str, token: str, *, limit: int, api_base: str) -> bytes:
    """The bytes of one MMS media, following Twilio's redirect to its storage.

    The credentials go to Twilio's own host only (never to the storage the redirect names); more than
    `limit` bytes raise MediaTooLarge.
    """
    request = urllib.request.Request(url, headers={"User-Agent": "Comptoir"})
    if urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(api_base).netloc:
        request.add_unredirected_header("Authorization", _auth(sid, token))
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise MediaTooLarge()
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise _error(exc) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise TwilioError(str(getattr(exc, "reason", exc))) from None
    if len(data) > limit:
        raise MediaTooLarge()
    return data
