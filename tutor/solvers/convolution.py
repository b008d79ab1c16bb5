"""Convolutional layers by hand: the sliding sum of a 2-D cross-correlation (or of a true convolution, with the
kernel flipped) and its Jacobians, output sizes, max and average pooling, and the counts of learnable parameters
and of multiplications (with the 1×1 bottleneck).

Sizes follow PyTorch: ⌊(n + 2p − f)/s⌋ + 1 per dimension, zero padding on every side, windows read left to right
and top to bottom. Counts are Python ints, so they print in full however large.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any, Callable

import numpy as np

from tutor.engine import expr as E
from tutor.engine.expr import Expr, Num, Sym
from tutor.engine.ops import Graph, Node
from tutor.engine.step import Solution
from tutor.errors import TutorError, did_you_mean
from tutor.mistakes import Mistake, degenerate, mistakes
from tutor.params import Param, Params, describe, to_integer
from tutor.registry import solver

PAD_WORDS = ("valid", "same", "full")
# The window sums are written out entry by entry while there are at most this many of them, each of at most
# this many products (the notes' 6×6 input with a 3×3 kernel: 16 sums of 9).
EXPAND_MAX_OUTPUTS = 16
EXPAND_MAX_TERMS = 9
MAX_LAYERS = 50

SIZE_HELP = "a whole number, or [height, width]"
PAD_HELP = ("zeros added on each side: a whole number, [height, width], or 'valid' (0), 'same' (f − 1)/2, "
            "'full' (f − 1)")

CROSS_CORRELATION, CONVOLUTION = "cross-correlation", "convolution"
CORRELATION_CONVENTION = (
    "mode cross-correlation: the kernel slides as written, without a flip. This is what PyTorch's conv2d (and "
    "the notes' CNN pages) compute under the name 'convolution'; scipy.signal.correlate2d computes the same, "
    "while scipy.signal.convolve2d flips the kernel first (mode: convolution).")
CONVOLUTION_CONVENTION = (
    "mode convolution: the kernel is flipped (rotated 180°) and then slid, which is the convolution of signal "
    "processing and what scipy.signal.convolve2d computes. PyTorch's conv2d does not flip: it computes "
    "cross-correlation, so conv2d with K_flip as its weight gives this y.")
SIZE_CONVENTION = ("Zero padding of p on every side and windows stepped s at a time; the output has "
                   "⌊(n + 2p − f)/s⌋ + 1 entries per dimension, as torch.nn.Conv2d and nn.MaxPool2d.")


# -- reading parameters -------------------------------------------------------------------------------------------
def _whole(value: Any, field: str, what: str, minimum: int) -> int:
    try:
        n = to_integer(value, field)
    except TutorError:
        raise TutorError(f"expected {what} as a whole number, got {describe(value)}", field=field) from None
    if n < minimum:
        raise TutorError(f"{what} must be at least {minimum}, got {n}", field=field)
    return n


def _read_size(value: Any, field: str, what: str, minimum: int = 1) -> int | tuple[int, int]:
    """A whole number, or a pair [height, width] of them."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise TutorError(f"expected {what} as one whole number or a pair [height, width], got {describe(value)}",
                             field=field)
        return (_whole(value[0], f"{field}[0]", f"{what} (height)", minimum),
                _whole(value[1], f"{field}[1]", f"{what} (width)", minimum))
    return _whole(value, field, what, minimum)


def _read_padding(value: Any, field: str) -> int | tuple[int, int] | str:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in PAD_WORDS:
            return word
        raise TutorError(f"expected a whole number of zeros, a pair [height, width], or one of 'valid', 'same', "
                         f"'full', got {value!r}{did_you_mean(word, PAD_WORDS)}", field=field)
    return _read_size(value, field, "the padding", minimum=0)


def _given_value(v: int | tuple[int, ...] | str) -> Any:
    """How a size is kept as a given: an int, a pair as an int vector [height, width], a word as it is."""
    return np.array(v, dtype=int) if isinstance(v, tuple) else v


def _pair(v: Any) -> tuple[int, int]:
    """(height, width) from a number or a pair, at rule time (a student's replaced value may be a float)."""
    a = np.asarray(v, dtype=float).ravel()
    if a.size == 1:
        return int(round(a[0])), int(round(a[0]))
    return int(round(a[0])), int(round(a[1]))


def _is_pair(v: Any) -> bool:
    return np.ndim(v) > 0 and np.asarray(v).size > 1


def _scalar_or_pair(h: int, w: int) -> Any:
    """One number when height and width agree, else [height, width]."""
    return np.array([h, w], dtype=int) if h != w else int(h)


def _word_padding(word: str, f: int) -> int:
    """The zeros per side that a padding word means for a kernel of size f (stride 1)."""
    if word == "same":
        return (f - 1) // 2
    if word == "full":
        return f - 1
    return 0


def _check_word_padding(word: str, f: tuple[int, int], s: tuple[int, int], field: str) -> None:
    if word != "same":
        return
    if s != (1, 1):
        raise TutorError("'same' padding keeps the size only at stride 1 (PyTorch refuses padding='same' for a "
                         "strided convolution); give p as a number", field=field)
    even = [n for n in f if n % 2 == 0]
    if even:
        raise TutorError(f"'same' padding needs an odd kernel size: with f = {even[0]}, (f − 1)/2 is not whole and "
                         "the zeros cannot be shared equally (PyTorch puts the extra one on the right); give p as "
                         "a number", field=field)


def _sym(name: str, k: int | None = None) -> Sym:
    """A symbol such as h_out or n_in_2, with its LaTeX (h_{out}, n_{in,2}, \\mathrm{filters}_{3})."""
    base, _, sub = name.partition("_")
    tex = base if len(base) == 1 else rf"\mathrm{{{base}}}"
    subs = [t for t in (sub, None if k is None else str(k)) if t]
    if subs:
        tex += "_{" + ",".join(subs) + "}"
    return Sym(name if k is None else f"{name}_{k}", tex)


def _floor(e: Expr) -> Expr:
    return E.Call("floor", (e,))


def _ceil(e: Expr) -> Expr:
    return E.Call("ceil", (e,))


def _size_expr(n: Any, p: Any, f: Any, s: Any, rounding: str = "floor", inline: bool = False) -> Expr:
    """⌊(n + 2·p − f)/s⌋ + 1 with numbers or symbols; `inline` writes the division on one line (inside a
    column of several sizes, where a stacked fraction would be wrapped in a second pair of parentheses)."""
    top = E.Add((E.as_expr(n), E.Mul((Num(2), E.as_expr(p)), "·"), E.Neg(E.as_expr(f))))
    if inline:
        left, right = (("⌈", r"\left\lceil"), ("⌉", r"\right\rceil")) if rounding == "ceil" else \
            (("⌊", r"\left\lfloor"), ("⌋", r"\right\rfloor"))
        rounded: Expr = E.Mul((E.Text(*left), E.Paren(top), E.Text("/", "/"), E.as_expr(s), E.Text(*right)), "")
    else:
        rounded = (_ceil if rounding == "ceil" else _floor)(E.Div(top, E.as_expr(s)))
    return E.Add((rounded, Num(1)))


def _out_size(n: int, p: int, f: int, s: int) -> int:
    return (n + 2 * p - f) // s + 1


def _dims_text(h: int, w: int) -> str:
    return f"{h}×{w}"


def _label(i: int, j: int, oh: int, ow: int, name: str = "y") -> Sym:
    """y_11, y_23 (y_1,12 when an index passes 9); a single index for a row or a column of outputs."""
    if oh == 1 or ow == 1:
        k = j + 1 if oh == 1 else i + 1
        return Sym(f"{name}_{k}", f"{name}_{{{k}}}")
    sep = "," if max(oh, ow) > 9 else ""
    return Sym(f"{name}_{i + 1}{sep}{j + 1}", f"{name}_{{{i + 1}{sep}{j + 1}}}")


# -- the sliding sum ---------------------------------------------------------------------------------------------
def _padding_amounts(p: Any, x: Any, K: Any) -> tuple[int, int]:
    """Zeros per side (rows, columns). A 1-row input with a 1-row kernel is a 1-D signal: a single p pads the
    row only, as conv1d does."""
    ph, pw = _pair(p)
    if not _is_pair(p) and np.shape(x)[0] == 1 and np.shape(K)[0] == 1:
        ph = 0
    return ph, pw


def _correlate(xp: Any, K: Any, s: Any) -> np.ndarray:
    """Σ over each window of (entry under the kernel) × (weight), windows stepped s; no flip, no padding."""
    xp, K = np.atleast_2d(np.asarray(xp, float)), np.atleast_2d(np.asarray(K, float))
    (H, W), (fh, fw), (sh, sw) = xp.shape, K.shape, _pair(s)
    oh, ow = (H - fh) // sh + 1, (W - fw) // sw + 1
    if oh < 1 or ow < 1:
        raise TutorError(f"the {fh}×{fw} kernel does not fit in the {H}×{W} (padded) input", field="K")
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[i, j] = float(np.sum(xp[i * sh:i * sh + fh, j * sw:j * sw + fw] * K))
    return out


