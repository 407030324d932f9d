"""`portal users …`: create accounts, list them, change roles, reset two-factor login (through the account
services)."""
import functools
import json
import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.accounts import queries, services, two_factor
from portal.accounts.models import Role
from portal.errors import DomainError
from portal.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
ROLE_CHOICE = click.Choice([role.value for role in Role], case_sensitive=False)


def in_english(command):
    """Run a command with messages in English (there is no request to pick a language from)."""
    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)
    return wrapped


def interactive() -> bool:
    """True when a person is at the terminal (so we may prompt)."""
    return sys.stdin.isatty()


def fail(message) -> None:
    """Print one "Error: …" line and exit with status 1."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, default=Role.CUSTOMER.value, show_default=True)
@click.option("--password", help="Prompted for (twice) when omitted on a terminal.")
@click.option("--name", default="", help="Display name.")
@in_english
def create_command(email, role, password, name):
    """Create a verified account with EMAIL."""
    if password is None and interactive():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = services.create_user(email=email, role=Role(role.lower()), password=password, name=name)
    except DomainError as exc:
        fail(exc.message)
    db.session.commit()
    click.echo(f"Created {user.role.value} account {user.email}.")
    if not password:
        click.echo("No password set: use 'Forgot your password?' on the login page to choose one.")


@users_cli.command("list")
@click.option("--role", type=ROLE_CHOICE, help="Only accounts with this role.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@in_english
def list_command(role, as_json):
    """List accounts by email."""
    users = queries.list_users(role=role.lower() if role else None)
    if as_json:
        click.echo(json.dumps([{
            "id": u.id, "email": u.email, "name": u.name, "role": u.role.value, "active": u.active,
            "verified": u.email_verified, "created_at": u.created_at.isoformat(),
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        } for u in users], indent=2))
        return
    for u in users:
        flags = ", ".join(f for f in ("unverified" if not u.email_verified else "",
                                      "inactive" if not u.active else "") if f)
        click.echo(f"{u.email:<40} {u.role.value:<9} {u.name}{f'  ({flags})' if flags else ''}")
    click.echo(f"{len(users)} account{'s' if len(users) != 1 else ''}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@in_english
def set_role_command(email, role):
    """Give the account with EMAIL a new ROLE."""
    user = queries.user_by_email(services.normalise_email(email))
    if user is None:
        fail(f"No account with the email {email}.")
    try:
        services.change_role(actor=None, user=user, role=Role(role.lower()))
    except DomainError as exc:
        fail(exc.message)
    db.session.commit()
    click.echo(f"{user.email} is now {user.role.value}.")


@users_cli.command("reset-two-factor")
@click.argument("email")
@in_english
def reset_two_factor_command(email):
    """Turn off two-factor login of EMAIL (phone and recovery codes lost); all their sessions end."""
    user = queries.user_by_email(services.normalise_email(email))
    if user is None:
        fail(f"No account with the email {email}.")
    try:
        two_factor.reset(actor=None, user=user)
    except DomainError as exc:
        fail(exc.message)
    db.session.commit()
    click.echo(f"Two-factor login of {user.email} is off: they can log in with their password and set it up again.")
