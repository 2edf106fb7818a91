"""Figures of the naive Bayes vs logistic regression checks (``paper_checks.zheng2023``,
``paper_checks.ng2001``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from figures.style import figure, save

COLOURS = {"naive_bayes": "C3", "logistic": "C2"}
LABELS = {"naive_bayes": "naive Bayes", "logistic": "logistic regression"}


def sample_complexity(data: dict[str, Any], stem: Path) -> list[Path]:
    """m* against n (log-log), one panel per K, each method with its least-squares line."""
    slopes = data["slopes"]
    fig, axes = figure(columns=len(slopes))
    for ax, (k, by_method) in zip(axes, slopes.items()):
        for method, result in by_method.items():
            n, needed = result.n_values, result.needed
            ax.loglog(n, needed, "o", color=COLOURS[method], label=f"{LABELS[method]}")
            if np.isfinite(result.slope):
                fitted = np.exp(np.polyval(np.polyfit(np.log(n), np.log(needed), 1), np.log(n)))
                ax.loglog(
                    n,
                    fitted,
                    "-",
                    color=COLOURS[method],
                    lw=1,
                    label=f"slope {result.slope:.2f} ± {result.slope_se:.2f}",
                )
        n = next(iter(by_method.values())).n_values
        ax.set_xticks(n, [f"{v:.0f}" for v in n], minor=False)
        ax.set_xticks([], minor=True)
        ax.set(xlabel="features n", ylabel="m* (error <= Bayes + 0.01)", title=f"K = {k}")
        ax.legend(fontsize=7)
    return save(fig, stem)


def _curve_panel(ax, curves, title: str, crossing: float | None = None) -> None:
    for method in ("naive_bayes", "logistic"):
        errors = getattr(curves, method)
        mean = errors.mean(axis=0)
        se = errors.std(axis=0, ddof=1) / np.sqrt(errors.shape[0])
        ax.plot(curves.sizes, mean, "o-", ms=3, color=COLOURS[method], label=LABELS[method])
        ax.fill_between(curves.sizes, mean - se, mean + se, color=COLOURS[method], alpha=0.25)
    ax.axhline(curves.bayes_error, color="k", ls=":", lw=1, label="Bayes error")
    if crossing is not None and np.isfinite(crossing):
        ax.axvline(crossing, color="0.5", ls="--", lw=1, label=f"m_c = {crossing:.0f}")
    ax.set(
        xscale="log", yscale="log", xlabel="training size m", ylabel="exact 0-1 risk", title=title
    )
    ax.legend(fontsize=7)


def error_curves(data: dict[str, Any], stem: Path) -> list[Path]:
    """Mean exact error ± 1 s.e. against m for both methods, one panel per (K, n)."""
    panels = [(k, n, c) for k, by_n in data["curves"].items() for n, c in by_n.items()]
    fig, axes = figure(columns=len(panels))
    for ax, (k, n, curves) in zip(axes, panels):
        _curve_panel(ax, curves, f"well specified: K = {k}, n = {n}")
    return save(fig, stem)


def two_regimes(data: dict[str, Any], stem: Path) -> list[Path]:
    """Error against m on the block-correlated design, one panel per n, the crossing marked."""
    rows = data["rows"]
    fig, axes = figure(columns=len(rows))
    for ax, row in zip(axes, rows):
        _curve_panel(ax, row["curves"], f"misspecified: n = {row['n']}", row["crossing"])
        ax.set(yscale="linear")
    return save(fig, stem)


def concentration(data: dict[str, Any], stem: Path) -> list[Path]:
    """Exact m* for naive Bayes' means against ln n, with the fitted line."""
    fig, (ax,) = figure()
    log_n = np.log(data["sizes"])
    ax.plot(log_n, data["needed"], "o", color=COLOURS["naive_bayes"], label="exact m*")
    ax.plot(
        log_n,
        data["intercept"] + data["slope"] * log_n,
        "k-",
        lw=1,
        label=f"{data['slope']:.1f} ln n + {data['intercept']:.0f}",
    )
    ax.set(xlabel="ln n", ylabel="m per class", title="all Kn means within gamma, prob. 1 - delta")
    ax.legend(fontsize=8)
    return save(fig, stem)
