"""parse_email on real-looking mail: every field as an agent would read it, for each client and encoding."""
import time
from datetime import datetime, timedelta, timezone

import pytest

from portal.channels.email.parsing import Attachment, parse_email
from portal.channels.email.quotes import html_to_text, strip_html_quotes, strip_quotes
from tests.channels.mail_samples import parsed, raw

UTC = timezone.utc




def test_gmail_reply_headers_and_text():
    mail = parsed("gmail_reply.eml")
    assert mail.message_id == "<CAF7x2=kQm1vL+2s0pX9Zr4eYtW-gA@mail.gmail.com>"
    assert mail.in_reply_to == ["<ticket-1042.m3@shop.example>"]
    assert mail.references == ["<ticket-1042.m3@shop.example>"]
    assert mail.subject == "Re: [#1042] Where is my parcel?"
    assert (mail.from_name, mail.from_email, mail.reply_to_email) == ("Rose Martin", "rose.martin@gmail.com", None)
    assert mail.to == [("Shop Support", "support@shop.example")] and mail.cc == []
    assert mail.date == datetime(2024, 6, 3, 10, 14, 9, tzinfo=UTC)
    assert mail.text == (
        "Hi,\n\nThe parcel still hasn’t arrived. Could you check with the carrier?\n\nThanks,\nRose\n\n"
        "On Mon, 3 Jun 2024 at 10:00, Shop Support <support@shop.example>\nwrote:\n\n"
        "> Hello Rose,\n>\n> Your order #5521 shipped on Friday with Colissimo.\n>\n> --\n> Shop Support\n>\n")
    # The raw HTML alternative, not sanitised here: the product's one sanitiser runs later.
    assert mail.html.startswith('<div dir="ltr"><div>Hi,</div>') and 'class="gmail_quote"' in mail.html
    assert mail.attachments == []


def test_french_outlook_latin1_quoted_printable():
    mail = parsed("outlook_fr_reply.eml")
    assert mail.message_id == "<PAXP193MB2345A1B2C3D4E5F6A7B8C9D0E1F2A3B4@PAXP193MB2345.EURP193.PROD.OUTLOOK.COM>"
    assert mail.references == ["<ticket-1042.m3@shop.example>", "<CAF7x2=kQm1vL+2s0pX9Zr4eYtW-gA@mail.gmail.com>"]
    assert mail.subject == "RE : [#1042] Colis non reçu"  # Outlook's no-break space, shown as a space
    assert (mail.from_name, mail.from_email) == ("Renée Dupré", "renee.dupre@exemple.fr")
    assert mail.to == [("Boutique - Service client", "support@shop.example")]
    assert mail.date == datetime(2024, 6, 3, 12, 2, 9, tzinfo=UTC)
    assert mail.text.startswith("Bonjour,\n\nToujours rien reçu à ce jour. Pouvez-vous me rembourser ?\n")
    assert "Envoyé : lundi 3 juin 2024 10:00\nÀ : Renée Dupré <renee.dupre@exemple.fr>\n" in mail.text
    assert '<div id="divRplyFwdMsg"' in mail.html


def test_iphone_reply_keeps_its_photo_as_an_inline_attachment():
    mail = parsed("iphone_reply.eml")
    assert mail.message_id == "<6B1E2F7A-3C4D-4E5F-8A9B-0C1D2E3F4A5B@icloud.com>"
    assert mail.text.startswith("Yes, the handle is broken. Photo attached.\n\nSent from my iPhone\n\n> On 3 Jun")
    [photo] = mail.attachments
    assert (photo.filename, photo.content_type, photo.content_id, photo.inline) == (
        "IMG_0421.jpeg", "image/jpeg", None, True)
    assert photo.data[:3] == b"\xff\xd8\xff" and photo.data[-2:] == b"\xff\xd9" and len(photo.data) == 283


def test_apple_mail_flowed_delsp_joins_the_customers_paragraph():
    mail = parsed("apple_mail_fr_flowed.eml")
    assert mail.subject == "Re : [#1050] Housse manquante"
    assert mail.text.startswith(
        "Bonjour,\n\nLe colis est bien arrivé ce matin, mais il manque la housse de la valise que j'avais "
        "commandée avec.\n\nMerci d’avance,\nClaire\n\n")


def test_apple_mail_flowed_joins_quoted_lines_within_their_quote_depth():
    # RFC 3676 4.5: a soft break only joins lines of the same quote depth, and the "> " is not repeated inside.
    assert parsed("apple_mail_fr_flowed.eml").text.endswith(
        "> Bonjour Claire,\n> Votre commande a été expédiée vendredi et devrait arriver "
        "mercredi au plus tard.\n")


