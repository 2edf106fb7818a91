"""The ``losslab`` command: ``list``, ``check``, ``figures`` and ``analyze``.

Exit codes: 0 when every verdict equals its expected verdict (``analyze``: when the analysis
ran), 1 otherwise, 2 on usage errors (unknown claim or paper, unknown or unavailable backend,
unwritable output or cache folder, ``--scheduler`` without ``--executor dask``, an unreachable
Dask scheduler; for ``analyze``, an expression the safe parser refuses or the analysis cannot
take, an analysis that outlasts ``--time-limit``, or an invalid option).

``check`` and ``figures`` run the simulation sweeps on ``--executor`` (serial, a local process
pool, or Dask: the scheduler at ``--scheduler``, else a local cluster) and, with ``--cache
DIR``, keep every finished cell there (:mod:`simulations.sweeps`): a rerun computes only what
is missing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

from tqdm import tqdm

from paper_checks.claims import SCALES, Context, Result, claim_seed, run_claim, select
from simulations import backend as backends
from simulations import sweeps

DEFAULT_SEED = 20230723
TIME_LIMIT = 120.0
"""Seconds ``analyze`` may run: sympy has no bound on its work, and an input within the parser's
size limits can still keep it busy for hours."""
PAPER_KEYS = (
    "mao2023",
    "awasthi2022",
    "bartlett2006",
    "dai2025",
    "yeh2022",
    "wang2021",
    "zheng2023",
    "ng2001",
)
"""The registry's paper keys, for ``--help`` without importing the papers (a test keeps the two
equal)."""


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other usage error of the command (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _number(kind: type, low: float, what: str, strict: bool = False):
    """An argparse type: a finite ``kind`` at least ``low`` (above it when ``strict``)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}")
        return value

    return parse


