"""Agents' replies out through the Graph API: WhatsApp POST {base}/{phone number id}/messages (text, or an
approved template taking the reply as {{1}}), Messenger and Instagram POST {base}/me/messages with the page
token. Graph's 4xx refusals are permanent (the reason is shown with Retry); 429, 5xx and network retry."""
import re

from flask_babel import gettext as _

from portal.channels import accounts
from portal.channels.delivery import DeliveryFailed
from portal.channels.meta import graph, services

WHATSAPP_TEXT_LIMIT = 4096
MESSENGER_TEXT_LIMIT = 2000
_PLACEHOLDER = re.compile(r"\{\{\s*1\s*\}\}")


def send_whatsapp(account, ticket, message) -> str:
    """Send one reply to the ticket's WhatsApp number; returns the last wamid."""
    to = (ticket.channel_address or "").lstrip("+")
    chosen = (message.meta or {}).get("template")
    if chosen:
        template = services.find_template(account, chosen)
        if template is None:
            raise DeliveryFailed(_("The template %(name)s is no longer set up for this number.", name=chosen),
                                 permanent=True)
        payloads = [template_payload(to, template, message.body)]
    else:
        payloads = [{"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
                     "text": {"preview_url": False, "body": part}}
                    for part in chunks(message.body, WHATSAPP_TEXT_LIMIT)]
    return _post_all(account, f"{account.address}/messages", payloads, lambda data: data["messages"][0]["id"])


def template_payload(to: str, template: dict, reply: str) -> dict:
    """A template message; a body with {{1}} takes the reply, on one line (Graph refuses new lines there)."""
    payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "template",
               "template": {"name": template["name"], "language": {"code": template["language"]}}}
    if _PLACEHOLDER.search(template["body"]):
        payload["template"]["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": " ".join(reply.split())}]}]
    return payload


def send_messaging(account, ticket, message) -> str:
    """Messenger and Instagram: a RESPONSE inside the 24-hour window; returns the last mid."""
    payloads = [{"recipient": {"id": ticket.channel_address}, "messaging_type": "RESPONSE", "message": {"text": part}}
                for part in chunks(message.body, MESSENGER_TEXT_LIMIT)]
    return _post_all(account, "me/messages", payloads, lambda data: data["message_id"])


def chunks(text: str, size: int) -> list[str]:
    """The text in parts of at most `size` characters, cut at a line or a space when there is one."""
    text, parts = (text or "").strip(), []
    while len(text) > size:
        cut = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return parts + [text] if text else parts or [""]


def _post_all(account, path: str, payloads: list, message_id) -> str:
    token = accounts.secret(account, "access_token")
    if not token:
        raise DeliveryFailed(_("No access token is saved for this channel."), permanent=True)
    sent = None
    for payload in payloads:
        try:
            data = graph.post_json(services.graph_base(account), path, token, payload)
        except graph.GraphError as exc:
            raise DeliveryFailed(exc.reason, permanent=not exc.retryable) from None
        try:
            sent = str(message_id(data))
        except (KeyError, IndexError, TypeError):
            raise DeliveryFailed(_("Meta accepted the message without giving its id."), permanent=False) from None
    return sent
