"""A small client for Meta's Graph API: JSON calls with the account's token, media downloads with a size
limit, and Graph's error object ({"error": {"message", "code"}}) turned into one readable reason."""
import json
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_BASE = "https://graph.facebook.com/v19.0"
TIMEOUT = 15.0


class GraphError(Exception):
    """Graph refused the call or could not be reached; `retryable` for network trouble, 429 and 5xx."""

    def __init__(self, reason: str, *, status: int | None = None, code=None, retryable: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.code, self.retryable = reason, status, code, retryable


def url_for(base: str, path: str, params: dict | None = None) -> str:
    url = path if path.startswith(("http://", "https://")) else f"{base.rstrip('/')}/{path.lstrip('/')}"
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
    return url


def get_json(base: str, path: str, token: str, params: dict | None = None) -> dict:
    """GET a Graph object as a dict."""
    return _json(_call("GET", url_for(base, path, params), token))


def post_json(base: str, path: str, token: str, payload: dict) -> dict:
    """POST a JSON payload; the answer as a dict."""
    return _json(_call("POST", url_for(base, path), token, payload))


def download(url: str, token: str | None, limit: int) -> tuple[bytes, str]:
    """The bytes at `url` (a WhatsApp media URL needs the token; a Messenger CDN URL does not) and their type."""
    if not url.startswith(("http://", "https://")):
        raise GraphError("the media address is not a web address")
    data, content_type = _call("GET", url, token, limit=limit)
    return data, content_type


def _call(method: str, url: str, token: str | None, payload: dict | None = None, *, limit: int = 4 * 1024 * 1024):
    headers = {"Accept": "application/json", "User-Agent": "Comptoir"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        body, headers["Content-Type"] = json.dumps(payload).encode(), "application/json"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            data = response.read(limit + 1)
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise _refused(exc) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise GraphError(f"Meta could not be reached: {getattr(exc, 'reason', exc)}", retryable=True) from None
    if len(data) > limit:
        raise GraphError(f"the answer is larger than {limit // (1024 * 1024)} MB")
    return data, content_type


def _refused(exc: urllib.error.HTTPError) -> GraphError:
    """Graph's {"error": {"message": ..., "code": ...}} as the reason; 429 and 5xx may be retried."""
    try:
        error = json.loads(exc.read(64 * 1024) or b"{}").get("error") or {}
    except (ValueError, AttributeError, OSError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    message = str(error.get("message") or f"HTTP {exc.code}")
    if details and details not in message:
        message = f"{message} ({details})"
    code = error.get("code")
    reason = f"{message} [code {code}]" if code is not None else message
    return GraphError(reason, status=exc.code, code=code, retryable=exc.code == 429 or exc.code >= 500)


def _json(answer) -> dict:
    data, _type = answer
    try:
        value = json.loads(data or b"{}")
    except ValueError:
        raise GraphError("the answer from Meta is not JSON", retryable=True) from None
    if not isinstance(value, dict):
        raise GraphError("the answer from Meta is not a JSON object", retryable=True)
    return value
