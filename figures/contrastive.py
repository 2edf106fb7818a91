"""Figures of the contrastive-loss checks (``paper_checks.yeh2022``, ``paper_checks.wang2021``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from figures.style import figure, save


def npc_histograms(data: dict[str, Any], stem: Path) -> list[Path]:
    """Histograms of the NPC multiplier q_B per batch size N, one panel per temperature."""
    rows = data["rows"]
    fig, axes = figure(columns=len(rows))
    for ax, row in zip(axes, rows):
        for k, n in enumerate(row["sizes"]):
            values = row["samples"][n]
            ax.hist(
                values,
                bins=40,
                range=(0, 1),
                density=True,
                histtype="step",
                color=f"C{k}",
                label=f"N={n}: mean {values.mean():.2f}, CV {values.std() / values.mean():.2f}",
            )
        ax.set(xlabel="q_B", ylabel="density", title=f"tau = {row['tau']:g}", yscale="log")
        ax.legend(fontsize=6)
    return save(fig, stem)


def loss_gap(data: dict[str, Any], stem: Path) -> list[Path]:
    """Mean InfoNCE − DCL = −log q_B against the number of negatives M = 2(N − 1), log-log."""
    fig, (ax,) = figure()
    negatives = 2 * (np.asarray(data["sizes"]) - 1)
    ax.loglog(negatives, data["gaps"], "o-", label="mean InfoNCE - DCL")
    ax.loglog(negatives, data["gaps"][0] * negatives[0] / negatives, "k--", lw=1, label="1/M")
    ax.set(
        xlabel="negatives per anchor M", ylabel="loss gap", title="DCL is a finite-batch correction"
    )
    ax.legend(fontsize=8)
    return save(fig, stem)
