"""A small JSON-over-HTTP client for the shops' REST APIs: timeouts, 429 Retry-After, Shopify's call limit."""
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass


class ShopApiError(Exception):
    """The shop's API failed (network, HTTP error, bad JSON); the message says what and where."""


@dataclass
class Response:
    status: int
    headers: dict
    data: object


class RestClient:
    def __init__(self, base_url: str, headers: dict, *, timeout: float = 20.0, max_retries: int = 5,
                 sleep=time.sleep):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Accept": "application/json", "User-Agent": "Comptoir", **headers}
        self.timeout, self.max_retries, self.sleep = timeout, max_retries, sleep

    def url(self, path: str, params: dict | None = None) -> str:
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        return url

    def get(self, path: str, params: dict | None = None) -> Response:
        """GET JSON, waiting out HTTP 429 (Retry-After) up to max_retries times."""
        url = self.url(path, params)
        for attempt in range(self.max_retries + 1):
            request = urllib.request.Request(url, headers=self.headers)
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    body = response.read()
                    headers = {k.lower(): v for k, v in response.headers.items()}
                    status = response.status
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < self.max_retries:
                    self.sleep(_retry_after(exc.headers.get("Retry-After")))
                    continue
                raise ShopApiError(f"{url}: HTTP {exc.code}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                raise ShopApiError(f"{url}: {getattr(exc, 'reason', exc)}") from None
            self._respect_call_limit(headers)
            if status == 204 or not body:
                return Response(status, headers, None)
            try:
                return Response(status, headers, json.loads(body))
            except ValueError:
                raise ShopApiError(f"{url}: the answer is not JSON") from None
        raise ShopApiError(f"{url}: still rate limited after {self.max_retries} retries")

    def _respect_call_limit(self, headers: dict) -> None:
        """Shopify's X-Shopify-Shop-Api-Call-Limit "used/size": slow down near the bucket's top."""
        value = headers.get("x-shopify-shop-api-call-limit")
        if value and "/" in value:
            used, size = (int(x) for x in value.split("/", 1))
            if size and used >= size - 2:
                self.sleep(1.0)


def _retry_after(value) -> float:
    try:
        return min(max(float(value), 0.0), 60.0)
    except (TypeError, ValueError):
        return 1.0
