"""A picture as data: a few drawing primitives in the picture's own coordinates, and nothing else.

Pictures are built from a Solution's values (`tutor/pictures/<topic>.py`) as a `Scene`, and drawn by one backend
per output: SVG for the HTML and PDF sheets, TikZ for the LaTeX sheets, character cells for the terminal. Like
the expression printers, a backend dispatches on the primitive's class; a new picture never touches a backend.

Coordinates are data coordinates (`xlim`, `ylim`), with y pointing up as on graph paper. Sizes that should not
scale with the data (a point's radius, a line's width, a label's size) are in typographic points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A small palette that prints well in colour and stays distinguishable in greyscale.
INK = "#222222"
MUTED = "#888888"
GRID = "#dddddd"
BLUE = "#1f5fa8"
ORANGE = "#d2691e"
GREEN = "#2e7d32"
RED = "#c62828"
PURPLE = "#6a1b9a"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = INK
    width: float = 1.0
    dash: bool = False
    arrow: bool = False  # an arrowhead at (x2, y2)


@dataclass(frozen=True)
class Polyline:
    points: tuple[tuple[float, float], ...]
    stroke: str = INK
    width: float = 1.5
    dash: bool = False
    arrow: bool = False  # an arrowhead at the last point


@dataclass(frozen=True)
class Circle:
    """A marker: centre in data coordinates, radius in points."""

    x: float
    y: float
    r: float = 4.0
    fill: str | None = INK
    stroke: str = INK
    width: float = 1.0


@dataclass(frozen=True)
class Rect:
    """A rectangle in data coordinates, (x, y) its lower-left corner."""

    x: float
    y: float
    w: float
    h: float
    fill: str | None = None
    stroke: str | None = INK
    width: float = 1.0
    rounded: bool = False


@dataclass(frozen=True)
class Label:
    """Text at a point. `anchor` is where the point is on the text: start, middle or end (horizontally);
    `baseline` is bottom, middle or top (vertically)."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    baseline: str = "middle"
    size: float = 9.0
    color: str = INK
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Axes:
    """Axes with ticks and labels, drawn by the backend around the data area."""

    xlabel: str = ""
    ylabel: str = ""
    xticks: tuple[float, ...] = ()
    yticks: tuple[float, ...] = ()
    grid: bool = True


Item = Line | Polyline | Circle | Rect | Label


@dataclass(frozen=True)
class Scene:
    """One picture. `title` heads it, `caption` says in a sentence what to see, `alt` describes it in words for
    a screen reader (and for the sheets' text checks). `width` and `height` are the drawing's size in points;
    `equal` keeps one unit the same length on both axes (a decision boundary, a grid of cells)."""

    title: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    items: tuple[Item, ...]
    caption: str = ""
    alt: str = ""
    axes: Axes | None = None
    width: float = 320.0
    height: float = 220.0
    equal: bool = False
    legend: tuple[tuple[str, str], ...] = field(default=())  # (colour, text) pairs
    # Rows of character cells in the terminal (0: from the aspect ratio). A grid of numbers reads better flatter
    # than square in the terminal, so when this is set the terminal does not keep `equal` units.
    terminal_rows: int = 0
