"""The pure parsing layer: what a person sees of each kind of mail clients really send."""
import time

import pytest

from portal.channels.email.machines import authentication, classify
from portal.channels.email.parsing import parse_email
from portal.channels.email.quotes import clean_subject, strip_quotes, ticket_token


def test_rfc2047_subject_split_over_words_with_emoji_and_names():
    raw = (b"From: =?UTF-8?Q?Ren=C3=A9e_Dupr=C3=A9?= <renee@example.fr>\r\n"
           b"Subject: =?UTF-8?B?Q29tbWFuZGUgbm9uIHJlw6d1ZSA=?=\r\n =?UTF-8?B?8J+TpiBtZXJjaQ==?=\r\n"
           b"Message-ID: <a@b>\r\n\r\nBonjour")
    parsed = parse_email(raw)
    assert parsed.subject == "Commande non reçue 📦 merci"
    assert (parsed.from_name, parsed.from_email) == ("Renée Dupré", "renee@example.fr")


def test_windows_1252_8bit_and_a_mislabelled_charset():
    cp1252 = (b"From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=windows-1252\n"
              b"Content-Transfer-Encoding: 8bit\n\nCo\xfbt : 12\x80 \x93d\xe9j\xe0\x94")
    assert parse_email(cp1252).text == "Coût : 12€ “déjà”"
    lying = b"From: a@b.example\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nR\xe9ponse d\xe9j\xe0"
    assert parse_email(lying).text == "Réponse déjà"


def test_quoted_printable_base64_and_format_flowed():
    qp = (b"From: a@b.example\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable"
          b"\n\nJ'ai re=C3=A7u un colis ab=C3=AEm=C3=A9.=\n Merci")
    assert parse_email(qp).text == "J'ai reçu un colis abîmé. Merci"
    flowed = (b"From: a@b.example\nContent-Type: text/plain; charset=utf-8; format=flowed; delsp=yes\n\n"
              b"This is a long line that was wrapped  \nby the client.\n\nNew paragraph.")
    assert parse_email(flowed).text.startswith("This is a long line that was wrapped by the client.\n\nNew")


def test_bare_lf_no_mime_headers_raw_utf8_header_and_bad_date():
    raw = "From: Zoé <zoe@example.com>\nSubject: Où est mon colis ?\nDate: not a date\n\nHello".encode()
    parsed = parse_email(raw)
    assert parsed.subject == "Où est mon colis ?" and parsed.from_name == "Zoé" and parsed.text == "Hello"
    assert parsed.message_id is None and parsed.date.tzinfo is not None


def test_html_only_mail_gives_text_and_attachment_names_are_decoded():
    raw = (b'From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="x"\n\n--x\n'
           b"Content-Type: text/html; charset=utf-8\n\n<p>Hello <b>there</b></p><ul><li>one</li></ul>"
           b'<a href="https://shop.example/o/1">order</a>\n--x\n'
           b"Content-Type: application/pdf\nContent-Disposition: attachment; filename*=UTF-8''facture%20n%C2%B01.pdf\n"
           b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--x\n"
           b'Content-Type: text/plain\nContent-Disposition: attachment; filename="=?UTF-8?Q?re=C3=A7u.txt?="\n\nok\n--x--\n')
    parsed = parse_email(raw)
    assert "Hello there" in parsed.text and "- one" in parsed.text and "order (https://shop.example/o/1)" in parsed.text
    assert [(a.filename, a.data) for a in parsed.attachments] == [("facture n°1.pdf", b"%PDF-1.4\n"), ("reçu.txt", b"ok")]


def test_garbage_never_raises():
    for raw in (b"", b"\x00\xff\xfe" * 100, b"Content-Type: multipart/mixed; boundary=\n\n--\n", b"From:\n\n"):
        parse_email(raw)


def test_a_200_kb_body_parses_whole_and_fast():
    body = ("Ligne de texte numéro %d\n" * 8000) % tuple(range(8000))
    raw = ("From: a@b.example\nSubject: long\nContent-Type: text/plain; charset=utf-8\n\n" + body).encode()
    started = time.perf_counter()
    parsed = parse_email(raw)
    assert time.perf_counter() - started < 0.5 and len(raw) > 200_000 and parsed.text.strip() == body.strip()


