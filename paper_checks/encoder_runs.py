"""What the contrastive papers (yeh2022, wang2021) share: the linear-encoder training sweeps, and
the formulas of the losses and the parameters of the laws that their evidence states."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from paper_checks.claims import Context
from simulations import contrastive as kernel
from simulations import embeddings
from simulations.contrastive_training import EncoderConfig, EncoderGrid, EncoderRun, encoders_task
from simulations.sweeps import Cell

DCLW_SIGMA = inspect.signature(kernel.contrastive).parameters["sigma"].default
"""σ of the DCLW weight wherever a check does not set it (the kernel's default)."""

LOSS_FORMULAS = {
    "infonce": "L = -s_p + log(e^{s_p} + sum_j e^{s_j}), logits s = cos/tau, over the M = 2(N - 1) "
    "negatives j of the anchor (both views of the other instances)",
    "dcl": "L = -s_p + log(sum_j e^{s_j}): InfoNCE with the positive left out of the denominator",
    "dclw": "L = -w_i s_p + log(sum_j e^{s_j}), w_i = 2 - N softmax_i(cos_p,i / sigma) over the "
    "batch's positive cosines, w detached (a constant in the gradient)",
}
"""Per-anchor losses of :func:`simulations.contrastive.contrastive`, by its ``loss`` names."""


def loss_formulas(names, sigma: float = DCLW_SIGMA) -> dict[str, str]:
    """The formula of each named loss, for an evidence entry that names them."""
    return {
        name: LOSS_FORMULAS[name] + (f", sigma = {sigma:g}" if name == "dclw" else "")
        for name in names
    }


def set_of(values) -> str:
    """``values`` as a set in a ``checked`` line: "{8, 16, 32}", numbers in their shortest form."""
    return "{" + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values) + "}"


def paired_views_law(d: int | str, positive_cosine: float) -> dict[str, Any]:
    """The law of :func:`simulations.embeddings.paired_views` with its parameters."""
    return {
        "law": "centre c uniform on S^(d-1); each of the two views normalise(c + sigma g), "
        "g ~ N(0, I_d), sigma = sqrt((1/rho - 1)/d), so that the mean positive cosine is ~ rho",
        "d": d,
        "rho": positive_cosine,
    }


def toy_model(config: EncoderConfig) -> dict[str, Any]:
    """The latent-class toy and the linear encoder that :func:`encoder_runs` trains, with the
    parameters :func:`simulations.contrastive_training.train_linear_encoders` uses (the defaults
    of :func:`simulations.embeddings.latent_class_model` and
    :class:`simulations.embeddings.LatentClassModel`) and the run's :class:`EncoderConfig`."""
    shape = inspect.signature(embeddings.latent_class_model).parameters
    noise = {f.name: f.default for f in dataclasses.fields(embeddings.LatentClassModel)}
    return {
        "law": "class c uniform over K classes, content h = mu_c + content_noise eps, mu_c ~ "
        "N(0, I_content); each view x = A [h + view_noise e; nuisance_sd g] with fresh "
        "e ~ N(0, I_content), g ~ N(0, I_nuisance); A a random orthogonal matrix; eps ~ N(0, I)",
        "K": shape["classes"].default,
        "content": shape["content"].default,
        "nuisance": shape["nuisance"].default,
        **{key: noise[key] for key in ("content_noise", "view_noise", "nuisance_sd")},
        "encoder": f"z = normalise(W x), W ({config.out_dim} x dim) from "
        f"{config.init_scale} N(0, 1)",
        "config": dataclasses.asdict(config),
    }


def encoder_runs(ctx: Context, grids: list[EncoderGrid]) -> list[EncoderRun]:
    """Train every grid as one sweep cell under the claim's seed (cached and distributed as
    the context says); same seed, same data model and initialisations for every grid."""
    seed = ctx.seed
    results = ctx.sweep(encoders_task, [Cell(grid, seed) for grid in grids])
    return [EncoderRun.from_result(r, grid, seed) for r, grid in zip(results, grids)]
