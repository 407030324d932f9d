"""`portal tickets …`: open, show, list and reply to tickets, and agents' signatures, through the web's services."""
import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.errors import DomainError
from portal.extensions import db
from portal.tickets import queries, services
from portal.tickets.models import Channel, Status, Ticket

tickets_cli = AppGroup("tickets", help="The ticket queue: open, show, list, reply; agents' signatures.")


def fail(message: str):
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@tickets_cli.command("open")
@click.option("--email", required=True, help="Requester's address.")
@click.option("--subject", required=True)
@click.option("--body", required=True)
@click.option("--name", default="")
@click.option("--json", "as_json", is_flag=True)
def open_command(email, subject, body, name, as_json):
    """Open a ticket for EMAIL; prints its number."""
    try:
        ticket = services.open_ticket(subject=subject, body=body, channel=Channel.CLI, email=email, name=name)
    except DomainError as exc:
        db.session.rollback()
        fail(f"{exc.field or 'ticket'}: {exc.message}")
    db.session.commit()
    click.echo(json.dumps({"number": ticket.number}) if as_json else f"Opened ticket #{ticket.number}.")


def _ticket_data(ticket: Ticket) -> dict:
    return {
        "number": ticket.number, "subject": ticket.subject, "status": ticket.status.value,
        "priority": ticket.priority.value, "channel": ticket.channel.value,
        "requester": {"email": ticket.requester_email, "name": ticket.requester_name,
                      "account": ticket.requester_id is not None},
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "group": ticket.group.name if ticket.group else None, "tags": ticket.tags,
        "merged_into": ticket.merged_into_id + 1000 if ticket.merged_into_id else None,
        "created_at": ticket.created_at.isoformat(), "updated_at": ticket.updated_at.isoformat(),
        "linked_order": _order_number(ticket), "flags": _flags(ticket),
        "messages": [_message_data(m) for m in queries.thread(ticket, include_notes=True)],
    }


def _message_data(message) -> dict:
    author = message.author
    return {"kind": message.kind.value, "author_kind": message.author_kind.value,
            "author": author.email if author else message.author_kind.value,
            "author_email": author.email if author else None, "author_name": author.display_name if author else None,
            "channel": message.channel.value, "body": message.body, "body_text": message.body,
            "body_html": message.body_html, "message_id": message.external_id,
            "created_at": message.created_at.isoformat(),
            "attachments": [{"filename": a.original_name, "content_type": a.content_type, "size": a.size,
                             "content_id": a.content_id, "inline": bool(a.inline)} for a in message.attachments]}


def _order_number(ticket):
    if not ticket.order_id:
        return None
    from portal.orders.models import Order

    order = db.session.get(Order, ticket.order_id)
    return order.number if order else None


def _flags(ticket) -> list[str]:
    from portal.channels.email.queries import flags_of

    return flags_of(ticket)


@tickets_cli.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True)
def show_command(number, as_json):
    """Show ticket NUMBER with its messages (kind public or note)."""
    try:
        ticket = services.get_ticket(number)
    except DomainError:
        fail(f"ticket {number}: not found")
    data = _ticket_data(ticket)
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"#{data['number']} {data['subject']} [{data['status']}, {data['priority']}] "
               f"from {data['requester']['email']}")
    for message in data["messages"]:
        click.echo(f"--- {message['kind']} by {message['author']} at {message['created_at']}")
        click.echo(message["body"])


def _agent(agent_email: str):
    """The staff account for --as, or a one-line error."""
    from portal.accounts.queries import user_by_email

    agent = user_by_email(agent_email.strip().lower())
    if agent is None or not agent.is_staff:
        fail(f"--as {agent_email}: no staff account with this address")
    return agent


@tickets_cli.command("reply")
@click.argument("number")
@click.option("--as", "agent_email", required=True, help="The agent replying.")
@click.option("--body", required=True)
@click.option("--status", type=click.Choice(["open", "pending", "on_hold", "solved"]), default=None)
@click.option("--cc", multiple=True, help="Copy this address on the reply (repeatable). The ticket's CC list "
                                          "becomes exactly these; --cc '' empties it.")
@click.option("--json", "as_json", is_flag=True)
def reply_command(number, agent_email, body, status, cc, as_json):
    """Reply to ticket NUMBER as AGENT_EMAIL, through the same service as the desk (the customer gets the mail)."""
    from portal.channels.email import participants

    agent = _agent(agent_email)
    try:
        ticket = services.get_ticket(number, viewer=agent, staff=True)
        if cc:
            participants.set_participants(ticket, list(cc), actor=agent)
        message = services.add_reply(ticket, body=body, author=agent, status=status)
    except DomainError as exc:
        db.session.rollback()
        fail(f"ticket {number}: {exc.field + ': ' if exc.field else ''}{exc.message}")
    db.session.commit()
    click.echo(json.dumps({"number": ticket.number, "status": ticket.status.value, "message": message.id})
               if as_json else f"Replied to #{ticket.number} ({ticket.status.value}).")


@tickets_cli.command("signature")
@click.option("--as", "agent_email", required=True, help="The agent whose signature it is.")
@click.option("--set", "text", default=None, help="The new signature (Markdown).")
@click.option("--clear", is_flag=True, help="Send no signature any more.")
@click.option("--show", is_flag=True, help="Print the saved signature.")
def signature_command(agent_email, text, clear, show):
    """Show, set or clear the signature below AGENT_EMAIL's mailed replies (the same service as the desk)."""
    from portal.tickets import agents

    if [text is not None, clear, show].count(True) != 1:
        fail("choose one of --set TEXT, --clear or --show")
    agent = _agent(agent_email)
    if show:
        click.echo(agents.signature_of(agent) or "(no signature)")
        return
    try:
        saved = agents.set_signature(agent, "" if clear else text)
    except DomainError as exc:
        db.session.rollback()
        fail(f"{exc.field or 'signature'}: {exc.message}")
    db.session.commit()
    click.echo(f"Signature saved for {agent.email}." if saved else f"Signature cleared for {agent.email}.")


@tickets_cli.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]), default=None)
@click.option("--limit", default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def list_command(status, limit, as_json):
    """List tickets, most recently updated first."""
    query = select(Ticket).order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit)
    if status:
        query = query.where(Ticket.status == Status(status))
    rows = [{"number": t.number, "subject": t.subject, "status": t.status.value, "priority": t.priority.value,
             "requester": t.requester_email, "updated_at": t.updated_at.isoformat()}
            for t in db.session.scalars(query)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"#{row['number']}  {row['status']:<8} {row['priority']:<7} {row['requester']:<30} {row['subject']}")
