"""Linear-encoder training sweeps of the contrastive papers (yeh2022, wang2021)."""

from __future__ import annotations

from paper_checks.claims import Context
from simulations.contrastive_training import EncoderGrid, EncoderRun, encoders_task
from simulations.sweeps import Cell


def encoder_runs(ctx: Context, grids: list[EncoderGrid]) -> list[EncoderRun]:
    """Train every grid as one sweep cell under the claim's seed (cached and distributed as
    the context says); same seed, same data model and initialisations for every grid."""
    results = ctx.sweep(encoders_task, [Cell(grid, ctx.seed) for grid in grids])
    return [EncoderRun.from_result(r, grid, ctx.seed) for r, grid in zip(results, grids)]
