"""Mutation score of one ``theory/`` module from a seeded random sample of its mutants.

    pip install -e ".[dev,mutation]"
    python benchmarks/mutation_sample.py theory/comp_sum.py --sample 300

mutmut (configured in ``pyproject.toml``, ``[tool.mutmut]``) writes every mutant of ``theory/``
into ``mutants/`` and maps each function to the theory tests that call it. This script draws
``--sample`` of the module's mutants with ``numpy.random.SeedSequence(--seed)``, has mutmut judge
each by the tests that cover it, and writes the score with its Clopper-Pearson 95% interval to
``benchmarks/results/mutation_<module>_<date>.json``. A mutant that no test reaches counts as
survived: it is a gap in the tests, not a neutral case. Survivors are listed with their diff so
that equivalent mutants (the same behaviour, e.g. ``x * 1.0`` for ``x``) can be told apart from
real gaps; the ones judged equivalent, and why, go into the file's ``equivalent`` field by hand
(``--equivalent FILE``: a JSON object {mutant name: reason}).

Exhaustive runs are out of reach on a 2-core machine (about 0.3 mutants/s, an hour a module),
hence the sample: with n mutants judged, the interval's half-width is at most about 1/sqrt(n).
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
KILLED = {1, 3, 24, -24, 152, 255, 36, -9, -11}
"""mutmut exit codes of a mutant the tests caught (a failure, a timeout, a crash)."""
SURVIVED = {0, 5, 33}
"""mutmut exit codes of a mutant the tests let through (passed, or no test reaches it)."""


def _mutmut(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def mutant_names(module: Path) -> list[str]:
    """All mutants of ``module`` (e.g. ``theory/comp_sum.py``), generating them if needed."""
    meta = ROOT / "mutants" / f"{module}.meta"
    if not meta.exists():
        # Any name generates every mutant and collects which tests cover which function.
        prefix = module.with_suffix("").as_posix().replace("/", ".")
        _mutmut("run", f"{prefix}.nothing_matches_this")
    if not meta.exists():
        raise SystemExit(f"mutmut generated no mutants for {module}")
    return sorted(json.loads(meta.read_text())["exit_code_by_key"])


def judge(names: list[str], module: Path, max_children: int | None) -> dict[str, int | None]:
    """Exit code of each named mutant, as mutmut records it after running the covering tests."""
    children = [] if max_children is None else ["--max-children", str(max_children)]
    done = _mutmut("run", *children, *names)
    if done.returncode != 0:
        raise SystemExit(f"mutmut run failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    codes = json.loads((ROOT / "mutants" / f"{module}.meta").read_text())["exit_code_by_key"]
    return {name: codes.get(name) for name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", type=Path, help="a file under theory/, e.g. theory/comp_sum.py")
    parser.add_argument("--sample", type=int, default=300, help="mutants to judge (default 300)")
    parser.add_argument("--seed", type=int, default=20261207, help="seed of the sample")
    parser.add_argument("--equivalent", type=Path, default=None, help="JSON {mutant: why}")
    parser.add_argument(
        "--max-children",
        type=int,
        default=None,
        help="mutmut workers (default: mutmut's, one a core)",
    )
    args = parser.parse_args(argv)
    if args.module.parts[0] != "theory" or args.module.suffix != ".py":
        parser.error("the module must be a .py file under theory/")
    if args.sample < 1:
        parser.error("--sample must be at least 1")

    names = mutant_names(args.module)
    rng = np.random.default_rng(np.random.SeedSequence(args.seed))
    sample = sorted(rng.choice(names, size=min(args.sample, len(names)), replace=False).tolist())
    codes = judge(sample, args.module, args.max_children)
    equivalent = json.loads(args.equivalent.read_text()) if args.equivalent else {}
    killed = [n for n, c in codes.items() if c in KILLED]
    survived = [n for n, c in codes.items() if c in SURVIVED and n not in equivalent]
    unjudged = [n for n, c in codes.items() if c not in KILLED | SURVIVED]
    judged = len(killed) + len(survived)
    interval = stats.binomtest(len(killed), judged).proportion_ci(0.95, method="exact")
    score = len(killed) / judged
    record = {
        "command": "python "
        + " ".join([Path(__file__).relative_to(ROOT).as_posix(), *sys.argv[1:]]),
        "module": args.module.as_posix(),
        "judged_by": "tests/theory (mutmut runs the tests that call the mutated function)",
        "mutants_in_module": len(names),
        "sample": len(sample),
        "seed": args.seed,
        "killed": len(killed),
        "survived_not_equivalent": len(survived),
        "equivalent": equivalent,
        "unjudged": {n: codes[n] for n in unjudged},
        "score": score,
        "score_95ci_clopper_pearson": [interval.low, interval.high],
        "survivors": {n: _mutmut("show", n).stdout for n in survived},
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
    }
    out = ROOT / "benchmarks" / "results"
    stem = args.module.with_suffix("").as_posix().replace("/", "_")
    path = out / f"mutation_{stem}_{record['date'].replace('-', '')}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"{args.module}: {len(killed)}/{judged} killed = {score:.1%} "
        f"(95% CI {interval.low:.1%}-{interval.high:.1%}); {len(equivalent)} equivalent, "
        f"{len(unjudged)} unjudged; {path.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
