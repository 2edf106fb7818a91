"""Figures of the EnsLoss checks (``paper_checks.dai2025``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from figures.style import figure, save


def generator(data: dict[str, Any], stem: Path) -> list[Path]:
    """Generated derivatives and implied losses for several draws and λ, and the mean over many
    batches against the population limit."""
    fig, (left, middle, right) = figure(columns=3, width=3.8)
    for k, (lam, (s, g, loss)) in enumerate(data["draws"].items()):
        for row in range(g.shape[0]):
            label = f"lambda={lam:g}" if row == 0 else None
            left.step(s, g[row], where="post", color=f"C{k}", lw=0.8, label=label)
            middle.plot(s, loss[row], color=f"C{k}", lw=0.8, label=label)
    left.set(xlabel="margin s", ylabel="generated phi'(s)", title="random loss-derivatives")
    middle.set(xlabel="margin s", ylabel="implied loss", title="integrated (phi(min s) = 0)")
    left.legend(fontsize=7)
    for batch, (positions, mean) in data["curves"].items():
        right.plot(positions, mean, lw=1, label=f"mean, B={batch}")
    right.plot(data["u"], data["limit"], "k--", lw=1, label="limit -min(1, exp(Phi^-1(1-u)))")
    right.set(xlabel="rank quantile u", ylabel="phi' at rank u", title="population limit")
    right.legend(fontsize=7)
    return save(fig, stem)


def excess_risk(data: dict[str, Any], stem: Path) -> list[Path]:
    """Excess 0-1 risk against n (mean and standard error over repeats), log-log."""
    fig, (axes,) = figure()
    n, excess = np.asarray(data["n"]), data["excess"]
    for k, label in enumerate(data["labels"]):
        mean = excess[:, :, k].mean(1)
        error = excess[:, :, k].std(1) / np.sqrt(excess.shape[1])
        axes.errorbar(n * (1 + 0.03 * k), mean, error, marker="o", capsize=3, label=label)
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="n",
        ylabel="excess 0-1 risk",
        title="well-specified logistic model",
    )
    axes.set_xticks(n, [str(v) for v in n])
    axes.minorticks_off()
    axes.legend(fontsize=8)
    return save(fig, stem)


def overfitting(data: dict[str, Any], stem: Path) -> list[Path]:
    """Test accuracy per loss with standard errors over seeds (p >> n random features)."""
    fig, (axes,) = figure()
    test = data["test"]
    mean, error = test.mean(0), test.std(0) / np.sqrt(test.shape[0])
    axes.bar(
        range(len(mean)), mean, yerr=error, capsize=3, color=[f"C{k}" for k in range(len(mean))]
    )
    axes.set_xticks(range(len(mean)), data["labels"], rotation=20, fontsize=8)
    axes.set(
        ylim=(mean.min() - 0.03, mean.max() + 0.02),
        ylabel="test accuracy",
        title="p >> n random features, every loss interpolates",
    )
    return save(fig, stem)


def depth(data: dict[str, Any], stem: Path) -> list[Path]:
    """Test accuracy of EnsLoss and the fixed losses per task and depth (mean ± s.e.)."""
    tasks, depths, labels = data["tasks"], data["depths"], data["labels"]
    fig, axes = figure(columns=len(depths), width=4.0, height=3.6)
    for ax, d in zip(axes, depths):
        for k, label in enumerate(labels):
            accuracy = np.array([data["accuracy"][(task, d)][:, k] for task in tasks])
            mean = accuracy.mean(1)
            error = accuracy.std(1) / np.sqrt(accuracy.shape[1])
            ax.errorbar(
                np.arange(len(tasks)) + 0.12 * (k - 1.5),
                mean,
                error,
                fmt="o",
                ms=3,
                capsize=2,
                color=f"C{k}",
                label=label,
            )
        ax.set_xticks(range(len(tasks)), tasks, rotation=30, fontsize=7)
        ax.set(title=f"MLP{d}", ylabel="test accuracy")
    axes[0].legend(fontsize=7)
    return save(fig, stem)
