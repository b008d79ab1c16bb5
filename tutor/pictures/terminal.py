"""Draw a Scene in the terminal, in character cells: `render(scene, width)` gives a rich renderable.

Lines are braille dots (each cell holds 2 × 4 dots, square enough for slopes to read true), filled rectangles are
background-coloured cells, markers are ● and ○, labels are text in their cells, on top of everything. Without
colour (NO_COLOR, a pipe) rich drops every style, so nothing may depend on colour alone: labels carry the
numbers, and filled rectangles are shaded with ░ ▒ ▓ by how dark their colour is. rich is imported only when the
picture is drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator

from tutor.pictures.scene import MUTED, Axes, Circle, Label, Line, Polyline, Rect, Scene
from tutor.pictures.svg import tick_text

if TYPE_CHECKING:
    from rich.console import Console, ConsoleOptions
    from rich.text import Text

MIN_WIDTH = 24
MAX_ROWS = 26  # a picture taller than this would push its own title off a laptop's screen
MIN_ROWS = 5
POINTS_PER_COLUMN = 4.0  # a picture sized for print, at about this many points to a terminal column
MAX_PLOT_ROWS = 20  # a plot (not equal units) needs less height than a grid of cells
# braille dot bits, by (dx, dy) within a cell: the Unicode braille block's numbering of its eight dots
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))


def luminance(colour: str) -> float:
    """Relative lightness of '#rrggbb' in [0, 1] (1 for anything unreadable: treated as white)."""
    hexa = colour.strip().lstrip("#")
    if colour.strip().lower() == "black":
        return 0.0
    if len(hexa) == 3:
        hexa = "".join(c * 2 for c in hexa)
    try:
        r, g, b = (int(hexa[i:i + 2], 16) / 255 for i in (0, 2, 4))
    except ValueError:
        return 1.0
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def shade(colour: str) -> str:
    """A fill as a character, for output without colour: very light fills stay blank (a highlight behind text)."""
    lum = luminance(colour)
    if lum > 0.82:
        return " "
    if lum > 0.6:
        return "░"
    if lum > 0.35:
        return "▒"
    return "▓"


def readable(fg: str | None, bg: str | None) -> str | None:
    """The foreground to use: print's ink (near black) and white are the terminal's own foreground colour unless
    the cell has a background, since the terminal's background may be dark or light."""
    if fg is None:
        return fg
    if bg is not None:
        # on a fill, a colour too close to it in lightness (grey on light blue) becomes black or white: a
        # 16-colour terminal would otherwise show both as its one white
        if abs(luminance(fg) - luminance(bg)) < 0.45:
            return "#000000" if luminance(bg) > 0.5 else "#ffffff"
        return fg
    lum = luminance(fg)
    return None if lum < 0.2 or lum > 0.9 else fg


@dataclass
class Cell:
    dots: int = 0
    dot_colour: str | None = None
    bg: str | None = None
    text: str | None = None
    text_colour: str | None = None
    bold: bool = False
    marker: bool = False


