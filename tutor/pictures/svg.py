"""Draw a Scene as one inline `<svg>` element, for the HTML sheets (and the PDF printed from them).

The layout (where the data area sits inside the picture, how data coordinates map to drawing coordinates, the
tick labels' text) lives here as `Frame`, and the TikZ backend reuses it, so that a picture in the LaTeX sheet
has the same proportions as in the HTML sheet. Text is placed by computing the baseline ourselves rather than
with `dominant-baseline`, which renderers disagree about.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from xml.sax.saxutils import escape

from tutor.pictures.scene import GRID, INK, MUTED, Axes, Circle, Label, Line, Polyline, Rect, Scene

PAD = 6.0  # points of white space around everything
TICK_SIZE = 8.0  # tick labels' font size, points
AXIS_LABEL_SIZE = 9.0
TITLE_SIZE = 11.0
LEGEND_SIZE = 8.5
SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
CHAR_WIDTH = 0.56  # average advance of a sans-serif character, in ems: enough to reserve room, not to typeset


def text_width(text: str, size: float) -> float:
    """A generous estimate of a text's width in points (no font metrics at hand)."""
    return len(text) * size * CHAR_WIDTH


def tick_text(value: float) -> str:
    """A tick label: short, no trailing zeros, and a real minus sign (U+2212)."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e6:
        text = str(int(value))
    else:
        text = f"{value:.3g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            text = f"{mantissa}×10" + str(int(exponent)).translate(SUPERSCRIPT)
    return text.replace("-", "\u2212")


@dataclass(frozen=True)
class Frame:
    """Where things go: the data rectangle in drawing coordinates (y down, points) and the map onto it."""

    width: float
    height: float
    left: float  # the data area, in drawing coordinates
    top: float
    right: float
    bottom: float
    xmin: float
    xmax: float
    ymin: float
    ymax: float
    legend_top: float  # baseline region of the legend row(s), drawing coordinates
    title_y: float  # baseline of the title (only drawn when asked)

    def ticks(self, axes: Axes) -> tuple[list[float], list[float]]:
        """The axes' ticks that fall inside the data area (x, then y)."""
        return ([t for t in axes.xticks if self.xmin - 1e-9 <= t <= self.xmax + 1e-9],
                [t for t in axes.yticks if self.ymin - 1e-9 <= t <= self.ymax + 1e-9])

    def px(self, x: float) -> float:
        return self.left + (x - self.xmin) / (self.xmax - self.xmin) * (self.right - self.left)

    def py(self, y: float) -> float:
        return self.bottom - (y - self.ymin) / (self.ymax - self.ymin) * (self.bottom - self.top)

    def scale_x(self) -> float:
        """Points per data unit along x."""
        return (self.right - self.left) / (self.xmax - self.xmin)

    def scale_y(self) -> float:
        return (self.bottom - self.top) / (self.ymax - self.ymin)


def legend_rows(scene: Scene, available: float) -> list[list[tuple[str, str]]]:
    """The legend's entries, wrapped into rows that fit the picture's width."""
    rows: list[list[tuple[str, str]]] = []
    used = available + 1.0
    for colour, text in scene.legend:
        need = 22.0 + text_width(text, LEGEND_SIZE) + 12.0
        if used + need > available and (not rows or rows[-1]):
            rows.append([])
            used = 0.0
        rows[-1].append((colour, text))
        used += need
    return rows


