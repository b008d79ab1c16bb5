"""Draw a Scene as a `tikzpicture` for the LaTeX sheets: pdflatex with only `\\usepackage{tikz}` compiles it.

The layout is the SVG backend's `Frame`, so a picture has the same size and proportions in both sheets; TikZ's y
axis points up, so drawing coordinates are flipped once here. Colours are defined inside the picture with
`\\definecolor` (xcolor comes with TikZ) and text goes through `tex_text`, which turns the Unicode of labels
("σ(0.5) = 0.6225", "θ₁", "−2") into LaTeX that pdflatex can set.
"""

from __future__ import annotations

from typing import Callable

from tutor.pictures.scene import GRID, INK, MUTED, Axes, Circle, Label, Line, Polyline, Rect, Scene
from tutor.pictures.svg import (AXIS_LABEL_SIZE, LEGEND_SIZE, PAD, TICK_SIZE, TITLE_SIZE, Frame, frame,
                                legend_rows, text_width, tick_text)

# Sizes Computer Modern has as real fonts (pdflatex substitutes, with a warning, anything else).
FONT_SIZES = (5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 10.95, 12.0, 14.4)

NAMED = {"white": "ffffff", "black": "000000"}
HORIZONTAL = {"start": "west", "left": "west", "end": "east", "right": "east"}
VERTICAL = {"bottom": "south", "top": "north"}


def _n(v: float) -> str:
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def font_size(size: float) -> float:
    return min(FONT_SIZES, key=lambda s: abs(s - size))


def anchor_of(anchor: str, baseline: str) -> str:
    """TikZ's name for the point of the text box that sits on the label's point."""
    parts = [VERTICAL.get(baseline, ""), HORIZONTAL.get(anchor, "")]
    return " ".join(p for p in parts if p) or "center"


