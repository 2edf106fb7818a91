"""Each figure draws from the data its check produces and writes a PNG."""

import numpy as np
import pytest

from figures import binary as draw_binary
from figures import comp_sum as draw
from paper_checks import awasthi2022, mao2023


def _is_png(path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("check", "figure"),
    [
        (mao2023.convex_increasing, draw.transforms),
        (mao2023.tight_gce, draw.tightness),
        (mao2023.n_dependence, draw.n_dependence),
        (mao2023.bound_restricted_class, draw.restricted_class),
    ],
)
def test_comp_sum_figures(ctx, tmp_path, check, figure):
    (path,) = figure(check(ctx).data, tmp_path / "claim.x")
    assert path.name == "claim.x.png" and _is_png(path)


def test_binary_figures(tmp_path):
    theta = np.linspace(0, 1, 5)
    data = {
        "theta": theta,
        "curves": {"hinge": {"1": theta, "inf": theta}},
        "kinks": {"hinge": {"1": 0.5}},
    }
    (path,) = draw_binary.bounded_transforms(data, tmp_path / "b")
    assert _is_png(path)
    rows = {
        "hinge": {"theta": theta, "lower": theta, "upper": theta, "grid": theta, "values": theta}
    }
    (path,) = draw_binary.psi_table({"psi": rows}, tmp_path / "p")
    assert _is_png(path)
    assert awasthi2022.CLAIMS[1].figure is draw_binary.bounded_transforms


def test_contrastive_training_figures(tmp_path):
    from figures import contrastive as draw_contrastive

    steps = [0, 5, 10]
    curve = {
        "steps": steps,
        "losses": ["infonce", "dcl"],
        "tuned": [np.linspace(0.2, 0.8, 3), np.linspace(0.2, 0.9, 3)],
        "tuned_rates": [0.1, 0.05],
        "naive": np.full((2, 3), 0.5),
        "naive_rate": 0.05,
    }
    curves = {"curves": {"sgd": curve, "adam": curve | {"naive": None}}}
    (path,) = draw_contrastive.learning_curves(curves, tmp_path / "curves")
    assert _is_png(path)
    rng = np.random.default_rng(0)
    trade = {"taus": [1.0, 0.3, 0.07]} | {
        key: rng.uniform(size=(3, 4)) for key in ("uniformity", "tolerance", "accuracy")
    }
    (path,) = draw_contrastive.temperature_tradeoff(trade, tmp_path / "trade")
    assert _is_png(path)
