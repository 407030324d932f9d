"""Every word the widget shows, translated on the server (the widget itself holds no text)."""
from flask_babel import gettext as _


def strings() -> dict:
    """The widget's words in the current locale (call inside force_locale)."""
    return {
        "launcher": _("Chat with us"),
        "title": _("Chat with us"),
        "close": _("Close the chat"),
        "online": _("We are online and usually answer within a few minutes."),
        "offline": _("No one is online right now. Leave your name, email address and message: we will "
                     "answer by email."),
        "message": _("Your message"),
        "name": _("Your name"),
        "email": _("Your email address"),
        "optional": _("(optional)"),
        "send": _("Send"),
        "you": _("You"),
        "agent": _("Support"),
        "typing": _("An agent is typing…"),
        "suggestions": _("These articles may answer your question:"),
        "history": _("Earlier conversations"),
        "failed": _("Your message could not be sent. Check your connection and try again."),
        "retry": _("Try again"),
        "end": _("End the chat"),
        "ended": _("The chat has ended. Thank you!"),
        "unread": _("New message"),
        "required_text": _("Write a message first."),
        "required_name": _("Enter your name."),
        "required_email": _("Enter your email address so we can answer you."),
        "invalid_email": _("Enter a valid email address."),
    }
