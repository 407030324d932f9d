"""Run: .venv/bin/python bench/mail_ingest.py [--tickets 1000000] [--messages 2000] [--imap 300]

Inbound mail throughput on a database of bench/generate_tickets.py (copied, so the original stays as it
is): realistic mail (45% new requests, 35% replies threaded by In-Reply-To on our receipts, 10% with a
PDF or PNG attachment, 10% auto-replies and list mail) through the one ingest function as
`portal mail receive` runs it (parse, store, queue the receipt, commit), then the same through IMAP from a
private Dovecot. Prints p50/p95 per message and messages/s; goal >= 100/s and p95 < 50 ms in-process.
"""
import argparse
import base64
import random
import shutil
import time

import common
import generate_tickets

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BODY = ("Bonjour,\n\nJ'ai commandé un service à thé il y a dix jours et je n'ai toujours rien reçu. Le suivi "
        "indique « en transit » depuis lundi. Pouvez-vous vérifier ?\n\nMerci d'avance,\n{name}\n")
QUOTE = "\n\nLe lun. 3 juin 2024 à 10:00, Boutique <support@shop.example> a écrit :\n> Nous avons bien reçu votre demande.\n"


def message(n, rng, replies_to) -> bytes:
    kind = rng.random()
    sender = f"client{n % 5000}@example.fr"
    headers = [f"From: Client {n} <{sender}>", "To: support@shop.example", f"Message-ID: <bench-{n}@mail.example.fr>",
               "Date: Mon, 3 Jun 2024 10:00:00 +0200", "MIME-Version: 1.0"]
    if kind < 0.10:
        headers += ["Subject: Réponse automatique : absent", "Auto-Submitted: auto-replied"]
    elif kind < 0.45 and replies_to:
        headers += [f"Subject: Re: {rng.choice(['colis', 'retour'])}", f"In-Reply-To: {rng.choice(replies_to)}"]
    else:
        headers.append(f"Subject: Commande {10000 + n} pas reçue")
    text = BODY.format(name=f"Client {n}") + (QUOTE if kind < 0.45 else "")
    if rng.random() < 0.10:
        data, name, ctype = (PNG, "photo.png", "image/png") if n % 2 else (PDF, "facture.pdf", "application/pdf")
        return ("\r\n".join(headers + ['Content-Type: multipart/mixed; boundary="b"', "", "--b",
                                       "Content-Type: text/plain; charset=utf-8", "", text, "--b",
                                       f'Content-Type: {ctype}; name="{name}"', "Content-Transfer-Encoding: base64",
                                       f'Content-Disposition: attachment; filename="{name}"', "",
                                       base64.b64encode(data).decode(), "--b--", ""])).encode()
    return ("\r\n".join(headers + ["Content-Type: text/plain; charset=utf-8", "", text])).encode()


def run_in_process(app, count, rng) -> list[float]:
    from portal.channels.email.ingest import ingest
    from portal.extensions import db
    from portal.mail import OutgoingMail

    latencies, replies_to = [], []
    with app.app_context():
        for n in range(count):
            raw = message(n, rng, replies_to)
            started = time.perf_counter()
            result = ingest(raw, to_address="support@shop.example")
            db.session.commit()
            latencies.append(time.perf_counter() - started)
            if result.outcome == "new_ticket" and len(replies_to) < 500:
                mail = db.session.query(OutgoingMail.message_id).filter(OutgoingMail.ticket_id.is_not(None)) \
                    .order_by(OutgoingMail.id.desc()).first()
                if mail:
                    replies_to.append(mail[0])
    return latencies


def run_imap(app, count, rng) -> tuple[float, int]:
    from tests.channels.imap_server import Dovecot, dovecot_available

    from portal.channels.email import services
    from portal.channels.email.models import Mailbox
    from portal.extensions import db

    if not dovecot_available():
        return 0.0, 0
    server = Dovecot().start()
    try:
        account = server.add_user()
        with app.app_context():
            mailbox = services.save_mailbox(name="Bench", address="imap@shop.example", imap_host="127.0.0.1",
                                            imap_port=server.port, imap_security="none",
                                            imap_username=account.username, imap_password=account.password)
            db.session.commit()
            services.poll(mailbox)  # first connection: remembers the position
            for n in range(count):
                account.append(message(100000 + n, rng, []))
            started = time.perf_counter()
            received = services.poll(db.session.get(Mailbox, mailbox.id))
            return time.perf_counter() - started, received
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--imap", type=int, default=300)
    args = parser.parse_args(argv)
    generate_tickets.ensure_database(args.tickets, 1, False)
    source = generate_tickets.data_dir(args.tickets)
    work = common.DATA_ROOT / f"mail-ingest-{args.tickets}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copy(source / "portal.db", work / "portal.db")
    app = common.client_app(work, QUEUE_IMMEDIATE=False)
    with app.app_context():
        from portal.channels.email import services
        from portal.extensions import db

        services.save_mailbox(name="Support", address="support@shop.example")
        db.session.commit()
    rng = random.Random(1)
    latencies = run_in_process(app, args.messages, rng)
    total = sum(latencies)
    print(f"in-process: {len(latencies)} messages on {args.tickets:,} tickets: {len(latencies) / total:.0f} msg/s, "
          f"p50 {common.percentile(latencies, 50) * 1000:.1f} ms, p95 {common.percentile(latencies, 95) * 1000:.1f} ms")
    seconds, received = run_imap(app, args.imap, rng)
    if received:
        print(f"IMAP: {received} messages fetched and stored in {seconds:.1f} s: {received / seconds:.0f} msg/s")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
