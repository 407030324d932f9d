import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import pytest
from markupsafe import Markup

from portal.markup import markdown_to_text, render_markdown, render_markdown_toc

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th",
    "td", "del", "sup", "sub",
}
DANGEROUS_SCHEME = re.compile(r"^(javascript|vbscript|data):", re.IGNORECASE)


class _Elements(HTMLParser):
    """Every start tag in a fragment as (tag, {attr: value}), entities decoded like a browser."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html):
    parser = _Elements()
    parser.feed(str(html))
    parser.close()
    return parser.found


def links(html):
    return [attrs for tag, attrs in elements(html) if tag == "a"]


def browser_url(value):
    # Browsers drop tab/newline anywhere and C0 controls/spaces at the edges before parsing.
    return re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(0x21))))


def assert_no_dangerous_urls(html):
    for tag, attrs in elements(html):
        for name in ("href", "src", "action", "formaction", "data", "xlink:href"):
            if name in attrs:
                url = browser_url(attrs[name])
                assert not DANGEROUS_SCHEME.match(url), f"<{tag} {name}={attrs[name]!r}> in {html}"


def assert_clean(html):
    assert_no_dangerous_urls(html)
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html}"
        assert not [name for name in attrs if name.startswith("on")], f"handler on <{tag}>"
        assert "style" not in attrs and "class" not in attrs


HOSTILE_LINKS = {
    "inline": "[x](javascript:alert(1))",
    "reference": "[x][1]\n\n[1]: javascript:alert(1)",
    "reference_with_title": '[x][evil]\n\n[evil]: javascript:alert(1) "t"',
    "autolink": "<javascript:alert(1)>",
    "decimal_entity": "[x](&#106;avascript:alert(1))",
    "hex_entity": "[x](&#x6A;avascript:alert(1))",
    "padded_decimal_entity": "[x](&#0000106avascript:alert(1))",
    "named_entity_colon": "[x](javascript&colon;alert(1))",
    "tab_entity_inside": "[x](java&#x09;script:alert(1))",
    "newline_entity_inside": '<a href="jav&#x0A;ascript:alert(1)">x</a>',
    "mixed_case": "[x](JaVaScRiPt:alert(1))",
    "leading_spaces": "[x](   javascript:alert(1))",
    "leading_control_chars": '<a href="&#x01;&#x20;javascript:alert(1)">x</a>',
    "vbscript": "[x](vbscript:msgbox(1))",
    "data_link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data_image": "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data_image_upper": '<img src="DATA:image/svg+xml;base64,PHN2Zz4=">',
    "raw_html_anchor": '<a href="javascript:alert(1)">x</a>',
    "raw_html_anchor_entity": '<a href="&#106;avascript:alert(1)">x</a>',
    "image_javascript": "![x](javascript:alert(1))",
}


@pytest.mark.parametrize("source", HOSTILE_LINKS.values(), ids=HOSTILE_LINKS.keys())
def test_hostile_urls_are_removed(source):
    html = render_markdown(source)

    assert_clean(html)
    assert "javascript" not in html.lower()
    assert "vbscript" not in html.lower()
    assert "data:" not in html.lower()


HOSTILE_HTML = {
    "img_onerror": ("<img src=x onerror=alert(1)>", "alert"),
    "script_block": ("<script>alert(1)</script>", "alert"),
    "script_inline": ("Hi <script>alert(1)</script> there", "alert"),
    "style": ("<style>body{display:none}</style>", "display"),
    "iframe": ('<iframe src="https://evil.example"></iframe>', "evil.example"),
    "object": ('<object data="evil.swf"></object>', "evil.swf"),
    "embed": ('<embed src="evil.swf">', "evil.swf"),
    "form_input": ('<form action="https://evil.example"><input name="p"></form>', "evil.example"),
    "svg_onload": ("<svg onload=alert(1)><circle r=1 /></svg>", "alert"),
    "svg_script": ("<svg><script>alert(1)</script></svg>", "alert"),
    "math": ('<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>', "javascript"),
    "div_onmouseover": ('<div onmouseover="alert(1)">hover</div>', "alert"),
    "heading_onclick": ('<h2 onclick="alert(1)">Title</h2>', "alert"),
    "link_onclick": ('[ok](/faq) <a href="/faq" onclick="alert(1)">x</a>', "alert"),
    "meta_refresh": ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "evil.example"),
    "base_tag": ('<base href="https://evil.example/">', "evil.example"),
    "style_attribute": ('<p style="background:url(javascript:alert(1))">x</p>', "javascript"),
}


@pytest.mark.parametrize(("source", "payload"), HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_hostile_html_is_removed(source, payload):
    html = render_markdown(source)

    assert_clean(html)
    assert "<script" not in html.lower()
    assert payload not in html


def test_disallowed_tag_is_unwrapped_but_its_text_kept():
    html = render_markdown("<div><blink>Livraison offerte</blink></div>")

    assert "Livraison offerte" in html
    assert "<div" not in html and "<blink" not in html


def test_allowed_raw_html_is_kept():
    html = render_markdown("Prix <del>20 €</del> <strong>15 €</strong>, m<sup>2</sup>")

    assert "<del>20 €</del>" in html
    assert "<strong>15 €</strong>" in html
    assert "<sup>2</sup>" in html


def test_fenced_code_shows_script_as_escaped_text():
    html = render_markdown("```html\n<script>alert(1)</script>\n```")

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<pre><code>" in html
    assert "<script" not in html


def test_inline_code_shows_html_as_escaped_text():
    html = render_markdown("Use `<img onerror=x>` carefully")

    assert "<code>&lt;img onerror=x&gt;</code>" in html


def test_tables_render():
    html = render_markdown("| Pays | Délai |\n|------|:-----:|\n| France | 2 j |\n")

    assert "<table>" in html
    assert "<th>Pays</th>" in html
    assert "<td>France</td>" in html
    assert "align" not in html and "style" not in html


def test_sane_lists_keep_ordered_and_unordered_apart():
    html = render_markdown("1. un\n2. deux\n\n* trois\n")

    assert "<ol>" in html and "<ul>" in html


def test_single_newline_is_not_a_line_break_and_quotes_stay_plain():
    html = render_markdown('ligne un\nligne "deux"')

    assert "<br" not in html  # no nl2br
    assert '"deux"' in html  # no smarty curly quotes


def test_headings_get_ids_and_toc_lists_h2_and_h3():
    html, toc = render_markdown_toc(
        "# Aide\n\n## Livraison\n\n### Délais & frais\n\n#### Détail\n\n## Retours\n"
    )

    assert '<h2 id="livraison">Livraison</h2>' in html
    assert '<h3 id="delais-frais">Délais &amp; frais</h3>' in html
    assert toc == [
        {"level": 2, "id": "livraison", "title": "Livraison"},
        {"level": 3, "id": "delais-frais", "title": "Délais & frais"},
        {"level": 2, "id": "retours", "title": "Retours"},
    ]


def test_french_heading_slug_is_ascii():
    html, toc = render_markdown_toc("## Où est ma commande ?")

    assert '<h2 id="ou-est-ma-commande">Où est ma commande ?</h2>' in html
    assert toc[0]["id"] == "ou-est-ma-commande"
    assert toc[0]["id"].isascii()


def test_duplicate_headings_get_distinct_ids():
    _, toc = render_markdown_toc("## FAQ\n\n## FAQ\n")

    assert [entry["id"] for entry in toc] == ["faq", "faq_1"]


def test_toc_ids_match_rendered_heading_ids():
    html, toc = render_markdown_toc("## Paiement\n\n### Carte bancaire\n\n## Échanges\n")

    heading_ids = [attrs["id"] for tag, attrs in elements(html) if tag in ("h2", "h3")]
    assert heading_ids == [entry["id"] for entry in toc]


def test_raw_heading_id_survives_only_when_slug_shaped():
    html = render_markdown('<h2 id="ok-id">a</h2>\n\n<h2 id="x&quot; onclick=&quot;y">b</h2>')

    ids = [attrs.get("id") for tag, attrs in elements(html) if tag == "h2"]
    assert ids == ["ok-id", None]


def test_ids_are_only_allowed_on_headings():
    html = render_markdown('<p id="login">x</p>')

    assert "id=" not in html


def test_external_link_gets_nofollow_noopener():
    html = render_markdown("[Transporteur](https://carrier.example/track)", base_host="shop.example")

    assert links(html) == [{"href": "https://carrier.example/track", "rel": "nofollow noopener"}]


@pytest.mark.parametrize(
    "href",
    [
        "/kb/livraison",
        "livraison.html",
        "#retours",
        "?q=colis",
        "https://shop.example/kb",
        "HTTPS://Shop.Example:8443/kb",
        "mailto:aide@shop.example",
        "tel:+33123456789",
    ],
)
def test_internal_link_has_no_rel(href):
    html = render_markdown(f"[lien]({href})", base_host="shop.example")

    assert links(html) == [{"href": href}]


def test_base_host_with_port_matches_host_and_port():
    html = render_markdown(
        "[a](https://shop.example:8000/kb) [b](https://shop.example/kb)",
        base_host="https://shop.example:8000",
    )

    assert [attrs.get("rel") for attrs in links(html)] == [None, "nofollow noopener"]


def test_without_base_host_every_absolute_link_is_external():
    html = render_markdown("[a](https://shop.example/kb) [b](/kb)")

    assert [attrs.get("rel") for attrs in links(html)] == ["nofollow noopener", None]


@pytest.mark.parametrize(
    "href",
    [
        "//evil.example/x",
        "/\\evil.example",
        "///evil.example",
        "http:evil.example",
        "https://evil.example\\@shop.example",
        "ht&#x09;tps://evil.example",
        "/&#x09;/evil.example",
        "&#x20;//evil.example",
    ],
)
def test_links_a_browser_resolves_off_site_are_external(href):
    html = render_markdown(f'<a href="{href}">x</a>', base_host="shop.example")

    assert links(html)[0].get("rel") == "nofollow noopener"


def test_user_supplied_rel_and_target_are_replaced():
    html = render_markdown('<a href="https://evil.example" rel="opener" target="_blank">x</a>')

    assert links(html) == [{"href": "https://evil.example", "rel": "nofollow noopener"}]


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_renders_empty_markup(empty):
    html = render_markdown(empty)

    assert isinstance(html, Markup)
    assert html == ""
    assert render_markdown_toc(empty) == (Markup(""), [])
    assert markdown_to_text(empty) == ""


def test_output_is_markup_so_templates_do_not_escape_it_twice():
    html = render_markdown("**gras**")

    assert isinstance(html, Markup)
    assert Markup("{}").format(html) == "<p><strong>gras</strong></p>"


def test_markdown_to_text_strips_markup_and_separates_blocks():
    text = markdown_to_text(
        "## Où est ma commande ?\n\nSuivez **le colis** [ici](https://t.example).\n\n"
        "* un\n* deux\n\n<script>alert(1)</script>\n\nFin &amp; merci"
    )

    assert text == "Où est ma commande ? Suivez le colis ici. un deux Fin & merci"


def test_markdown_to_text_keeps_code_as_literal_text():
    text = markdown_to_text("```\n<b>x</b>\n```")

    assert text == "<b>x</b>"


def test_markdown_to_text_separates_adjacent_html_cells():
    text = markdown_to_text("<table><tr><td>Colis</td><td>perdu</td></tr></table>")

    assert text == "Colis perdu"


PLAIN_OR_NOT = [
    "Bonjour, le colis est arrivé ! Merci.",
    "Line one\nline two\n\n\nAnother paragraph   with  spaces\t\tand tabs.  \nHard break.",
    "    indented like code, but only words",
    "Taille 38 ou 40 ? Je fais du 38.\u00a0Merci !",
    "Price: 49 € (about 2 weeks). Colissimo, DPD: fine.",
    "1. first\n2. second", "1) first", "- item\n- item", "+ item", "Title\n=====", "Title\n-----",
    "# Heading", "   # Heading", "> quoted", "a *b* c", "a _b_ c", "snake_case_word", "`code`", "```\nx\n```",
    "~~~\nx\n~~~", "[link](https://x.example)", "![img](/a.png)", "<b>bold</b>", "Fish &amp; chips",
    "a | b\n--|--\n1 | 2", "back\\slash", "order #123", "ctrl\x02char", "+1 to this", "2026. A year",
    "line\r\nwindows\rold mac", " \n \n ", "tab\tstart\n\tindented",
]


@pytest.mark.parametrize("text", PLAIN_OR_NOT)
def test_markdown_to_text_shortcut_gives_what_the_renderer_gives(text):
    from portal.markup import _rendered_text

    assert markdown_to_text(text) == _rendered_text(text)


def test_concurrent_renders_do_not_mix_documents():
    docs = [f"## Titre {i}\n\n[lien](https://site{i}.example) " + "mot " * 200 for i in range(64)]
    expected = [render_markdown_toc(doc) for doc in docs]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(render_markdown_toc, docs)) == expected


def test_a_call_us_link_keeps_its_tel_href_and_other_schemes_stay_refused():
    html = render_markdown("[Appelez-nous](tel:+33-1-23-45-67-89) [x](javascript:alert(1)) [y](sms:+331) [z](data:text/html,hi)")

    assert [attrs.get("href") for attrs in links(html)] == ["tel:+33-1-23-45-67-89", None, None, None]