class _Colours:
    """One \\definecolor per colour used, named after its hex value (so the same colour twice is one name)."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, colour: str) -> str:
        hexa = NAMED.get(colour.strip().lower(), colour.strip().lstrip("#").lower())
        if len(hexa) == 3:
            hexa = "".join(c * 2 for c in hexa)
        if len(hexa) != 6 or any(c not in "0123456789abcdef" for c in hexa):
            hexa = INK.lstrip("#")  # a colour name we cannot translate: ink, rather than a broken picture
        name = f"tutor{hexa}"
        self.names[name] = hexa.upper()
        return name

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{name}}}{{HTML}}{{{hexa}}}" for name, hexa in self.names.items()]


class _Writer:
    def __init__(self, fr: Frame, text: Callable[[str], str]) -> None:
        self.fr = fr
        self.tex = text
        self.colour = _Colours()
        self.body: list[str] = []

    # drawing coordinates (points, y down) → TikZ points (y up)
    def at(self, x: float, y: float) -> str:
        return f"({_n(x)},{_n(self.fr.height - y)})"

    def data(self, x: float, y: float) -> str:
        return self.at(self.fr.px(x), self.fr.py(y))

    def inside(self, points: list[tuple[float, float]]) -> bool:
        fr = self.fr
        eps = 1e-9 * max(abs(fr.xmax - fr.xmin), abs(fr.ymax - fr.ymin))
        return all(fr.xmin - eps <= x <= fr.xmax + eps and fr.ymin - eps <= y <= fr.ymax + eps for x, y in points)

    def style(self, colour: str, width: float, dash: bool, arrow: bool) -> str:
        opts = [f"draw={self.colour(colour)}", f"line width={_n(width)}pt", "line cap=round", "line join=round"]
        if dash:
            w = max(width, 0.75)
            opts.append(f"dash pattern=on {_n(4 * w)}pt off {_n(3 * w)}pt")
        if arrow:
            opts.append("-latex")
        return ", ".join(opts)

    def path(self, points: list[tuple[float, float]], style: str) -> None:
        """A line through data points, clipped to the data area when it leaves it."""
        line = f"\\draw[{style}] " + " -- ".join(self.data(x, y) for x, y in points) + ";"
        if self.inside(points):
            self.body.append(line)
            return
        fr = self.fr
        self.body.append(f"\\begin{{scope}}\\clip {self.at(fr.left - 2, fr.bottom + 2)} rectangle "
                         f"{self.at(fr.right + 2, fr.top - 2)};")
        self.body.append(line)
        self.body.append("\\end{scope}")

    def text(self, x: float, y: float, text: str, *, size: float, anchor: str = "middle", baseline: str = "middle",
             colour: str = INK, bold: bool = False, italic: bool = False, rotate: bool = False) -> str:
        fs = font_size(size)
        font = f"\\fontsize{{{_n(fs)}}}{{{_n(fs * 1.2)}}}\\selectfont\\sffamily"
        if bold:
            font += "\\bfseries"
        if italic:
            font += "\\itshape"
        opts = [f"anchor={anchor_of(anchor, baseline)}", "inner sep=0pt", f"text={self.colour(colour)}",
                # one box height for every label, so that anchors do not move with the letters' descenders
                "text height=0.72em", "text depth=0.2em", f"font={font}"]
        if rotate:
            opts.append("rotate=90")
        return f"\\node[{', '.join(opts)}] at {self.at(x, y)} {{{self.tex(text)}}};"

    # -- items -------------------------------------------------------------------------------------------------
    def item(self, it: object) -> None:
        if isinstance(it, Rect):
            opts = []
            if it.fill:
                opts.append(f"fill={self.colour(it.fill)}")
            if it.stroke:
                opts.append(f"draw={self.colour(it.stroke)}, line width={_n(it.width)}pt")
            if it.rounded:
                opts.append("rounded corners=3pt")
            if opts:
                self.body.append(f"\\path[{', '.join(opts)}] {self.data(it.x, it.y)} rectangle "
                                 f"{self.data(it.x + it.w, it.y + it.h)};")
        elif isinstance(it, Line):
            self.path([(it.x1, it.y1), (it.x2, it.y2)], self.style(it.stroke, it.width, it.dash, it.arrow))
        elif isinstance(it, Polyline):
            if len(it.points) >= 2:
                self.path([(float(x), float(y)) for x, y in it.points],
                          self.style(it.stroke, it.width, it.dash, it.arrow))
        elif isinstance(it, Circle):
            fill = self.colour(it.fill) if it.fill else "white"
            self.body.append(f"\\path[fill={fill}, draw={self.colour(it.stroke)}, line width={_n(it.width)}pt] "
                             f"{self.data(it.x, it.y)} circle[radius={_n(it.r)}pt];")
        elif isinstance(it, Label):
            fr = self.fr
            self.body.append(self.text(fr.px(it.x), fr.py(it.y), it.text, size=it.size, anchor=it.anchor,
                                       baseline=it.baseline, colour=it.color, bold=it.bold, italic=it.italic))

    def axes(self, axes: Axes) -> None:
        fr = self.fr
        xs, ys = fr.ticks(axes)
        grid, muted = self.colour(GRID), self.colour(MUTED)
        if axes.grid:
            for t in xs:
                self.body.append(f"\\draw[{grid}, line width=0.6pt] {self.at(fr.px(t), fr.top)} -- "
                                 f"{self.at(fr.px(t), fr.bottom)};")
            for t in ys:
                self.body.append(f"\\draw[{grid}, line width=0.6pt] {self.at(fr.left, fr.py(t))} -- "
                                 f"{self.at(fr.right, fr.py(t))};")
        self.body.append(f"\\draw[{muted}, line width=0.8pt] {self.at(fr.left, fr.top)} -- "
                         f"{self.at(fr.left, fr.bottom)} -- {self.at(fr.right, fr.bottom)};")
        for t in xs:
            x = fr.px(t)
            self.body.append(f"\\draw[{muted}, line width=0.8pt] {self.at(x, fr.bottom)} -- "
                             f"{self.at(x, fr.bottom + 3)};")
            self.body.append(self.text(x, fr.bottom + 4, tick_text(t), size=TICK_SIZE, baseline="top"))
        for t in ys:
            y = fr.py(t)
            self.body.append(f"\\draw[{muted}, line width=0.8pt] {self.at(fr.left - 3, y)} -- {self.at(fr.left, y)};")
            self.body.append(self.text(fr.left - 5, y, tick_text(t), size=TICK_SIZE, anchor="end"))
        if axes.xlabel:
            self.body.append(self.text((fr.left + fr.right) / 2, fr.height - PAD, axes.xlabel, size=AXIS_LABEL_SIZE,
                                       baseline="bottom"))
        if axes.ylabel:
            self.body.append(self.text(PAD + AXIS_LABEL_SIZE * 0.6, (fr.top + fr.bottom) / 2, axes.ylabel,
                                       size=AXIS_LABEL_SIZE, rotate=True))

    def legend(self, scene: Scene) -> None:
        fr = self.fr
        y = fr.legend_top + LEGEND_SIZE * 0.75
        for row in legend_rows(scene, fr.width - 2 * PAD):
            x = PAD
            for colour, text in row:
                c = self.colour(colour)
                self.body.append(f"\\path[fill={c}, draw={c}, line width=0.8pt, rounded corners=1.5pt] "
                                 f"{self.at(x, y + 4)} rectangle {self.at(x + 16, y - 4)};")
                self.body.append(self.text(x + 20, y, text, size=LEGEND_SIZE, anchor="start"))
                x += 22.0 + text_width(text, LEGEND_SIZE) + 12.0
            y += LEGEND_SIZE * 1.5


def to_tikz(scene: Scene, *, heading: bool = False) -> str:
    """A `tikzpicture` of the scene, `scene.width` × `scene.height` points. As with `to_svg`, the sheet sets the
    title and caption itself; `heading` draws the title inside (a picture on its own)."""
    from tutor.printers.tex_text import tex_text

    fr = frame(scene, heading)
    w = _Writer(fr, tex_text)
    if scene.axes is not None:
        w.axes(scene.axes)
    for it in scene.items:
        w.item(it)
    w.legend(scene)
    if heading and scene.title:
        w.body.append(w.text(PAD, fr.title_y, scene.title, size=TITLE_SIZE, anchor="start", baseline="top",
                             bold=True))
    lines = ["\\begin{tikzpicture}[x=1pt, y=1pt]"]
    lines.extend(w.colour.definitions())
    # the declared size, whatever the items reach: the sheet's layout should not depend on a label's length
    lines.append(f"\\useasboundingbox (0,0) rectangle ({_n(fr.width)},{_n(fr.height)});")
    lines.extend(w.body)
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)