_SEED = _number(int, 0, "a non-negative integer")
_POSITIVE = _number(float, 0.0, "a positive number", strict=True)
_CLASSES = _number(int, 2, "an integer of at least 2")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="losslab",
        description="Check published claims about surrogate and contrastive losses.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    papers = ", ".join(PAPER_KEYS)
    listing = commands.add_parser(
        "list", help="print the registered claims", description=f"papers: {papers}"
    )
    listing.add_argument(
        "selectors",
        nargs="*",
        metavar="ID_OR_PAPER",
        help="claim ids or paper keys (default: all)",
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    for name, help_text, default_out in (
        ("check", "run checks and write a report", "losslab-report"),
        ("figures", "regenerate the figures of the checks that draw one", "losslab-figures"),
    ):
        sub = commands.add_parser(
            name,
            help=help_text,
            description=f"{help_text}; papers: {papers} (`losslab list` shows the claim ids)",
        )
        sub.add_argument(
            "selectors",
            nargs="*",
            metavar="ID_OR_PAPER",
            help="claim ids or paper keys (default: all)",
        )
        sub.add_argument(
            "--scale",
            choices=SCALES,
            default="quick",
            help="quick (default; minutes on a laptop) or full",
        )
        sub.add_argument(
            "--backend",
            choices=backends.CHOICES,
            default=None,
            help=f"array backend (default: ${backends.ENV_VAR} or auto)",
        )
        sub.add_argument(
            "--seed",
            type=_SEED,
            default=DEFAULT_SEED,
            help=f"root random seed, a non-negative integer (default {DEFAULT_SEED})",
        )
        sub.add_argument("--out", type=Path, default=Path(default_out), help="output folder")
        sub.add_argument(
            "--executor",
            choices=sweeps.EXECUTORS,
            default="serial",
            help="where simulation cells run (default serial)",
        )
        sub.add_argument(
            "--scheduler",
            metavar="ADDRESS",
            default=None,
            help="Dask scheduler address, e.g. tcp://host:8786 (with --executor dask; default: "
            "a local cluster)",
        )
        sub.add_argument(
            "--no-controls",
            action="store_true",
            help="skip the runtime negative controls (faster; the report says they were skipped)",
        )
        sub.add_argument(
            "--cache",
            type=Path,
            default=None,
            metavar="DIR",
            help="keep finished simulation cells in DIR and reuse them (default: no cache)",
        )
    analyze = commands.add_parser(
        "analyze", help="the theory of one loss: convexity, calibration, psi, Gamma"
    )
    analyze.add_argument(
        "expression",
        metavar="EXPR",
        help="a margin loss in z, e.g. 'log(1 + exp(-z))' (with --comp-sum: a function of u); "
        "write -- before an EXPR that starts with '-'",
    )
    analyze.add_argument(
        "--comp-sum", action="store_true", help="EXPR is a comp-sum outer function Phi(u)"
    )
    analyze.add_argument(
        "--bound", type=_POSITIVE, default=None, help="score bound B of the class (positive)"
    )
    analyze.add_argument(
        "--classes",
        type=_CLASSES,
        default=None,
        help="number of classes for --comp-sum (default 2)",
    )
    analyze.add_argument("--json", action="store_true", help="machine-readable output")
    analyze.add_argument("--plot", type=Path, default=None, metavar="PATH", help="write a PNG")
    analyze.add_argument(
        "--time-limit",
        type=_POSITIVE,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"give up on an analysis that runs longer (default {TIME_LIMIT:g})",
    )
    return parser


def _list(selectors: list[str], as_json: bool) -> int:
    from paper_checks.registry import REGISTRY

    try:
        claims = select(REGISTRY, selectors)
    except KeyError as error:
        return _usage_error(error.args[0])
    rows = [
        {
            "id": c.id,
            "paper": c.paper,
            "method": str(c.method),
            "provenance": str(c.provenance),
            "expected": str(c.expected),
            "statement": c.statement,
        }
        for c in claims
    ]
    if as_json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        print(
            f"{r['id']:<{width}}  {r['method']:<10}  {r['provenance']:<13}  "
            f"expect {r['expected']:<8}  {r['statement']}"
        )
    print(f"{len(rows)} claims in {len({r['paper'] for r in rows})} papers")
    return 0


def _writable(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / ".losslab-write-test"
    probe.write_text("")
    probe.unlink()
    return folder


def _run(
    args: argparse.Namespace, claims, backend, figure_dir: Path, store, executor
) -> list[Result]:
    results = []
    with tqdm(claims, unit="claim", disable=None, file=sys.stderr) as bar:
        for claim in bar:
            bar.set_postfix_str(claim.id)
            seed = claim_seed(args.seed, claim.id)
            context = Context(args.scale, backend, seed, store, executor)
            results.append(run_claim(claim, context, figure_dir, controls=not args.no_controls))
    return results


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help, or a usage error argparse has already reported
        return done.code
    if args.command == "list":
        return _list(args.selectors, args.json)
    if args.command == "analyze":
        return _analyze(args)
    from paper_checks.registry import REGISTRY

    try:
        claims = select(REGISTRY, args.selectors)
        if args.command == "figures":
            claims = [c for c in claims if c.figure is not None]
        backend = backends.select(args.backend)
        if args.scheduler is not None and args.executor != "dask":
            raise ValueError("--scheduler needs --executor dask")
        out = _writable(args.out)
    except KeyError as error:
        return _usage_error(error.args[0])
    except (backends.BackendError, ValueError) as error:
        return _usage_error(str(error))
    except OSError as error:
        return _usage_error(f"cannot write to {args.out}: {error.strerror or error}")
    try:
        store = None if args.cache is None else sweeps.Store(_writable(args.cache))
    except OSError as error:
        return _usage_error(f"cannot write to {args.cache}: {error.strerror or error}")
    try:
        executor = sweeps.make_executor(args.executor, args.scheduler)
    except (OSError, ValueError) as error:
        where = args.scheduler or "a local cluster"
        message = " ".join(str(error).split()) or type(error).__name__
        return _usage_error(f"cannot start the {args.executor} executor on {where}: {message}")
    with executor:
        return _check(args, argv, claims, backend, out, store, executor)


def _check(args, argv, claims, backend, out: Path, store, executor) -> int:
    from paper_checks import report

    start = time.perf_counter()
    if args.command == "figures":
        results = _run(args, claims, backend, out, store, executor)
        for result in results:
            for path in result.figures:
                print(path)
        return 0 if all(r.figures for r in results) else 1
    for stale in (out / "report.json", out / "report.md"):
        stale.unlink(missing_ok=True)  # a run cut short must not leave an older report behind
    results = _run(args, claims, backend, out / "figures", store, executor)
    document = report.build(
        results,
        run={
            "backend": backend.name,
            "device": backend.device,
            "requested_backend": backend.requested,
            "fallback_reason": backend.fallback_reason,
            "versions": backend.describe()["versions"],
            "seed": args.seed,
            "scale": args.scale,
            "executor": args.executor,
            "scheduler": args.scheduler,
            "cache": None if args.cache is None else str(args.cache),
            "controls": "skipped" if args.no_controls else "run",
            "duration_s": time.perf_counter() - start,
            "command": "losslab " + " ".join(sys.argv[1:] if argv is None else argv),
        },
    )
    json_path, md_path = report.write(document, out)
    print(report.table(results))
    print(
        f"backend: {backend.name} on {backend.device}"
        + (f" (fallback: {backend.fallback_reason})" if backend.fallback_reason else "")
    )
    print(f"report: {json_path} and {md_path}")
    return 0 if document["all_as_expected"] else 1


_ANALYSIS_FAILURES = (
    ValueError,
    TypeError,
    NotImplementedError,
    ArithmeticError,
    RecursionError,
)
"""What sympy and the analysis raise on input they cannot take; reported in one line."""


def _analyze(args: argparse.Namespace) -> int:
    from paper_checks import analyze
    from theory.proof import OutOfTime, deadline

    if args.bound is not None and args.comp_sum:
        return _usage_error("--bound applies to binary margin losses only")
    if args.classes is not None and not args.comp_sum:
        return _usage_error("--classes applies to --comp-sum only")
    if args.plot is not None and args.plot.suffix not in ("", ".png"):
        return _usage_error(f"--plot writes a PNG: {args.plot} does not end in .png")
    try:
        with deadline(args.time_limit):
            result = analyze.analyze(
                args.expression, comp=args.comp_sum, bound=args.bound, n_classes=args.classes or 2
            )
    except OutOfTime:
        return _usage_error(
            f"the analysis of {args.expression!r} did not finish within {args.time_limit:g} s "
            "(raise --time-limit to wait longer)"
        )
    except _ANALYSIS_FAILURES as error:
        message = " ".join(str(error).split()) or type(error).__name__
        return _usage_error(f"cannot analyze {args.expression!r}: {message}")
    print(analyze.to_json(result) if args.json else analyze.render(result))
    if args.plot is not None:
        try:
            path = analyze.plot(result, args.plot)
        except OSError as error:
            return _usage_error(f"cannot write {args.plot}: {error.strerror or error}")
        print(f"figure: {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _usage_error(message: str) -> int:
    print(f"losslab: error: {message}", file=sys.stderr)
    return 2
