"""The JSON value encoding of the public contract."""

import json
import math

import numpy as np

from tutor.printers.json import dumps, jsonable


def test_values_are_plain_json():
    assert jsonable(np.array([[1.5, 2.0], [3.0, 4.25]])) == [[1.5, 2.0], [3.0, 4.25]]
    assert jsonable(0.1) == 0.1
    assert jsonable(np.float64(1 / 3)) == 1 / 3  # full precision
    assert jsonable({"x": np.array([1.0])}) == {"x": [1.0]}


def test_infinities_are_strings_and_nan_is_null():
    assert jsonable(math.inf) == "inf"
    assert jsonable(np.array([-np.inf, 1.0, np.nan])) == ["-inf", 1.0, None]
    json.loads(dumps(jsonable([math.inf])))  # valid JSON, no bare Infinity