def test_thunderbird_flowed_without_delsp_keeps_the_space_and_the_signature():
    mail = parsed("thunderbird_de_bottom_posted.eml")
    assert mail.subject == "Re: [#1051] Jacke Größe"
    assert "am liebsten dunkelblau, falls noch vorrätig.\n\n> Viele Grüße\n" in mail.text
    assert mail.text.endswith("Danke!\nJonas\n\n-- \nJonas Becker\nTel. 0170 1234567\n")


def test_attachment_names_from_rfc2231_continuations_and_split_rfc2047_words():
    mail = parsed("attachment_names.eml")
    assert mail.text == "Here are the two files.\n"
    assert [(a.filename, a.content_type, a.inline, a.content_id) for a in mail.attachments] == [
        ("Facture n°5521 – commande de juin.pdf", "application/pdf", False, None),
        ("Recette de la tarte aux pommes à la cannelle.docx",
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False, None)]
    pdf, docx = mail.attachments
    # Sizes are those of the decoded bytes; the declared size=999999 and size=12 are ignored.
    assert pdf.data.startswith(b"%PDF-1.4\n") and len(pdf.data) == 83
    assert docx.data.startswith(b"PK\x03\x04") and len(docx.data) == 208


def test_subject_and_name_split_inside_an_emoji():
    mail = parsed("emoji_subject.eml")
    assert mail.subject == "Commande non reçue 📦 merci 🙏"
    assert mail.from_name == "Léa 🌸 Roux"
    assert mail.text == "Toujours rien 😢\n"


def test_windows_1252_eight_bit_body_and_subject():
    mail = parsed("windows1252_8bit.eml")
    assert mail.subject == "RE: Commande n°5521 – facture"
    assert mail.text.startswith(
        "Bonjour,\n\nLe montant débité est de 129,90 € au lieu de 119,90 € – pouvez-vous "
        "m’envoyer une « facture rectifiée » ? Œuvre complète…\n\nMarc\n\n"
        "-----Original Message-----\n")


def test_a_body_labelled_utf8_that_is_latin1_and_a_raw_latin1_subject():
    mail = parsed("mislabelled_charset.eml")
    assert mail.subject == "Problème de livraison"
    assert (mail.from_name, mail.from_email) == ("", "contact@exemple.fr")
    assert mail.text == "Nom : André Lévy\nMessage : Le colis n'est pas arrivé, il était prévu jeudi.\n"


def test_bare_lf_line_endings():
    mail = parsed("bare_lf.eml")
    assert b"\r" not in raw("bare_lf.eml")
    assert mail.subject == "Retour d’article"
    assert mail.text == ("Je voudrais retourner l’article, la taille ne convient pas du tout et la couleur est "
                         "différente de la photo.\nMerci.\n")
    assert mail.attachments == [Attachment("commande.csv", "text/csv", b"ref;qty\nLOMOND-M;1\n", None, False)]


def test_no_mime_headers_lower_case_folded_headers_and_a_bare_address():
    mail = parsed("no_mime_headers.eml")
    assert mail.subject == "order 5521 still not shipped"
    assert (mail.from_name, mail.from_email) == ("", "paul@exemple.net")
    assert mail.to == [("", "support@shop.example"), ("Boutique, ventes", "ventes@shop.example")]
    assert mail.cc == [("Marie", "marie@exemple.net")]
    assert mail.message_id == "<5521.paul@exemple.net>"
    assert mail.date == datetime(2024, 6, 4, 8, 19, 59, tzinfo=UTC)
    assert mail.text == "Hello, my order 5521 has still not shipped.\nPaul\n" and mail.html is None


def test_html_only_mail_text_drops_script_style_title_and_tracking_pixel():
    mail = parsed("html_only.eml")
    assert "<script" in mail.html  # raw; the sanitiser is the caller's job
    assert "Ma commande (https://shop.example/orders/5521) n’est toujours pas arrivée." in mail.text
    assert "Merci & bonne journée,\nLéa" in mail.text
    for hidden in ("tracking", "alert", "color", "Contact", "mailtrack"):
        assert hidden not in mail.text


def test_html_only_mail_text_lays_out_list_items_on_consecutive_lines():
    assert parsed("html_only.eml").text == (
        "Bonjour,\n\nMa commande (https://shop.example/orders/5521) n’est toujours pas arrivée.\n"
        "Voici ce qui manque :\n\n- 1 × housse\n- 2 × sangles\n\nMerci & bonne journée,\nLéa")


