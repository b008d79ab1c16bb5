"""Expression nodes: immutable records with positional or keyword fields and defaults."""

import pytest

from tutor.engine import expr as E


def test_fields_defaults_keywords_and_repr():
    assert E.Sym("x").latex is None
    assert E.Sym("x", latex="x_t").tex == "x_t"
    assert E.Mul((E.Sym("a"), E.Sym("b"))).op == "·"
    assert E.Mul((E.Sym("a"),), op="⊙").op == "⊙"
    assert repr(E.Num(2)) == "Num(2)"
    with pytest.raises(TypeError):
        E.Div(E.Num(1))
    with pytest.raises(TypeError):
        E.Sym("x", colour="red")


def test_nodes_are_immutable():
    s = E.Sym("x")
    with pytest.raises(AttributeError):
        s.text = "y"
    with pytest.raises(AttributeError):
        s.extra = 1


def test_operators_build_trees():
    a, b = E.Sym("a"), E.Sym("b")
    assert isinstance(a + b, E.Add) and isinstance(a * b, E.Mul) and isinstance(-a, E.Neg)
    assert isinstance(a / b, E.Div) and isinstance(a ** b, E.Pow)
    assert isinstance((a - b).terms[1], E.Neg)
