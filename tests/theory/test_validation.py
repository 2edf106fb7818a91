import array_api_compat.numpy
import array_api_strict
import numpy as np
import pytest

from theory.validation import (
    as_float_array,
    check_parameter,
    check_probabilities,
    check_scores,
    check_unit_interval,
)


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


def test_the_defaults_are_a_real_number_at_least_zero():
    assert check_parameter("x", 0) == 0.0 and type(check_parameter("x", 0)) is float
    assert check_parameter("x", 0.5) == 0.5
    with pytest.raises(ValueError, match=r"^x must be a finite number >= 0.0, got -0.5$"):
        check_parameter("x", -0.5)
    assert check_parameter("n", 2, low=2, integer=True) == 2


def test_the_type_error_names_the_type():
    with pytest.raises(TypeError, match=r"^x must be a real number, got str$"):
        check_parameter("x", "3")


@pytest.mark.parametrize(
    ("given", "dtype"),
    [
        ([1, 2], np.float64),
        (3, np.float64),
        (np.array([1, 2]), np.float64),
        (np.array([1.0], dtype=np.float32), np.float32),
        (np.array([1.0]), np.float64),
    ],
)
def test_as_float_array_keeps_floats_and_turns_the_rest_into_float64(given, dtype):
    xp, x = as_float_array(given)
    assert xp is array_api_compat.numpy
    assert x.dtype == dtype
    np.testing.assert_array_equal(x, np.asarray(given, dtype=dtype))


def test_as_float_array_casts_in_the_inputs_own_namespace():
    xp, x = as_float_array(array_api_strict.asarray([1, 2]))
    assert xp is array_api_strict
    assert x.dtype == array_api_strict.float64


def test_the_unit_interval_includes_its_ends():
    xp = array_api_compat.numpy
    check_unit_interval("t", np.array([0.0, 0.5, 1.0]), xp)
    for outside in (-1e-300, 1.5, 1 + 2.0**-52, np.nan):
        with pytest.raises(ValueError, match=r"^t must lie in \[0, 1\] \(and not be NaN\)$"):
            check_unit_interval("t", np.array([0.5, outside]), xp)


EPS = 2.0**-52


@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_row_sums_are_allowed_1000_n_eps_of_slack(shape):
    # rows of two classes: slack 2000 eps; 1 + k eps is exact for k < 2^52
    xp = array_api_compat.numpy
    at_limit = np.broadcast_to([1 + 2000 * EPS, 0.0], (*shape, 2))
    check_probabilities(at_limit, xp)
    check_probabilities(np.broadcast_to([1 - 1000 * EPS, 1000 * EPS], (*shape, 2)), xp)
    for beyond in ([1 + 2001 * EPS, 0.0], [1 - 2002 * EPS, 0.0]):
        with pytest.raises(ValueError, match=r"^each row of p must sum to 1 \(within 4\.4e-13\)$"):
            check_probabilities(np.broadcast_to(beyond, (*shape, 2)), xp)


def test_probability_rows_need_two_classes_and_no_negative_or_nan_entry():
    xp = array_api_compat.numpy
    check_probabilities(np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]), xp)
    check_probabilities(np.array([0.0, 0.0, 1.0]), xp)
    with pytest.raises(ValueError, match=r"^p needs a class axis of length >= 2 last, got shape"):
        check_probabilities(np.array([1.0]), xp)
    with pytest.raises(ValueError, match=r"^p needs a class axis of length >= 2 last, got shape"):
        check_probabilities(np.ones((2, 1)), xp)
    for bad in ([1.5, -0.5], [np.nan, 1.0]):
        with pytest.raises(ValueError, match=r"^p must be non-negative and finite \(no NaN\)$"):
            check_probabilities(np.array(bad), xp)


def test_scores_must_match_p_and_be_finite():
    xp = array_api_compat.numpy
    p = np.array([[0.5, 0.5]])
    check_scores(np.array([[1e300, -1e300]]), p, xp)
    with pytest.raises(ValueError, match=r"^scores shape \(2,\) differs from p shape \(1, 2\)$"):
        check_scores(np.zeros(2), p, xp)
    for bad in (np.inf, np.nan):
        with pytest.raises(ValueError, match=r"^scores must be finite$"):
            check_scores(np.array([[0.0, bad]]), p, xp)