def test_inline_cid_image_and_a_pdf_in_outlook_related_mail():
    mail = parsed("inline_cid_image.eml")
    assert mail.subject == "Colis abîmé"
    assert 'src="cid:image001.png@01DAB5C3.5E2F1A40"' in mail.html
    assert mail.text == "Voici la photo du colis abîmé :\n\n[cid:image001.png@01DAB5C3.5E2F1A40]\n\nNicolas\n"
    image, pdf = mail.attachments
    assert (image.filename, image.content_type, image.content_id, image.inline) == (
        "image001.png", "image/png", "image001.png@01DAB5C3.5E2F1A40", True)
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and len(image.data) == 66
    assert (pdf.filename, pdf.content_type, pdf.content_id, pdf.inline) == (
        "bon-de-retour.pdf", "application/pdf", None, False)


def test_mailing_list_post_keeps_the_reply_to():
    mail = parsed("mailing_list_post.eml")
    assert (mail.from_name, mail.from_email) == ("Rose Martin via Clients", "clients@lists.shop.example")
    assert mail.reply_to_email == "rose.martin@gmail.com"
    assert mail.headers["list-id"] == ["Shop customers <clients.lists.shop.example>"]


def test_headers_are_kept_by_lower_case_name_with_every_value():
    mail = parsed("outlook_fr_reply.eml")
    assert len(mail.headers["authentication-results"]) == 2
    assert mail.headers["thread-topic"] == ["[#1042] Colis non reçu"]
    assert mail.header("Content-Language") == "fr-FR"


@pytest.mark.parametrize("value,expected", [
    ("Message-ID: abc@def.example", "<abc@def.example>"),              # brackets dropped by the client
    ("Message-ID: < spaced@id.example >", "<spaced@id.example>"),
    ("message-id: <A1@Example.COM>", "<A1@Example.COM>"),                 # ids compare exactly: case kept
    ("Message-ID: <>", None),
    ("X-Other: 1", None),
])
def test_message_id_is_normalised_or_none(value, expected):
    assert parse_email(f"From: a@b.example\n{value}\n\nx".encode()).message_id == expected


def test_in_reply_to_comment_and_folded_references():
    raw_mail = (b"From: a@b.example\nIn-Reply-To: <a@b.example> (Rose's message of Mon, 3 Jun 2024)\n"
                b"References: <r1@x.example> <r2@x.example>\n\t<r3@x.example>\n\nx")
    mail = parse_email(raw_mail)
    assert mail.in_reply_to == ["<a@b.example>"]
    assert mail.references == ["<r1@x.example>", "<r2@x.example>", "<r3@x.example>"]


@pytest.mark.parametrize("header,expected", [
    ("Mon, 3 Jun 2024 10:00:00 +0200 (CEST)", datetime(2024, 6, 3, 8, 0, tzinfo=UTC)),
    ("3 Jun 24 10:00 EDT", datetime(2024, 6, 3, 14, 0, tzinfo=UTC)),
    ("Mon, 3 Jun 2024 10:00:00", datetime(2024, 6, 3, 10, 0, tzinfo=UTC)),  # no zone: read as UTC
    ("yesterday", datetime(2024, 6, 5, 12, 0, tzinfo=UTC)),
    ("Mon, 3 Jun 9999 10:00:00 +0000", datetime(2024, 6, 5, 12, 0, tzinfo=UTC)),
])
def test_date_is_aware_utc_or_the_time_it_was_received(header, expected):
    received = datetime(2024, 6, 5, 12, 0, tzinfo=UTC)
    assert parse_email(f"From: a@b.example\nDate: {header}\n\nx".encode(), received_at=received).date == expected


def test_missing_date_without_received_at_is_now():
    date = parse_email(b"From: a@b.example\n\nx").date
    assert date.tzinfo is not None and abs(datetime.now(UTC) - date) < timedelta(minutes=1)


def test_multipart_alternative_prefers_plain_and_falls_back_to_html_when_plain_is_empty():
    both = (b'From: a@b.example\nContent-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain; '
            b'charset=utf-8\n\nplain part\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>html part</p>\n--b--\n')
    assert (parse_email(both).text, parse_email(both).html) == ("plain part", "<p>html part</p>")
    empty_plain = both.replace(b"plain part", b"")
    assert parse_email(empty_plain).text == "html part"


def test_display_name_with_an_encoded_comma_keeps_the_address():
    # Outlook in "Last, First" directories: the comma is inside the encoded word, not a list separator.
    mail = parse_email(b"From: =?iso-8859-1?Q?Dupr=E9=2C_Ren=E9e?= <renee@exemple.fr>\n"
                       b"To: =?utf-8?Q?Martin=2C_Rose?= <rose@x.example>, b@y.example\n\nx")
    assert (mail.from_name, mail.from_email) == ("Dupré, Renée", "renee@exemple.fr")
    assert mail.to == [("Martin, Rose", "rose@x.example"), ("", "b@y.example")]