@dataclass
class Canvas:
    """The data area as `cols` × `rows` cells, with the map from data coordinates onto it."""

    cols: int
    rows: int
    xmin: float
    xmax: float
    ymin: float
    ymax: float
    cells: list[list[Cell]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.cells = [[Cell() for _ in range(self.cols)] for _ in range(self.rows)]

    # continuous cell coordinates: u across (0 at xmin, cols at xmax), v down (0 at ymax, rows at ymin)
    def u(self, x: float) -> float:
        return (x - self.xmin) / (self.xmax - self.xmin) * self.cols

    def v(self, y: float) -> float:
        return (self.ymax - y) / (self.ymax - self.ymin) * self.rows

    def cell_of(self, x: float, y: float) -> tuple[int, int] | None:
        c, r = math.floor(self.u(x)), math.floor(self.v(y))
        if self.u(x) == self.cols:  # the right and bottom edges belong to the last cell
            c -= 1
        if self.v(y) == self.rows:
            r -= 1
        return (r, c) if 0 <= r < self.rows and 0 <= c < self.cols else None

    # -- drawing -------------------------------------------------------------------------------------------------
    def dot(self, px: float, py: float, colour: str) -> None:
        """One braille dot at dot coordinates (2 per cell across, 4 down)."""
        ix, iy = math.floor(px), math.floor(py)
        if ix == 2 * self.cols:
            ix -= 1
        if iy == 4 * self.rows:
            iy -= 1
        if not (0 <= ix < 2 * self.cols and 0 <= iy < 4 * self.rows):
            return
        cell = self.cells[iy // 4][ix // 2]
        cell.dots |= DOTS[iy % 4][ix % 2]
        cell.dot_colour = colour

    def segment(self, x1: float, y1: float, x2: float, y2: float, colour: str, dash: bool = False) -> None:
        a = (2 * self.u(x1), 4 * self.v(y1))
        b = (2 * self.u(x2), 4 * self.v(y2))
        if not all(math.isfinite(t) for t in (*a, *b)):
            return
        length = math.hypot(b[0] - a[0], b[1] - a[1])
        if length > 4 * (self.cols + self.rows) * 50:  # absurdly far outside: nothing sensible to draw
            return
        n = max(1, math.ceil(length * 2))
        for k in range(n + 1):
            s = k / n
            if dash and int(s * length) % 4 >= 2:  # 2 dots on, 2 off
                continue
            self.dot(a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1]), colour)

    def fill(self, rect: Rect) -> None:
        x1, x2 = sorted((self.u(rect.x), self.u(rect.x + rect.w)))
        y1, y2 = sorted((self.v(rect.y), self.v(rect.y + rect.h)))
        for r in range(self.rows):
            for c in range(self.cols):
                if x1 <= c + 0.5 < x2 and y1 <= r + 0.5 < y2:
                    self.cells[r][c].bg = rect.fill

    def put(self, r: int, c: int, text: str, colour: str, bold: bool = False, marker: bool = False) -> None:
        for k, ch in enumerate(text):
            if 0 <= r < self.rows and 0 <= c + k < self.cols:
                cell = self.cells[r][c + k]
                if cell.marker and not marker:
                    continue  # a label beside a point must not hide the point
                cell.text, cell.text_colour, cell.bold, cell.marker = ch, colour, bold, marker

    def label(self, it: Label) -> None:
        u, v = self.u(it.x), self.v(it.y)
        n = len(it.text)
        start = {"start": round(u), "end": round(u) - n}.get(it.anchor, round(u - n / 2))
        row = {"bottom": math.floor(v - 0.5), "top": math.floor(v + 0.5)}.get(it.baseline, math.floor(v))
        row = min(max(row, 0), self.rows - 1) if -1 <= row <= self.rows else row  # a label on the edge stays in
        start = min(max(start, 0), max(self.cols - n, 0))
        self.put(row, start, it.text, it.color, it.bold)

    def draw(self, it: object) -> None:
        if isinstance(it, Rect):
            if it.fill:
                self.fill(it)
            if it.stroke and luminance(it.stroke) < 0.9:
                x, y, w, h = it.x, it.y, it.w, it.h
                for a, b in (((x, y), (x + w, y)), ((x + w, y), (x + w, y + h)), ((x + w, y + h), (x, y + h)),
                             ((x, y + h), (x, y))):
                    self.segment(*a, *b, it.stroke)
        elif isinstance(it, Line):
            self.segment(it.x1, it.y1, it.x2, it.y2, it.stroke, it.dash)
        elif isinstance(it, Polyline):
            for (x1, y1), (x2, y2) in zip(it.points, it.points[1:]):
                self.segment(x1, y1, x2, y2, it.stroke, it.dash)
        elif isinstance(it, Circle):
            where = self.cell_of(it.x, it.y)
            if where is not None:
                # a white fill is a hollow point on paper (XOR's 0s): ○ in the terminal, whatever its background
                hollow = not it.fill or it.fill.lower() in ("#ffffff", "#fff", "white")
                self.put(*where, "○" if hollow else "●", it.stroke if hollow else (it.fill or it.stroke), bold=True,
                         marker=True)
        elif isinstance(it, Label):
            self.label(it)

    # -- reading -----------------------------------------------------------------------------------------------
    def char(self, cell: Cell, colour: bool) -> tuple[str, str | None, str | None, bool]:
        """(character, foreground, background, bold) of one cell."""
        bg = cell.bg if colour else None
        if cell.text is not None:
            return cell.text, readable(cell.text_colour, bg), bg, cell.bold
        if cell.dots:
            return chr(0x2800 + cell.dots), readable(cell.dot_colour, bg), bg, False
        if cell.bg and not colour:
            return shade(cell.bg), None, None, False
        return " ", None, bg, False


