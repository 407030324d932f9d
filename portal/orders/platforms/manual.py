"""Manual stores: orders come from CSV imports only; there are no webhooks."""
TOPICS: set = set()


def verify(secret, raw, headers) -> bool:
    return False


def topic(headers) -> str:
    return ""


def delivery_id(headers, raw) -> str:
    return ""


def admin_url(store, order) -> str | None:
    return None
