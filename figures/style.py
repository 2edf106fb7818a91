"""Shared figure set-up: a headless backend and one way to save."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def figure(columns: int = 1, width: float = 4.6, height: float = 3.4):
    """A figure with ``columns`` side-by-side axes."""
    fig, axes = plt.subplots(1, columns, figsize=(width * columns, height), squeeze=False)
    return fig, axes[0]


def save(fig, stem: Path) -> list[Path]:
    """Save as ``<stem>.png`` at 120 dpi with fixed metadata, close, return the path."""
    path = stem.parent / f"{stem.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)
    return [path]
