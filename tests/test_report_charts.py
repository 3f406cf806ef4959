"""The trend charts: SVG text drawn from the data, with every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from fieldapp.reports import charts
from fieldapp.reports.charts import BOTTOM, TOP, Series

NS = {"s": "http://www.w3.org/2000/svg"}
LABELS = [("Apr", "2025"), ("May", ""), ("Jun", ""), ("Jul", "")]


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well formed


def bars(svg: str) -> dict[str, ET.Element]:
    return {r.get("data-bar"): r for r in parsed(svg).iterfind(".//s:rect[@data-bar]", NS)}


def test_the_tallest_bar_reaches_the_top_of_the_plot_area_and_others_are_to_scale():
    svg = charts.bar_chart("c", LABELS, [Series("Visits", [2, 8, 4, 0])])
    found = bars(svg)
    tallest = found["0-1"]
    assert float(tallest.get("y")) == TOP
    assert float(tallest.get("height")) == BOTTOM - TOP
    assert float(found["0-2"].get("height")) == pytest.approx((BOTTOM - TOP) / 2)
    assert float(found["0-0"].get("height")) == pytest.approx((BOTTOM - TOP) / 4)
    for bar in found.values():  # every bar stands on the baseline
        assert float(bar.get("y")) + float(bar.get("height")) == pytest.approx(BOTTOM)
    assert tallest.get("data-value") == "8"


def test_a_zero_month_has_no_bar():
    found = bars(charts.bar_chart("c", LABELS, [Series("Visits", [2, 8, 4, 0])]))
    assert "0-3" not in found
    assert set(found) == {"0-0", "0-1", "0-2"}


def test_bars_for_each_series_sit_side_by_side_in_their_month():
    svg = charts.bar_chart(
        "c", LABELS, [Series("Car washes", [1, 0, 3, 0]), Series("Nails", [3, 0, 0, 1])]
    )
    found = bars(svg)
    assert float(found["1-0"].get("x")) > float(found["0-0"].get("x"))
    assert float(found["0-2"].get("x")) > float(found["1-0"].get("x"))
    assert found["0-0"].get("fill") != found["1-0"].get("fill")
    assert float(found["1-0"].get("y")) == TOP  # 3 is the tallest across both series


def test_nothing_counted_draws_an_empty_chart():
    svg = charts.bar_chart("c", LABELS, [Series("Visits", [0, 0, 0, 0])])
    assert bars(svg) == {}
    assert parsed(svg).get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"


def test_a_hidden_count_is_drawn_as_hidden_not_to_scale():
    svg = charts.bar_chart(
        "c", LABELS, [Series("Visits", [3, 12, 6, 0], [True, False, False, False])]
    )
    found = bars(svg)
    assert "0-0" not in found, "the hidden count has no bar"
    boxes = parsed(svg).findall(".//s:rect[@data-hidden]", NS)
    assert [b.get("data-hidden") for b in boxes] == ["0-0"]
    assert float(boxes[0].get("height")) == charts.HIDDEN_HEIGHT
    assert 'data-value="3"' not in svg
    assert float(found["0-1"].get("y")) == TOP
    assert "Hidden" in "".join(parsed(svg).itertext())


def test_hidden_counts_do_not_set_the_scale():
    svg = charts.bar_chart("c", LABELS, [Series("Visits", [40, 10, 0, 0], [True, False])])
    assert float(bars(svg)["0-1"].get("y")) == TOP


@pytest.mark.parametrize(
    "name",
    [
        '<script>alert("x")</script>',
        '"/><foreignObject><div>x</div></foreignObject><text x="',
        "Tom & Jerry's <b>wash</b>",
    ],
)
def test_labels_are_escaped_so_markup_in_a_name_cannot_add_to_the_svg(name):
    svg = charts.bar_chart("c", [(name, name)], [Series(name, [1])])
    svg += charts.share_chart("d", [(name, "")], Series(name, [0.5]))
    for one in svg.split("</svg>")[:-1]:
        tree = parsed(one + "</svg>")
        tags = {element.tag.split("}")[1] for element in tree.iter()}
        assert tags <= {"svg", "rect", "line", "text", "circle", "polyline"}, tags
        assert name in "".join(tree.itertext())
    assert "<script" not in svg and "<foreignObject" not in svg


def test_the_svg_is_for_the_eye_only_and_scales_with_its_viewbox():
    tree = parsed(charts.bar_chart("visits", LABELS, [Series("Visits", [1, 2, 3, 4])]))
    assert tree.get("aria-hidden") == "true"
    assert tree.get("id") == "visits"
    assert tree.get("width") is None and tree.get("style") is None


def test_month_labels_are_thinned_so_they_never_crowd():
    labels = [(f"M{n}", "") for n in range(40)]
    svg = charts.bar_chart("c", labels, [Series("Visits", [1] * 40)])
    texts = [t.text for t in parsed(svg).iterfind(".//s:text", NS)]
    shown = [t for t in texts if t.startswith("M")]
    assert 0 < len(shown) <= charts.MAX_LABELS


def test_a_share_is_a_point_from_0_at_the_baseline_to_100_percent_at_the_top():
    svg = charts.share_chart("p", LABELS, Series("Share", [1.0, 0.0, None, 0.5]))
    points = {p.get("data-point"): p for p in parsed(svg).iterfind(".//s:circle", NS)}
    assert set(points) == {"0", "1", "3"}, "a month with nothing judged has no point"
    assert float(points["0"].get("cy")) == TOP
    assert float(points["1"].get("cy")) == BOTTOM
    assert float(points["3"].get("cy")) == pytest.approx((TOP + BOTTOM) / 2)
    lines = parsed(svg).findall(".//s:polyline", NS)
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2, "the gap breaks the line"


def test_a_hidden_share_is_marked_not_plotted():
    svg = charts.share_chart("p", LABELS, Series("Share", [0.25, 0.5, 0.5, 0.5], [True]))
    assert "0" not in {p.get("data-point") for p in parsed(svg).iterfind(".//s:circle", NS)}
    assert [b.get("data-hidden") for b in parsed(svg).iterfind(".//s:rect[@data-hidden]", NS)] == [
        "0-0"
    ]
