"""What the customer wrote, without the conversation their client quoted: text, HTML and subjects."""
import pytest

from portal.channels.email.quotes import (StrippedBody, clean_subject, html_to_text, strip_html_quotes, strip_quotes,
                                          ticket_token)
from tests.channels.mail_samples import parsed



# --- the samples, as the desk will show them ---------------------------------------------------------

@pytest.mark.parametrize("name,new_text", [
    ("gmail_reply.eml", "Hi,\n\nThe parcel still hasn’t arrived. Could you check with the carrier?\n\nThanks,\nRose"),
    ("outlook_fr_reply.eml",
     "Bonjour,\n\nToujours rien reçu à ce jour. Pouvez-vous me rembourser ?\n\nCordialement,\nRenée Dupré"),
    ("iphone_reply.eml", "Yes, the handle is broken. Photo attached.\n\nSent from my iPhone"),
    ("apple_mail_fr_flowed.eml",
     "Bonjour,\n\nLe colis est bien arrivé ce matin, mais il manque la housse de la valise que j'avais "
     "commandée avec.\n\nMerci d’avance,\nClaire"),
    ("windows1252_8bit.eml",
     "Bonjour,\n\nLe montant débité est de 129,90 € au lieu de 119,90 € – pouvez-vous "
     "m’envoyer une « facture rectifiée » ? Œuvre complète…\n\nMarc"),
    ("no_mime_headers.eml", "Hello, my order 5521 has still not shipped.\nPaul"),
])
def test_sample_replies_keep_only_what_the_customer_wrote(name, new_text):
    assert strip_quotes(parsed(name).text).new_text == new_text


def test_the_quoted_part_is_returned_too():
    stripped = strip_quotes(parsed("outlook_fr_reply.eml").text)
    assert stripped.quoted_text.startswith("________________________________\nDe : Boutique - Service client")
    assert stripped.quoted_text.endswith("Votre commande est en route.\n\nL'équipe Boutique")


def test_thunderbird_bottom_posting_keeps_the_answers_between_quotes():
    stripped = strip_quotes(parsed("thunderbird_de_bottom_posted.eml").text)
    assert stripped.new_text == ("Größe M, bitte. Die Farbe ist mir egal, am liebsten dunkelblau, falls noch "
                                 "vorrätig.\n\nDanke!\nJonas\n\n-- \nJonas Becker\nTel. 0170 1234567")


# --- attribution and header-block styles ------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("Thanks!\n\nOn Mon, 3 Jun 2024 at 10:00, Shop <s@shop.example> wrote:\n> old", "Thanks!"),
    ("Thanks!\n\nOn Mon, 3 Jun 2024 at 10:00, Shop Support <support@shop.example>\nwrote:\n> old", "Thanks!"),
    ("Merci\n\nLe lun. 3 juin 2024 à 10:00, Boutique <s@shop.example> a écrit :\n> ancien", "Merci"),
    ("Merci\n\nLe 3 juin 2024 à 10:00, Boutique <s@shop.example> a écrit :\n\n> ancien", "Merci"),
    ("Danke\n\nAm Mo., 3. Juni 2024 um 10:00 Uhr schrieb Shop Support <support@shop.example>:\n> alt", "Danke"),
    ("Danke\n\nAm 03.06.24 um 10:00 schrieb Shop Support:\n> alt", "Danke"),
    ("Sure\n\nOn Monday, June 3, 2024 at 10:00:00 AM GMT+2, Shop Support <support@shop.example> wrote:\n\n\n"
     "Hello Rose,\nold", "Sure"),
    ("Thanks\n\n-----Original Message-----\nFrom: Shop\nSent: Monday\nTo: me\nSubject: parcel\n\nold", "Thanks"),
    ("Merci\n\n-----Message d'origine-----\nDe : Boutique\nEnvoyé : lundi\nÀ : moi\nObjet : colis", "Merci"),
    ("Merci\n\n________________________________\nDe : Boutique <s@shop.example>\nEnvoyé : lundi 3 juin\n"
     "À : moi\nObjet : Re: colis\n\nancien", "Merci"),
    ("Thanks\n\n________________________________\nFrom: Shop <s@shop.example>\nSent: Monday, June 3, 2024 10:00 AM\n"
     "To: me\nSubject: Re: parcel\n\nold", "Thanks"),
    ("Merci\n\nDe : Boutique <s@shop.example>\nEnvoyé : lundi 3 juin 2024 10:00\nÀ : moi\nObjet : colis\n\nold",
     "Merci"),
    ("Ok\n\n*From:* Shop <s@shop.example>\n*Sent:* Monday\n*To:* me\n*Subject:* parcel\n\nold", "Ok"),
    ("Yes\n\nSent from my iPhone\n\n> On 3 Jun 2024, at 10:00, Shop <s@shop.example> wrote:\n>\n> old",
     "Yes\n\nSent from my iPhone"),
    ("On 3 Jun 2024, at 10:00, Shop wrote:\n> Is it broken?\n\nYes, the handle.", "Yes, the handle."),
    ("> Which size?\nM please\n> Colour?\nBlue", "M please\nBlue"),
])
def test_attributions_and_header_blocks_start_the_quote(text, expected):
    assert strip_quotes(text).new_text == expected