def _limits(lo: float, hi: float) -> tuple[float, float]:
    """Limits with a non-zero span, so that a degenerate scene still draws instead of dividing by zero."""
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi < lo:
        lo, hi = hi, lo
    if hi - lo < 1e-12:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def frame(scene: Scene, heading: bool = False) -> Frame:
    """Lay the picture out: margins for the title, legend, tick labels and axis labels, then the data area,
    shrunk along one axis (and centred) when the scene asks for equal units."""
    xmin, xmax = _limits(*scene.xlim)
    ymin, ymax = _limits(*scene.ylim)
    width, height = float(scene.width), float(scene.height)
    top = PAD
    title_y = top
    if heading and scene.title:
        top += TITLE_SIZE * 1.4
    legend_top = top
    rows = legend_rows(scene, width - 2 * PAD)
    top += len(rows) * LEGEND_SIZE * 1.5
    left = right_pad = bottom_pad = PAD
    if scene.axes is not None:
        axes = scene.axes
        widest = max((text_width(tick_text(t), TICK_SIZE) for t in axes.yticks), default=0.0)
        left += widest + 5.0 + (AXIS_LABEL_SIZE * 1.4 if axes.ylabel else 0.0)
        bottom_pad += TICK_SIZE * 1.5 + (AXIS_LABEL_SIZE * 1.4 if axes.xlabel else 0.0)
        if axes.xticks:  # the last x tick label sticks out half its width past the data area
            right_pad += text_width(tick_text(axes.xticks[-1]), TICK_SIZE) / 2
        top += TICK_SIZE / 2  # room for the top y tick label's upper half
    right = width - right_pad
    bottom = height - bottom_pad
    if right - left < 10 or bottom - top < 10:  # a tiny scene: give the data what there is
        left, right, top, bottom = 0.0, width, 0.0, height
    if scene.equal:
        scale = min((right - left) / (xmax - xmin), (bottom - top) / (ymax - ymin))
        extra_x = (right - left) - scale * (xmax - xmin)
        extra_y = (bottom - top) - scale * (ymax - ymin)
        left, right = left + extra_x / 2, right - extra_x / 2
        top, bottom = top + extra_y / 2, bottom - extra_y / 2
    return Frame(width, height, left, top, right, bottom, xmin, xmax, ymin, ymax, legend_top, title_y)


# -- SVG writing --------------------------------------------------------------------------------------------------


def _n(v: float) -> str:
    """A coordinate, short: two decimals, no trailing zeros."""
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _attr(value: str) -> str:
    return escape(str(value), {'"': "&quot;"})


def baseline_y(y: float, baseline: str, size: float) -> float:
    """The text's baseline, in drawing coordinates (y down), for a label whose point is at `y`."""
    if baseline == "top":
        return y + size * 0.75
    if baseline == "bottom":
        return y - size * 0.22
    return y + size * 0.35


ANCHOR = {"start": "start", "middle": "middle", "end": "end", "left": "start", "right": "end", "center": "middle"}


