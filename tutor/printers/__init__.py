"""Printers: one module per output format, each walking the same Step graph and expression trees.

`text` lays expressions out in two dimensions (brackets, stacked fractions, exponents) as plain strings;
`terminal` arranges a whole Solution with rich; `latex` and `json` serialise. Printers never compute.
"""