def _size(scene: Scene, cols: int) -> tuple[int, int]:
    """Cells for the data area: a cell is about twice as tall as wide, so rows ≈ cols · (h / w) / 2."""
    xspan = scene.xlim[1] - scene.xlim[0]
    yspan = scene.ylim[1] - scene.ylim[0]
    if scene.terminal_rows > 0:
        return min(cols, max(MIN_WIDTH, round(scene.width / POINTS_PER_COLUMN))), min(scene.terminal_rows, MAX_ROWS)
    if scene.equal and xspan > 0 and yspan > 0:
        rows = round(cols * yspan / xspan / 2)
        if rows > MAX_ROWS:
            rows = MAX_ROWS
            cols = max(MIN_WIDTH // 2, round(rows * 2 * xspan / yspan))
        return cols, max(rows, 2)
    rows = round(cols * scene.height / max(scene.width, 1.0) / 2.4)  # a little flatter: terminals are short
    return cols, min(max(rows, MIN_ROWS), MAX_PLOT_ROWS)


def _limits(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return 0.0, 1.0
    lo, hi = min(lo, hi), max(lo, hi)
    return (lo - 0.5, hi + 0.5) if hi - lo < 1e-12 else (lo, hi)


@dataclass
class Layout:
    canvas: Canvas
    gutter: int  # columns left of the data area (y tick labels and the axis)
    axes: Axes | None
    ytick_rows: dict[int, str]
    xtick_cols: dict[int, str]


def layout(scene: Scene, width: int) -> Layout:
    """The data area's size in cells, the tick labels' cells, and every item drawn onto the canvas."""
    width = max(width, MIN_WIDTH)
    axes = scene.axes
    xmin, xmax = _limits(*scene.xlim)
    ymin, ymax = _limits(*scene.ylim)
    gutter = 0
    right = 0
    if axes is not None:
        yt = [t for t in axes.yticks if ymin - 1e-9 <= t <= ymax + 1e-9]
        gutter = max((len(tick_text(t)) for t in yt), default=0) + 2
        xt = [t for t in axes.xticks if xmin - 1e-9 <= t <= xmax + 1e-9]
        right = len(tick_text(xt[-1])) // 2 if xt else 0
    cols, rows = _size(scene, width - gutter - right)
    canvas = Canvas(cols, rows, xmin, xmax, ymin, ymax)
    for it in scene.items:
        canvas.draw(it)
    ytick_rows: dict[int, str] = {}
    xtick_cols: dict[int, str] = {}
    if axes is not None:
        for t in axes.yticks:
            if ymin - 1e-9 <= t <= ymax + 1e-9:
                ytick_rows[min(math.floor(canvas.v(t)), rows - 1)] = tick_text(t)
        for t in axes.xticks:
            if xmin - 1e-9 <= t <= xmax + 1e-9:
                xtick_cols[min(math.floor(canvas.u(t)), cols - 1)] = tick_text(t)
    return Layout(canvas, gutter, axes, ytick_rows, xtick_cols)


class TerminalPicture:
    """A scene as a rich renderable: title, legend, the drawing with its axes, caption."""

    def __init__(self, scene: Scene, width: int) -> None:
        self.scene = scene
        self.width = width

    def __rich_console__(self, console: "Console", options: "ConsoleOptions") -> Iterator["Text"]:
        from rich.text import Text

        colour = not (console.no_color or console.color_system is None)
        width = max(MIN_WIDTH, min(self.width, options.max_width))
        scene = self.scene
        if scene.title:
            yield Text(scene.title, style="bold")
        if scene.legend:
            legend = Text()
            for k, (c, text) in enumerate(scene.legend):
                legend.append(("   " if k else "") + "■ ", style=c if colour else "")
                legend.append(text)
            yield legend
        lay = layout(scene, width)
        yield from self.lines(lay, colour)
        if scene.caption:
            yield Text(scene.caption, style="italic")

    def lines(self, lay: Layout, colour: bool) -> Iterator["Text"]:
        from rich.style import Style
        from rich.text import Text

        canvas, axes = lay.canvas, lay.axes
        muted = Style(color=MUTED) if colour else Style()
        if axes is not None and axes.ylabel:
            yield Text(" " * max(lay.gutter - 2, 0) + "↑ " + axes.ylabel, style=muted)
        for r, row in enumerate(canvas.cells):
            line = Text(no_wrap=True, overflow="crop")
            if axes is not None:
                tick = lay.ytick_rows.get(r)
                line.append((tick or "").rjust(lay.gutter - 2) + (" ┤" if tick is not None else " │"), style=muted)
            for cell in row:
                ch, fg, bg, bold = canvas.char(cell, colour)
                style = Style(color=fg if colour and fg else None, bgcolor=bg, bold=bold) if colour else Style()
                line.append(ch, style=style)
            yield line
        if axes is None:
            return
        ruler = ["─"] * canvas.cols
        labels = [" "] * (canvas.cols + len(max(lay.xtick_cols.values(), key=len, default="")))
        for c, text in sorted(lay.xtick_cols.items()):
            ruler[c] = "┬"
            start = max(0, c - len(text) // 2)
            if all(ch == " " for ch in labels[max(0, start - 1):start + len(text) + 1]):  # no overlapping ticks
                labels[start:start + len(text)] = list(text)
        yield Text(" " * (lay.gutter - 1) + "└" + "".join(ruler), style=muted, no_wrap=True, overflow="crop")
        yield Text(" " * lay.gutter + "".join(labels).rstrip(), style=muted, no_wrap=True, overflow="crop")
        if axes.xlabel:
            pad = lay.gutter + max(0, (canvas.cols - len(axes.xlabel) - 2) // 2)
            yield Text(" " * pad + axes.xlabel + " →", style=muted, no_wrap=True, overflow="crop")


def render(scene: Scene, width: int) -> Any:
    """The scene as a rich renderable, at most `width` columns wide (less if the console is narrower)."""
    return TerminalPicture(scene, width)

