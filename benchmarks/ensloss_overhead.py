"""Cost of the EnsLoss generator relative to one training step (``simulations.ensloss``).

One training step of K networks on a batch of 128 is forward -> margins -> loss-derivative ->
backward -> momentum SGD update, as in ``simulations.ensloss.train``. The generator replaces
the fixed BCE derivative by ``ensloss_derivatives`` (inverse Box-Cox draws, sort, clamp, rank
coupling, tail). Reported per configuration: generator seconds, fixed-BCE step seconds, EnsLoss
step seconds, and the overhead ``generator / BCE step`` (target: < 10% at batch 128 for the
repo's networks). Writes one JSON file under ``benchmarks/results/``.

    python benchmarks/ensloss_overhead.py
    python benchmarks/ensloss_overhead.py --backend cupy --models 1 64 1024
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from timing import RESULTS, best_of, write_record

from simulations import backend as backends
from simulations import mlp
from simulations.ensloss import ensloss_derivatives, fixed_derivative

# (depth, width, features): a linear model and the MLP1/3/5 of the repo's tabular runs (width
# 1024) on breast_cancer-sized inputs, plus the narrower width our quick checks use.
NETWORKS = [(0, 0, 30), (1, 64, 30), (3, 64, 30), (1, 1024, 30), (3, 1024, 30), (5, 1024, 30)]


def measure(backend, depth, width, features, models, batch, dtype, repeats) -> dict:
    xp = backend.xp
    seed = np.random.SeedSequence(0)
    rng = backend.rng(seed)
    network = mlp.initialise(rng, models, features, depth, width, dtype)
    x = rng.normal((models, batch, features), dtype)
    y = xp.where(rng.uniform((models, batch), dtype) < 0.5, -1.0, 1.0)
    y = xp.astype(y, x.dtype)
    optimiser = mlp.SGD(1e-4, 10**9, 0.9, 5e-6)

    def step(derivative):
        logits, inputs = mlp.forward(network, x, xp)
        margins = y * logits
        grads = mlp.backward(network, inputs, derivative(margins) * y / batch, xp)
        optimiser.step(network, grads, xp)

    def bce(margins):
        return fixed_derivative("bce", margins, xp)

    def ensloss(margins):
        return ensloss_derivatives(margins, rng)

    margins = y * mlp.forward(network, x, xp)[0]
    generator = best_of(repeats, backend, lambda: ensloss(margins))
    fixed_step = best_of(repeats, backend, lambda: step(bce))
    ensloss_step = best_of(repeats, backend, lambda: step(ensloss))
    return {
        "depth": depth,
        "width": width,
        "features": features,
        "models": models,
        "batch": batch,
        "dtype": dtype,
        "generator_s": generator,
        "bce_step_s": fixed_step,
        "ensloss_step_s": ensloss_step,
        "overhead_generator_over_step": generator / fixed_step,
        "overhead_step_ratio_minus_1": ensloss_step / fixed_step - 1,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", choices=backends.CHOICES)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--models", nargs="+", type=int, default=[1, 16])
    parser.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    backend = backends.select(args.backend)
    rows = []
    for dtype in args.dtypes:
        for models in args.models:
            for depth, width, features in NETWORKS:
                row = measure(
                    backend, depth, width, features, models, args.batch, dtype, args.repeats
                )
                rows.append(row)
                print(
                    f"{dtype:8s} K={models:<5d} depth={depth} width={width:<5d} "
                    f"generator {row['generator_s'] * 1e6:9.1f} us  BCE step "
                    f"{row['bce_step_s'] * 1e6:10.1f} us  overhead "
                    f"{100 * row['overhead_generator_over_step']:7.1f}%",
                    flush=True,
                )
    path = write_record(
        "ensloss_overhead",
        backend,
        argv,
        args.out,
        target="generator < 10% of one training step at batch 128 (repo-sized MLPs)",
        rows=rows,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
