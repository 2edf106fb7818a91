import numpy as np
import pytest

from theory.validation import check_parameter


@pytest.mark.parametrize("value", [3, 3.0, np.int64(3), np.float32(3.0), np.uint8(3)])
def test_python_and_numpy_numbers_are_accepted_and_returned_as_python_numbers(value):
    assert check_parameter("n", value, low=1, integer=True) == 3
    assert type(check_parameter("n", value, low=1, integer=True)) is int
    assert type(check_parameter("x", value)) is float


@pytest.mark.parametrize("value", [True, np.bool_(False), "3", None, np.array([1.0]), 1j])
def test_non_numbers_and_bools_are_refused_with_a_type_error(value):
    with pytest.raises(TypeError, match="x must be a real number"):
        check_parameter("x", value)


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        (-1, {}, "x must be a finite number >= 0.0, got -1"),
        (float("nan"), {}, "finite number"),
        (np.float64("inf"), {"low": -np.inf}, "finite number"),
        (2.5, {"integer": True}, "x must be an integer, got 2.5"),
    ],
)
def test_out_of_range_values_are_refused_with_a_value_error(value, kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_parameter("x", value, **kwargs)