@pytest.mark.parametrize("text,expected", [
    ("Thanks!\n\nOn Mon, 3 Jun 2024 at 10:00, Shop <s@shop.example> wrote:\n> old", "Thanks!"),
    ("Thanks!\n\nOn Mon, 3 Jun 2024 at 10:00, Shop Support <support@shop.example>\nwrote:\n> old", "Thanks!"),
    ("Merci\n\nLe lun. 3 juin 2024 à 10:00, Boutique <s@shop.example> a écrit :\n> ancien", "Merci"),
    ("Merci\n\n-----Message d'origine-----\nDe : Boutique\nEnvoyé : lundi\nÀ : moi\nObjet : colis", "Merci"),
    ("Thanks\n\n-----Original Message-----\nFrom: Shop\nSent: Monday\nTo: me\nSubject: parcel", "Thanks"),
    ("Merci\n\n________________________________\nDe : Boutique <s@shop.example>\nEnvoyé : lundi 3 juin\nÀ : moi",
     "Merci"),
    ("Merci\n\nDe : Boutique <s@shop.example>\nEnvoyé : lundi 3 juin 2024 10:00\nÀ : moi\nObjet : Re: colis\n\nold",
     "Merci"),
    ("On 3 Jun 2024, at 10:00, Shop wrote:\n> Is it broken?\n\nYes, the handle.", "Yes, the handle."),
    ("> Which size?\nM please\n> Colour?\nBlue", "M please\nBlue"),
])
def test_quotes_are_stripped_and_bottom_posting_kept(text, expected):
    assert strip_quotes(text).new_text == expected


def test_a_forward_is_not_a_quote():
    text = "See below\n\n---------- Forwarded message ---------\nFrom: Carrier <c@x.example>\nSubject: lost\n\nParcel lost"
    assert "Parcel lost" in strip_quotes(text).new_text


@pytest.mark.parametrize("subject,token,clean", [
    ("Re: [#1042] Where is my parcel?", 1042, "Where is my parcel?"),
    ("RE : TR: Fwd: [#1042] Colis", 1042, "Colis"),
    ("AW: WG: Bestellung", None, "Bestellung"),
    ("Réf. : commande", None, "commande"),
])
def test_subject_tokens_and_prefixes(subject, token, clean):
    assert ticket_token(subject) == token and clean_subject(subject) == clean


DSN = b"""From: MAILER-DAEMON@mx.example.com
To: support@shop.example
Subject: Undelivered Mail Returned to Sender
Return-Path: <>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="r"

--r
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.
--r
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; rose@example.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown
--r
Content-Type: text/rfc822-headers

Message-ID: <ticket-1001.m7@shop.example>
Subject: [#1001] Where is my parcel?
--r--
"""


def test_a_dsn_is_a_bounce_naming_our_message_and_the_reason():
    verdict = classify(parse_email(DSN))
    assert verdict.kind == "bounce" and verdict.bounced_message_id == "<ticket-1001.m7@shop.example>"
    assert "5.1.1" in verdict.diagnostic and "User unknown" in verdict.diagnostic


def test_qmail_bounce_and_exchange_oof():
    qmail = b"From: a@mx.example\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example."
    assert classify(parse_email(qmail)).kind == "bounce"
    oof = b"From: rose@example.com\nSubject: Automatic reply: parcel\nX-Auto-Response-Suppress: All\n\nAway"
    assert classify(parse_email(oof)).kind == "auto_reply"
    person = b"From: rose@example.com\nSubject: Re: parcel\nAuto-Submitted: no\n\nHere"
    assert classify(parse_email(person)).kind == "normal"


def test_authentication_results_are_read():
    raw = b"From: a@b.example\nAuthentication-Results: mx; spf=pass; dkim=fail header.d=b.example; dmarc=fail\n\nx"
    result = authentication(parse_email(raw))
    assert (result.spf, result.dkim, result.dmarc, result.failed) == ("pass", "fail", "fail", True)
