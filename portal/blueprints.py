"""The site's blueprints, in registration order: all of them in the web app; in the worker's app each one
on the first url_for to it (a mail's links), so the worker does not import the views, forms and REST API
models it never serves (about 18 MB of its memory)."""
import importlib
import threading

# (blueprint name, module defining it as `bp`), in the order their rules are added
BLUEPRINTS = (
    ("security", "portal.accounts.security_views"),
    ("audit", "portal.audit.views"),
    ("roles", "portal.accounts.role_views"),
    ("site", "portal.site.views"),
    ("accounts", "portal.accounts.views"),
    ("help", "portal.kb.views"),
    ("portal", "portal.portal_home.views"),
    ("staff", "portal.staff.views"),
    ("kb_staff", "portal.kb.staff_views"),
    ("uploads", "portal.uploads.views"),
    ("contact", "portal.tickets.contact_views"),
    ("portal_tickets", "portal.tickets.portal_views"),
    ("staff_tickets", "portal.tickets.staff_views"),
    ("desk_admin", "portal.tickets.admin_views"),
    ("agent_settings", "portal.tickets.signature_views"),
    ("hooks", "portal.orders.hooks_views"),
    ("orders", "portal.orders.views"),
    ("staff_orders", "portal.orders.staff_views"),
    ("forum", "portal.forum.views"),
    ("forum_mod", "portal.forum.moderation_views"),
    ("jobs", "portal.jobs.views"),
    ("mailboxes", "portal.channels.email.views"),
    ("api", "portal.api.v1"),  # /api/v1 and its resources (nested blueprints)
    ("api_tokens", "portal.api.views"),
    ("gdpr", "portal.gdpr.views"),  # /portal/privacy and /staff/gdpr
)
_MODULES = dict(BLUEPRINTS)
_lock = threading.Lock()


def register_all(app) -> None:
    """Register every blueprint of the table (the web app)."""
    for name, _module in BLUEPRINTS:
        _register(app, name)


def register_on_demand(app) -> None:
    """Register a blueprint when url_for first names one of its endpoints (the worker, which serves no
    request): the URLs a job builds are the web app's, from the same rules."""
    def ensure_blueprint(endpoint, _values):
        name = endpoint.partition(".")[0]
        if name in _MODULES and name not in app.blueprints:
            with _lock:  # worker threads may build their first URL at once
                if name not in app.blueprints:
                    _register(app, name)

    # First: the other url_defaults (the help center's `lang`) look the endpoint's rules up.
    app.url_default_functions.setdefault(None, []).insert(0, ensure_blueprint)


def _register(app, name: str) -> None:
    blueprint = importlib.import_module(_MODULES[name]).bp
    assert blueprint.name == name, (name, blueprint.name)
    app.register_blueprint(blueprint)
