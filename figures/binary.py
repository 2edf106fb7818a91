"""Figures of the binary transforms (``paper_checks.awasthi2022`` and ``bartlett2006``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figures.style import figure, save


def bounded_transforms(data: dict[str, Any], stem: Path) -> list[Path]:
    """T_B(θ) of each loss for several score bounds B (B = inf is BJM's ψ), kinks marked."""
    curves = data["curves"]
    fig, axes = figure(columns=len(curves), width=3.6)
    for ax, (loss, by_bound) in zip(axes, curves.items()):
        for k, (bound, values) in enumerate(by_bound.items()):
            ax.plot(data["theta"], values, color=f"C{k}", label=f"B={bound}")
        for kink in data["kinks"].get(loss, {}).values():
            if kink < 1:
                ax.axvline(kink, color="grey", ls=":", lw=0.8)
        ax.set(title=loss, xlabel="theta", ylabel="T_B(theta)")
        ax.legend(fontsize=7)
    return save(fig, stem)


def psi_table(data: dict[str, Any], stem: Path) -> list[Path]:
    """BJM ψ of each loss: closed form (line) inside the interval-arithmetic enclosure (band)."""
    fig, (axes,) = figure(width=5.2, height=3.8)
    for k, (loss, row) in enumerate(data["psi"].items()):
        colour = f"C{k % 10}"
        axes.fill_between(row["theta"], row["lower"], row["upper"], color=colour, alpha=0.25)
        axes.plot(row["grid"], row["values"], color=colour, lw=1, label=loss)
    axes.set(xlabel="theta = 2 eta - 1", ylabel="psi(theta)", title="BJM psi-transforms")
    axes.legend(fontsize=6, ncol=2)
    return save(fig, stem)
