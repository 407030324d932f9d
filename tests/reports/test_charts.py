"""Server-drawn SVG charts: an image with a title and a description, gaps for missing values."""
from portal.reports import charts


def test_a_line_chart_is_an_image_described_in_words(app):
    with app.test_request_context():
        svg = str(charts.line_chart(["1 Nov", "2 Nov", "3 Nov", "4 Nov"],
                                    [("Created", [1, None, 3, 2], str), ("Solved", [0, 1, 1, 4], str)],
                                    title="Tickets", integers=True))
    assert svg.startswith('<svg class="report-chart" role="img"') and 'aria-labelledby="chart' in svg
    assert "<title id=" in svg and "Tickets</title>" in svg
    assert "Created: 1 at the start, 2 at the end, highest 3 (3 Nov)." in svg
    assert svg.count("<polyline") == 2 and svg.count("<circle") == 1  # Created: a dot, a gap, a line
    assert ">4</text>" in svg and ">0.5</text>" not in svg  # whole-number ticks for counts


def test_bars_and_legend(app):
    with app.test_request_context():
        svg = str(charts.bar_chart([("Email", 5), ("<Chat>", 2)], title="Per channel"))
        legend = str(charts.legend([("Created", [], str), ("Solved", [], str)]))
    assert "&lt;Chat&gt;" in svg and "the largest is Email with 5" in svg
    assert legend.count("<li>") == 2 and 'aria-hidden="true"' in legend
