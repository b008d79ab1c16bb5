"""tutor: step-by-step worked examples for the mathematics of deep learning.

The library API (what the CLI is a thin layer over):

    from tutor import api
    problem = api.find_problem("lstm-step")
    solution = api.solve(problem)            # a graph of Steps
    solution.value("h")                       # full-precision numpy value
    solution.replace({"i": [0.6, 0.5]})      # a student's own value, downstream recomputed

Heavy modules (sympy, rich) are imported only where they are needed, so that the CLI starts fast.
"""

__version__ = "0.1.0"
