"""Figure of ``losslab analyze``: the loss, its transform and the bound Γ = T⁻¹."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from figures.style import figure, save


def loss_theory(data: dict[str, Any], stem: Path) -> list[Path]:
    """Three panels: the loss on its variable, T(θ) (closed form as a line, the certified table
    as a band, B-bounded transform dashed when given), and Γ(v) with Γ = 1 beyond T(1)."""
    fig, (loss, transform, bound) = figure(columns=3, width=3.8)
    loss.plot(data["x"], data["loss"], color="C0")
    loss.axhline(0.0, color="grey", lw=0.6)
    loss.set(xlabel=data["variable"], ylabel=data["loss_label"], title=data["title"])
    if data.get("lower") is not None:
        transform.fill_between(
            data["theta"], data["lower"], data["upper"], color="C1", alpha=0.3, label="table"
        )
    if data.get("transform") is not None:
        transform.plot(data["grid"], data["transform"], color="C1", label="T")
    if data.get("bounded") is not None:
        transform.plot(data["grid"], data["bounded"], "--", color="C2", label=data["bounded_label"])
    transform.set(xlabel="theta (0-1 excess)", ylabel="T(theta)", title=data["transform_title"])
    transform.legend(fontsize=7)
    if data.get("v") is not None:
        bound.plot(data["v"], data["gamma"], "o-", color="C3", ms=3)
        bound.set(ylim=(0, 1.05))
    else:
        bound.text(0.5, 0.5, "no bound: T vanishes", ha="center", transform=bound.transAxes)
    bound.set(xlabel="v (surrogate excess)", ylabel="Gamma(v)", title="bound Gamma = T^-1")
    return save(fig, stem)
