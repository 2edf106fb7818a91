"""Batched Newton-CG logistic regression vs a loop of scikit-learn fits (``simulations.generative``).

The problems are a learning-curve batch of the paper's Gaussian design
(``theory.gaussian_classes.paper_design`` with the loader transform):
``--draws`` independent training sets of ``max(--sizes)`` rows, each fitted at every size of
``--sizes`` on its nested prefix, so draws x sizes problems (default 32 x 8 = 256, n = 100,
K = 3, m = 50, 100, ..., 400, C = 1). Timed side by side, round after round (interleaved, so
machine load hits both alike):

* ``batched_path``: ``fit_logistic_path``, all draws at once per size, warm-started along m;
* ``batched_path_threads``: the same with the draws split over ``--threads`` Python threads
  (numpy releases the GIL in its kernels), one batch per core;
* ``batched_cold``: ``fit_logistic`` on all problems in one call (padded to the largest m with
  row masks), cold start;
* ``sklearn_loop``: one ``LogisticRegression(lbfgs)`` fit per problem, cold (the baseline);
* ``sklearn_warm``: the same loop with ``warm_start=True`` along m within each draw.

Both solvers must reach the same objective: every scikit-learn solution is scored with
``logistic_objective`` (the function the batched solver minimises) and the relative gaps are
recorded, as are prediction disagreements on a test set, and how far above the optimum the
official code's settings (lbfgs, tol 1e-4, max_iter 1000) leave the objective. The speed-up is
the fastest ``sklearn_loop`` round over the fastest ``batched_path`` round: one Python thread
against one process; ``thread_pools`` records the BLAS and OpenMP pools (run with
``OPENBLAS_NUM_THREADS=1`` for a one-core comparison that another job on the machine cannot
distort through oversubscribed BLAS threads). The threaded ratio is reported beside
it; the scikit-learn loop could be spread over the cores too (at most ``--threads`` times
faster), so it is not the like-for-like figure. Writes one JSON file under
``benchmarks/results/`` with the command, backend, device, versions and the load average.

    OPENBLAS_NUM_THREADS=1 python benchmarks/nb_lr_solver.py
    python benchmarks/nb_lr_solver.py --backend cupy --draws 256
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info
from timing import RESULTS, best_of, synchronise, write_record

from simulations import backend as backends
from simulations import generative
from theory.gaussian_classes import paper_design

TARGET = 20.0
"""Speed-up the issue asks for on the 2-core CPU."""
OFFICIAL_TOL, OFFICIAL_MAX_ITER = 1e-4, 1000
"""scikit-learn's defaults, which the official ``main_simulation.py`` keeps: how far above the
optimum its logistic-regression fits stop is recorded beside the timings."""


def sklearn_loop(x, labels, sizes, n_classes, C, tol, warm_start, max_iter=10**6):
    """Fit every (draw, size) problem with scikit-learn; weights (S, B, K, n), intercepts (S, B, K)
    in the batched solver's parametrisation, and the lbfgs iteration counts."""
    draws, _, n = x.shape
    weights = np.zeros((len(sizes), draws, n_classes, n))
    intercepts = np.zeros((len(sizes), draws, n_classes))
    iterations = np.zeros((len(sizes), draws), dtype=int)
    for draw in range(draws):
        model = None
        for i, size in enumerate(sizes):
            rows, classes = x[draw, :size], labels[draw, :size]
            penalty = generative.scikit_learn_C(C, np.unique(classes).size)
            if model is None or not warm_start or penalty != model.C:
                model = LogisticRegression(
                    C=penalty, tol=tol, max_iter=max_iter, warm_start=warm_start
                )
            with warnings.catch_warnings():
                warnings.simplefilter("error", ConvergenceWarning)
                model.fit(rows, classes)
            weights[i, draw], intercepts[i, draw] = generative.scikit_learn_parameters(
                model.coef_, model.intercept_, model.classes_, n_classes
            )
            iterations[i, draw] = int(model.n_iter_[0])
    return weights, intercepts, iterations


