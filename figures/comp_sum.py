"""Figures of the comp-sum H-consistency checks (``paper_checks.mao2023``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from figures.style import figure, save

_COLOURS = {0.0: "C0", 0.5: "C1", 1.0: "C2", 1.5: "C3", 1.8: "C5", 2.0: "C4", 3.0: "C6"}
_DASHES = {2: "-", 3: "-", 5: "--", 10: "--", 100: ":", 20: ":"}


def transforms(data: dict[str, Any], stem: Path) -> list[Path]:
    """T_τ(t) and Γ_τ(v) for τ in {0, .5, 1, 1.5, 2}; n in {2, 10, 100} where τ > 1 needs it."""
    fig, (left, right) = figure(columns=2)
    for (tau, n), values in data["transform"].items():
        if tau <= 1 and n != 2:
            continue
        label = f"tau={tau:g}" + (f", n={n}" if tau > 1 else "")
        left.plot(data["t"], values, _DASHES[n], color=_COLOURS[tau], label=label)
        right.plot(data["v"], data["gamma"][(tau, n)], _DASHES[n], color=_COLOURS[tau])
    left.set(xlabel="0-1 regret t", ylabel="T_tau(t)", title="transform T_tau")
    right.set(
        xlabel="surrogate regret v",
        ylabel="Gamma_tau(v)",
        title="bound Gamma_tau = T^-1",
        ylim=(0, 1.02),
    )
    left.legend(fontsize=7)
    return save(fig, stem)


def tightness(data: dict[str, Any], stem: Path) -> list[Path]:
    """Brute-force infimum of ΔC_τ at ΔC_01 = t divided by the formula T_τ(t) (1 = tight)."""
    fig, (axes,) = figure()
    for (tau, n), found in data["found"].items():
        axes.plot(
            found.t,
            found.ratio,
            "o" + _DASHES.get(n, "-"),
            color=_COLOURS.get(tau, "k"),
            ms=4,
            label=f"tau={tau:g}, n={n}",
        )
    axes.axhline(1.0, color="k", lw=0.8)
    axes.set(
        xlabel="0-1 regret t",
        ylabel="inf dC_tau / T_tau(t)",
        yscale="log",
        title="tightness: brute-force infimum over the formula",
    )
    axes.legend(fontsize=7)
    return save(fig, stem)


def n_dependence(data: dict[str, Any], stem: Path) -> list[Path]:
    """Tight transform at t = 0.05 against n, with the formula's n-dependence."""
    fig, (axes,) = figure()
    ns = np.asarray(data["n"])
    for tau in sorted({tau for tau, _ in data["found"]}):
        infimum = [data["found"][(tau, n)].infimum[0] for n in ns]
        formula = [data["found"][(tau, n)].formula[0] for n in ns]
        axes.plot(ns, infimum, "o-", color=_COLOURS[tau], label=f"tau={tau:g} brute force")
        axes.plot(ns, formula, ":", color=_COLOURS[tau], label=f"tau={tau:g} formula")
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="number of classes n",
        ylabel="inf dC_tau at dC_01 = 0.05",
        title="n-dependence of the tight transform",
    )
    axes.legend(fontsize=7)
    return save(fig, stem)


def restricted_class(data: dict[str, Any], stem: Path) -> list[Path]:
    """Both sides of the bound with gaps at every iterate, and the 0-1 risk of the iterates."""
    run = data["run"]
    fig, (left, right) = figure(columns=2)
    for k, tau in enumerate(run.taus):
        colour = _COLOURS[tau]
        left.plot(run.regret_zero_one[:, k], color=colour, label=f"tau={tau:g}")
        left.plot(data["gamma_side"][:, k], "--", color=colour)
        right.plot(run.zero_one[:, k], color=colour, label=f"tau={tau:g}")
    left.set(
        xlabel="iteration",
        ylabel="E dC_01 (solid) <= Gamma(E dC_tau) (dashed)",
        title="bound with minimizability gaps",
    )
    right.axhline(data["best_zero_one"], color="k", ls="--", label="best linear found")
    right.axhline(data["bayes"], color="k", ls=":", label="Bayes")
    right.set(xlabel="iteration", ylabel="0-1 risk", title="0-1 risk of the iterates")
    left.legend(fontsize=7)
    right.legend(fontsize=7)
    return save(fig, stem)
