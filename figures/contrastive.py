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


def learning_curves(data: dict[str, Any], stem: Path) -> list[Path]:
    """Content share of ‖W‖² against the step at N = 8: every loss at the common learning rate
    (dashed) and at its own tuned rate (solid), one panel per optimiser."""
    curves = data["curves"]
    fig, axes = figure(columns=len(curves))
    for ax, (optimiser, curve) in zip(axes, curves.items()):
        for k, loss in enumerate(curve["losses"]):
            ax.plot(
                curve["steps"],
                curve["tuned"][k],
                color=f"C{k}",
                label=f"{loss}, tuned lr {curve['tuned_rates'][k]:g}",
            )
            if curve["naive"] is not None:
                ax.plot(
                    curve["steps"],
                    curve["naive"][k],
                    color=f"C{k}",
                    ls="--",
                    label=f"{loss}, lr {curve['naive_rate']:g}",
                )
        ax.set(
            xlabel="step",
            ylabel="content share of |W|^2",
            title=f"{optimiser.upper()}, N = 8",
        )
        ax.legend(fontsize=6)
    return save(fig, stem)


def temperature_tradeoff(data: dict[str, Any], stem: Path) -> list[Path]:
    """−L_uniformity, tolerance and nearest-class-mean accuracy against τ (mean ± 1 s.e.)."""
    fig, axes = figure(columns=3)
    taus = np.asarray(data["taus"])
    for ax, key, label in zip(
        axes,
        ("uniformity", "tolerance", "accuracy"),
        ("-L_uniformity (t = 2)", "tolerance (same-class cosine)", "nearest-class-mean accuracy"),
    ):
        values = np.asarray(data[key])  # (taus, seeds)
        error = values.std(axis=1, ddof=1) / np.sqrt(values.shape[1])
        ax.errorbar(taus, values.mean(axis=1), yerr=error, marker="o", capsize=2)
        ax.set(xscale="log", xlabel="tau", ylabel=label)
    fig.suptitle("InfoNCE on latent classes, linear encoder", fontsize=9)
    return save(fig, stem)
