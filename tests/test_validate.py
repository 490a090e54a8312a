import math

import pytest

from workerlab.validate import callable_arg, existing_folder, positive_int, positive_number


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError), ("4", TypeError)],
)
def test_positive_int_rejects(value, error):
    with pytest.raises(error, match="workers"):
        positive_int("workers", value)


def test_positive_int_accepts_and_minimum():
    assert positive_int("workers", 3) == 3
    assert positive_int("capacity", 0, minimum=0) == 0


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0, ValueError),
        (-0.1, ValueError),
        (math.inf, ValueError),
        (math.nan, ValueError),
        ("1", TypeError),
        (None, TypeError),
    ],
)
def test_positive_number_rejects(value, error):
    with pytest.raises(error, match="latency"):
        positive_number("latency", value)


def test_positive_number_allow_zero():
    assert positive_number("latency", 0, allow_zero=True) == 0.0
    assert positive_number("latency", 2) == 2.0


def test_existing_folder(tmp_path):
    assert existing_folder("folder", tmp_path) == tmp_path
    with pytest.raises(ValueError, match="folder"):
        existing_folder("folder", tmp_path / "missing")
    with pytest.raises(ValueError, match="folder"):
        existing_folder("folder", __file__)
    with pytest.raises(TypeError, match="folder"):
        existing_folder("folder", 3)


def test_callable_arg():
    assert callable_arg("job", print) is print
    with pytest.raises(TypeError, match="job"):
        callable_arg("job", 3)
