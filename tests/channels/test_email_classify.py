"""Mail no person wrote (auto-replies, bounces, lists) and mail that may not come from whom it says."""
import pytest

from portal.channels.email.machines import AuthResult, authentication, classify
from portal.channels.email.parsing import parse_email
from tests.channels.mail_samples import parsed



def verdict(headers: str, body: str = "Hello"):
    return classify(parse_email(f"From: Rose <rose@example.com>\n{headers}\n\n{body}".encode()))


# --- the samples ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,kind", [
    ("gmail_reply.eml", "normal"),
    ("outlook_fr_reply.eml", "normal"),
    ("iphone_reply.eml", "normal"),
    ("apple_mail_fr_flowed.eml", "normal"),
    ("thunderbird_de_bottom_posted.eml", "normal"),
    ("html_only.eml", "normal"),
    ("inline_cid_image.eml", "normal"),
    ("spoofed_reply_to.eml", "normal"),
    ("exchange_oof_fr.eml", "auto_reply"),
    ("gmail_vacation.eml", "auto_reply"),
    ("mailing_list_post.eml", "bulk"),
    ("postfix_dsn.eml", "bounce"),
    ("qmail_bounce.eml", "bounce"),
    ("gmail_delay_dsn.eml", "bounce"),
    ("exim_delay_warning.eml", "bounce"),
])
def test_each_sample_is_classified(name, kind):
    assert classify(parsed(name)).kind == kind


@pytest.mark.parametrize("name,message_id", [
    ("postfix_dsn.eml", "<ticket-1042.m3@shop.example>"),        # in the returned message/rfc822
    ("gmail_delay_dsn.eml", "<ticket-1044.m2@shop.example>"),    # in text/rfc822-headers
    ("qmail_bounce.eml", "<ticket-1043.m1@shop.example>"),       # in the body, below qmail's line
    ("exim_delay_warning.eml", "<ticket-1045.m1@shop.example>"),  # in the body's copy of the headers
])
def test_a_bounce_names_the_message_of_ours_that_bounced(name, message_id):
    assert classify(parsed(name)).bounced_message_id == message_id


@pytest.mark.parametrize("name,delayed", [
    ("gmail_delay_dsn.eml", True), ("exim_delay_warning.eml", True),
    ("postfix_dsn.eml", False), ("qmail_bounce.eml", False),
])
def test_a_delay_warning_is_told_apart_from_a_failure(name, delayed):
    assert classify(parsed(name)).delayed is delayed


def test_a_delay_notice_carries_its_status_and_the_servers_words():
    assert classify(parsed("gmail_delay_dsn.eml")).diagnostic == (
        "4.4.1 The recipient server did not accept our requests to connect.")


def test_a_postfix_dsn_diagnostic_is_unfolded_whole():
    assert classify(parsed("postfix_dsn.eml")).diagnostic == (
        "5.1.1 550 5.1.1 <rose@exemple.fr>: Recipient address rejected: User unknown in virtual mailbox table")


def test_a_qmail_bounce_diagnostic_is_the_servers_sentence():
    assert "Sorry, no mailbox here by that name. (#5.1.1)" in (classify(parsed("qmail_bounce.eml")).diagnostic or "")


def test_the_dsn_itself_is_not_taken_for_the_bounced_message():
    # The DSN's own Message-Id and its Auto-Submitted must not win over the bounce details.
    result = classify(parsed("postfix_dsn.eml"))
    assert result.kind == "bounce" and result.bounced_message_id != parsed("postfix_dsn.eml").message_id


# --- auto-replies -----------------------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    "Subject: parcel\nAuto-Submitted: auto-replied",
    "Subject: parcel\nAuto-Submitted: auto-generated",
    'Subject: parcel\nAuto-Submitted: auto-replied; owner-email="rose@example.com"',
    "Subject: parcel\nX-Autoreply: yes",
    "Subject: parcel\nX-Autorespond: Will not send another autoreply for 86400 seconds",
    "Subject: parcel\nPrecedence: auto_reply",
    "Subject: parcel\nPrecedence: junk",
    "Subject: Out of Office: parcel",
    "Subject: Automatic reply: parcel",
    "Subject: Auto: Paul is out of the office",
    "Subject: AUTO: Paul est absent",
    "Subject: Réponse automatique : colis",
    "Subject: Absence du bureau",
    "Subject: Absent(e) du bureau jusqu'au 10/06",
    "Subject: Abwesenheitsnotiz: Bestellung",
    "Subject: Automatische Antwort: Bestellung",
    # The null envelope sender of a Sieve vacation reply does not make it a bounce.
    "Subject: En vacances\nReturn-Path: <>\nAuto-Submitted: auto-replied",
])
def test_auto_replies(headers):
    assert verdict(headers).kind == "auto_reply"


@pytest.mark.parametrize("value", ["OOF, AutoReply", "All", "AutoReply"])
def test_x_auto_response_suppress_alone_marks_an_auto_reply(value):
    assert verdict(f"Subject: parcel\nX-Auto-Response-Suppress: {value}").kind == "auto_reply"


@pytest.mark.parametrize("headers", [
    "Subject: Re: parcel\nAuto-Submitted: no",
    "Subject: Re: parcel\nAuto-Submitted: No",
    "Subject: parcel\nX-Auto-Response-Suppress: DR, RN, NRN",
    "Subject: Re: Out of office? Non, je suis là",
    "Subject: Re: [#1042] Automatic reply received, but my question stands",
    "Subject: Fwd: Delivery Status Notification (Failure)",
    "Subject: Undelivered parcel, where is it?",
    "Subject: Returned mail order 5521",
])
def test_people_writing_about_auto_replies_and_bounces_are_people(headers):
    assert verdict(headers).kind == "normal"


