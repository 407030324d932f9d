"""`portal api token create|list|revoke`: personal access tokens from the server's console."""
import json
import sys
from datetime import datetime, time, timedelta

import click
from flask.cli import AppGroup

from portal.accounts.queries import user_by_email
from portal.api import services
from portal.api.present import iso
from portal.errors import DomainError
from portal.extensions import db
from portal.models_base import utcnow
from portal.permissions import API_SCOPES

api_cli = AppGroup("api", help="The REST API: personal access tokens.")
token_cli = AppGroup("token", help="Create, list and revoke personal access tokens.")
api_cli.add_command(token_cli)


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _user(email: str):
    user = user_by_email(email)
    if user is None:
        fail(f"no account with the email {email}.")
    return user


def _token_data(token) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix, "user": token.user.email,
            "scopes": list(token.scopes or []), "created_at": iso(token.created_at),
            "expires_at": iso(token.expires_at), "last_used_at": iso(token.last_used_at),
            "revoked_at": iso(token.revoked_at), "live": token.is_live}


def _expiry(days: int | None, date: str | None) -> datetime | None:
    if days is not None and date:
        fail("give --expires-days or --expires, not both.")
    if days is not None:
        return utcnow() + timedelta(days=days)
    if date:
        try:
            return datetime.combine(datetime.strptime(date, "%Y-%m-%d").date(), time())
        except ValueError:
            fail("--expires takes a date as YYYY-MM-DD.")
    return None


@token_cli.command("create")
@click.option("--user", "email", required=True, help="The staff account the token acts as.")
@click.option("--name", required=True, help="What the token is for.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(sorted(API_SCOPES)),
              help="Repeat for each scope, e.g. --scope tickets:read --scope tickets:write.")
@click.option("--expires-days", type=click.IntRange(1, services.MAX_EXPIRY_DAYS), help="Expire after N days.")
@click.option("--expires", "expires_on", help="Expire on this date (YYYY-MM-DD, UTC).")
@click.option("--json", "as_json", is_flag=True)
def create_command(email, name, scopes, expires_days, expires_on, as_json):
    """Create a token; its secret is printed once and never stored."""
    try:
        token, secret = services.create_token(user=_user(email), name=name, scopes=scopes,
                                              expires_at=_expiry(expires_days, expires_on))
    except DomainError as exc:
        db.session.rollback()
        fail(f"{exc.field or 'token'}: {exc.message}")
    db.session.commit()
    if as_json:
        click.echo(json.dumps({**_token_data(token), "token": secret}))
    else:
        click.echo(f"Token {token.id} ({', '.join(token.scopes)}) for {email}:\n{secret}\n"
                   "Copy it now: it is not shown again.")


@token_cli.command("list")
@click.option("--user", "email", help="Only this account's tokens.")
@click.option("--json", "as_json", is_flag=True)
def list_command(email, as_json):
    """Every token with its owner, scopes, last use and state (never the secret)."""
    rows = [_token_data(t) for t in services.all_tokens(_user(email) if email else None)]
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        state = "live" if row["live"] else ("revoked" if row["revoked_at"] else "expired")
        click.echo(f"{row['id']:>5}  {row['prefix']}…  {state:<8} {row['user']:<30} {row['name']}  "
                   f"[{', '.join(row['scopes'])}]  last used: {row['last_used_at'] or 'never'}")


@token_cli.command("revoke")
@click.argument("token_id")
def revoke_command(token_id):
    """Revoke token TOKEN_ID at once."""
    try:
        token = services.get_token(token_id)
    except DomainError as exc:
        fail(exc.message)
    if services.revoke_token(token):
        db.session.commit()
        click.echo(f"Token {token.id} ({token.name}) revoked.")
    else:
        click.echo(f"Token {token.id} was already revoked.")
