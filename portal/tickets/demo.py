"""Demo desk: groups, macros and a few realistic tickets (created once)."""
from sqlalchemy import select

from portal.accounts.models import User
from portal.extensions import db
from portal.tickets import bulk, groups, macros, services
from portal.tickets.models import Channel, Ticket, TicketGroup

MACROS = [
    ("Where is my order: tracking sent", "Hello {{ customer.first_name }},\n\nYour parcel is on its way. You can "
     "follow it with the tracking link in your shipping confirmation email.\n\nBest regards,\n{{ agent.first_name }}",
     "pending", None, ["wismo"]),
    ("Return label", "Hello {{ customer.first_name }},\n\nHere is how to return your item: print the prepaid label "
     "from your account, pack the item in its original packaging and drop it at any post office within 30 days."
     "\n\n{{ agent.first_name }}", "pending", "Returns", ["returns"]),
    ("Refund processed", "Hello {{ customer.first_name }},\n\nWe have refunded your payment. It will appear on your "
     "statement within 5 to 10 working days.\n\n{{ agent.first_name }}", "solved", None, ["refund"]),
]


def load(users: dict[str, User]) -> list[str]:
    """Create the demo desk unless tickets already exist; `users` maps demo emails to accounts."""
    if db.session.scalar(select(Ticket.id).limit(1)):
        return ["Demo tickets: already there."]
    by_name = {}
    for name in ("Shipping", "Returns", "Billing"):
        by_name[name] = db.session.scalar(select(TicketGroup).where(TicketGroup.name == name)) or \
            groups.create_group(name=name)
    agent, manager = users["agent@demo.comptoir.test"], users["manager@demo.comptoir.test"]
    groups.set_membership(by_name["Shipping"], [agent.id, manager.id])
    groups.set_membership(by_name["Returns"], [agent.id])
    groups.set_scope(agent, "all")
    for title, body, status, group, tags in MACROS:
        macros.save_macro(actor=manager, title=title, body=body, shared=True, set_status=status,
                          set_group_id=by_name[group].id if group else None, add_tags=tags)
    claire, sam = users["claire@demo.comptoir.test"], users["sam@demo.comptoir.test"]
    late = services.open_ticket(requester=claire, channel=Channel.PORTAL, topic="shipping", locale="fr",
                                subject="Ma commande n'est toujours pas arrivée",
                                body="Bonjour, j'ai commandé il y a 8 jours et le suivi n'a pas bougé depuis lundi.",
                                group=by_name["Shipping"], notify=False)
    services.add_note(late, body="Carrier shows the parcel held at the depot. Asked them to release it.", actor=agent)
    services.add_reply(late, author=agent, status="pending",
                       body="Bonjour Claire, votre colis est bloqué au dépôt du transporteur ; nous avons demandé "
                            "sa remise en livraison. Vous devriez le recevoir sous 48 h.")
    wrong = services.open_ticket(requester=sam, channel=Channel.WEB, topic="returns", subject="Wrong size delivered",
                                 body="I ordered a jacket in M and received an L. Can I exchange it?", notify=False)
    services.set_priority(wrong, "high", actor=manager)
    services.open_ticket(email="guest.buyer@example.com", name="Gina Guest", channel=Channel.WEB, topic="payment",
                         subject="Charged twice for order 10482", body="My card shows two payments of 59.90 EUR.",
                         group=by_name["Billing"], notify=False)
    first = services.open_ticket(requester=sam, channel=Channel.PORTAL, topic="order", subject="Change address",
                                 body="Can you ship order 10477 to my office instead?", notify=False)
    dup = services.open_ticket(requester=sam, channel=Channel.EMAIL, topic="order", subject="Re: Change address",
                               body="The office address is 12 rue de la Paix, Paris.", notify=False)
    bulk.merge(dup, first, actor=manager)
    services.assign(first, agent, actor=manager)
    db.session.flush()
    return ["Demo tickets: 4 open requests, 3 groups and 3 shared macros."]