def _windows(xp: np.ndarray, fh: int, fw: int, sh: int, sw: int) -> list[tuple[int, int, np.ndarray]]:
    H, W = xp.shape
    return [(i, j, xp[i * sh:i * sh + fh, j * sw:j * sw + fw])
            for i in range((H - fh) // sh + 1) for j in range((W - fw) // sw + 1)]


# -- conv2d ---------------------------------------------------------------------------------------------------------
CONV2D_PARAMS = [
    Param("x", "matrix", "the input, a matrix (a flat list is one row: a 1-D signal)"),
    Param("K", "matrix", "the kernel (filter), f_h×f_w (a flat list is one row)"),
    Param("p", "structure", PAD_HELP, default=0),
    Param("s", "structure", f"the stride, {SIZE_HELP}", default=1),
    Param("b", "number", "a bias added to every output entry", default=None),
    Param("mode", "choice", "cross-correlation slides K as written (PyTorch's conv2d); convolution flips K "
                            "first (scipy.signal.convolve2d)", default=CROSS_CORRELATION,
          choices=(CROSS_CORRELATION, CONVOLUTION)),
    Param("jacobian", "choice", "also the Jacobian of y (flattened row by row) with respect to the input x, the "
                                "kernel K, or both", default="none", choices=("none", "input", "kernel", "both")),
]


@solver("conv2d", title="2-D convolution (cross-correlation) with padding and stride", topic="convolution",
        params=CONV2D_PARAMS, answer=["y"])
def conv2d(p: Params, g: Graph) -> None:
    """x_pad = x with p zeros on every side; y_ij = Σ_u Σ_v x_pad[s(i−1) + u, s(j−1) + v]·K_uv (+ b), an
    output of ⌊(n + 2p − f)/s⌋ + 1 per dimension. mode convolution uses K_flip (K rotated 180°) instead of K.
    Optionally ∂y/∂x and ∂y/∂K, row r of each for output r in reading order."""
    x, K = p["x"], p["K"]
    mode, jac = p["mode"], p["jacobian"]
    pad = _read_padding(p["p"], "p")
    stride = _read_size(p["s"], "s", "the stride")
    one_d = x.shape[0] == 1 and K.shape[0] == 1
    if isinstance(pad, str):
        sh, sw = _pair(stride)
        _check_word_padding(pad, (1, K.shape[1]) if one_d else K.shape, (1, sw) if one_d else (sh, sw), "p")
        pad_value: Any = _word_pad_value(pad, x, K)
    else:
        pad_value = _given_value(pad)
    ph, pw = _padding_amounts(pad_value, x, K)
    if K.shape[0] > x.shape[0] + 2 * ph or K.shape[1] > x.shape[1] + 2 * pw:
        raise TutorError(f"is {_dims_text(*K.shape)} but the input with its padding is only "
                         f"{_dims_text(x.shape[0] + 2 * ph, x.shape[1] + 2 * pw)}: the kernel must fit inside it",
                         field="K")

    xn = g.given("x", x, Sym("x"), "the input" + (" (a 1-D signal)" if one_d else ""))
    Kn = g.given("K", K, Sym("K"), "the kernel (filter)")
    if isinstance(pad, str):
        wordn = g.given("padding", pad, _sym("padding"), f"'{pad}' padding")
        pn = g.step("p", f"'{pad.capitalize()}' padding: zeros on each side", Sym("p"),
                    _word_formula_for(pad, Sym("f")), [Kn, wordn, xn],
                    lambda Kv, word, xv: _word_pad_value(word, xv, Kv),
                    lambda Kv, word, xv: _word_show(word, Kv, xv), _word_explain(pad))
    else:
        pn = g.given("p", pad_value, Sym("p"), "zeros added on each side")
    sn = g.given("s", _given_value(stride), Sym("s"), "the stride: how far the window moves each time")
    mn = g.given("mode", mode, _sym("mode"), "flip the kernel or not")
    bn = g.given("b", p["b"], Sym("b"), "the bias") if "b" in p else None

    _conv_out_size_step(g, xn, Kn, pn, sn, one_d)
    xp = xn
    if ph or pw:
        xp = g.step("x_pad", "Pad the input with zeros", Sym("x_pad", r"x^{\mathrm{pad}}"),
                    E.Text("x with p zeros on every side", r"x \text{ with } p \text{ zeros on every side}"),
                    [xn, Kn, pn], lambda xv, Kv, pv: np.pad(np.asarray(xv, float),
                                                             [(a, a) for a in _padding_amounts(pv, xv, Kv)]),
                    lambda xv, Kv, pv: [],
                    lambda xv, Kv, pv, v: (f"{_dims_text(*np.shape(xv))} becomes {_dims_text(*np.shape(v))}: the "
                                           "border entries now sit under the kernel as often as the middle ones, "
                                           "and the output keeps more of its size."))
    Ku = Kn
    if mode == CONVOLUTION:
        Ku = g.step("K_flip", "Flip the kernel (rotate it 180°)", Sym("K_flip", r"K^{\mathrm{flip}}"),
                    E.Text("K rotated 180°: entry (u, v) is K[f_h + 1 − u, f_w + 1 − v]",
                           r"K \text{ rotated } 180^\circ\text{: entry } (u, v) \text{ is } "
                           r"K_{f_h + 1 - u,\, f_w + 1 - v}"),
                    [Kn], lambda Kv: np.asarray(Kv, float)[::-1, ::-1].copy(), lambda Kv: [],
                    "True convolution slides the kernel flipped: rows in reverse order and each row reversed "
                    "(for a 1-D kernel, [f₁, …, f_k] becomes [f_k, …, f₁]). Then it is the same sliding sum.")
    _y_step(g, xp, Ku, sn, bn, mode)
    if jac in ("input", "both"):
        _dy_dx_step(g, xn, Ku, pn, sn)
    if jac in ("kernel", "both"):
        _dy_dK_step(g, xp, Kn, sn, mn)

    g.conventions.append(CONVOLUTION_CONVENTION if mode == CONVOLUTION else CORRELATION_CONVENTION)
    if one_d:
        g.conventions.append("x and K are single rows, so they are 1-D signals: p and s act along the row only, "
                             "as torch.nn.functional.conv1d does.")
    if ph or pw or _pair(stride) != (1, 1):
        g.conventions.append(SIZE_CONVENTION)
    if bn is not None:
        g.conventions.append("One bias b is added to every output entry, as conv2d adds its bias per output "
                             "channel.")


def _word_pad_value(word: str, x: Any, K: Any) -> Any:
    fh, fw = np.shape(K)
    one_d = np.shape(x)[0] == 1 and fh == 1
    if one_d:
        return _word_padding(word, fw)
    return _scalar_or_pair(_word_padding(word, fh), _word_padding(word, fw))


def _word_show(word: str, K: Any, x: Any) -> list[Expr]:
    fh, fw = np.shape(K)
    sizes = [fw] if (np.shape(x)[0] == 1 and fh == 1) or fh == fw else [fh, fw]
    if word == "valid":
        return []
    lines = []
    for f in sizes:
        lines.append(E.Div(E.Add((Num(f), E.Neg(Num(1)))), Num(2)) if word == "same" else
                     E.Add((Num(f), E.Neg(Num(1)))))
    return [lines[0]] if len(lines) == 1 else [E.Matrix.column(lines)]


def _word_explain(word: str) -> str:
    return {
        "same": "'Same' padding: (f − 1)/2 zeros on each side keep the output as large as the input at stride 1 "
                "(n + 2p − f + 1 = n).",
        "full": "'Full' padding: f − 1 zeros on each side, so every placement where the kernel overlaps the input "
                "at all is counted; the output has n + f − 1 entries.",
        "valid": "'Valid': no padding; the kernel stays inside the input.",
    }[word]


def _conv_out_size(xv: Any, Kv: Any, pv: Any, sv: Any, plus: int = 1) -> Any:
    """[h_out, w_out] of conv2d, ⌊(n + 2p − f)/s⌋ + plus per dimension; for a 1-D signal just the length.
    `plus` is 0 only for the catalogued mistake that leaves out the +1."""
    (H, W), (fh, fw) = np.shape(xv), np.shape(Kv)
    ph, pw = _padding_amounts(pv, xv, Kv)
    sh, sw = _pair(sv)
    if H == 1 and fh == 1:
        return _out_size(W, pw, fw, sw) - 1 + plus
    return np.array([_out_size(H, ph, fh, sh), _out_size(W, pw, fw, sw)], dtype=int) - 1 + plus


def _conv_out_size_step(g: Graph, xn: Node, Kn: Node, pn: Node, sn: Node, one_d: bool) -> Node:
    """[h_out, w_out]; for a 1-D signal (a 1-row x and K) just the length."""
    rule = _conv_out_size

    def show(xv: Any, Kv: Any, pv: Any, sv: Any) -> list[Expr]:
        (H, W), (fh, fw) = np.shape(xv), np.shape(Kv)
        ph, pw = _padding_amounts(pv, xv, Kv)
        sh, sw = _pair(sv)
        if H == 1 and fh == 1:
            return [_size_expr(W, pw, fw, sw)]
        return [E.Matrix.column([E.Rel(_sym("h_out"), "=", _size_expr(H, ph, fh, sh, inline=True)),
                                 E.Rel(_sym("w_out"), "=", _size_expr(W, pw, fw, sw, inline=True))])]

    def explain(xv: Any, Kv: Any, pv: Any, sv: Any, v: Any) -> str:
        sizes = [int(t) for t in np.asarray(v).ravel()]
        what = f"{sizes[0]} outputs" if len(sizes) == 1 else f"a {_dims_text(*sizes)} output"
        return (f"The padded size minus the kernel size is how far the window can move; divided by the stride "
                f"and rounded down it is the number of moves, plus 1 for the first position: {what}.")

    if one_d:
        return g.step("out_size", "Output length", Sym("n_out", "n_{out}"),
                      _size_expr(Sym("N"), Sym("p"), Sym("M"), Sym("s")), [xn, Kn, pn, sn], rule, show, explain)
    return g.step("out_size", "Output size (height, width)", Sym("(h_out, w_out)", r"(h_{out}, w_{out})"),
                  _size_expr(Sym("n"), Sym("p"), Sym("f"), Sym("s")), [xn, Kn, pn, sn], rule, show, explain)


def _y_step(g: Graph, xp: Node, Ku: Node, sn: Node, bn: Node | None, mode: str) -> Node:
    has_bias = bn is not None
    inputs = [xp, Ku, sn] + ([bn] if bn is not None else [])

    def rule(xv: Any, Kv: Any, sv: Any, *b: Any) -> np.ndarray:
        out = _correlate(xv, Kv, sv)
        return out + float(b[0]) if b else out

    def show(xv: Any, Kv: Any, sv: Any, *b: Any) -> list[Expr]:
        xv, Kv = np.atleast_2d(np.asarray(xv, float)), np.atleast_2d(np.asarray(Kv, float))
        fh, fw = Kv.shape
        sh, sw = _pair(sv)
        wins = _windows(xv, fh, fw, sh, sw)
        if not wins or len(wins) > EXPAND_MAX_OUTPUTS or fh * fw + len(b) > EXPAND_MAX_TERMS + 1:
            return []
        oh, ow = wins[-1][0] + 1, wins[-1][1] + 1
        products, terms = [], []
        for i, j, win in wins:
            lab = _label(i, j, oh, ow)
            prod: list[Expr] = [E.mul(win[a, c], Kv[a, c]) for a in range(fh) for c in range(fw)]
            vals: list[Expr] = [Num(win[a, c] * Kv[a, c]) for a in range(fh) for c in range(fw)]
            if b:
                prod.append(Num(float(b[0])))
                vals.append(Num(float(b[0])))
            products.append(E.Rel(lab, "=", E.Add(tuple(prod)) if len(prod) > 1 else prod[0]))
            terms.append(E.Rel(lab, "=", E.Add(tuple(vals)) if len(vals) > 1 else vals[0]))
        return [E.Matrix.column(products), E.Matrix.column(terms)]

    def explain(xv: Any, Kv: Any, sv: Any, *rest: Any) -> str:
        fh, fw = np.shape(np.atleast_2d(Kv))
        sh, sw = _pair(sv)
        if np.shape(np.atleast_2d(xv))[0] == 1 and fh == 1:
            moves = "one step" if sw == 1 else f"{sw} steps"
            text = (f"Lay the kernel's {fw} weights on the first {fw} entries, multiply each entry by the weight "
                    f"on it and add the products; then move {moves} right, to the end of the signal.")
        else:
            moves = "one step" if (sh, sw) == (1, 1) else f"{sh if sh == sw else (sh, sw)} steps"
            text = (f"Lay the {_dims_text(fh, fw)} kernel on the top-left window, multiply each entry by the "
                    f"weight on it and add the products; then move {moves} right, and at the end of the row back "
                    "to the left and down.")
        if mode == CONVOLUTION:
            text += " The weights are those of the flipped kernel: that is what makes it a true convolution."
        if has_bias:
            text += " The bias is added to every sum."
        return text

    xs = "x_pad" if xp.key == "x_pad" else "x"
    ks = "K_flip" if Ku.key == "K_flip" else "K"
    xs_tex = r"x^{\mathrm{pad}}" if xp.key == "x_pad" else "x"
    ks_tex = r"K^{\mathrm{flip}}" if Ku.key == "K_flip" else "K"
    text = f"Σ_u Σ_v {xs}[s(i−1) + u, s(j−1) + v]·{ks}[u, v]" + (" + b" if has_bias else "")
    tex = (rf"\sum_u \sum_v {xs_tex}_{{s(i-1)+u,\, s(j-1)+v}}\, {ks_tex}_{{uv}}" + (" + b" if has_bias else ""))
    title = ("Slide the flipped kernel and add up each window's products" if mode == CONVOLUTION
             else "Slide the kernel and add up each window's products")
    return g.step("y", title, Sym("y", "y"), E.Text(text, tex), inputs, rule, show, explain)


def _jacobian_input(x: Any, Ku: Any, p: Any, s: Any) -> np.ndarray:
    """∂vec(y)/∂vec(x): y is linear in x, so column c is y for the c-th unit input (no bias)."""
    x, Ku = np.asarray(x, float), np.atleast_2d(np.asarray(Ku, float))
    pads = [(a, a) for a in _padding_amounts(p, x, Ku)]
    cols = []
    for c in range(x.size):
        e = np.zeros(x.size)
        e[c] = 1.0
        cols.append(_correlate(np.pad(e.reshape(x.shape), pads), Ku, s).ravel())
    return np.column_stack(cols)


def _jacobian_kernel(xp: Any, K: Any, s: Any, flipped: bool) -> np.ndarray:
    """∂vec(y)/∂vec(K): row r is the window of output r (read against the flipped kernel when flipped)."""
    xp, K = np.atleast_2d(np.asarray(xp, float)), np.atleast_2d(np.asarray(K, float))
    fh, fw = K.shape
    sh, sw = _pair(s)
    rows = [win.ravel()[::-1] if flipped else win.ravel() for _, _, win in _windows(xp, fh, fw, sh, sw)]
    return np.array(rows)


def _dy_dx_step(g: Graph, xn: Node, Ku: Node, pn: Node, sn: Node) -> Node:
    flipped = Ku.key == "K_flip"

    def explain(xv: Any, Kv: Any, pv: Any, sv: Any, J: Any) -> str:
        r, c = np.shape(J)
        padded = any(_padding_amounts(pv, xv, Kv))
        return (f"{r}×{c}: one row per output (in reading order), one column per entry of x. Row r holds the "
                f"weights of {'K_flip' if flipped else 'K'} at the entries under window r and 0 elsewhere, so the "
                "next output's row is the same weights shifted by the stride: an output depends only on the inputs "
                "under the kernel." + (" The padding zeros are constants, so they have no column." if padded
                                       else ""))

    ks = "K_flip" if flipped else "K"
    ks_tex = r"K^{\mathrm{flip}}" if flipped else "K"
    return g.step("dy_dx", "Jacobian of y with respect to the input x", Sym("∂y/∂x", r"\frac{\partial y}{\partial x}"),
                  E.Text(f"entry (r, c): ∂y_r/∂x_c, the weight of {ks} over x_c in window r, else 0",
                         rf"\text{{entry }} (r, c)\text{{: }} \partial y_r / \partial x_c\text{{, the weight of }} "
                         rf"{ks_tex} \text{{ over }} x_c \text{{ in window }} r \text{{, else }} 0"),
                  [xn, Ku, pn, sn], _jacobian_input, lambda *v: [], explain)


def _dy_dK_step(g: Graph, xp: Node, Kn: Node, sn: Node, mn: Node) -> Node:
    def rule(xv: Any, Kv: Any, sv: Any, mode: str) -> np.ndarray:
        return _jacobian_kernel(xv, Kv, sv, mode == CONVOLUTION)

    def explain(xv: Any, Kv: Any, sv: Any, mode: str, J: Any) -> str:
        r, c = np.shape(J)
        text = (f"{r}×{c}: one row per output, one column per weight of K. y is linear in K, and row r is the "
                f"window of {'x_pad' if xp.key == 'x_pad' else 'x'} that output r multiplies K with")
        if mode == CONVOLUTION:
            text += ", read in reverse because the kernel is flipped before it slides"
        return text + ". The gradient of a loss is (∂L/∂y)ᵀ times it: this is how a CNN learns its filters."

    xs = "x_pad" if xp.key == "x_pad" else "x"
    xs_tex = r"x^{\mathrm{pad}}" if xp.key == "x_pad" else "x"
    return g.step("dy_dK", "Jacobian of y with respect to the kernel K", Sym("∂y/∂K", r"\frac{\partial y}{\partial K}"),
                  E.Text(f"entry (r, (u, v)): ∂y_r/∂K_uv, the entry of {xs} under K_uv in window r",
                         rf"\text{{entry }} (r, (u, v))\text{{: }} \partial y_r / \partial K_{{uv}}\text{{, the "
                         rf"entry of }} {xs_tex} \text{{ under }} K_{{uv}} \text{{ in window }} r"),
                  [xp, Kn, sn, mn], rule, lambda *v: [], explain)


# -- pooling --------------------------------------------------------------------------------------------------------
POOL_PARAMS = [
    Param("x", "matrix", "the input, one channel (a flat list is one row)"),
    Param("f", "structure", f"the window size, {SIZE_HELP}"),
    Param("s", "structure", f"the stride, {SIZE_HELP}; by default the window size, as nn.MaxPool2d(f)",
          default=None),
    Param("mode", "choice", "max keeps each window's largest entry; avg its mean", default="max",
          choices=("max", "avg")),
]


def _pool_window(f: Any, x: Any) -> tuple[int, int]:
    """(rows, columns) of the window; a single f over a 1-row input is a 1-D window."""
    fh, fw = _pair(f)
    if not _is_pair(f) and np.shape(x)[0] == 1:
        fh = 1
    return fh, fw


def _pool_windows(x: Any, f: Any, s: Any) -> tuple[list[tuple[int, int, np.ndarray]], int, int]:
    x = np.atleast_2d(np.asarray(x, float))
    fh, fw = _pool_window(f, x)
    sh, sw = _pair(s)
    wins = _windows(x, fh, fw, sh, sw)
    if not wins:
        raise TutorError(f"the {_dims_text(fh, fw)} window does not fit in the {_dims_text(*x.shape)} input",
                         field="f")
    return wins, wins[-1][0] + 1, wins[-1][1] + 1


def _winner(win: np.ndarray) -> tuple[int, int]:
    """Position of the largest entry; at a tie the first in reading order (strict >, as PyTorch's kernel)."""
    k = int(np.argmax(win))  # argmax returns the first occurrence
    return divmod(k, win.shape[1])


@solver("pooling", title="Max and average pooling", topic="convolution", params=POOL_PARAMS, answer=["y"])
def pooling(p: Params, g: Graph) -> None:
    """y_ij = max (or mean) of the f×f window whose top-left entry is x[s(i−1) + 1, s(j−1) + 1]; the output has
    ⌊(n − f)/s⌋ + 1 entries per dimension. For max pooling, which entry of each window wins."""
    x, mode = p["x"], p["mode"]
    f = _read_size(p["f"], "f", "the window size")
    s = _read_size(p["s"], "s", "the stride") if "s" in p else f
    fh, fw = _pool_window(_given_value(f), x)
    if fh > x.shape[0] or fw > x.shape[1]:
        raise TutorError(f"the window is {_dims_text(fh, fw)} but the input is only {_dims_text(*x.shape)}",
                         field="f")
    xn = g.given("x", x, Sym("x"), "the input (a feature map)")
    fn = g.given("f", _given_value(f), Sym("f"), "the window size")
    sn = g.given("s", _given_value(s), Sym("s"), "the stride" + ("" if "s" in p else " (the window size)"))
    mn = g.given("mode", mode, _sym("mode"), "max or average")

    def size_rule(xv: Any, fv: Any, sv: Any) -> np.ndarray:
        _, oh, ow = _pool_windows(xv, fv, sv)
        return np.array([oh, ow], dtype=int)

    def size_show(xv: Any, fv: Any, sv: Any) -> list[Expr]:
        (H, W), (fh_, fw_), (sh, sw) = np.shape(xv), _pool_window(fv, xv), _pair(sv)
        if H == 1 and fh_ == 1:
            return [E.Rel(_sym("w_out"), "=", _size_expr(W, 0, fw_, sw))]
        return [E.Matrix.column([E.Rel(_sym("h_out"), "=", _size_expr(H, 0, fh_, sh, inline=True)),
                                 E.Rel(_sym("w_out"), "=", _size_expr(W, 0, fw_, sw, inline=True))])]

    g.step("out_size", "Output size (height, width)", Sym("(h_out, w_out)", r"(h_{out}, w_{out})"),
           _size_expr(Sym("n"), Num(0), Sym("f"), Sym("s")), [xn, fn, sn], size_rule, size_show,
           lambda xv, fv, sv, v: (f"The same count as for a convolution without padding: "
                                  f"{_dims_text(*(int(t) for t in v))} windows."))

    def rule(xv: Any, fv: Any, sv: Any, m: str) -> np.ndarray:
        wins, oh, ow = _pool_windows(xv, fv, sv)
        reduce = np.max if m == "max" else np.mean
        return np.array([float(reduce(w)) for _, _, w in wins]).reshape(oh, ow)

    def show(xv: Any, fv: Any, sv: Any, m: str) -> list[Expr]:
        wins, oh, ow = _pool_windows(xv, fv, sv)
        if len(wins) > EXPAND_MAX_OUTPUTS or wins[0][2].size > EXPAND_MAX_TERMS:
            return []
        lines: list[Expr] = []
        for i, j, w in wins:
            entries = [Num(float(t)) for t in w.ravel()]
            rhs: Expr = (E.Call("max", tuple(entries)) if m == "max"
                         else E.Div(E.Add(tuple(entries)) if len(entries) > 1 else entries[0], Num(w.size)))
            lines.append(E.Rel(_label(i, j, oh, ow), "=", rhs))
        return [E.Matrix.column(lines)]

    def explain(xv: Any, fv: Any, sv: Any, m: str, v: Any) -> str:
        what = "its largest entry" if m == "max" else "the mean of its entries"
        text = f"Each window is replaced by {what}; nothing is learned, and each channel is pooled on its own."
        fh_, fw_ = _pool_window(fv, xv)
        sh, sw = _pair(sv)
        if sh < fh_ or sw < fw_:
            text += (" The stride is smaller than the window, so neighbouring windows overlap and one entry can "
                     + ("win several of them." if m == "max" else "count in several of them."))
        return text

    formula = (E.Text("max of the f×f window at (s(i−1) + 1, s(j−1) + 1)",
                      r"\max \text{ of the } f \times f \text{ window at } (s(i-1)+1,\, s(j-1)+1)") if mode == "max"
               else E.Text("mean of the f×f window at (s(i−1) + 1, s(j−1) + 1)",
                           r"\operatorname{mean} \text{ of the } f \times f \text{ window at } (s(i-1)+1,\, s(j-1)+1)"))
    title = "Max pooling: the largest entry of each window" if mode == "max" else \
        "Average pooling: the mean of each window"
    g.step("y", title, Sym("y"), formula, [xn, fn, sn, mn], rule, show, explain)

    if mode == "max":
        def win_rule(xv: Any, fv: Any, sv: Any) -> np.ndarray:
            wins, _, _ = _pool_windows(xv, fv, sv)
            sh, sw = _pair(sv)
            return np.array([[i * sh + a + 1, j * sw + c + 1] for i, j, w in wins for a, c in [_winner(w)]],
                            dtype=int)

        def win_show(xv: Any, fv: Any, sv: Any) -> list[Expr]:
            wins, oh, ow = _pool_windows(xv, fv, sv)
            if len(wins) > EXPAND_MAX_OUTPUTS:
                return []
            xa = np.atleast_2d(np.asarray(xv, float))
            sh, sw = _pair(sv)
            lines: list[Expr] = []
            for i, j, w in wins:
                a, c = _winner(w)
                r, q = i * sh + a, j * sw + c
                where = _label(r, q, xa.shape[0], xa.shape[1], name="x")
                lines.append(E.Rel(_label(i, j, oh, ow), "←", E.Rel(where, "=", Num(float(xa[r, q])))))
            return [E.Matrix.column(lines)]

        def win_explain(xv: Any, fv: Any, sv: Any, v: Any) -> str:
            wins, oh, ow = _pool_windows(xv, fv, sv)
            ties = [_label(i, j, oh, ow).text for i, j, w in wins if np.sum(w == w.max()) > 1]
            text = ("Row k is the (row, column) in x of the entry that wins window k, windows in reading order. "
                    "In backpropagation the whole gradient of y_k goes to that entry and the others get 0.")
            if ties:
                text += (f" A tie in the window of {', '.join(ties)}: the first in reading order is taken, as "
                         "PyTorch's max_pool2d(return_indices=True) does.")
            return text

        g.step("winners", "Which entry wins each window", _sym("argmax"),
               E.Text("(row, column) of the largest entry of each window",
                      r"(\text{row}, \text{column}) \text{ of the largest entry of each window}"),
               [xn, fn, sn], win_rule, win_show, win_explain)

    if "s" not in p:
        g.conventions.append("No stride given: s = f, windows side by side without overlap, as nn.MaxPool2d(f) "
                             "and nn.AvgPool2d(f) default to.")
    g.conventions.append("No padding; ⌊(n − f)/s⌋ + 1 windows per dimension (ceil_mode=False, PyTorch's default)."
                         + (" Average pooling divides by the window's size, f·f." if mode == "avg" else ""))


# -- output sizes -------------------------------------------------------------------------------------------------
SIZE_PARAMS = [
    Param("n", "structure", f"the input size, {SIZE_HELP}"),
    Param("f", "structure", f"the kernel (or pooling window) size, {SIZE_HELP}; not with layers", default=None),
    Param("p", "structure", PAD_HELP + "; not with layers", default=0),
    Param("s", "structure", f"the stride, {SIZE_HELP}; not with layers", default=1),
    Param("filters", "integer", "the number of filters, which is the output's depth (optional); not with layers",
          default=None),
    Param("c", "integer", "the input's depth (channels), carried through by pooling layers (optional)",
          default=None),
    Param("layers", "structure", "instead of f, p, s, filters: the layers in order, each {f, p (default 0), "
                                 "s (default 1; a pool's default is f), filters (optional), type: conv or pool "
                                 "(default conv)}; each layer's output is the next one's input", default=None),
    Param("rounding", "choice", "floor, as every PyTorch conv; ceil, as nn.MaxPool2d(ceil_mode=True)",
          default="floor", choices=("floor", "ceil")),
]


def _per_dim(fn: Callable[..., Any], *vals: Any) -> Any:
    """fn over (height, width) when any value is a pair, else once over the numbers."""
    if any(_is_pair(v) for v in vals):
        pairs = [_pair(v) for v in vals]
        return np.array([fn(*(pr[0] for pr in pairs)), fn(*(pr[1] for pr in pairs))])
    return fn(*(_pair(v)[0] for v in vals))


def _per_dim_lines(build: Callable[..., Expr], names: tuple[str, str], *vals: Any) -> list[Expr]:
    """One line, or a column 'h: …', 'w: …' when any value is a pair."""
    if any(_is_pair(v) for v in vals):
        pairs = [_pair(v) for v in vals]
        return [E.Matrix.column([E.Rel(Sym(names[d]), "=", build(*(pr[d] for pr in pairs))) for d in (0, 1)])]
    return [build(*(_pair(v)[0] for v in vals))]


LAYER_ALIASES = {"stride": "s", "padding": "p", "pad": "p", "kernel": "f", "kernel_size": "f", "size": "f",
                 "filter": "f", "channels": "filters", "out_channels": "filters", "neurons": "units",
                 "out_features": "units", "kind": "type"}


def _layer_fields(raw: Any, allowed: tuple[str, ...], field: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise TutorError(f"expected a mapping such as {{f: 3, p: 0, s: 1}}, got {describe(raw)}", field=field)
    unknown = [key for key in raw if key not in allowed]
    if unknown:
        key = str(unknown[0])
        alias = LAYER_ALIASES.get(key.lower())
        hint = f' (did you mean "{alias}"?)' if alias in allowed else did_you_mean(key, allowed)
        raise TutorError(f"unknown field {key!r}{hint}; a layer here has {', '.join(allowed)}",
                         field=f"{field}.{key}")
    return raw


def _layer_type(raw: dict[str, Any], field: str, types: tuple[str, ...]) -> str:
    t = raw.get("type", "conv")
    if not isinstance(t, str) or t.strip().lower() not in types:
        raise TutorError(f"expected one of {', '.join(types)}, got {describe(t)}"
                         f"{did_you_mean(str(t), types) if isinstance(t, str) else ''}", field=f"{field}.type")
    return t.strip().lower()


def _check_fits(n: Any, p: Any, f: Any, field: str) -> None:
    for d, (nn, pp, ff) in enumerate(zip(_pair(n), _pair(p), _pair(f))):
        if ff > nn + 2 * pp:
            which = "" if not any(_is_pair(v) for v in (n, p, f)) else (" (height)", " (width)")[d]
            raise TutorError(f"the kernel{which} is {ff} but the padded input is only n + 2p = {nn} + 2·{pp} = "
                             f"{nn + 2 * pp}: it must fit inside", field=field)


def _padding_node(g: Graph, pad: Any, fn: Node, k: int | None, field: str) -> Node:
    """The given p, or for a word ('same', 'full', 'valid') a step that works p out from f."""
    if not isinstance(pad, str):
        return g.given(_sym("p", k).text, _given_value(pad), _sym("p", k), "zeros added on each side")
    word = pad
    wn = g.given("padding" if k is None else f"padding_{k}", word, _sym("padding", k), f"'{word}' padding")

    def rule(fv: Any, w: str) -> Any:
        return _per_dim(lambda f: _word_padding(w, f), fv)

    def show(fv: Any, w: str) -> list[Expr]:
        if w == "valid":
            return []
        return _per_dim_lines(lambda f: E.Div(E.Add((Num(f), E.Neg(Num(1)))), Num(2)) if w == "same"
                              else E.Add((Num(f), E.Neg(Num(1)))), ("p_h", "p_w"), fv)

    where = "" if k is None else f" (layer {k})"
    return g.step(_sym("p", k).text, f"'{word.capitalize()}' padding: zeros on each side{where}", _sym("p", k),
                  _word_formula_for(word, fn.sym), [fn, wn], rule, show, _word_explain(word))


def _word_formula_for(word: str, f: Sym) -> Expr:
    if word == "same":
        return E.Div(E.Add((f, E.Neg(Num(1)))), Num(2))
    if word == "full":
        return E.Add((f, E.Neg(Num(1))))
    return Num(0)


def _size_steps(g: Graph, nn: Node, fn: Node, pn: Node, sn: Node, k: int | None, rounding: str,
                pool: bool = False) -> Node:
    """q = (n + 2p − f)/s and n_out = ⌊q⌋ + 1 (or ⌈q⌉ + 1), for one layer."""
    q_sym = _sym("q", k)
    what = "window" if pool else "kernel"

    def q_rule(n: Any, f: Any, pp: Any, s: Any) -> Any:
        return _per_dim(lambda a, b, c, d: (a + 2 * c - b) / d, n, f, pp, s)

    def q_show(n: Any, f: Any, pp: Any, s: Any) -> list[Expr]:
        return _per_dim_lines(lambda a, b, c, d: E.Div(E.Add((Num(a), E.Mul((Num(2), Num(c)), "·"), E.Neg(Num(b)))),
                                                       Num(d)), ("q_h", "q_w"), n, f, pp, s)

    def q_explain(n: Any, f: Any, pp: Any, s: Any, q: Any) -> str:
        return (f"n + 2p − f is how many entries the {what} can move across the padded input; divided by the "
                "stride it is the number of moves" + (", here not a whole number: the last partial move does "
                                                      "not fit" if not np.all(np.mod(q, 1) == 0) else "") + ".")

    q = g.step(q_sym.text, "Moves of the window" + ("" if k is None else f" (layer {k})"), q_sym,
               E.Div(E.Add((nn.sym, E.Mul((Num(2), pn.sym), "·"), E.Neg(fn.sym))), sn.sym),
               [nn, fn, pn, sn], q_rule, q_show, q_explain)

    out_sym = _sym("n_out") if k is None else _sym("n", k)
    if rounding == "floor":
        def out_rule(qv: Any) -> Any:
            a = np.floor(np.asarray(qv, float) + 1e-9).astype(int) + 1
            return a if a.ndim else int(a)

        def out_show(qv: Any) -> list[Expr]:
            return _q_lines(qv, _floor)

        return g.step(out_sym.text if k is not None else "out", "Output size" + ("" if k is None else f" (layer {k})"),
                      out_sym, E.Add((_floor(q_sym), Num(1))), [q], out_rule, out_show,
                      "Round the moves down (a window must fit entirely) and add 1 for the first position.")

    def ceil_rule(qv: Any, n: Any, pp: Any, s: Any) -> Any:
        def one(qq: float, nn_: int, p_: int, s_: int) -> int:
            out = math.ceil(qq - 1e-9) + 1
            if (out - 1) * s_ >= nn_ + p_:  # PyTorch: the last window must start inside the input or left padding
                out -= 1
            return out
        qa = np.asarray(qv, float)
        if qa.ndim:
            (nh, nw), (ph, pw), (sh, sw) = _pair(n), _pair(pp), _pair(s)
            return np.array([one(qa[0], nh, ph, sh), one(qa[1], nw, pw, sw)])
        return one(float(qa), _pair(n)[0], _pair(pp)[0], _pair(s)[0])

    return g.step(out_sym.text if k is not None else "out", "Output size, rounding up" + (
        "" if k is None else f" (layer {k})"), out_sym, E.Add((_ceil(q_sym), Num(1))), [q, nn, pn, sn], ceil_rule,
        lambda qv, *_: _q_lines(qv, _ceil),
        "Round the moves up (ceil_mode=True): a last window that starts inside the input but hangs over its end "
        "still counts; PyTorch drops it only if it would start in the right-hand padding.")


def _q_lines(qv: Any, rnd: Callable[[Expr], Expr]) -> list[Expr]:
    qa = np.asarray(qv, float)
    if qa.ndim:
        return [E.Matrix.column([E.Rel(Sym(nm), "=", E.Add((rnd(Num(float(v))), Num(1))))
                                 for nm, v in zip(("h", "w"), qa)])]
    return [E.Add((rnd(Num(float(qa))), Num(1)))]


def _shape_step(g: Graph, out: Node, depth: Node, k: int | None, title: str, explain: str) -> Node:
    def rule(o: Any, d: Any) -> np.ndarray:
        h, w = _pair(o)
        return np.array([h, w, int(np.asarray(d).ravel()[-1])], dtype=int)

    def show(o: Any, d: Any) -> list[Expr]:
        h, w = _pair(o)
        return [E.Mul((Num(h), Num(w), Num(int(np.asarray(d).ravel()[-1]))), "×")]

    sym = _sym("shape", k)
    return g.step(sym.text, title, sym, E.Mul((Sym("h"), Sym("w"), Sym("c")), "×"), [out, depth], rule, show,
                  explain)


@solver("conv_output_size", title="Output size of a convolution or pooling layer", topic="convolution",
        params=SIZE_PARAMS, answer=["out"])
def conv_output_size(p: Params, g: Graph) -> None:
    """n_out = ⌊(n + 2p − f)/s⌋ + 1 per dimension (PyTorch's formula); 'same' padding p = (f − 1)/2, 'full'
    p = f − 1; with filters, the output volume h×w×filters; with layers, layer by layer."""
    n = _read_size(p["n"], "n", "the input size")
    rounding = p["rounding"]
    if p.get("layers") is None:
        if "f" not in p:
            raise TutorError("give the kernel size f (or layers, a list of layers)", field="f")
        specs = [dict(type="conv", f=p["f"], p=p["p"], s=p["s"], filters=p.get("filters"))]
        single = True
    else:
        clash = [name for name in ("f", "filters") if name in p] + [name for name in ("p", "s") if name in p.given]
        if clash:
            raise TutorError(f"give either layers or {clash[0]}, not both ({clash[0]} belongs in each layer)",
                             field=clash[0])
        raw = p["layers"]
        if not isinstance(raw, list) or not raw:
            raise TutorError(f"expected a list of layers such as [{{f: 3, s: 1}}, {{f: 5, s: 2}}], got "
                             f"{describe(raw)}", field="layers")
        if len(raw) > MAX_LAYERS:
            raise TutorError(f"{len(raw)} layers: at most {MAX_LAYERS} are worked out", field="layers")
        specs = [_layer_fields(r, ("type", "f", "p", "s", "filters"), f"layers[{k}]") for k, r in enumerate(raw)]
        single = False

    nn = g.given("n", _given_value(n), Sym("n"), "the input size")
    depth: Node | None = g.given("c", p["c"], Sym("c"), "the input's depth (channels)") if "c" in p else None
    if "c" in p and p["c"] < 1:
        raise TutorError(f"the depth must be at least 1, got {p['c']}", field="c")
    last_out = nn
    size_now: Any = n
    out_nodes: list[Node] = []
    for idx, spec in enumerate(specs):
        k = None if single else idx + 1

        def field(name: str, _i: int = idx) -> str:
            return name if single else f"layers[{_i}].{name}"

        kind = "conv" if single else _layer_type(spec, f"layers[{idx}]", ("conv", "pool"))
        if spec.get("f") is None:
            raise TutorError("missing the kernel size f", field=field("f"))
        f = _read_size(spec["f"], field("f"), "the kernel size")
        s_default = f if kind == "pool" else 1  # nn.MaxPool2d(f) strides by f
        s = _read_size(spec["s"] if spec.get("s") is not None else s_default, field("s"), "the stride")
        pad = _read_padding(spec.get("p", 0) if spec.get("p") is not None else 0, field("p"))
        if isinstance(pad, str):
            _check_word_padding(pad, _pair(f), _pair(s), field("p"))
            pad_num: Any = _per_dim(lambda ff, w=pad: _word_padding(w, ff), _given_value(f))
        else:
            pad_num = _given_value(pad)
        _check_fits(size_now, pad_num, _given_value(f), field("f"))
        filters = spec.get("filters")
        if filters is not None:
            if kind == "pool":
                raise TutorError("a pooling layer has no filters: it keeps the depth of its input",
                                 field=field("filters"))
            filters = _whole(filters, field("filters"), "the number of filters", 1)
        fn = g.given(_sym("f", k).text, _given_value(f), _sym("f", k), "the kernel size" if kind == "conv" else
                     "the pooling window")
        pn = _padding_node(g, pad, fn, k, field("p"))
        sn = g.given(_sym("s", k).text, _given_value(s), _sym("s", k), "the stride")
        out = _size_steps(g, last_out, fn, pn, sn, k, rounding, pool=kind == "pool")
        out_nodes.append(out)
        size_now = g.values[out.key]
        if filters is not None:
            depth = g.given(_sym("filters", k).text, filters, _sym("filters", k), "the number of filters")
        elif kind == "conv":
            depth = None  # a convolution's depth is its number of filters: unknown here
        if depth is not None:
            depth = _shape_step(g, out, depth, k, "Output volume" + ("" if k is None else f" (layer {k})"),
                                "Height × width × depth: a conv layer's depth is its number of filters (one "
                                "feature map each); pooling keeps the depth it is given.")
        last_out = out
    if not single:
        L = len(out_nodes)
        g.step("out", f"Output size after the last layer (layer {L})", _sym("n_out"), _sym("n", L), [out_nodes[-1]],
               lambda v: v, lambda v: [], "The size after the last layer.", hidden=True)
    if depth is not None and not single:
        g.step("flat", "Flattened for a fully-connected layer", _sym("n_flat"), E.Mul((Sym("h"), Sym("w"), Sym("c")),
                                                                                     "·"),
               [depth], lambda v: int(np.prod(np.asarray(v, dtype=int))),
               lambda v: [E.Mul(tuple(Num(int(t)) for t in np.asarray(v).ravel()), "·")],
               "The last volume laid out as one vector, the input of a fully-connected (logits) layer.")
    g.conventions.append("⌊(n + 2p − f)/s⌋ + 1 per dimension, as torch.nn.Conv2d and nn.MaxPool2d compute it."
                         if rounding == "floor" else
                         "Rounding up, ⌈(n + 2p − f)/s⌉ + 1, as nn.MaxPool2d(ceil_mode=True) does (dropping a last "
                         "window that would start in the right padding); PyTorch's convolutions always round down.")


# -- learnable parameters -------------------------------------------------------------------------------------------
PARAMETER_PARAMS = [
    Param("input", "structure", "the input volume [height, width, channels]; or just its channels (enough for "
                                "conv layers alone), or its number of features if a fully-connected layer comes "
                                "first"),
    Param("layers", "structure", "the layers in order: {type: conv, f, filters, p (default 0), s (default 1)}, "
                                 "{type: pool, f, s (default f), p (default 0)} or {type: fc, units}; bias: false "
                                 "for a layer without biases. A fully-connected layer after a volume flattens it"),
]


def _read_volume(value: Any, field: str, channels_alone: bool = True) -> int | tuple[int, int, int]:
    if isinstance(value, (list, tuple)):
        if len(value) != 3:
            alone = " (or one number of channels)" if channels_alone else ""
            raise TutorError(f"expected [height, width, channels]{alone}, got {describe(value)}", field=field)
        h, w, c = (_whole(v, f"{field}[{i}]", what, 1) for i, (v, what) in
                   enumerate(zip(value, ("the height", "the width", "the number of channels"))))
        return h, w, c
    return _whole(value, field, "the number of channels", 1)


def _last(v: Any) -> int:
    return int(round(float(np.asarray(v, dtype=float).ravel()[-1])))


def _volume_step(g: Graph, cur: Node, fn: Node, pn: Node, sn: Node, depth: Node | None, k: int | None,
                 title: str, explain: str) -> Node:
    """[⌊(h + 2p − f)/s⌋ + 1, ⌊(w + 2p − f)/s⌋ + 1, depth]: depth is the filters (conv) or the input's (pool)."""
    inputs = [cur, fn, pn, sn] + ([depth] if depth is not None else [])

    def rule(v: Any, f: Any, pp: Any, s: Any, *d: Any) -> np.ndarray:
        h, w, c = (int(round(t)) for t in np.asarray(v, float).ravel())
        (fh, fw), (ph, pw), (sh, sw) = _pair(f), _pair(pp), _pair(s)
        return np.array([_out_size(h, ph, fh, sh), _out_size(w, pw, fw, sw), _last(d[0]) if d else c], dtype=int)

    def show(v: Any, f: Any, pp: Any, s: Any, *d: Any) -> list[Expr]:
        h, w, c = (int(round(t)) for t in np.asarray(v, float).ravel())
        (fh, fw), (ph, pw), (sh, sw) = _pair(f), _pair(pp), _pair(s)
        return [E.Matrix.column([E.Rel(names[0], "=", _size_expr(h, ph, fh, sh, inline=True)),
                                 E.Rel(names[1], "=", _size_expr(w, pw, fw, sw, inline=True)),
                                 E.Rel(names[2], "=", Num(_last(d[0]) if d else c))])]

    if k is None:
        key, sym, names = "out", Sym("(h_out, w_out, c_out)", r"(h_{out}, w_{out}, c_{out})"), \
            (_sym("h_out"), _sym("w_out"), _sym("c_out"))
    else:
        key, sym, names = f"shape_{k}", _sym("shape", k), (_sym("h", k), _sym("w", k), _sym("c", k))
    formula = E.Matrix.column([E.Rel(names[0], "=", _size_expr(Sym("h"), Sym("p"), Sym("f"), Sym("s"), inline=True)),
                               E.Rel(names[1], "=", _size_expr(Sym("w"), Sym("p"), Sym("f"), Sym("s"), inline=True)),
                               E.Rel(names[2], "=", _sym("filters") if depth is not None else Sym("c"))])
    return g.step(key, title, sym, formula, inputs, rule, show, explain)


@solver("conv_parameters", title="Learnable parameters of a CNN, layer by layer", topic="convolution",
        params=PARAMETER_PARAMS, answer=["total"])
def conv_parameters(p: Params, g: Graph) -> None:
    """conv layer: f_h·f_w·c_in·c_out weights + c_out biases (every filter spans all c_in input channels);
    pooling: none; fully-connected: n_in·n_out + n_out, n_in = h·w·c of the volume it flattens; sizes
    ⌊(n + 2p − f)/s⌋ + 1 on the way; total = the sum over the layers."""
    vol = _read_volume(p["input"], "input")
    raw = p["layers"]
    if not isinstance(raw, list) or not raw:
        raise TutorError(f"expected a list of layers such as [{{type: conv, f: 3, filters: 16}}, {{type: fc, "
                         f"units: 10}}], got {describe(raw)}", field="layers")
    if len(raw) > MAX_LAYERS:
        raise TutorError(f"{len(raw)} layers: at most {MAX_LAYERS} are worked out", field="layers")
    spatial = isinstance(vol, tuple)
    cur = g.given("input", _given_value(vol), _sym("input"),
                  "the input volume (height, width, channels)" if spatial else "the input's channels (or features)")
    state = "volume" if spatial else "channels"
    counts: list[Node] = []
    for idx, r in enumerate(raw):
        k, here = idx + 1, f"layers[{idx}]"
        spec = _layer_fields(r, ("type", "f", "filters", "p", "s", "units", "bias"), here)
        kind = _layer_type(spec, here, ("conv", "pool", "fc"))
        bias = spec.get("bias", True)
        if not isinstance(bias, bool):
            raise TutorError(f"expected true or false, got {describe(bias)}", field=f"{here}.bias")
        allowed = {"conv": ("type", "f", "filters", "p", "s", "bias"), "pool": ("type", "f", "p", "s"),
                   "fc": ("type", "units", "bias")}[kind]
        wrong = [key for key in spec if key not in allowed]
        if wrong:
            raise TutorError(f"a {kind} layer has no {wrong[0]!r}; its fields are {', '.join(allowed)}",
                             field=f"{here}.{wrong[0]}")
        if not bias:  # a given, so that a wrong method recomputing the count knows the layer has no biases
            g.given(f"bias_{k}", 0, _sym("bias", k), "no biases in this layer (bias: false)")
        if kind == "fc":
            count, cur = _fc_layer(g, spec, k, here, cur, state, bias)
            counts.append(count)
            state = "features"
            continue
        if state == "features":
            raise TutorError(f"a {kind} layer after a fully-connected layer needs a volume; put the fully-connected "
                             "layers last", field=f"{here}.type")
        if spec.get("f") is None:
            raise TutorError("missing the kernel size f", field=f"{here}.f")
        f = _read_size(spec["f"], f"{here}.f", "the kernel size")
        s_default = f if kind == "pool" else 1
        s = _read_size(spec["s"] if spec.get("s") is not None else s_default, f"{here}.s", "the stride")
        pad = _read_padding(spec["p"] if spec.get("p") is not None else 0, f"{here}.p")
        if isinstance(pad, str):
            _check_word_padding(pad, _pair(f), _pair(s), f"{here}.p")
        fn = g.given(f"f_{k}", _given_value(f), _sym("f", k), "kernel size" if kind == "conv" else "pooling window")
        if state == "volume":
            h, w, _ = (int(t) for t in np.asarray(g.values[cur.key]).ravel())
            pad_num = (_per_dim(lambda ff, wd=pad: _word_padding(wd, ff), _given_value(f)) if isinstance(pad, str)
                       else _given_value(pad))
            _check_fits(np.array([h, w]), pad_num, _given_value(f), f"{here}.f")
        cn = None
        if kind == "conv":
            if spec.get("filters") is None:
                raise TutorError("missing the number of filters", field=f"{here}.filters")
            filters = _whole(spec["filters"], f"{here}.filters", "the number of filters", 1)
            cn = g.given(f"filters_{k}", filters, _sym("filters", k), "number of filters (output channels)")
        before = cur
        if state == "volume":
            pn = _padding_node(g, pad, fn, k, f"{here}.p")
            sn = g.given(f"s_{k}", _given_value(s), _sym("s", k), "the stride")
            cur = _volume_step(g, cur, fn, pn, sn, cn, k,
                               f"Layer {k} ({'conv' if kind == 'conv' else 'pooling'}): output volume",
                               "Height and width from ⌊(n + 2p − f)/s⌋ + 1; the depth is the number of filters "
                               "(one feature map each)." if kind == "conv" else
                               "Height and width from ⌊(n + 2p − f)/s⌋ + 1; pooling keeps the depth.")
        elif cn is not None:
            cur = cn
        if cn is not None:
            counts.append(_conv_count_step(g, fn, before, cn, k, bias))
        else:
            counts.append(g.step(f"params_{k}", f"Layer {k} (pooling): learnable parameters", _sym("P", k), Num(0),
                                 [fn], lambda fv: 0, lambda fv: [],
                                 "Pooling takes a max or a mean of each window: it has no weights to learn."))
    terms = counts

    def total_show(*vals: Any) -> list[Expr]:
        return [E.Add(tuple(Num(int(round(float(v)))) for v in vals))] if len(vals) > 1 else []

    g.step("total", "Total learnable parameters", Sym("P"),
           E.Add(tuple(t.sym for t in terms)) if len(terms) > 1 else terms[0].sym, terms,
           lambda *vals: int(sum(int(round(float(v))) for v in vals)), total_show,
           lambda *vals: (f"Every layer's weights and biases together: sum(p.numel() for p in model.parameters()) "
                          f"gives {vals[-1]} for this network."))
    g.conventions.append("A conv layer's filter spans every input channel: nn.Conv2d(c_in, c_out, f) holds "
                         "c_out·c_in·f·f weights and c_out biases (one per filter); nn.Linear(n_in, n_out) holds "
                         "n_in·n_out weights and n_out biases.")
    if any(isinstance(r, dict) and r.get("bias") is False for r in raw):
        g.conventions.append("bias: false leaves a layer's biases out (bias=False in PyTorch).")


def _conv_count_step(g: Graph, fn: Node, cur: Node, cn: Node, k: int, bias: bool) -> Node:
    def rule(f: Any, src: Any, c: Any) -> int:
        fh, fw = _pair(f)
        cin, cout = _last(src), _last(c)
        return fh * fw * cin * cout + (cout if bias else 0)

    def show(f: Any, src: Any, c: Any) -> list[Expr]:
        fh, fw = _pair(f)
        prod = E.Mul((Num(fh), Num(fw), Num(_last(src)), Num(_last(c))), "·")
        return [E.Add((prod, Num(_last(c)))) if bias else prod]

    def explain(f: Any, src: Any, c: Any, v: Any) -> str:
        fh, fw = _pair(f)
        cin, cout = _last(src), _last(c)
        text = (f"Each of the {cout} filters is {fh}×{fw}×{cin} (it spans all {cin} input channels), so "
                f"{fh * fw * cin} weights each")
        return text + (", plus one bias per filter." if bias else "; no biases.")

    formula = E.Mul((_sym("f_h"), _sym("f_w"), _sym("c_in"), _sym("c_out")), "·")
    return g.step(f"params_{k}", f"Layer {k} (conv): learnable parameters", _sym("P", k),
                  E.Add((formula, _sym("c_out"))) if bias else formula, [fn, cur, cn], rule, show, explain)


def _fc_layer(g: Graph, spec: dict[str, Any], k: int, here: str, cur: Node, state: str,
              bias: bool) -> tuple[Node, Node]:
    """The parameter count of a fully-connected layer, and its units (the next layer's input)."""
    units = _whole(spec.get("units"), f"{here}.units", "the number of units", 1) \
        if spec.get("units") is not None else None
    if units is None:
        raise TutorError("missing the number of units", field=f"{here}.units")
    src = cur
    if state == "volume":
        src = g.step(f"flat_{k}", f"Layer {k}: flatten the volume", _sym("n_in", k),
                     E.Mul((Sym("h"), Sym("w"), Sym("c")), "·"), [cur],
                     lambda v: int(np.prod([int(round(t)) for t in np.asarray(v, float).ravel()])),
                     lambda v: [E.Mul(tuple(Num(int(round(t))) for t in np.asarray(v, float).ravel()), "·")],
                     "The fully-connected layer sees the volume as one long vector: every entry is an input.")
    elif state == "channels" and k > 1:
        raise TutorError("a fully-connected layer after conv layers needs the size of the volume it flattens: "
                         "give input as [height, width, channels]", field="input")
    un = g.given(f"units_{k}", units, _sym("units", k), "units (neurons) of the fully-connected layer")

    def rule(n_in: Any, u: Any) -> int:
        a, b = _last(n_in), _last(u)
        return a * b + (b if bias else 0)

    def show(n_in: Any, u: Any) -> list[Expr]:
        prod = E.Mul((Num(_last(n_in)), Num(_last(u))), "·")
        return [E.Add((prod, Num(_last(u)))) if bias else prod]

    formula = E.Mul((_sym("n_in"), _sym("n_out")), "·")
    count = g.step(f"params_{k}", f"Layer {k} (fully connected): learnable parameters", _sym("P", k),
                   E.Add((formula, _sym("n_out"))) if bias else formula, [src, un], rule, show,
                   lambda n_in, u, v: (f"Every one of the {_last(u)} units has a weight for each of the "
                                       f"{_last(n_in)} inputs" + (", and its own bias." if bias else "; no biases.")))
    return count, un


# -- multiplications ----------------------------------------------------------------------------------------------
MULT_PARAMS = [
    Param("input", "structure", "the input volume [height, width, channels]"),
    Param("f", "structure", f"the kernel size, {SIZE_HELP}"),
    Param("filters", "integer", "the number of filters (output channels)"),
    Param("p", "structure", PAD_HELP, default="same"),
    Param("s", "structure", f"the stride, {SIZE_HELP}", default=1),
    Param("bottleneck", "integer", "channels of a 1×1 convolution put in front to shrink the depth first; the "
                                   "two routes are then compared", default=None),
]


def _prod_step(g: Graph, key: str, title: str, sym: Sym, formula: Expr, inputs: list[Node],
               factors: Callable[..., list[int]], explain: str | Callable[..., str]) -> Node:
    """A count that is a product of whole numbers, shown factor by factor."""
    def rule(*vals: Any) -> int:
        return int(np.prod(factors(*vals), dtype=object))

    def show(*vals: Any) -> list[Expr]:
        return [E.Mul(tuple(Num(int(t)) for t in factors(*vals)), "·")]

    return g.step(key, title, sym, formula, inputs, rule, show, explain)


@solver("conv_multiplications", title="Multiplications in a conv layer, and the 1×1 bottleneck",
        topic="convolution", params=MULT_PARAMS, answer=["mults"])
def conv_multiplications(p: Params, g: Graph) -> None:
    """One output entry takes f_h·f_w·c_in multiplications and there are h_out·w_out·c_out entries:
    mults = h_out·w_out·c_out·f_h·f_w·c_in. Through a 1×1 bottleneck to b channels: h·w·b·c_in +
    h_out·w_out·c_out·f_h·f_w·b, the saving and the ratio of the two."""
    vol = _read_volume(p["input"], "input", channels_alone=False)
    if not isinstance(vol, tuple):
        raise TutorError(f"expected the input volume [height, width, channels], got {describe(p['input'])}",
                         field="input")
    f = _read_size(p["f"], "f", "the kernel size")
    s = _read_size(p["s"], "s", "the stride")
    pad = _read_padding(p["p"], "p")
    filters = _whole(p["filters"], "filters", "the number of filters", 1)
    if isinstance(pad, str):
        _check_word_padding(pad, _pair(f), _pair(s), "p")
        pad_num: Any = _per_dim(lambda ff, wd=pad: _word_padding(wd, ff), _given_value(f))
    else:
        pad_num = _given_value(pad)
    _check_fits(np.array(vol[:2]), pad_num, _given_value(f), "f")
    b = p.get("bottleneck")
    if b is not None and b < 1:
        raise TutorError(f"the bottleneck needs at least 1 channel, got {b}", field="bottleneck")

    vn = g.given("input", np.array(vol, dtype=int), _sym("input"), "the input volume h×w×c_in")
    fn = g.given("f", _given_value(f), Sym("f"), "the kernel size")
    pn = _padding_node(g, pad, fn, None, "p")
    sn = g.given("s", _given_value(s), Sym("s"), "the stride")
    cn = g.given("filters", filters, _sym("c_out"), "the number of filters (output channels)")
    bn = g.given("bottleneck", b, Sym("b"), "channels of the 1×1 bottleneck") if b is not None else None

    out = _volume_step(g, vn, fn, pn, sn, cn, None, "Output volume", "Height and width from ⌊(n + 2p − f)/s⌋ + 1; "
                       "the depth is the number of filters.")

    def per_output(fv: Any, v: Any) -> list[int]:
        fh, fw = _pair(fv)
        return [fh, fw, _last(v)]

    per = _prod_step(g, "per_output", "Multiplications for one output entry", _sym("m_entry"),
                     E.Mul((_sym("f_h"), _sym("f_w"), _sym("c_in")), "·"), [fn, vn], per_output,
                     lambda fv, v, m: (f"One output number is one filter laid on one window: {m} weights, each "
                                       "multiplied by the input entry under it."))
    outputs = _prod_step(g, "outputs", "Output entries", _sym("N_out"), E.Mul((_sym("h_out"), _sym("w_out"),
                                                                            _sym("c_out")), "·"), [out],
                         lambda o: [int(round(t)) for t in np.asarray(o, float).ravel()],
                         "Every position of every output feature map is one sum to compute.")
    direct = _prod_step(g, "mults", "Multiplications of the layer", Sym("M"), E.Mul((_sym("N_out"), _sym("m_entry")),
                                                                                    "·"),
                        [outputs, per], lambda a, c: [a, c],
                        lambda a, c, m: f"{a} output entries × {c} multiplications each.")
    if bn is not None:
        reduce = _prod_step(g, "mults_reduce", "Bottleneck route: the 1×1 convolution", Sym("M_1x1", "M_{1×1}"),
                            E.Mul((Sym("h"), Sym("w"), Sym("b"), _sym("c_in")), "·"), [vn, bn],
                            lambda v, bb: [int(round(t)) for t in np.asarray(v, float).ravel()[:2]]
                            + [_last(bb), _last(v)],
                            lambda v, bb, m: (f"A 1×1 convolution keeps height and width and maps {_last(v)} "
                                              f"channels to {_last(bb)}: h·w·b output entries, each a dot product "
                                              f"over the {_last(v)} input channels (1·1·c_in multiplications)."))
        expand = _prod_step(g, "mults_expand", "Bottleneck route: the convolution after it",
                            Sym("M_conv", "M_{conv}"),
                            E.Mul((_sym("h_out"), _sym("w_out"), _sym("c_out"), _sym("f_h"), _sym("f_w"), Sym("b")),
                                  "·"),
                            [out, fn, bn],
                            lambda o, fv, bb: [int(round(t)) for t in np.asarray(o, float).ravel()] + list(_pair(fv))
                            + [_last(bb)],
                            lambda o, fv, bb, m: (f"The same output volume, but each filter now spans only "
                                                  f"{_last(bb)} channels instead of all of the input's."))
        total = g.step("mults_bottleneck", "Bottleneck route: total multiplications", Sym("M_b", "M_{b}"),
                       E.Add((reduce.sym, expand.sym)), [reduce, expand],
                       lambda a, c: int(round(float(a))) + int(round(float(c))), None,
                       "The two stages together.")
        g.step("saving", "Multiplications saved by the bottleneck", Sym("ΔM", r"\Delta M"),
               E.Add((direct.sym, E.Neg(total.sym))), [direct, total],
               lambda a, c: int(round(float(a))) - int(round(float(c))), None,
               lambda a, c, d: ("The bottleneck route is cheaper: the costly f×f filters now span b channels "
                                "instead of all c_in, and the 1×1 stage that shrinks the depth costs little."
                                if d > 0 else "The bottleneck route is not cheaper here: b is too large for the "
                                "1×1 stage to pay for itself."))
        g.step("ratio", "Cost of the bottleneck route relative to the direct one", Sym("M_b/M", r"M_b / M"),
               E.Div(total.sym, direct.sym), [total, direct], lambda c, a: float(c) / float(a), None,
               lambda c, a, r: (f"The bottleneck route needs {r:.3g} of the direct multiplications, about 1/"
                                f"{1 / r:.3g}."))
        g.extra_answers += ["mults_bottleneck", "saving"]
    g.conventions.append("Multiplications only, one per weight per output entry, as the notes count them (a "
                         "multiply-add counts once; the additions and the biases are not counted). FLOP counts "
                         "that count the additions too are about twice these.")


# -- the catalogue of mistakes (tutor check / tutor quiz name them when a student's number matches) -------------
# A rule gets every value computed so far (givens included) and returns the step's value under the wrong method.
def _asymmetric(K: Any) -> bool:
    """Flipping the kernel changes it (a kernel symmetric under a 180° turn gives the same y either way)."""
    Ka = np.atleast_2d(np.asarray(K, float))
    return not np.array_equal(Ka, Ka[::-1, ::-1])


def _pool_size(xv: Any, fv: Any, sv: Any, plus: int = 1) -> np.ndarray:
    _, oh, ow = _pool_windows(xv, fv, sv)
    return np.array([oh, ow], dtype=int) - 1 + plus


def _whole_part(q: Any, rounding: str) -> Any:
    """⌊q⌋ or ⌈q⌉ per dimension, as an int or an int vector."""
    a = np.asarray(q, float)
    r = np.floor(a + 1e-9) if rounding == "floor" else np.ceil(a - 1e-9)
    out = r.astype(int)
    return out if out.ndim else int(out)


def _size_rules(wrong: Callable[[Any], Any]) -> dict[str, Callable[[Any], Any]]:
    """Rules for every output size of conv_output_size: `out` of a single layer and `n_k` of layer k, from q."""
    def out(v: Any) -> Any:
        if "q" in v:
            return wrong(v["q"])
        last = max(k for k in range(1, MAX_LAYERS + 1) if f"n_{k}" in v)
        return v[f"n_{last}"]  # several layers: the size after the last, already worked the wrong way

    rules: dict[str, Callable[[Any], Any]] = {"out": out}
    for k in range(1, MAX_LAYERS + 1):
        rules[f"n_{k}"] = partial(_wrong_at, wrong, f"q_{k}")
    return rules


def _same_from_n(v: Any, k: int | None) -> Any:
    """The 'same' padding solved wrongly as p = (n − f + 1)/2 (the notes' slip); only for 'same' padding."""
    word, f = (v["padding"], v["f"]) if k is None else (v[f"padding_{k}"], v[f"f_{k}"])
    if word != "same":
        raise ValueError("not 'same' padding")
    n = v["n"] if k is None or k == 1 else v[f"n_{k - 1}"]
    return _per_dim(lambda nn, ff: (nn - ff + 1) / 2, n, f)


def _channels_before(v: Any, k: int) -> int:
    """The depth (or features) that layer k of conv_parameters receives."""
    for j in range(k - 1, 0, -1):
        for key in (f"units_{j}", f"shape_{j}", f"filters_{j}"):
            if key in v:
                return _last(v[key])
    return _last(v["input"])


def _layer_count(v: Any, k: int, *, depth: bool = True, biases: bool = True) -> int:
    """Layer k's learnable parameters; depth=False forgets that a filter spans the input channels, biases=False
    leaves the biases out."""
    has_bias = biases and f"bias_{k}" not in v
    if f"filters_{k}" in v:
        fh, fw = _pair(v[f"f_{k}"])
        cout = _last(v[f"filters_{k}"])
        cin = _channels_before(v, k) if depth else 1
        return fh * fw * cin * cout + (cout if has_bias else 0)
    if f"units_{k}" in v:
        n_in = _last(v[f"flat_{k}"]) if f"flat_{k}" in v else _channels_before(v, k)
        units = _last(v[f"units_{k}"])
        return n_in * units + (units if has_bias else 0)
    return 0  # pooling


def _wrong_at(wrong: Callable[[Any], Any], key: str, v: Any) -> Any:
    return wrong(v[key])


def _count_rules(**how: bool) -> dict[str, Callable[[Any], Any]]:
    return {f"params_{k}": partial(_layer_count, k=k, **how) for k in range(1, MAX_LAYERS + 1)}


def _flat_without_depth(v: Any, k: int) -> int:
    src = v[f"shape_{k - 1}"] if f"shape_{k - 1}" in v else v["input"]
    h, w, _ = (int(round(t)) for t in np.asarray(src, float).ravel())
    return h * w


mistakes(
    "conv2d",
    Mistake("kernel flipped (true convolution)",
            "A CNN's convolution slides the kernel as written (cross-correlation, what PyTorch's conv2d computes); "
            "rotating it 180° first is the convolution of signal processing (scipy.signal.convolve2d).",
            params=lambda p: {"mode": CONVOLUTION},
            applies=lambda sol: sol.values["mode"] == CROSS_CORRELATION and _asymmetric(sol.values["K"])),
    Mistake("kernel not flipped",
            "A true convolution rotates the kernel 180° (rows in reverse order, each row reversed) before it "
            "slides; sliding it as written is cross-correlation.",
            params=lambda p: {"mode": CROSS_CORRELATION},
            applies=lambda sol: sol.values["mode"] == CONVOLUTION and _asymmetric(sol.values["K"])),
    Mistake("output size without the +1",
            "(n + 2p − f)/s, rounded down, counts the moves of the window; its first position is not a move, so "
            "the output has ⌊(n + 2p − f)/s⌋ + 1 entries per dimension.",
            rules={"out_size": lambda v: _conv_out_size(v["x"], v["K"], v["p"], v["s"], plus=0)}),
    Mistake("padding left out",
            "The p rings of zeros are part of the input the kernel slides over: pad first, so the output has "
            "⌊(n + 2p − f)/s⌋ + 1 entries per dimension and the border windows take in zeros.",
            params=lambda p: {"p": 0}),
)

mistakes(
    "conv_output_size",
    Mistake("output size without the +1",
            "(n + 2p − f)/s, rounded down, counts the moves of the window; its first position is not a move, so "
            "n_out = ⌊(n + 2p − f)/s⌋ + 1.",
            rules=_size_rules(lambda q: _whole_part(q, "floor"))),
    Mistake("rounded up instead of down",
            "A window must fit inside the padded input, so a last partial move does not count: ⌊(n + 2p − f)/s⌋ "
            "+ 1, as nn.Conv2d. Rounding up is nn.MaxPool2d(ceil_mode=True), and only when asked for.",
            rules=_size_rules(lambda q: _whole_part(q, "ceil") + 1)),
    Mistake("'same' padding as (n − f + 1)/2",
            "'Same' keeps the size: n + 2p − f + 1 = n gives p = (f − 1)/2, which does not depend on n; "
            "(n − f + 1)/2 is half the unpadded output size.",
            rules={"p": lambda v: _same_from_n(v, None),
                   **{f"p_{k}": partial(_same_from_n, k=k) for k in range(1, MAX_LAYERS + 1)}}),
)

mistakes(
    "pooling",
    Mistake("output size without the +1",
            "(n − f)/s, rounded down, counts the moves of the window; its first position is not a move, so the "
            "output has ⌊(n − f)/s⌋ + 1 entries per dimension.",
            rules={"out_size": lambda v: _pool_size(v["x"], v["f"], v["s"], plus=0)}),
    Mistake("mean instead of max",
            "Max pooling keeps each window's largest entry; the mean of the window is average pooling.",
            params=lambda p: {"mode": "avg"}),
    Mistake("stride taken as the window size",
            "The window moves s entries at a time, as given; s = f (windows side by side, nn.MaxPool2d(f)'s "
            "default) holds only when no stride is given.",
            params=lambda p: {"s": p["f"]}),
)

mistakes(
    "conv_parameters",
    Mistake("filter depth left out",
            "Each filter spans every input channel: f_h·f_w·c_in weights, not f_h·f_w (a 3×3 filter on an RGB "
            "input has 3·3·3 = 27), plus one bias per filter.",
            rules=_count_rules(depth=False)),
    Mistake("biases left out",
            "Every filter of a conv layer has one bias and every unit of a fully-connected layer one: add c_out "
            "(or n_out) to the weights.",
            rules=_count_rules(biases=False)),
    Mistake("flattened without the depth",
            "A fully-connected layer after a volume h×w×c takes every entry of it: h·w·c inputs, one per entry of "
            "every feature map, not h·w.",
            rules={f"flat_{k}": partial(_flat_without_depth, k=k) for k in range(1, MAX_LAYERS + 1)}),
)

mistakes(
    "conv_multiplications",
    Mistake("one output without the input channels",
            "One output entry is one filter on one window, and the filter spans all c_in input channels: "
            "f_h·f_w·c_in multiplications, not f_h·f_w.",
            rules={"per_output": lambda v: int(np.prod(_pair(v["f"])))}),
    Mistake("output depth taken from the input",
            "The output has one feature map per filter: h_out·w_out·c_out entries. c_in is the depth of each "
            "filter, not of the output.",
            rules={"outputs": lambda v: int(np.prod([int(round(t)) for t in np.asarray(v["out"], float)[:2]]))
                   * _last(v["input"])}),
    Mistake("bottleneck's convolution over all input channels",
            "After the 1×1 bottleneck the volume has only b channels, so each f×f filter of the next convolution "
            "spans b channels: h_out·w_out·c_out·f_h·f_w·b, not ·c_in.",
            rules={"mults_expand": lambda v: int(np.prod([int(round(t)) for t in np.asarray(v["out"], float)]))
                   * int(np.prod(_pair(v["f"]))) * _last(v["input"])}),
)


def _no_output(sol: Solution) -> str | None:
    return "every output is 0" if not np.any(np.asarray(sol.values["y"], float)) else None


def _pool_tie(sol: Solution) -> str | None:
    if sol.values["mode"] != "max":
        return None
    wins, _, _ = _pool_windows(sol.values["x"], sol.values["f"], sol.values["s"])
    return "a tie for the largest entry of a window" if any(np.sum(w == w.max()) > 1 for _, _, w in wins) else None


degenerate("conv2d", _no_output)
degenerate("pooling", _pool_tie)