def run(args, backend) -> dict:
    xp = backend.xp
    sizes = sorted(args.sizes)
    law = paper_design(n_classes=args.classes, n_features=args.n_features, loader_transform=True)
    seed = np.random.SeedSequence(args.seed)
    sample = generative.sample_training_sets
    x, labels = sample(law, backend, backends.derive(seed, 0), args.draws, sizes[-1])
    test_x, _ = sample(law, backend, backends.derive(seed, 1), 1, args.test_size)
    host_x, host_labels = backends.to_numpy(x), backends.to_numpy(labels)
    padded_x = xp.concat([x] * len(sizes), axis=0)
    padded_labels = xp.concat([labels] * len(sizes), axis=0)
    row_mask = generative.prefix_mask(np.repeat(np.asarray(sizes), args.draws), sizes[-1], xp)

    def batched_path():
        return generative.fit_logistic_path(x, labels, sizes, args.classes, args.C)

    chunks = [slice(i, args.draws, args.threads) for i in range(args.threads)]

    def batched_path_threads():
        with ThreadPoolExecutor(args.threads) as pool:
            return list(
                pool.map(
                    lambda rows: generative.fit_logistic_path(
                        x[rows, ...], labels[rows, ...], sizes, args.classes, args.C
                    ),
                    chunks,
                )
            )

    def batched_cold():
        return generative.fit_logistic(padded_x, padded_labels, args.classes, args.C, row_mask)

    rounds = []
    for _ in range(args.rounds):
        load_before = os.getloadavg()[0]
        path_s = best_of(args.batched_repeats, backend, batched_path, min_seconds=0)
        threads_s = best_of(args.batched_repeats, backend, batched_path_threads, min_seconds=0)
        cold_s = best_of(args.batched_repeats, backend, batched_cold, min_seconds=0)
        start = time.perf_counter()
        sk_weights, sk_intercepts, sk_iterations = sklearn_loop(
            host_x, host_labels, sizes, args.classes, args.C, args.sklearn_tol, warm_start=False
        )
        sklearn_s = time.perf_counter() - start
        start = time.perf_counter()
        _, _, warm_iterations = sklearn_loop(
            host_x, host_labels, sizes, args.classes, args.C, args.sklearn_tol, warm_start=True
        )
        sklearn_warm_s = time.perf_counter() - start
        rounds.append(
            {
                "batched_path_s": path_s,
                "batched_path_threads_s": threads_s,
                "batched_cold_s": cold_s,
                "sklearn_loop_s": sklearn_s,
                "sklearn_warm_s": sklearn_warm_s,
                "load_average_1min_before": load_before,
                "load_average_1min_after": os.getloadavg()[0],
            }
        )
        print(
            f"round {len(rounds)}: batched path {path_s:.3f} s ({threads_s:.3f} s on "
            f"{args.threads} threads), batched cold {cold_s:.3f} s, "
            f"sklearn loop {sklearn_s:.2f} s, sklearn warm {sklearn_warm_s:.2f} s "
            f"(load {load_before:.1f})",
            flush=True,
        )

    official_weights, official_intercepts, _ = sklearn_loop(
        host_x, host_labels, sizes, args.classes, args.C, OFFICIAL_TOL, False, OFFICIAL_MAX_ITER
    )
    fits = batched_path()
    cold = batched_cold()
    synchronise(backend)
    gaps, disagreements, cold_gaps, official_excess = [], 0, [], []
    for i, size in enumerate(sizes):
        ours = fits[i]
        theirs = generative.AffineScores(
            xp.asarray(sk_weights[i], dtype=x.dtype), xp.asarray(sk_intercepts[i], dtype=x.dtype)
        )
        prefix_x, prefix_labels = x[:, :size, :], labels[:, :size]
        reference = backends.to_numpy(
            generative.logistic_objective(prefix_x, prefix_labels, theirs, args.C)
        )
        objective = backends.to_numpy(ours.objective)
        gaps.append((objective - reference) / np.abs(reference))
        cold_objective = backends.to_numpy(cold.objective)[i * args.draws : (i + 1) * args.draws]
        cold_gaps.append((cold_objective - reference) / np.abs(reference))
        official = generative.AffineScores(
            xp.asarray(official_weights[i], dtype=x.dtype),
            xp.asarray(official_intercepts[i], dtype=x.dtype),
        )
        official_value = backends.to_numpy(
            generative.logistic_objective(prefix_x, prefix_labels, official, args.C)
        )
        official_excess.append((official_value - objective) / np.abs(objective))
        ours_predicted = backends.to_numpy(generative.predict(test_x[0], ours))
        theirs_predicted = backends.to_numpy(generative.predict(test_x[0], theirs))
        disagreements += int(np.sum(ours_predicted != theirs_predicted))
    gaps, cold_gaps = np.concatenate(gaps), np.concatenate(cold_gaps)
    official_excess = np.concatenate(official_excess)
    best = {key: min(r[key] for r in rounds) for key in rounds[0] if key.endswith("_s")}
    speed_up = best["sklearn_loop_s"] / best["batched_path_s"]
    return {
        "problems": args.draws * len(sizes),
        "draws": args.draws,
        "sizes": sizes,
        "n_features": args.n_features,
        "classes": args.classes,
        "C": args.C,
        "design": f"paper_design(n_classes={args.classes}, n_features={args.n_features}, "
        "loader_transform=True)",
        "sklearn": {
            "version": sklearn.__version__,
            "solver": "lbfgs",
            "tol": args.sklearn_tol,
            "max_iter": 10**6,
            "mean_iterations_cold": float(np.mean(sk_iterations)),
            "mean_iterations_warm": float(np.mean(warm_iterations)),
        },
        "batched": {
            "newton_iterations_per_size": [f.newton_iterations for f in fits],
            "hessian_products_per_size": [f.hessian_products for f in fits],
            "all_converged": bool(all(np.all(backends.to_numpy(f.converged)) for f in fits)),
            "cold_newton_iterations": cold.newton_iterations,
            "cold_hessian_products": cold.hessian_products,
        },
        "rounds": rounds,
        "best_seconds": best,
        "speed_up_path_vs_sklearn_loop": speed_up,
        "threads": args.threads,
        "speed_up_path_threads_vs_sklearn_loop": best["sklearn_loop_s"]
        / best["batched_path_threads_s"],
        "speed_up_path_vs_sklearn_warm": best["sklearn_warm_s"] / best["batched_path_s"],
        "speed_up_cold_vs_sklearn_loop": best["sklearn_loop_s"] / best["batched_cold_s"],
        "target_speed_up": TARGET,
        "target_met": speed_up >= TARGET,
        "relative_gap_definition": "(F_batched - F_sklearn) / |F_sklearn|, both by logistic_objective",
        "max_abs_relative_gap": float(np.max(np.abs(gaps))),
        "max_relative_gap": float(np.max(gaps)),
        "min_relative_gap": float(np.min(gaps)),
        "cold_max_abs_relative_gap": float(np.max(np.abs(cold_gaps))),
        "equal_objective_within_1e-8": bool(np.max(np.abs(gaps)) <= 1e-8),
        "thread_pools": [
            {key: pool[key] for key in ("internal_api", "prefix", "num_threads")}
            for pool in threadpool_info()
        ],
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "official_settings": {
            "tol": OFFICIAL_TOL,
            "max_iter": OFFICIAL_MAX_ITER,
            "definition": "(F_official - F_batched) / |F_batched|",
            "max_relative_excess": float(np.max(official_excess)),
            "median_relative_excess": float(np.median(official_excess)),
        },
        "test_rows": args.test_size,
        "prediction_disagreements": disagreements,
        "predictions_compared": args.test_size * args.draws * len(sizes),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", choices=backends.CHOICES)
    parser.add_argument("--draws", type=int, default=32)
    parser.add_argument("--sizes", nargs="+", type=int, default=list(range(50, 401, 50)))
    parser.add_argument("--n-features", type=int, default=100)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument(
        "--sklearn-tol",
        type=float,
        default=1e-7,
        help="lbfgs gradient tolerance; the loosest power of ten that reaches the batched "
        "objective within 1e-8 on the default problems",
    )
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batched-repeats", type=int, default=3)
    parser.add_argument("--test-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20231125)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    backend = backends.select(args.backend)
    fields = run(args, backend)
    print(
        f"speed-up (batched path vs sklearn loop): {fields['speed_up_path_vs_sklearn_loop']:.1f}x "
        f"(target {TARGET:g}x); max |relative objective gap| "
        f"{fields['max_abs_relative_gap']:.2e}; prediction disagreements "
        f"{fields['prediction_disagreements']} / {fields['predictions_compared']}"
    )
    path = write_record("nb_lr_solver", backend, argv, args.out, **fields)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