class _Writer:
    """Accumulates the elements of one picture; one arrow marker per colour, with ids unique to the picture."""

    def __init__(self, scene: Scene, fr: Frame, prefix: str) -> None:
        self.scene = scene
        self.fr = fr
        self.prefix = prefix
        self.markers: dict[str, str] = {}
        self.body: list[str] = []

    def marker(self, colour: str) -> str:
        if colour not in self.markers:
            self.markers[colour] = f"{self.prefix}-arrow-{len(self.markers)}"
        return self.markers[colour]

    def stroke(self, colour: str, width: float, dash: bool, arrow: bool) -> str:
        parts = [f'stroke="{_attr(colour)}"', f'stroke-width="{_n(width)}"']
        if dash:
            parts.append(f'stroke-dasharray="{_n(4 * max(width, 0.75))} {_n(3 * max(width, 0.75))}"')
        if arrow:
            parts.append(f'marker-end="url(#{self.marker(colour)})"')
        return " ".join(parts)

    def text(self, x: float, y: float, text: str, *, size: float, anchor: str = "middle", baseline: str = "middle",
             colour: str = INK, bold: bool = False, italic: bool = False, rotate: bool = False) -> str:
        extra = ""
        if bold:
            extra += ' font-weight="bold"'
        if italic:
            extra += ' font-style="italic"'
        if rotate:  # a y-axis label, reading upwards; (x, y) is its centre
            return (f'<text transform="translate({_n(x)},{_n(y)}) rotate(-90)" y="{_n(size * 0.35)}" '
                    f'text-anchor="middle" font-size="{_n(size)}" fill="{_attr(colour)}"{extra}>'
                    f"{escape(text)}</text>")
        return (f'<text x="{_n(x)}" y="{_n(baseline_y(y, baseline, size))}" '
                f'text-anchor="{ANCHOR.get(anchor, "middle")}" font-size="{_n(size)}" fill="{_attr(colour)}"{extra}>'
                f"{escape(text)}</text>")

    # -- items -------------------------------------------------------------------------------------------------
    def item(self, it: object) -> None:
        fr = self.fr
        if isinstance(it, Rect):
            x1, x2 = sorted((fr.px(it.x), fr.px(it.x + it.w)))
            y1, y2 = sorted((fr.py(it.y), fr.py(it.y + it.h)))
            stroke = (f'stroke="{_attr(it.stroke)}" stroke-width="{_n(it.width)}"' if it.stroke else 'stroke="none"')
            rx = ' rx="3"' if it.rounded else ""
            self.body.append(f'<rect x="{_n(x1)}" y="{_n(y1)}" width="{_n(x2 - x1)}" height="{_n(y2 - y1)}"{rx} '
                             f'fill="{_attr(it.fill or "none")}" {stroke}/>')
        elif isinstance(it, Line):
            self.body.append(f'<line x1="{_n(fr.px(it.x1))}" y1="{_n(fr.py(it.y1))}" x2="{_n(fr.px(it.x2))}" '
                             f'y2="{_n(fr.py(it.y2))}" {self.stroke(it.stroke, it.width, it.dash, it.arrow)} '
                             f'clip-path="url(#{self.prefix}-clip)"/>')
        elif isinstance(it, Polyline):
            if len(it.points) < 2:
                return
            pts = " ".join(f"{_n(fr.px(x))},{_n(fr.py(y))}" for x, y in it.points)
            self.body.append(f'<polyline points="{pts}" fill="none" stroke-linejoin="round" stroke-linecap="round" '
                             f'{self.stroke(it.stroke, it.width, it.dash, it.arrow)} '
                             f'clip-path="url(#{self.prefix}-clip)"/>')
        elif isinstance(it, Circle):
            self.body.append(f'<circle cx="{_n(fr.px(it.x))}" cy="{_n(fr.py(it.y))}" r="{_n(it.r)}" '
                             f'fill="{_attr(it.fill or "white")}" stroke="{_attr(it.stroke)}" '
                             f'stroke-width="{_n(it.width)}"/>')
        elif isinstance(it, Label):
            self.body.append(self.text(fr.px(it.x), fr.py(it.y), it.text, size=it.size, anchor=it.anchor,
                                       baseline=it.baseline, colour=it.color, bold=it.bold, italic=it.italic))

    def axes(self, axes: Axes) -> None:
        fr = self.fr
        inside_x, inside_y = fr.ticks(axes)
        out = self.body
        if axes.grid:
            for t in inside_x:
                out.append(f'<line x1="{_n(fr.px(t))}" y1="{_n(fr.top)}" x2="{_n(fr.px(t))}" y2="{_n(fr.bottom)}" '
                           f'stroke="{GRID}" stroke-width="0.6"/>')
            for t in inside_y:
                out.append(f'<line x1="{_n(fr.left)}" y1="{_n(fr.py(t))}" x2="{_n(fr.right)}" y2="{_n(fr.py(t))}" '
                           f'stroke="{GRID}" stroke-width="0.6"/>')
        out.append(f'<polyline points="{_n(fr.left)},{_n(fr.top)} {_n(fr.left)},{_n(fr.bottom)} '
                   f'{_n(fr.right)},{_n(fr.bottom)}" fill="none" stroke="{MUTED}" stroke-width="0.8"/>')
        for t in inside_x:
            x = fr.px(t)
            out.append(f'<line x1="{_n(x)}" y1="{_n(fr.bottom)}" x2="{_n(x)}" y2="{_n(fr.bottom + 3)}" '
                       f'stroke="{MUTED}" stroke-width="0.8"/>')
            out.append(self.text(x, fr.bottom + 4, tick_text(t), size=TICK_SIZE, baseline="top"))
        for t in inside_y:
            y = fr.py(t)
            out.append(f'<line x1="{_n(fr.left - 3)}" y1="{_n(y)}" x2="{_n(fr.left)}" y2="{_n(y)}" '
                       f'stroke="{MUTED}" stroke-width="0.8"/>')
            out.append(self.text(fr.left - 5, y, tick_text(t), size=TICK_SIZE, anchor="end"))
        if axes.xlabel:
            out.append(self.text((fr.left + fr.right) / 2, fr.height - PAD, axes.xlabel, size=AXIS_LABEL_SIZE,
                                 baseline="bottom", italic=False))
        if axes.ylabel:
            out.append(self.text(PAD + AXIS_LABEL_SIZE * 0.6, (fr.top + fr.bottom) / 2, axes.ylabel,
                                 size=AXIS_LABEL_SIZE, rotate=True))

    def legend(self) -> None:
        fr = self.fr
        y = fr.legend_top + LEGEND_SIZE * 0.75
        for row in legend_rows(self.scene, fr.width - 2 * PAD):
            x = PAD
            for colour, text in row:
                self.body.append(f'<rect x="{_n(x)}" y="{_n(y - 4)}" width="16" height="8" rx="1.5" '
                                 f'fill="{_attr(colour)}" stroke="{_attr(colour)}" stroke-width="0.8"/>')
                self.body.append(self.text(x + 20, y, text, size=LEGEND_SIZE, anchor="start"))
                x += 22.0 + text_width(text, LEGEND_SIZE) + 12.0
            y += LEGEND_SIZE * 1.5

    def defs(self) -> str:
        fr = self.fr
        pad = 2.0  # let strokes on the data area's edge show their full width
        parts = [f'<clipPath id="{self.prefix}-clip"><rect x="{_n(fr.left - pad)}" y="{_n(fr.top - pad)}" '
                 f'width="{_n(fr.right - fr.left + 2 * pad)}" height="{_n(fr.bottom - fr.top + 2 * pad)}"/></clipPath>']
        for colour, ident in self.markers.items():
            parts.append(f'<marker id="{ident}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                         f'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
                         f'<path d="M0,0 L10,5 L0,10 z" fill="{_attr(colour)}"/></marker>')
        return "<defs>" + "".join(parts) + "</defs>"