@pytest.mark.parametrize("text", [
    "Merci\n\nLe lun. 3 juin 2024 à 10:00, Boutique <support@shop.example> a\nécrit :\n> ancien",
    "Merci\n\nOn Mon, 3 Jun 2024 at 10:00, Shop Support <\nsupport@shop.example> wrote:\n> old",
])
def test_attribution_wrapped_elsewhere_over_two_lines(text):
    assert strip_quotes(text).new_text == "Merci"


# --- what is not a quote ----------------------------------------------------------------------------

@pytest.mark.parametrize("marker", [
    "---------- Forwarded message ---------\nFrom: Carrier <track@parcel.example>\nDate: Mon, 3 Jun 2024 at 09:00\n"
    "Subject: Parcel lost\nTo: <me@example.com>",
    "Begin forwarded message:\n\nFrom: Carrier <track@parcel.example>\nSubject: Parcel lost",
    "Début du message réexpédié :\n\nDe: Transporteur <suivi@colis.example>\nObjet: Colis perdu",
    "-------- Message transféré --------\nSujet : Colis perdu\nDate : Mon, 3 Jun 2024 09:00:00 +0200\n"
    "De : suivi@colis.example",
])
def test_a_forward_is_kept_whole(marker):
    text = f"See below.\n\n{marker}\n\nYour parcel is lost.\n\n> and an old quote inside it"
    stripped = strip_quotes(text)
    assert stripped.new_text == text.strip() and stripped.quoted_text == ""


@pytest.mark.parametrize("text", [
    "See below.\n\n________________________________\nFrom: Carrier <track@parcel.example>\nSent: Monday, June 3, 2024 "
    "9:00 AM\nTo: me@example.com\nSubject: FW: Parcel lost\n\nYour parcel is lost.",
    "Voir ci-dessous.\n\n________________________________\nDe : Transporteur <suivi@colis.example>\nEnvoyé : lundi "
    "3 juin 2024 09:00\nÀ : moi@exemple.fr\nObjet : TR: Colis perdu\n\nVotre colis est perdu.",
])
def test_an_outlook_forward_is_kept_whole(text):
    assert strip_quotes(text).new_text == text


@pytest.mark.parametrize("text", [
    "Hello\n\nOn the return form I wrote:\nWrong size, please exchange for L.\n\nThanks",
    "Thanks for the quick answer.\n\n__________________\nMarc Girard\nGirard & Fils",
])
def test_customer_lines_that_only_look_like_quote_markers_are_kept(text):
    assert strip_quotes(text).new_text == text


def test_a_signature_is_kept():
    text = "Please cancel order 5521.\n\n-- \nMarc Girard\nGirard & Fils, Lyon"
    assert strip_quotes(text).new_text == text


@pytest.mark.parametrize("text", ["> everything\n> quoted", "On Mon, 3 Jun 2024, Shop wrote:\n> old\n> older"])
def test_when_everything_looks_quoted_the_whole_text_is_returned(text):
    assert strip_quotes(text) == StrippedBody(text, "")


def test_crlf_and_empty_input():
    assert strip_quotes("Ok\r\n\r\n> old\r\n").new_text == "Ok"
    assert strip_quotes("").new_text == "" and strip_quotes(None).new_text == ""


# --- HTML -------------------------------------------------------------------------------------------

def test_gmail_html_quote_container_is_removed():
    html = strip_html_quotes(parsed("gmail_reply.eml").html)
    assert "gmail_quote" not in html and "Colissimo" not in html
    assert "The parcel still hasn’t arrived." in html


def test_outlook_html_loses_everything_from_appendonsend_on():
    html = strip_html_quotes(parsed("outlook_fr_reply.eml").html)
    assert "divRplyFwdMsg" not in html and "Votre commande est en route" not in html
    assert html.rstrip().endswith("Renée Dupré</div>")


