"""One module per shop platform: signature check, payload parsing and the REST client for backfill."""
import base64
import hashlib
import hmac


def hmac_base64_matches(secret: str, raw: bytes, header_value: str | None) -> bool:
    """Base64 HMAC-SHA256 of the raw body, compared in constant time over bytes (Shopify, WooCommerce)."""
    if not secret or not header_value:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest())
    return hmac.compare_digest(expected, header_value.strip().encode())


def get(platform: str):
    from portal.orders.platforms import bigcommerce, manual, shopify, woocommerce

    return {"shopify": shopify, "woocommerce": woocommerce, "bigcommerce": bigcommerce, "manual": manual}[platform]
