"""Demo data: the starter help center, customers, one user per staff role, tickets and the community."""
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.services import create_user
from portal.extensions import db

DEMO_USERS = [
    ("manager@demo.comptoir.test", "Maya Manager", Role.MANAGER),
    ("agent@demo.comptoir.test", "Adam Agent", Role.AGENT),
    ("editor@demo.comptoir.test", "Eva Editor", Role.EDITOR),
    ("claire@demo.comptoir.test", "Claire Dubois", Role.CUSTOMER),
    ("sam@demo.comptoir.test", "Sam Carter", Role.CUSTOMER),
]
DEMO_PASSWORD = "demo-password-1"


def load_demo(content_dir) -> list[str]:
    """Create what is missing and return lines describing the logins."""
    from portal.cli import upgrade_database
    from portal.kb.cli import rebuild_index
    from portal.kb.content_io import import_directory

    upgrade_database()
    report = import_directory(content_dir)
    lines = [f"Help center: {report.created} articles created, {report.updated} updated, "
             f"{report.unchanged} unchanged."]
    users = {}
    for email, name, role in DEMO_USERS:
        users[email] = db.session.scalar(select(User).where(User.email == email)) or \
            create_user(email=email, name=name, role=role, password=DEMO_PASSWORD)
    db.session.commit()
    from portal.orders import demo as order_demo

    lines += order_demo.load(users)
    from portal.automation.defaults import install_defaults

    lines.append(f"Default rules: {install_defaults()} added.")
    from portal.automation.sla_settings import install_defaults as install_sla_defaults

    if install_sla_defaults():
        lines.append("Default SLA policy added.")
    db.session.commit()
    from portal.tickets import demo as ticket_demo

    lines += ticket_demo.load(users)
    db.session.commit()
    from portal.forum import demo as forum_demo

    lines += forum_demo.load(users)
    db.session.commit()
    rebuild_index()
    lines.append("Demo logins (password for all: %s):" % DEMO_PASSWORD)
    lines += [f"  {role.value:<9} {email}" for email, _name, role in DEMO_USERS]
    return lines