def test_apple_mail_html_cite_blockquote_is_removed():
    html = strip_html_quotes(parsed("apple_mail_fr_flowed.eml").html)
    assert 'type="cite"' not in html and "Bonjour Claire" not in html and "Merci d’avance" in html


@pytest.mark.parametrize("name,text", [
    ("gmail_reply.eml", "Hi,\n\nThe parcel still hasn’t arrived. Could you check with the carrier?\n\nThanks,\nRose"),
    ("outlook_fr_reply.eml",
     "Bonjour,\n\nToujours rien reçu à ce jour. Pouvez-vous me rembourser ?\n\nCordialement,\nRenée Dupré"),
    ("apple_mail_fr_flowed.eml",
     "Bonjour,\n\nLe colis est bien arrivé ce matin, mais il manque la housse de la valise que j’avais "
     "commandée avec.\n\nMerci d’avance,\nClaire"),
])
def test_stripped_html_reads_like_the_plain_text(name, text):
    assert html_to_text(strip_html_quotes(parsed(name).html)) == text


def test_thunderbird_html_bottom_posting_keeps_the_answer():
    html = ('<html><body><div class="moz-cite-prefix">On 03/06/2024 10:00, Shop wrote:<br></div>'
            '<blockquote type="cite" cite="mid:ticket-1051.m1@shop.example">Which size?</blockquote>'
            "<p>Size M please.</p><p>Jonas</p></body></html>")
    assert html_to_text(strip_html_quotes(html)) == "Size M please.\n\nJonas"


def test_html_forwards_are_kept():
    html = ('<div>FYI</div><div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------<br>'
            "From: Carrier</div><div>Your parcel is lost.</div></div>")
    assert strip_html_quotes(html) == html


def test_french_apple_mail_html_forward_is_kept():
    html = ('<div>Regardez</div><div><br><blockquote type="cite"><div>Début du message réexpédié'
            "&nbsp;:</div><br><div><b>De:</b> Transporteur</div><div>Votre colis est perdu.</div></blockquote></div>")
    assert "Votre colis est perdu." in html_to_text(strip_html_quotes(html))


def test_html_to_text_links_entities_and_hidden_parts():
    html = ('<html><head><title>T</title><style>p{}</style></head><body><p>Voir <a href="https://shop.example/o/1">'
            "la commande</a> &amp; le suivi&nbsp;: &laquo;&#8239;ok&#8239;&raquo;</p><script>x()</script>"
            "</body></html>")
    # No-break spaces read as spaces.
    assert html_to_text(html) == "Voir la commande (https://shop.example/o/1) & le suivi : « ok »"


@pytest.mark.parametrize("html,text", [
    ('<p>See <a href="https://shop.example/o/1">https://shop.example/o/1</a></p>', "See https://shop.example/o/1"),
    ("<table><tr><td>Ref</td><td>Qty</td></tr><tr><td>LOMOND-M</td><td>1</td></tr></table>", "Ref Qty\nLOMOND-M 1"),
    ("<pre>Order  5521\n  LOMOND-M  x1</pre>", "Order  5521\n  LOMOND-M  x1"),
])
def test_html_to_text_layout_details(html, text):
    assert html_to_text(html) == text


def test_html_to_text_survives_broken_markup():
    assert html_to_text('<div><p>unclosed <b>bold <a href="x">link') == "unclosed bold link"
    assert html_to_text("") == "" and html_to_text(None) == ""


# --- subjects ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("subject,token,clean", [
    ("Re: [#1042] Where is my parcel?", 1042, "Where is my parcel?"),
    ("RE : TR: Fwd: [#1042] Colis", 1042, "Colis"),
    ("TR : RE : [#1042] Colis", 1042, "Colis"),
    ("RE\u00a0: Colis non reçu", None, "Colis non reçu"),
    ("Réf. : commande", None, "commande"),
    ("AW: WG: Bestellung", None, "Bestellung"),
    ("Antw: Frage", None, "Frage"),
    ("FW: RE: Facture", None, "Facture"),
    ("Re:Re:Re: x", None, "x"),
    ("re: Réponse", None, "Réponse"),
    ("[#1042] Re: Colis", 1042, "Colis"),
    ("Where is my parcel? [#77]", 77, "Where is my parcel?"),
    ("RE:[#7]x", 7, "x"),
    ("Refund: order 5521", None, "Refund: order 5521"),
    ("Fwd: [Clients] Which size?", None, "[Clients] Which size?"),
    ("Ticket [#12345678901234567890]", None, "Ticket [#12345678901234567890]"),
    ("", None, ""),
])
def test_ticket_token_and_clean_subject(subject, token, clean):
    assert ticket_token(subject) == token and clean_subject(subject) == clean