@pytest.mark.parametrize("subject", [
    "Absent lors de la livraison, colis renvoyé ?",
    "Absente le jour du passage du livreur",
    "Vacation rental order 5521",
])
def test_a_customer_subject_that_starts_like_an_auto_reply_is_normal(subject):
    assert verdict(f"Subject: {subject}").kind == "normal"


# --- bounces and lists ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw_mail", [
    b"From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\n\nx",
    b"From: postmaster@outlook.example\nSubject: Undeliverable: parcel\n\nx",
    b"From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery Status Notification\n\nx",
    b"From: relay@mx.example\nReturn-Path: <>\nSubject: Undelivered Mail Returned to Sender\n\nx",
    b"From: relay@mx.example\nX-Failed-Recipients: rose@example.com\nSubject: Mail delivery failed\n\nx",
    b"From: rose@mx.example\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example.\n",
])
def test_bounces(raw_mail):
    assert classify(parse_email(raw_mail)).kind == "bounce"


@pytest.mark.parametrize("subject", [
    "Delivery Status Notification (Delay)",
    "Warning: message 1sE3kq-0007Xy-2B delayed 24 hours",
])
def test_delay_notices_from_a_relay_are_bounces(subject):
    assert verdict(f"Subject: {subject}").kind == "bounce"


@pytest.mark.parametrize("headers,kind", [
    ("Subject: News\nList-Unsubscribe: <mailto:leave@lists.example>", "bulk"),
    ("Subject: News\nList-Id: Shop customers <clients.lists.shop.example>", "bulk"),
    ("Subject: News\nPrecedence: bulk", "bulk"),
    ("Subject: News\nPrecedence: list", "bulk"),
    ("Subject: parcel\nPrecedence: first-class", "normal"),
])
def test_bulk_and_lists(headers, kind):
    assert verdict(headers).kind == kind


def test_a_bounce_wins_over_its_auto_submitted_header():
    assert verdict("Subject: Undelivered Mail Returned to Sender\nReturn-Path: <>\nAuto-Submitted: auto-replied"
                   ).kind == "bounce"


# --- authentication and spoofing --------------------------------------------------------------------

def test_a_spoofed_sender_fails_authentication_and_has_a_different_reply_to():
    mail = parsed("spoofed_reply_to.eml")
    assert authentication(mail) == AuthResult(spf="softfail", dkim="none", dmarc="fail")
    assert authentication(mail).failed
    assert (mail.from_email, mail.reply_to_email) == ("rose.martin@gmail.com", "rose.refunds@proton.example")


@pytest.mark.parametrize("name", ["gmail_reply.eml", "outlook_fr_reply.eml", "iphone_reply.eml"])
def test_genuine_mail_passes(name):
    result = authentication(parsed(name))
    assert (result.spf, result.dkim, result.dmarc, result.failed) == ("pass", "pass", "pass", False)


@pytest.mark.parametrize("header,failed", [
    ("mx.shop.example; spf=fail smtp.mailfrom=b.example", True),
    ("mx.shop.example; spf=softfail smtp.mailfrom=b.example", True),
    ("mx.shop.example; dkim=fail header.d=b.example", True),
    ("mx.shop.example; dmarc=fail header.from=b.example", True),
    ("mx.shop.example; spf=none; dkim=neutral (body hash did not verify); dmarc=none", False),
    ("mx.shop.example; spf=pass; dkim=pass; dmarc=bestguesspass; compauth=pass reason=109", False),
    ("mx.shop.example; SPF=Pass; DKIM=Fail", True),
    ("mx.shop.example; none", False),
])
def test_which_results_count_as_failed(header, failed):
    mail = parse_email(f"From: a@b.example\nAuthentication-Results: {header}\n\nx".encode())
    assert authentication(mail).failed is failed


def test_no_authentication_results_is_not_a_failure():
    assert authentication(parse_email(b"From: a@b.example\n\nx")) == AuthResult(None, None, None)


@pytest.mark.parametrize("headers,expected", [
    # Only the topmost header is our receiving server's; the ones below came with the message.
    (["mx.shop.example; spf=pass smtp.mailfrom=b.example; dmarc=pass", "evil.example; dkim=fail"],
     AuthResult("pass", None, "pass")),
    # A comment is not a result.
    (["mx.shop.example; spf=pass (note: dkim=fail would be bad) smtp.mailfrom=b.example"],
     AuthResult("pass", None, None)),
    # Two signatures, one broken by a list footer: one that verifies is enough.
    (["mx.shop.example; dkim=fail header.d=list.example; dkim=pass header.d=b.example; spf=pass; dmarc=pass"],
     AuthResult("pass", "pass", "pass")),
])
def test_only_our_servers_results_count(headers, expected):
    raw_mail = "From: a@b.example\n" + "".join(f"Authentication-Results: {h}\n" for h in headers) + "\nx"
    assert authentication(parse_email(raw_mail.encode())) == expected


def test_reply_to_differs():
    from portal.channels.email.machines import reply_to_differs

    assert reply_to_differs(parsed("spoofed_reply_to.eml"))
    assert not reply_to_differs(parsed("gmail_reply.eml"))  # no Reply-To
    same = parse_email(b"From: Rose <rose@example.com>\nReply-To: ROSE@example.com\n\nx")
    assert not reply_to_differs(same)