def test_an_encoded_word_whose_bytes_are_not_its_charset_is_still_decoded():
    assert parse_email(b"From: a@b.example\nSubject: =?utf-8?Q?caf=E9?=\n\nx").subject == "café"


def test_a_mail_forwarded_as_an_attachment_stays_an_attachment():
    raw_mail = (b'From: a@b.example\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\n'
                b'See attached\n--b\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename="fwd.eml"'
                b'\n\nFrom: carrier@x.example\nSubject: Parcel lost\n\nWe lost it.\n--b--\n')
    mail = parse_email(raw_mail)
    assert [(a.filename, a.content_type) for a in mail.attachments] == [("fwd.eml", "message/rfc822")]
    assert b"Subject: Parcel lost" in mail.attachments[0].data


GARBAGE = [
    b"",
    b"\x00\xff\xfe" * 100,
    bytes(range(256)) * 20,
    b"From:\n\n",
    b"just text, no headers at all\nsecond line",
    b"Content-Type: multipart/mixed; boundary=\n\n--\n",
    b'From: a@b.example\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nnever closed',
    b"From: a@b.example\nContent-Type: text/plain; charset=x-unknown-9\n\nR\xc3\xa9",
    b"From: a@b.example\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64@@",
    b"From: a@b.example\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n`\nend\n",
    b"From: a@b.example\nSubject: =?utf-8?B?broken?=\nDate: Mon, 99 Foo 2024\n\nx",
    b"From: a@b.example\nContent-Type: application/pdf; name*=bogus''%ZZ\nContent-Disposition: attachment\n\nx",
    b'From: a@b.example\nContent-Type: multipart/mixed; boundary="b0"\n\n'
    + b"".join(b'--b%d\nContent-Type: multipart/mixed; boundary="b%d"\n\n' % (i, i + 1) for i in range(300))
    + b"--b300\nContent-Type: text/plain\n\ndeep\n",
]


@pytest.mark.parametrize("raw_mail", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises_and_gives_strings(raw_mail):
    mail = parse_email(raw_mail)
    assert isinstance(mail.text, str) and isinstance(mail.subject, str) and mail.date.tzinfo is not None
    assert isinstance(mail.attachments, list) and all(isinstance(a.data, bytes) for a in mail.attachments)


def test_text_of_a_headerless_message_is_the_message():
    assert parse_email(b"just text, no headers at all\nsecond line").text == "just text, no headers at all\nsecond line"


def test_text_never_carries_nul_characters():
    # PostgreSQL refuses NUL in text columns: one binary mail would otherwise fail its ingest on every retry.
    for raw_mail in GARBAGE[1:3]:
        assert "\x00" not in parse_email(raw_mail).text


def test_a_multipart_without_boundary_keeps_its_body_as_text():
    raw_mail = b"From: a@b.example\nContent-Type: multipart/mixed\n\nThe client forgot the boundary.\n"
    assert "The client forgot the boundary." in parse_email(raw_mail).text


def _big_gmail_reply() -> bytes:
    """A ~200 KB Gmail reply: two lines on top of a long quoted history, as plain text and HTML."""
    history = "".join(f"> Line {n} of the earlier conversation about order 5521, with some more words.\n"
                      for n in range(2600))
    html = "".join(f"<div>Line {n} of the earlier conversation</div>" for n in range(2600))
    return ("From: Rose <rose@example.com>\nSubject: Re: [#1042] long\nMIME-Version: 1.0\n"
            'Content-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\n\n'
            "Still waiting.\nRose\n\nOn Mon, 3 Jun 2024 at 10:00, Shop <s@shop.example> wrote:\n" + history +
            "\n--b\nContent-Type: text/html; charset=utf-8\n\n<div>Still waiting.</div><div>Rose</div>"
            '<div class="gmail_quote"><blockquote class="gmail_quote">' + html + "</blockquote></div>\n--b--\n"
            ).encode()


def test_a_200_kb_reply_is_parsed_and_stripped_well_under_a_second():
    raw_mail = _big_gmail_reply()
    assert len(raw_mail) > 200_000
    started = time.perf_counter()
    mail = parse_email(raw_mail)
    stripped = strip_quotes(mail.text)
    html_text = html_to_text(strip_html_quotes(mail.html))
    assert time.perf_counter() - started < 0.5
    assert stripped.new_text == "Still waiting.\nRose"
    assert stripped.quoted_text.endswith("> Line 2599 of the earlier conversation about order 5521, with some more "
                                         "words.")
    assert "Still waiting." in html_text and "Line 12" not in html_text
