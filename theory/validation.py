"""Input checks shared by the numeric functions of ``theory`` (one reduction each, no loops)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import array_api_compat


def namespace(*arrays: Any) -> Any:
    """The array API namespace of the inputs (numpy for Python scalars)."""
    return array_api_compat.array_namespace(*arrays)


def as_float_array(x: Any) -> tuple[Any, Any]:
    """``(xp, array)`` with Python scalars and lists turned into float64 numpy arrays."""
    if isinstance(x, int | float | list | tuple):
        import array_api_compat.numpy as np_xp

        return np_xp, np_xp.asarray(x, dtype=np_xp.float64)
    xp = namespace(x)
    if not xp.isdtype(x.dtype, "real floating"):
        x = xp.astype(x, xp.float64)
    return xp, x


def check_parameter(name: str, value: float, *, low: float = 0.0, integer: bool = False) -> float:
    """A finite real parameter ``>= low`` (an integer if asked): a Python or numpy number, not a
    bool; returned as a Python int or float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    if not math.isfinite(value) or value < low:
        raise ValueError(f"{name} must be a finite number >= {low}, got {value}")
    if integer and value != int(value):
        raise ValueError(f"{name} must be an integer, got {value}")
    return int(value) if integer else float(value)


def check_unit_interval(name: str, x: Any, xp: Any) -> None:
    """All entries of ``x`` finite and in [0, 1]."""
    if not bool(xp.all((x >= 0) & (x <= 1))):
        raise ValueError(f"{name} must lie in [0, 1] (and not be NaN)")


def check_probabilities(p: Any, xp: Any) -> None:
    """``p`` has a class axis last, entries >= 0 and rows summing to 1.

    The sum is allowed ``1000 * n * eps`` of slack, the rounding of a normalisation ``g / sum(g)``
    with a wide margin.
    """
    if p.ndim < 1 or p.shape[-1] < 2:
        raise ValueError(f"p needs a class axis of length >= 2 last, got shape {p.shape}")
    if not bool(xp.all(p >= 0)):
        raise ValueError("p must be non-negative and finite (no NaN)")
    slack = 1000 * p.shape[-1] * xp.finfo(p.dtype).eps
    if not bool(xp.all(xp.abs(xp.sum(p, axis=-1) - 1) <= slack)):
        raise ValueError(f"each row of p must sum to 1 (within {slack:.1e})")


def check_scores(scores: Any, p: Any, xp: Any) -> None:
    """Finite scores with the same shape as ``p``."""
    if scores.shape != p.shape:
        raise ValueError(f"scores shape {scores.shape} differs from p shape {p.shape}")
    if not bool(xp.all(xp.isfinite(scores))):
        raise ValueError("scores must be finite")
