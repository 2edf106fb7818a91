"""Throughput of the pointwise Monte Carlo check (``simulations.comp_sum.check_pointwise``).

Reports draws per second by backend, dtype, τ and n, for the whole check (sampling the four
families + regrets + rounding bounds + transform) and for the kernel alone (regrets, rounding
bounds and transform on draws made beforehand). Writes one JSON file under
``benchmarks/results/`` with the command, backend, device and versions.

    python benchmarks/pointwise_mc.py                 # numpy, float64 and float32
    python benchmarks/pointwise_mc.py --backend cupy --draws 50000000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from timing import RESULTS, best_of, write_record

from simulations import backend as backends
from simulations import comp_sum as mc
from theory import comp_sum


def measure(backend, tau: float, n: int, dtype: str, draws: int, repeats: int) -> dict:
    seed = np.random.SeedSequence(0)
    whole = best_of(
        repeats,
        backend,
        lambda: mc.check_pointwise(tau, n, draws=draws, backend=backend, seed=seed, dtype=dtype),
    )
    xp = backend.xp
    p, scores = mc.sample_conditionals(
        backend.rng(seed), "dirichlet", n, min(draws, 2**21 // n), tau, dtype
    )
    transform = comp_sum.transform(tau, n)

    def kernel():
        zero_one, surrogate, rounding = mc.regrets_with_rounding(p, scores, tau, xp)
        bound = transform.evaluate(xp.clip(zero_one, 0.0, 1.0), xp)
        return xp.sum(xp.astype(surrogate - bound < -rounding, xp.int64))

    kernel_time = best_of(repeats, backend, kernel)
    return {
        "tau": tau,
        "n": n,
        "dtype": dtype,
        "draws": draws,
        "seconds": whole,
        "draws_per_second": draws / whole,
        "kernel_batch": int(p.shape[0]),
        "kernel_draws_per_second": p.shape[0] / kernel_time,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--backend", default="numpy", choices=[*backends.CHOICES, "array_api_strict"]
    )
    parser.add_argument("--draws", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    parser.add_argument("--taus", nargs="+", type=float, default=[0.0, 1.0, 2.0])
    parser.add_argument("--classes", nargs="+", type=int, default=[2, 10, 100])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    backend = backends.select(args.backend)
    rows = []
    for dtype in args.dtypes:
        for n in args.classes:
            for tau in args.taus:
                row = measure(backend, tau, n, dtype, args.draws, args.repeats)
                rows.append(row)
                print(
                    f"{backend.name:6s} {dtype:8s} n={n:<4d} tau={tau:<4g} "
                    f"{row['draws_per_second']:12.3e} draws/s (kernel {row['kernel_draws_per_second']:.3e})",
                    flush=True,
                )
    path = write_record(
        "pointwise_mc",
        backend,
        argv,
        args.out,
        target=">= 1e6 draws/s at n = 10, float64, numpy on the 2-core CPU",
        rows=rows,
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
