"""``losslab analyze EXPR``: parse a loss safely, analyse it, print a table or JSON, draw a PNG.

The mathematics is :mod:`theory.analysis`; parsing is :mod:`theory.expressions` (no eval);
drawing is :mod:`figures.analysis`. This module only turns a report into text and plot data.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp

from theory import comp_sum
from theory.analysis import (
    CompSumAnalysis,
    Inverse,
    MarginAnalysis,
    analyze_comp_sum,
    analyze_margin_loss,
    show,
)
from theory.expressions import MARGIN, OUTER, parse
from theory.proof import Proof

PLOT_POINTS = 201


def analyze(text: str, *, comp: bool, bound: float | None, n_classes: int):
    """Parse ``text`` (in u with ``comp``, else in z) and analyse it."""
    if comp:
        return analyze_comp_sum(parse(text, OUTER), n_classes)
    return analyze_margin_loss(parse(text, MARGIN), bound)


def _answer(proof: Proof) -> str:
    return {True: "yes", False: "no", None: "undecided"}[proof.holds]


def _status(proof: Proof, *, detail: bool = False) -> str:
    short = proof.detail if detail and 0 < len(proof.detail) <= 60 else ""
    return f"{proof.status} ({proof.rung}{'; ' + short if short else ''})"


def _gamma_text(gamma: Inverse | None) -> str:
    if gamma is None:
        return "none: T vanishes, no bound"
    if gamma.expr is not None:
        return f"{gamma.expr} on [0, {gamma.v[-1]:.4g}], 1 beyond"
    last = len(gamma.v) - 1
    points = ", ".join(
        f"Gamma({gamma.v[k]:.3g}) = {gamma.values[k]:.3g}" for k in (last // 4, last // 2, last)
    )
    return f"numeric: {points}"


def _rows_margin(result: MarginAnalysis) -> list[tuple[str, str, str]]:
    cc = result.cc
    left, right = (show(s) for s in cc.slope_at_zero)
    slope = right if left == right else f"left {left}, right {right}"
    infimum = f"inf phi in [{cc.infimum[0]:.4g}, {cc.infimum[1]:.4g}]"
    lip = result.lipschitz
    if lip.constant is not None:
        lip_value = f"yes, L = {lip.constant}"
    elif math.isfinite(lip.enclosure[1]):
        lip_value = f"yes, L in [{lip.enclosure[0]:.6g}, {lip.enclosure[1]:.6g}]"
    else:
        lip_value = _answer(lip.proof)
    rows = [
        ("convex", _answer(cc.convex), _status(cc.convex)),
        (
            "differentiable at 0",
            _answer(cc.differentiable_at_zero),
            _status(cc.differentiable_at_zero),
        ),
        ("phi'(0)", slope, ""),
        ("phi'(0) < 0", _answer(cc.negative_slope), _status(cc.negative_slope)),
        ("calibrated", _answer(cc.calibrated), _status(cc.calibrated, detail=True)),
        ("bounded below", f"{_answer(cc.bounded_below)}, {infimum}", _status(cc.bounded_below)),
        ("Lipschitz", lip_value, _status(lip.proof, detail=lip.constant is None)),
    ]
    psi = result.psi
    if psi is None:
        rows.append(("psi(theta)", "undefined", result.notes[0]))
    else:
        value = str(psi.expr) if psi.expr is not None else "no closed form: certified table"
        detail = f"{psi.status}" + (f"; {psi.note}" if psi.note else "")
        rows.append(("psi(theta)", value, detail))
        growth = result.growth
        rows.append(
            (
                "psi near 0",
                f"~ {growth.coefficient} theta^{growth.exponent:g}, Gamma {growth.kind}"
                if growth.exponent is not None
                else "vanishes",
                growth.method,
            )
        )
        rows.append(("Gamma = psi^-1", _gamma_text(result.gamma), _gamma_status(result.gamma)))
    if result.bounded is not None:
        bounded = result.bounded
        name = f"T_B, B = {result.bound:g}"
        value = str(bounded.expr) if bounded.expr is not None else "no closed form: table"
        rows.append((name, value, str(bounded.status)))
        rows.append(
            (
                "Gamma_B = T_B^-1",
                _gamma_text(result.bounded_gamma),
                _gamma_status(result.bounded_gamma),
            )
        )
    derivative = result.derivative
    if derivative is None:
        rows.append(("EnsLoss g = phi'", "constant", result.notes[-1]))
        return rows
    rows.append(("EnsLoss g = phi'", show(derivative.g), ""))
    for label, proof in zip(
        ("  g non-decreasing", "  g continuous at 0", "  g(0) < 0", "  phi bounded below"),
        derivative.proofs,
        strict=True,
    ):
        rows.append((label, _answer(proof), _status(proof)))
    return rows


def _gamma_status(gamma: Inverse | None) -> str:
    if gamma is None:
        return ""
    if gamma.proof is not None:
        return f"{gamma.proof.status} (Gamma(T(theta)) = theta)"
    return gamma.method


def _rows_comp_sum(result: CompSumAnalysis) -> list[tuple[str, str, str]]:
    rows = [
        (label, _answer(proof), _status(proof, detail=True))
        for label, proof in (
            ("Phi(0) = 0", result.zero_at_zero),
            ("non-decreasing", result.non_decreasing),
            ("concave", result.concave),
            ("bounded above", result.bounded),
            ("comp-sum member", result.member),
        )
    ]
    if result.tau is not None:
        rows += [
            ("tau", f"{result.tau} ({result.name}), scale c = {result.scale}", ""),
            ("T(t), n classes", str(result.transform), "reconstructed [mao2023, main theorem]"),
            (
                "T near 0",
                (
                    f"~ {result.growth.coefficient} t^{result.growth.exponent:g}, "
                    f"Gamma {result.growth.kind}"
                ),
                result.growth.method,
            ),
            (f"Gamma, n = {result.n_classes}", _gamma_text(result.gamma), result.gamma.method),
        ]
    rows.append(("binary reduction n = 2", f"phi(z) = {result.margin_loss}", ""))
    return rows


def render(result: MarginAnalysis | CompSumAnalysis) -> str:
    """The terminal table: property, result, and the status with the rung that decided it."""
    if isinstance(result, CompSumAnalysis):
        header = f"Phi(u) = {result.outer}   (comp-sum outer function)"
        rows, footer = _rows_comp_sum(result), result.note
    else:
        header = f"phi(z) = {show(result.phi)}   (binary margin loss)"
        rows, footer = _rows_margin(result), result.verdict
    widths = [max(len(row[k]) for row in rows) for k in range(2)]
    widths[1] = min(widths[1], 48)
    lines = [header, ""]
    lines += [
        f"{name.ljust(widths[0])}  {value.ljust(widths[1])}  {status}".rstrip()
        for name, value, status in rows
    ]
    return "\n".join([*lines, "", footer])


def to_json(result: MarginAnalysis | CompSumAnalysis) -> str:
    """The report as JSON; infinite and NaN numbers are written as strings."""
    return json.dumps(_finite(result.as_dict()), indent=2)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def plot_data(result: MarginAnalysis | CompSumAnalysis) -> dict[str, Any]:
    """Arrays for :func:`figures.analysis.loss_theory`."""
    grid = np.linspace(0.0, 1.0, PLOT_POINTS)
    if isinstance(result, CompSumAnalysis):
        x = np.linspace(0.0, 10.0, PLOT_POINTS)
        data = {
            "variable": "u",
            "x": x,
            "loss": _values(result.outer, OUTER, x),
            "loss_label": "Phi(u)",
            "title": f"Phi(u) = {result.outer}",
            "grid": grid,
            "transform_title": f"comp-sum T, n = {result.n_classes}",
        }
        if result.tau is not None:
            forward = comp_sum.transform(float(result.tau), result.n_classes)
            data["transform"] = float(result.scale) * forward(grid)
            data["v"], data["gamma"] = result.gamma.v, result.gamma.values
        return data
    x = np.linspace(-3.0, 3.0, PLOT_POINTS)
    data = {
        "variable": "z (margin)",
        "x": x,
        "loss": _values(result.phi, MARGIN, x),
        "loss_label": "phi(z)",
        "title": f"phi(z) = {show(result.phi)}",
        "grid": grid,
        "transform_title": "BJM psi (B = inf)",
    }
    psi = result.psi
    if psi is not None:
        data["theta"], data["lower"], data["upper"] = psi.theta, psi.lower, psi.upper
        if psi.expr is not None:
            data["transform"] = psi(grid)
    if result.bounded is not None:
        data["bounded"] = result.bounded(grid)
        data["bounded_label"] = f"T_B, B = {result.bound:g}"
    if result.gamma is not None:
        data["v"], data["gamma"] = result.gamma.v, result.gamma.values
    return data


def _values(expr: sp.Expr, variable: sp.Symbol, x: np.ndarray) -> np.ndarray:
    """Float values on a grid; NaN where the expression is not a finite real."""
    fn = sp.lambdify(variable, expr, modules="numpy")
    with np.errstate(all="ignore"):
        values = np.asarray(fn(x), dtype=complex) * np.ones_like(x)
    return np.where(np.abs(values.imag) > 0, np.nan, values.real)


def plot(result: MarginAnalysis | CompSumAnalysis, path: Path) -> Path:
    """Draw the figure at ``path`` (a .png suffix is added or kept)."""
    from figures.analysis import loss_theory

    return loss_theory(plot_data(result), path.parent / path.stem)[0]