def picture_id(scene: Scene) -> str:
    """An id prefix for this picture's markers and clip path: derived from its content, so that the output is
    reproducible and two different pictures on one page do not share ids."""
    return "tp" + hashlib.sha1(repr(scene).encode("utf-8")).hexdigest()[:10]


def to_svg(scene: Scene, *, heading: bool = False, id_prefix: str | None = None) -> str:
    """One `<svg>` element for an HTML5 page. The sheet puts the title and caption around the picture, so they
    are drawn inside only when `heading` is set (a picture on its own); `<title>` and `<desc>` always carry them
    for screen readers. `id_prefix` overrides the content-derived ids (the same picture twice on one page)."""
    fr = frame(scene, heading)
    w = _Writer(scene, fr, id_prefix or picture_id(scene))
    if scene.axes is not None:
        w.axes(scene.axes)
    for it in scene.items:
        w.item(it)
    w.legend()
    if heading and scene.title:
        w.body.append(w.text(PAD, fr.title_y, scene.title, size=TITLE_SIZE, anchor="start", baseline="top",
                             bold=True))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_n(fr.width)} {_n(fr.height)}" '
            f'width="{_n(fr.width)}" height="{_n(fr.height)}" role="img" font-family="sans-serif" '
            f'style="print-color-adjust:exact;-webkit-print-color-adjust:exact">')
    desc = scene.alt or scene.caption
    parts = [head, f"<title>{escape(scene.title)}</title>"]
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    parts.append(w.defs())
    parts.extend(w.body)
    parts.append("</svg>")
    return "\n".join(parts)
