"""The SVG backend: well-formed XML, data coordinates mapped where an independent affine map says, equal units kept,
text escaped, ids unique on a page, the parts a screen reader and a printer need."""

import re
import xml.etree.ElementTree as ET

import pytest

from tutor.pictures.scene import BLUE, ORANGE, Axes, Circle, Label, Line, Polyline, Rect, Scene
from tutor.pictures.svg import to_svg

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def circles(root: ET.Element) -> list[tuple[float, float]]:
    return [(float(c.get("cx")), float(c.get("cy"))) for c in root.iter("{http://www.w3.org/2000/svg}circle")]


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def scene(**kw) -> Scene:
    base = dict(title="T", xlim=(0.0, 10.0), ylim=(0.0, 5.0), items=(), width=320.0, height=220.0)
    base.update(kw)
    return Scene(**base)


def test_one_svg_element_for_html5_with_title_desc_role_and_size():
    svg = to_svg(scene(title="Sigmoid & friends", alt="A <curve>", items=(Circle(1, 1),)))
    assert not svg.startswith("<?xml")
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 320 220"
    assert (root.get("width"), root.get("height")) == ("320", "220")
    assert root.get("font-family") == "sans-serif"
    assert root.find("s:title", NS).text == "Sigmoid & friends"
    assert root.find("s:desc", NS).text == "A <curve>"
    assert "print-color-adjust:exact" in root.get("style")


def test_circles_land_where_an_independent_affine_map_puts_them():
    # No axes, no legend: the data area is the picture less a 6 pt pad on each side (the documented layout).
    pts = [(0.0, 0.0), (10.0, 5.0), (2.5, 1.0), (7.0, 4.5)]
    root = parse(to_svg(scene(items=tuple(Circle(x, y) for x, y in pts))))
    for (x, y), (cx, cy) in zip(pts, circles(root)):
        assert cx == pytest.approx(6 + x / 10 * (320 - 12), abs=0.01)
        assert cy == pytest.approx(220 - 6 - y / 5 * (220 - 12), abs=0.01)  # y up in the data, down in SVG


def test_with_axes_the_map_is_still_affine_y_up_and_inside_the_picture():
    pts = [(-3.0, -1.0), (3.0, 2.0), (0.0, 0.0), (1.5, 0.5)]
    s = scene(xlim=(-3, 3), ylim=(-1, 2), items=tuple(Circle(x, y) for x, y in pts),
              axes=Axes("x", "y", (-2, 0, 2), (-1, 0, 1, 2)), legend=((BLUE, "curve"),))
    got = circles(parse(to_svg(s)))
    (ax, ay), (bx, by) = got[0], got[1]
    for (x, y), (cx, cy) in zip(pts, got):
        assert cx == pytest.approx(ax + (x + 3) / 6 * (bx - ax), abs=0.01)
        assert cy == pytest.approx(ay + (y + 1) / 3 * (by - ay), abs=0.01)
        assert 0 < cx < 320 and 0 < cy < 220
    assert bx > ax and by < ay
    assert ax > 20  # room was left for the y tick labels and the axis label


def test_equal_units_keep_one_unit_the_same_length_on_both_axes():
    s = scene(xlim=(0, 4), ylim=(0, 1), equal=True, items=(Circle(0, 0), Circle(1, 0), Circle(0, 1)),
              width=300, height=300)
    (x0, y0), (x1, _), (_, y2) = circles(parse(to_svg(s)))
    assert x1 - x0 == pytest.approx(y0 - y2, abs=0.02)
    not_equal = circles(parse(to_svg(scene(xlim=(0, 4), ylim=(0, 1), items=(Circle(0, 0), Circle(1, 0), Circle(0, 1)),
                                           width=300, height=300))))
    assert not_equal[1][0] - not_equal[0][0] != pytest.approx(not_equal[0][1] - not_equal[2][1], abs=1)


def test_text_is_escaped_and_minus_signs_in_ticks_are_real_minus_signs():
    s = scene(xlim=(-2, 2), ylim=(-1, 1), items=(Label(0, 0, 'a < b & "c" > d'),),
              axes=Axes(xticks=(-2, -1, 0, 1, 2), yticks=(-1, 0.5, 1)))
    all_text = texts(parse(to_svg(s)))
    assert 'a < b & "c" > d' in all_text
    assert "\u22122" in all_text and "\u22121" in all_text and "0.5" in all_text
    assert not any(t.startswith("-") for t in all_text)


def test_legend_entries_are_drawn_with_their_colours():
    root = parse(to_svg(scene(legend=((BLUE, "σ(x)"), (ORANGE, "tangent")))))
    assert {"σ(x)", "tangent"} <= set(texts(root))
    fills = {r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect")}
    assert {BLUE, ORANGE} <= fills


def test_arrow_markers_are_defined_once_per_colour_and_ids_are_unique_across_a_page():
    arrows = (Line(0, 0, 5, 2, arrow=True, stroke=BLUE), Polyline(((0, 1), (3, 3)), arrow=True, stroke=BLUE),
              Line(1, 1, 2, 4, arrow=True, stroke=ORANGE))
    page = "<div>" + to_svg(scene(items=arrows)) + to_svg(scene(title="other", items=arrows)) + "</div>"
    root = ET.fromstring(page)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    for svg in root:
        own = {e.get("id") for e in svg.iter() if e.get("id")}
        markers = [e for e in svg.iter("{http://www.w3.org/2000/svg}marker")]
        assert len(markers) == 2  # blue and orange
        for e in svg.iter():
            for attr in ("marker-end", "clip-path"):
                if e.get(attr):
                    assert re.fullmatch(r"url\(#(.+)\)", e.get(attr)).group(1) in own


def test_the_same_picture_twice_on_a_page_can_be_given_its_own_ids():
    s = scene(items=(Line(0, 0, 1, 1, arrow=True),))
    a, b = to_svg(s), to_svg(s, id_prefix="second")
    ids_a = set(re.findall(r'id="([^"]+)"', a))
    ids_b = set(re.findall(r'id="([^"]+)"', b))
    assert ids_a and ids_b and not ids_a & ids_b


def test_rects_dashes_open_markers_and_heading():
    s = scene(items=(Rect(1, 1, 2, 1, fill=BLUE, rounded=True), Line(0, 0, 10, 5, dash=True),
                     Circle(5, 2, fill=None, stroke=ORANGE)), caption="what to see")
    root = parse(to_svg(s, heading=True))
    rect = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("fill") == BLUE][0]
    assert float(rect.get("width")) == pytest.approx(2 / 10 * 308, abs=0.02)
    assert float(rect.get("height")) > 0 and rect.get("rx")
    assert any(e.get("stroke-dasharray") for e in root.iter())
    circle = next(root.iter("{http://www.w3.org/2000/svg}circle"))
    assert circle.get("stroke") == ORANGE and circle.get("fill") == "white"
    assert "T" in texts(root)  # the title, drawn because heading was asked for
    assert root.find("s:desc", NS).text == "what to see"  # no alt: the caption describes it


@pytest.mark.parametrize("xlim,ylim", [((1, 1), (0, 1)), ((0, 1), (float("nan"), 2)), ((3, -3), (0, 1))])
def test_degenerate_limits_still_draw(xlim, ylim):
    root = parse(to_svg(scene(xlim=xlim, ylim=ylim, items=(Circle(1, 0.5), Line(0, 0, 1, 1)))))
    for cx, cy in circles(root):
        assert cx == cx and cy == cy  # no NaN coordinates
